"""The report's two tables, built from the results with the display rules of tinyclr.results."""

from __future__ import annotations

from tinyclr.report.document import Table
from tinyclr.results import Results, RunResult, decimals, localize, minutes, percent, rate

# Printed where a random-init reference has no training metric.
NO_VALUE = "\u2013"


def arch_name(arch: object) -> str:
    """Return the usual spelling of a backbone name, e.g. 'resnet50' -> 'ResNet50'."""
    text = str(arch)
    if text.lower().startswith("resnet"):
        return "ResNet" + text[len("resnet") :]
    return text


def config_table(results: Results, header: list[str], caption: str, lang: str) -> Table:
    """Return the table of each variant's backbone, head depth, batch size, temperature and
    length of training, read from its train.json config."""
    rows = []
    for run in results.variants:
        source = run.folder / "train.json"
        train = run.train
        rows.append(
            [
                run.name,
                arch_name(train.setting("arch", source)),
                str(train.setting("head_layers", source)),
                str(train.setting("batch_size", source)),
                localize(f"{train.setting('temperature', source):g}", lang),
                str(train.epochs),
                str(train.steps),
            ]
        )
    return Table(caption=caption, header=header, rows=rows)


def results_header(results: Results, words: dict[str, str]) -> list[str]:
    """Return the results table's header; ``words`` gives the language's column names."""
    knn = [f"kNN k={k}" for k in results.knn_ks]
    return [
        words["variant"],
        words["loss"],
        words["contrastive_top1"],
        words["contrastive_top5"],
        words["linear_top1"],
        words["linear_top5"],
        *knn,
        words["silhouette"],
        words["time"],
        words["images_per_s"],
    ]


def results_row(results: Results, run: RunResult) -> list[str]:
    """Return one row of the results table, every number printed with its display rule."""
    knn = [percent(run.eval.knn_top1[k]) for k in results.knn_ks]
    evaluation = [percent(run.eval.linear_top1), percent(run.eval.linear_top5), *knn]
    silhouette = decimals(run.tsne.silhouette_features)
    if run.train is None:
        return [run.name, NO_VALUE, NO_VALUE, NO_VALUE, *evaluation, silhouette, NO_VALUE, NO_VALUE]
    train = run.train
    return [
        run.name,
        decimals(train.final_loss),
        percent(train.final_top1),
        percent(train.final_top5),
        *evaluation,
        silhouette,
        minutes(train.wall_time_s),
        rate(train.images_per_s),
    ]


def results_table(results: Results, words: dict[str, str], caption: str, lang: str) -> Table:
    rows = []
    for run in results.runs:
        name, *numbers = results_row(results, run)
        rows.append([name, *(localize(number, lang) for number in numbers)])
    return Table(caption=caption, header=results_header(results, words), rows=rows, wide=True)
