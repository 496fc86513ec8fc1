"""Every stage's outputs for the variants and references, loaded into one typed structure.

The figures and report stages read the same files (listed in docs/outputs.md) through
:func:`load_results`, so a missing or malformed file is reported the same way by both: one line
naming the file and the stage that writes it. The display rules for numbers (:func:`percent`,
:func:`decimals`) live here too, so the report's tables and the tests that check them round alike.
"""

from __future__ import annotations

import json
import logging
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tinyclr.config import ConfigError, check_name, read_params
from tinyclr.errors import StageError

log = logging.getLogger(__name__)

TRAIN_KEYS = (
    "config",
    "epochs",
    "steps",
    "final_loss",
    "final_top1",
    "final_top5",
    "wall_time_s",
    "images_per_s",
    "device",
)
EVAL_KEYS = ("linear_top1", "linear_top5", "knn_top1", "num_classes", "chance")
TSNE_KEYS = ("silhouette_features", "silhouette_tsne", "perplexity")
TSNE_COLUMNS = ("x", "y", "label", "class_name")
MANIFEST_KEYS = ("num_classes", "train_images", "val_images", "official_counts", "image_size")
LIVE_METRICS = ("loss", "top1", "top5", "lr")


# Display rules: accuracies as percentages with one decimal, losses and silhouette scores with
# three decimals, training time in minutes with one decimal, throughput in whole images per second.
def percent(fraction: float) -> str:
    """Format an accuracy fraction as a percentage with one decimal, e.g. 0.4567 -> '45.7'."""
    return f"{100 * fraction:.1f}"


def decimals(value: float, places: int = 3) -> str:
    """Format a loss or silhouette score with ``places`` decimals."""
    return f"{value:.{places}f}"


def minutes(seconds: float) -> str:
    """Format a duration given in seconds as minutes with one decimal."""
    return f"{seconds / 60:.1f}"


def rate(images_per_s: float) -> str:
    """Format a throughput as whole images per second."""
    return f"{images_per_s:.0f}"


def localize(number: str, lang: str) -> str:
    """Adapt a formatted number to ``lang`` for print. A minus sign before a digit becomes the
    typographic minus (U+2212) in every language. Indonesian also swaps the decimal point and the
    thousands comma ('-1,234.5' -> '−1.234,5')."""
    number = re.sub(r"-(?=\d)", "\u2212", number)
    if lang != "id":
        return number
    return number.translate(str.maketrans({".": ",", ",": "."}))


@dataclass(frozen=True)
class Series:
    """One DVCLive metric: ``steps`` (int64) and ``values`` (float64), both of length T."""

    steps: np.ndarray
    values: np.ndarray


@dataclass(frozen=True)
class TrainResult:
    """``train.json`` of a trained variant plus its per-step and per-epoch DVCLive metrics."""

    config: dict[str, Any]
    epochs: int
    steps: int
    final_loss: float
    final_top1: float
    final_top5: float
    wall_time_s: float
    images_per_s: float
    device: str
    per_step: dict[str, Series]
    per_epoch: dict[str, Series]

    def setting(self, key: str, source: Path) -> Any:
        """Return one key of the resolved train config, raising StageError when it is absent."""
        if key not in self.config:
            raise StageError(
                f"{source} has no config.{key}: rerun the train stage to rewrite it"
            )
        return self.config[key]


@dataclass(frozen=True)
class EvalResult:
    """``eval.json``: linear-probe and kNN accuracy as fractions."""

    linear_top1: float
    linear_top5: float
    knn_top1: dict[int, float]
    num_classes: int
    chance: float


@dataclass(frozen=True)
class TsneResult:
    """``tsne.json`` and ``tsne.csv``: silhouette scores and the embedded points."""

    silhouette_features: float
    silhouette_tsne: float
    perplexity: float
    points: pd.DataFrame


@dataclass(frozen=True)
class RunResult:
    """All outputs for one name; ``train`` is None for a random-init reference."""

    name: str
    folder: Path
    train: TrainResult | None
    eval: EvalResult
    tsne: TsneResult

    @property
    def is_reference(self) -> bool:
        return self.train is None


@dataclass(frozen=True)
class ClassInfo:
    label: int
    wnid: str
    names: str


