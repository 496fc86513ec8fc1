"""Figures stage: the report's plots, sized for an IEEE two-column page, as vector PDF and PNG.

Widths follow the IEEE conference template: 3.5 in for one column, 7.16 in across both. Text is
set in STIX (a Times-like serif that matplotlib ships) at 8 pt so it matches the report's body
font. Every variant keeps its colour in every plot, and every class keeps its colour in every
t-SNE panel.

Each figure is drawn once per report language, into ``<out>/<lang>/``, with that language's axis
labels, legends and decimal separator. Variant and class names are printed as they are.
"""

from __future__ import annotations

import argparse
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import ScalarFormatter

from tinyclr.config import load_section
from tinyclr.files import atomic_dir
from tinyclr.results import Results, RunResult, load_results, localize, read_names

log = logging.getLogger(__name__)

SINGLE_COLUMN_IN = 3.5
DOUBLE_COLUMN_IN = 7.16
FIGURE_NAMES = ("loss_per_step", "top1_per_epoch", "lr_schedule", "accuracy", "tsne_grid")
LANGUAGES = ("en", "id")

# Figure text per report language. Indonesian keeps the field's English terms (loss, epoch,
# learning rate, top-1) as the Indonesian report does.
LABELS = {
    "en": {
        "loss": "InfoNCE loss",
        "lr": "learning rate",
        "epoch": "epoch",
        "epoch_per_step": "epoch (one point per optimizer step)",
        "contrastive_top1": "contrastive top-1 (%)",
        "val_top1": "val top-1 (%)",
        "linear": "linear",
        "chance": "chance",
        "trained": "SimCLR",
        "reference": "random init",
    },
    "id": {
        "loss": "loss InfoNCE",
        "lr": "learning rate",
        "epoch": "epoch",
        "epoch_per_step": "epoch (satu titik per langkah optimizer)",
        "contrastive_top1": "top-1 kontrastif (%)",
        "val_top1": "top-1 validasi (%)",
        "linear": "linear",
        "chance": "peluang acak",
        "trained": "SimCLR",
        "reference": "inisialisasi acak",
    },
}

STYLE = {
    "font.family": "STIXGeneral",
    "mathtext.fontset": "stix",
    "font.size": 8,
    "axes.titlesize": 8,
    "axes.labelsize": 8,
    "legend.fontsize": 7,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "axes.linewidth": 0.6,
    "lines.linewidth": 1.0,
    "axes.grid": True,
    "grid.linewidth": 0.4,
    "grid.alpha": 0.4,
    "pdf.fonttype": 42,
    "svg.hashsalt": "tinyclr",
}


@dataclass(frozen=True)
class FiguresConfig:
    """The ``figures:`` section of params.yaml."""

    dpi: int = field(default=300, metadata={"min": 50, "max": 1200})


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--results", required=True, help="folder with one results/<name>/ per run")
    parser.add_argument("--data", required=True, help="prepared data folder (classes.json)")
    parser.add_argument(
        "--out", required=True, help="output folder, with one <lang>/ folder of PDF and PNG files"
    )


def run(args: argparse.Namespace) -> None:
    config = load_section(args.params, "figures", FiguresConfig)
    names = read_names(args.params)
    results = load_results(args.results, args.data, names)
    write_figures(results, Path(args.out), config.dpi)


