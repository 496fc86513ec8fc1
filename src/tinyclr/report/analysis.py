"""Findings the report states, computed from the results so every sentence has a number behind it.

Differences are taken between the printed (rounded) values, so a sentence such as "+1.2 points"
always matches the two numbers in the results table.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

from tinyclr.results import Results, RunResult, decimals, percent, rate

# Chen et al. (SimCLR, ICML 2020) report linear-probe results after 100 to 800 training epochs
# (their Fig. 9), so a run shorter than 100 epochs is called short.
SHORT_RUN_EPOCHS = 100
# Official Tiny ImageNet split sizes (Le and Yang, 2015).
OFFICIAL_TRAIN_IMAGES = 100_000
OFFICIAL_VAL_IMAGES = 10_000
# Settings a variant may change relative to the baseline, in the order the report discusses them.
VARIANT_KEYS = ("arch", "head_layers", "batch_size", "temperature")


@dataclass(frozen=True)
class Metric:
    key: str
    value: Callable[[RunResult], float]
    display: Callable[[float], str]
    higher_is_better: bool = True
    percentage: bool = True


@dataclass(frozen=True)
class Best:
    """The best variant on one metric, with both printed values and their printed difference."""

    metric: str
    name: str
    value: str
    baseline: str
    difference: str
    is_baseline: bool


@dataclass(frozen=True)
class Convergence:
    """Epoch-mean loss of one variant against the baseline's at the same epochs.

    ``comparable`` is False when batch size or temperature differ: the InfoNCE loss then has a
    different scale (its chance value is log(2N - 1) for batch size N), so the values tell
    nothing about speed of learning.
    """

    name: str
    comparable: bool
    epochs: int
    lower_every_epoch: bool
    lower_at_end: bool

    @property
    def faster(self) -> bool:
        return self.comparable and self.epochs >= 2 and self.lower_every_epoch


@dataclass(frozen=True)
class Change:
    key: str
    before: object
    after: object


@dataclass(frozen=True)
class ReferenceGap:
    """A variant's linear top-1 against the random-init reference of the same backbone."""

    name: str
    reference: str
    value: str
    reference_value: str
    difference: str


@dataclass(frozen=True)
class Findings:
    epochs: int
    short_run: bool
    subset: bool
    best: dict[str, Best]
    convergence: list[Convergence]
    changes: dict[str, list[Change]]
    reference_gaps: list[ReferenceGap]
    chance: str


def metrics(results: Results) -> list[Metric]:
    """Return the metrics compared across variants, each with its display rule."""
    found = [
        Metric("linear_top1", lambda run: run.eval.linear_top1, percent),
        Metric("linear_top5", lambda run: run.eval.linear_top5, percent),
    ]
    found += [
        Metric(f"knn_top1_{k}", lambda run, k=k: run.eval.knn_top1[k], percent)
        for k in results.knn_ks
    ]
    found += [
        Metric("silhouette", lambda run: run.tsne.silhouette_features, decimals, percentage=False),
        Metric("contrastive_top1", lambda run: run.train.final_top1, percent),
        Metric("images_per_s", lambda run: run.train.images_per_s, rate, percentage=False),
    ]
    return found


def analyse(results: Results, reference_arches: dict[str, str]) -> Findings:
    """Compute the findings that the abstract, analysis and conclusion state."""
    baseline = results.baseline
    epochs = max(run.train.epochs for run in results.variants)
    manifest = results.dataset.manifest
    subset = (
        manifest["train_images"] < OFFICIAL_TRAIN_IMAGES
        or manifest["val_images"] < OFFICIAL_VAL_IMAGES
    )
    best = {metric.key: _best(results, metric) for metric in metrics(results)}
    convergence = [_convergence(baseline, run) for run in results.variants[1:]]
    changes = {run.name: _changes(baseline, run) for run in results.variants[1:]}
    return Findings(
        epochs=epochs,
        short_run=epochs < SHORT_RUN_EPOCHS,
        subset=subset,
        best=best,
        convergence=convergence,
        changes=changes,
        reference_gaps=_reference_gaps(results, reference_arches),
        chance=percent(baseline.eval.chance),
    )


def signed(difference: Decimal) -> str:
    """Format a difference with an explicit sign, using a true minus sign."""
    if difference > 0:
        return f"+{difference}"
    if difference < 0:
        return f"\u2212{-difference}"
    return f"{difference}"


def _best(results: Results, metric: Metric) -> Best:
    baseline = results.baseline
    pick = max if metric.higher_is_better else min
    winner = pick(results.variants, key=metric.value)
    value = metric.display(metric.value(winner))
    reference = metric.display(metric.value(baseline))
    # A variant that only wins below the printed precision does not beat the baseline.
    is_baseline = winner is baseline or value == reference
    return Best(
        metric=metric.key,
        name=baseline.name if is_baseline else winner.name,
        value=reference if is_baseline else value,
        baseline=reference,
        difference=signed(Decimal(value) - Decimal(reference)),
        is_baseline=is_baseline,
    )


def _convergence(baseline: RunResult, run: RunResult) -> Convergence:
    same_scale = all(
        run.train.config.get(key) == baseline.train.config.get(key)
        for key in ("batch_size", "temperature")
    )
    ours = run.train.per_epoch["loss"].values
    theirs = baseline.train.per_epoch["loss"].values
    shared = min(len(ours), len(theirs))
    lower = [ours[i] < theirs[i] for i in range(shared)]
    return Convergence(
        name=run.name,
        comparable=same_scale,
        epochs=shared,
        lower_every_epoch=bool(shared) and all(lower),
        lower_at_end=bool(shared) and lower[-1],
    )


def _changes(baseline: RunResult, run: RunResult) -> list[Change]:
    before, after = baseline.train.config, run.train.config
    keys = [key for key in VARIANT_KEYS if key in before or key in after]
    keys += sorted(
        key
        for key in set(before) | set(after)
        if key not in VARIANT_KEYS and key != "augment"
    )
    return [Change(key, before.get(key), after.get(key)) for key in keys if before.get(key) != after.get(key)]


def _reference_gaps(results: Results, reference_arches: dict[str, str]) -> list[ReferenceGap]:
    by_arch = {arch: name for name, arch in reference_arches.items()}
    references = {run.name: run for run in results.references}
    gaps = []
    for run in results.variants:
        reference = references.get(by_arch.get(run.train.config.get("arch"), ""))
        if reference is None:
            continue
        value = percent(run.eval.linear_top1)
        reference_value = percent(reference.eval.linear_top1)
        gaps.append(
            ReferenceGap(
                name=run.name,
                reference=reference.name,
                value=value,
                reference_value=reference_value,
                difference=signed(Decimal(value) - Decimal(reference_value)),
            )
        )
    return gaps