@dataclass(frozen=True)
class Dataset:
    """``manifest.json`` and ``classes.json`` of the prepared data."""

    manifest: dict[str, Any]
    classes: list[ClassInfo]

    def class_name(self, label: int) -> str:
        """Return the first WordNet name of a class, e.g. 'goldfish' for 'goldfish, Carassius'."""
        return self.classes[label].names.split(",")[0].strip()


@dataclass(frozen=True)
class Results:
    """Trained variants (baseline first), random-init references and the dataset description."""

    variants: list[RunResult]
    references: list[RunResult]
    dataset: Dataset

    @property
    def baseline(self) -> RunResult:
        return self.variants[0]

    @property
    def runs(self) -> list[RunResult]:
        return self.variants + self.references

    @property
    def knn_ks(self) -> list[int]:
        """Return the kNN k values present in every run's eval.json, in increasing order."""
        shared = set.intersection(*(set(run.eval.knn_top1) for run in self.runs))
        return sorted(shared)


@dataclass(frozen=True)
class Names:
    """Variant names in params.yaml order (baseline first) and reference names with their arch."""

    variants: list[str]
    references: dict[str, str]


def read_names(params_path: str | Path) -> Names:
    """Read ``variants:`` and ``references:`` from params.yaml, checking every name."""
    params = read_params(params_path)
    variants = params.get("variants") or {}
    references = params.get("references") or {}
    if not isinstance(variants, dict) or not variants:
        raise ConfigError("variants must map at least one variant name to its settings")
    if not isinstance(references, dict):
        raise ConfigError("references must map reference names to their settings")
    for name in variants:
        check_name(name, "variants")
    arches = {}
    for name, settings in references.items():
        check_name(name, "references")
        if not isinstance(settings, dict) or not isinstance(settings.get("arch"), str):
            raise ConfigError(f"references.{name}.arch is missing: name the backbone, e.g. resnet18")
        arches[name] = settings["arch"]
    return Names(variants=list(variants), references=arches)


def load_results(results_dir: str | Path, data_dir: str | Path, names: Names) -> Results:
    """Load every output of every listed name, raising StageError on the first missing file."""
    results_dir, data_dir = Path(results_dir), Path(data_dir)
    variants = [_load_run(results_dir, name, reference=False) for name in names.variants]
    references = [_load_run(results_dir, name, reference=True) for name in names.references]
    dataset = load_dataset(data_dir)
    log.info(
        "loaded results of %d variants and %d references from %s",
        len(variants),
        len(references),
        results_dir,
    )
    return Results(variants=variants, references=references, dataset=dataset)


def load_dataset(data_dir: Path) -> Dataset:
    """Load the prepare stage's manifest.json and classes.json."""
    manifest = _read_json(data_dir / "manifest.json", "prepare", MANIFEST_KEYS)
    raw_classes = _read_json(data_dir / "classes.json", "prepare", ())
    path = data_dir / "classes.json"
    if not isinstance(raw_classes, list):
        raise StageError(f"{path} must contain a list of classes: rerun the prepare stage")
    try:
        classes = [ClassInfo(int(c["label"]), str(c["wnid"]), _join(c["names"])) for c in raw_classes]
    except (KeyError, TypeError, ValueError) as error:
        raise StageError(
            f"{path} has an invalid entry ({error}): each needs label, wnid and names; "
            "rerun the prepare stage"
        ) from error
    if [c.label for c in classes] != list(range(len(classes))):
        raise StageError(f"{path} must list classes in label order 0..C-1: rerun the prepare stage")
    return Dataset(manifest=manifest, classes=classes)


def _load_run(results_dir: Path, name: str, *, reference: bool) -> RunResult:
    folder = results_dir / name
    suffix = "-random" if reference else ""
    train = None if reference else _load_train(folder, name)
    evaluation = _load_eval(folder / "eval.json", f"evaluate{suffix}@{name}")
    tsne = _load_tsne(folder, f"tsne{suffix}@{name}")
    return RunResult(name=name, folder=folder, train=train, eval=evaluation, tsne=tsne)