def write_figures(results: Results, out: Path, dpi: int) -> list[Path]:
    """Draw every figure in every language and write ``<lang>/<name>.pdf`` and
    ``<lang>/<name>.png`` into ``out``, all or none of them."""
    written = []
    with atomic_dir(out) as temporary:
        for lang in LANGUAGES:
            figures = {
                "loss_per_step": plot_loss_per_step(results, lang),
                "top1_per_epoch": plot_top1_per_epoch(results, lang),
                "lr_schedule": plot_lr_schedule(results, lang),
                "accuracy": plot_accuracy(results, lang),
                "tsne_grid": plot_tsne_grid(results, lang),
            }
            (temporary / lang).mkdir()
            for name, figure in figures.items():
                # No creation date, so that the same results give byte-identical PDFs.
                figure.savefig(temporary / lang / f"{name}.pdf", metadata={"CreationDate": None})
                figure.savefig(temporary / lang / f"{name}.png", dpi=dpi)
                written += [out / lang / f"{name}.pdf", out / lang / f"{name}.png"]
    log.info("wrote %d figures in %d languages to %s", len(FIGURE_NAMES), len(LANGUAGES), out)
    return written


class LocalizedFormatter(ScalarFormatter):
    """Tick labels with the decimal separator of ``lang`` (a comma in Indonesian)."""

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang

    def __call__(self, x: float, pos: int | None = None) -> str:
        return localize(super().__call__(x, pos), self.lang)

    def get_offset(self) -> str:
        return localize(super().get_offset(), self.lang)


def localize_ticks(axes, lang: str) -> None:
    """Print both axes' tick labels with the decimal separator of ``lang``."""
    for axis in (axes.xaxis, axes.yaxis):
        axis.set_major_formatter(LocalizedFormatter(lang))


def variant_colours(results: Results) -> dict[str, tuple]:
    """Map each variant and reference to one colour of the tab10 palette, in params order."""
    palette = matplotlib.colormaps["tab10"]
    return {run.name: palette(i % 10) for i, run in enumerate(results.runs)}


def plain(text: str) -> str:
    """Escape dollar signs, which matplotlib would otherwise read as the start of mathtext."""
    return text.replace("$", r"\$")


def class_colours(labels: list[int]) -> dict[int, tuple]:
    """Map each class label to one colour, shared by every t-SNE panel."""
    palette = matplotlib.colormaps["tab10" if len(labels) <= 10 else "tab20"]
    count = palette.N
    if len(labels) > count:
        palette = matplotlib.colormaps["turbo"].resampled(len(labels))
        count = len(labels)
    return {label: palette(i % count) for i, label in enumerate(sorted(labels))}


def epochs_of_steps(run: RunResult, steps: np.ndarray) -> np.ndarray:
    """Convert optimizer steps into fractional epochs, so that variants with different batch
    sizes (and hence steps per epoch) share one x axis."""
    steps_per_epoch = run.train.steps / run.train.epochs
    return (steps + 1) / steps_per_epoch


def outside_legend(figure: Figure, axes) -> None:
    """Put the variants' legend above the plot, where it cannot cover a curve."""
    handles, labels = axes.get_legend_handles_labels()
    figure.legend(
        handles, labels, loc="outside upper center", ncols=min(4, len(labels)), frameon=False
    )


def plot_loss_per_step(results: Results, lang: str = "en") -> Figure:
    return _per_step_plot(results, "loss", lang)


def plot_lr_schedule(results: Results, lang: str = "en") -> Figure:
    return _per_step_plot(results, "lr", lang)


def plot_top1_per_epoch(results: Results, lang: str = "en") -> Figure:
    labels = LABELS[lang]
    colours = variant_colours(results)
    with matplotlib.rc_context(STYLE):
        figure = Figure(figsize=(SINGLE_COLUMN_IN, 2.2), layout="constrained")
        axes = figure.add_subplot()
        for run in results.variants:
            series = run.train.per_epoch["top1"]
            axes.plot(
                series.steps + 1,
                100 * series.values,
                marker="o",
                markersize=2.5,
                color=colours[run.name],
                label=run.name,
            )
        axes.set_xlabel(labels["epoch"])
        axes.set_ylabel(labels["contrastive_top1"])
        localize_ticks(axes, lang)
        outside_legend(figure, axes)
    return figure


