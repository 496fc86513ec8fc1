"""t-SNE stage: a 2-D embedding of the val features of a few classes, with silhouette scores.

The embedding is openTSNE's (Poličar et al., 2024) with PCA initialisation and a fixed seed.
Features are L2-normalised first, so its Euclidean neighbours are the cosine neighbours that the
kNN classifier and the feature-space silhouette score use.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tinyclr.config import ConfigError, load_section
from tinyclr.errors import StageError
from tinyclr.features import read_features
from tinyclr.files import atomic_path, write_json

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TsneConfig:
    """The ``tsne:`` section of params.yaml."""

    # A number takes labels 0..N-1; a list names classes by wnid (string) or label (integer).
    classes: int | list[int | str] = field(default=10, metadata={"min": 2, "min_length": 2})
    # Clipped to (points - 1) / 3 when the subset is too small for it.
    perplexity: float = field(default=30.0, metadata={"gt": 0})
    seed: int = field(default=0, metadata={"min": 0})


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--features", type=Path, required=True, help="features/<name> folder")
    parser.add_argument("--data", type=Path, required=True, help="prepared data folder")
    parser.add_argument("--out-csv", type=Path, required=True, help="embedded points (CSV)")
    parser.add_argument("--out-metrics", type=Path, required=True, help="silhouette scores (JSON)")


def run(args: argparse.Namespace) -> None:
    config = load_section(args.params, "tsne", TsneConfig)
    log.info("config: %s", config)
    # openTSNE logs its automatic choices at INFO on every run; keep its warnings only.
    logging.getLogger("openTSNE").setLevel(logging.WARNING)
    classes = read_classes(args.data / "classes.json")
    features = read_features(args.features)
    if features.num_classes > len(classes):
        raise StageError(
            f"{args.features} has labels up to {features.num_classes - 1} but "
            f"{args.data / 'classes.json'} lists {len(classes)} classes: rerun the features stage"
        )

    labels_used = select_classes(config.classes, classes)
    keep = np.isin(features.val_labels, labels_used)
    points, labels = features.val_features[keep], features.val_labels[keep]
    present = np.unique(labels)
    absent = sorted(set(labels_used) - set(present.tolist()))
    if absent:
        log.warning("tsne.classes: %d chosen classes have no val image (labels %s)", len(absent), absent)
    if len(present) < 2 or len(points) < 4:
        raise StageError(
            f"the val split has {len(points)} samples of {len(present)} of the tsne.classes "
            "classes; a t-SNE needs at least 2 classes and 4 samples: choose other classes"
        )

    embedding, perplexity = embed(points, config.perplexity, config.seed)
    metrics = {
        "silhouette_features": silhouette(points, labels, metric="cosine"),
        "silhouette_tsne": silhouette(embedding, labels, metric="euclidean"),
        "classes": [int(label) for label in present],
        "perplexity": perplexity,
        "points": int(len(points)),
    }

    short_names = [short_name(entry["names"]) for entry in classes]
    with atomic_path(args.out_csv) as temporary:
        with open(temporary, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["x", "y", "label", "class_name"])
            for (x, y), label in zip(embedding, labels):
                writer.writerow([f"{x:.6g}", f"{y:.6g}", int(label), short_names[label]])
    write_json(args.out_metrics, metrics)
    log.info("wrote %s and %s: %s", args.out_csv, args.out_metrics, metrics)


def read_classes(path: Path) -> list[dict]:
    """Read classes.json of a prepared folder: entries with label, wnid and names, in label order."""
    if not path.is_file():
        raise StageError(f"class list not found: {path} (run the prepare stage)")
    try:
        classes = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise StageError(f"{path} is not valid JSON: {error}") from error
    valid = isinstance(classes, list) and all(
        isinstance(entry, dict) and {"label", "wnid", "names"} <= set(entry) for entry in classes
    )
    if not valid or [entry["label"] for entry in classes] != list(range(len(classes))):
        raise StageError(
            f"{path} must list objects with label, wnid and names in label order 0..C-1: "
            "rerun the prepare stage"
        )
    return classes


def select_classes(selection: int | list[int | str], classes: list[dict]) -> list[int]:
    """Return the labels chosen by ``tsne.classes``, in increasing order."""
    if isinstance(selection, int):
        if selection > len(classes):
            log.warning(
                "tsne.classes = %d but the data has %d classes; using all of them",
                selection,
                len(classes),
            )
        return list(range(min(selection, len(classes))))

    label_of = {entry["wnid"]: entry["label"] for entry in classes}
    labels = set()
    for index, item in enumerate(selection):
        if isinstance(item, str) and item not in label_of:
            raise ConfigError(
                f"tsne.classes[{index}] = {item!r} is not a wnid of the prepared classes "
                f"(first ones: {', '.join(list(label_of)[:3])})"
            )
        if isinstance(item, int) and not 0 <= item < len(classes):
            raise ConfigError(
                f"tsne.classes[{index}] = {item} is out of range: labels are 0..{len(classes) - 1}"
            )
        labels.add(label_of[item] if isinstance(item, str) else item)
    return sorted(labels)


def short_name(names: str) -> str:
    """First synonym of a words.txt entry, e.g. 'goldfish' from 'goldfish, Carassius auratus'."""
    return names.split(",")[0].strip() or names


def embed(points: np.ndarray, perplexity: float, seed: int) -> tuple[np.ndarray, float]:
    """Embed ``points`` (N, D) in 2-D; return the embedding (N, 2) and the perplexity used."""
    from openTSNE import TSNE

    # openTSNE uses 3 × perplexity neighbours, so a perplexity above (N - 1) / 3 cannot be met.
    highest = (len(points) - 1) / 3
    if perplexity > highest:
        log.warning(
            "tsne.perplexity = %g is too high for %d points; using %g", perplexity, len(points), highest
        )
        perplexity = highest

    normalised = points / np.maximum(np.linalg.norm(points, axis=1, keepdims=True), 1e-12)
    tsne = TSNE(
        perplexity=perplexity,
        initialization="pca",
        metric="euclidean",
        random_state=seed,
        # With openTSNE 1.0.4, n_jobs=2 gave a different embedding of 10,000 points than
        # n_jobs=1 (the approximate neighbour search depends on threading) and ran slower on a
        # 2-core machine, so one thread keeps the result the same on every machine.
        n_jobs=1,
    )
    embedding = np.asarray(tsne.fit(normalised.astype(np.float64)))
    return embedding, float(perplexity)


def silhouette(points: np.ndarray, labels: np.ndarray, metric: str) -> float:
    """Mean silhouette coefficient of ``labels`` on ``points`` under ``metric``."""
    from sklearn.metrics import silhouette_score

    return float(silhouette_score(points, labels, metric=metric))