def _load_train(folder: Path, name: str) -> TrainResult:
    stage = f"train@{name}"
    data = _read_json(folder / "train.json", stage, TRAIN_KEYS)
    if not isinstance(data["config"], dict):
        raise StageError(f"{folder / 'train.json'} has no config mapping: run stage {stage}")
    return TrainResult(
        config=data["config"],
        epochs=int(data["epochs"]),
        steps=int(data["steps"]),
        final_loss=_number(data, "final_loss", folder / "train.json", stage),
        final_top1=_number(data, "final_top1", folder / "train.json", stage),
        final_top5=_number(data, "final_top5", folder / "train.json", stage),
        wall_time_s=_number(data, "wall_time_s", folder / "train.json", stage),
        images_per_s=_number(data, "images_per_s", folder / "train.json", stage),
        device=str(data["device"]),
        per_step=_load_live(folder / "live" / "steps", stage),
        per_epoch=_load_live(folder / "live" / "epochs", stage),
    )


def _load_eval(path: Path, stage: str) -> EvalResult:
    data = _read_json(path, stage, EVAL_KEYS)
    knn = data["knn_top1"]
    if not isinstance(knn, dict) or not knn:
        raise StageError(f"{path} has no knn_top1 mapping of k to top-1: run stage {stage}")
    return EvalResult(
        linear_top1=_number(data, "linear_top1", path, stage),
        linear_top5=_number(data, "linear_top5", path, stage),
        knn_top1={int(k): float(v) for k, v in knn.items()},
        num_classes=int(data["num_classes"]),
        chance=_number(data, "chance", path, stage),
    )


def _load_tsne(folder: Path, stage: str) -> TsneResult:
    data = _read_json(folder / "tsne.json", stage, TSNE_KEYS)
    csv_path = folder / "tsne.csv"
    if not csv_path.is_file():
        raise StageError(f"missing {csv_path}: run stage {stage} first")
    points = pd.read_csv(csv_path, keep_default_na=False)
    absent = [c for c in TSNE_COLUMNS if c not in points.columns]
    if absent:
        raise StageError(f"{csv_path} is missing column {absent[0]}: rerun stage {stage}")
    return TsneResult(
        silhouette_features=_number(data, "silhouette_features", folder / "tsne.json", stage),
        silhouette_tsne=_number(data, "silhouette_tsne", folder / "tsne.json", stage),
        perplexity=_number(data, "perplexity", folder / "tsne.json", stage),
        points=points,
    )


def _load_live(live_dir: Path, stage: str) -> dict[str, Series]:
    """Read DVCLive's ``plots/metrics/<metric>.tsv`` files (columns step, metric and, when
    DVCLive logs timestamps, timestamp)."""
    series = {}
    for metric in LIVE_METRICS:
        path = live_dir / "plots" / "metrics" / f"{metric}.tsv"
        if not path.is_file():
            raise StageError(f"missing {path}: run stage {stage} first")
        table = pd.read_csv(path, sep="\t")
        if "step" not in table.columns or metric not in table.columns or table.empty:
            raise StageError(f"{path} needs columns step and {metric} with rows: rerun {stage}")
        series[metric] = Series(
            steps=table["step"].to_numpy(dtype=np.int64),
            values=table[metric].to_numpy(dtype=np.float64),
        )
    return series


def _join(names: Any) -> str:
    """Return WordNet names as one comma-separated string, whether stored as a string or list."""
    if isinstance(names, list):
        return ", ".join(str(name) for name in names)
    return str(names)


def _read_json(path: Path, stage: str, keys: tuple[str, ...]) -> Any:
    if not path.is_file():
        raise StageError(f"missing {path}: run stage {stage} first")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise StageError(f"{path} is not valid JSON ({error}): rerun stage {stage}") from error
    if keys and not isinstance(data, dict):
        raise StageError(f"{path} must contain a JSON object: rerun stage {stage}")
    absent = [key for key in keys if key not in data]
    if absent:
        raise StageError(f"{path} has no key {absent[0]}: rerun stage {stage}")
    return data


def _number(data: dict[str, Any], key: str, path: Path, stage: str) -> float:
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise StageError(f"{path}: {key} = {value!r} is not a finite number: rerun stage {stage}")
    return float(value)