def plot_tsne_grid(results: Results, lang: str = "en") -> Figure:
    text = LABELS[lang]
    runs = results.runs
    labels = sorted({int(label) for run in runs for label in run.tsne.points["label"]})
    colours = class_colours(labels)
    columns = min(3, len(runs))
    rows = math.ceil(len(runs) / columns)
    panel = DOUBLE_COLUMN_IN / columns

    with matplotlib.rc_context({**STYLE, "axes.grid": False}):
        figure = Figure(
            figsize=(DOUBLE_COLUMN_IN, 0.75 * panel * rows + 0.5), layout="constrained"
        )
        grid = figure.subplots(rows, columns, squeeze=False)
        for axes, run in zip(grid.flat, runs):
            points = run.tsne.points
            axes.scatter(
                points["x"],
                points["y"],
                c=[colours[int(label)] for label in points["label"]],
                s=2,
                linewidths=0,
                rasterized=len(points) > 5000,
            )
            kind = text["reference"] if run.is_reference else text["trained"]
            axes.set_title(f"{plain(run.name)} ({kind})")
            axes.set_xticks([])
            axes.set_yticks([])
        for axes in list(grid.flat)[len(runs) :]:
            axes.set_axis_off()

        handles = [
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                markersize=4,
                color=colours[label],
                label=plain(results.dataset.class_name(label)),
            )
            for label in labels
        ]
        figure.legend(
            handles=handles,
            loc="outside lower center",
            ncols=min(5, len(handles)),
            frameon=False,
            handletextpad=0.2,
            columnspacing=1.0,
        )
    return figure


def plot_accuracy(results: Results, lang: str = "en") -> Figure:
    labels = LABELS[lang]
    runs = results.runs
    ks = results.knn_ks
    measures = [(labels["linear"], lambda run: run.eval.linear_top1)]
    measures += [(f"kNN k={k}", lambda run, k=k: run.eval.knn_top1[k]) for k in ks]
    width = 0.8 / len(measures)
    shades = matplotlib.colormaps["Greys"]

    with matplotlib.rc_context(STYLE):
        figure = Figure(figsize=(SINGLE_COLUMN_IN, 2.4), layout="constrained")
        axes = figure.add_subplot()
        for index, (label, value) in enumerate(measures):
            offsets = [i - 0.4 + width * (index + 0.5) for i in range(len(runs))]
            axes.bar(
                offsets,
                [100 * value(run) for run in runs],
                width=width,
                color=shades(0.85 - 0.5 * index / max(1, len(measures) - 1)),
                edgecolor="black",
                linewidth=0.4,
                label=label,
            )
        chance = 100 * results.baseline.eval.chance
        axes.axhline(chance, color="black", linestyle=":", linewidth=0.8, label=labels["chance"])
        axes.set_xticks(range(len(runs)), [run.name for run in runs], rotation=30, ha="right")
        axes.set_ylabel(labels["val_top1"])
        axes.yaxis.set_major_formatter(LocalizedFormatter(lang))
        axes.grid(axis="x", visible=False)
        figure.legend(frameon=False, ncols=len(measures) + 1, loc="outside upper center")
    return figure


def _per_step_plot(results: Results, metric: str, lang: str) -> Figure:
    labels = LABELS[lang]
    colours = variant_colours(results)
    with matplotlib.rc_context(STYLE):
        figure = Figure(figsize=(SINGLE_COLUMN_IN, 2.2), layout="constrained")
        axes = figure.add_subplot()
        for run in results.variants:
            series = run.train.per_step[metric]
            axes.plot(
                epochs_of_steps(run, series.steps),
                series.values,
                color=colours[run.name],
                linewidth=0.8,
                label=run.name,
            )
        axes.set_xlabel(labels["epoch_per_step"])
        axes.set_ylabel(labels[metric])
        localize_ticks(axes, lang)
        if metric == "lr":
            axes.ticklabel_format(axis="y", style="sci", scilimits=(-2, 2), useMathText=True)
        outside_legend(figure, axes)
    return figure
