"""Evaluate stage: linear probe and weighted kNN accuracy of one folder of frozen features."""

from __future__ import annotations

import argparse
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from tinyclr.config import ConfigError, load_section
from tinyclr.features import FeatureSet, read_features
from tinyclr.files import write_json
from tinyclr.probe import knn_top1, linear_probe

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EvaluateConfig:
    """The ``evaluate:`` section of params.yaml."""

    linear_max_iter: int = field(default=100, metadata={"min": 1})
    # Inverse L2 strength, as scikit-learn's LogisticRegression C.
    linear_c: float = field(default=1.0, metadata={"gt": 0})
    knn_k: list[int] = field(default_factory=lambda: [20, 200], metadata={"min_length": 1})
    knn_temperature: float = field(default=0.07, metadata={"gt": 0})
    seed: int = field(default=0, metadata={"min": 0})


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--features", type=Path, required=True, help="features/<name> folder")
    parser.add_argument("--out", type=Path, required=True, help="output file results/<name>/eval.json")


def run(args: argparse.Namespace) -> None:
    config = load_config(args.params)
    log.info("config: %s", config)
    features = read_features(args.features)
    metrics = evaluate(features, config)
    write_json(args.out, metrics)
    log.info("wrote %s: %s", args.out, metrics)


def load_config(params: str | Path | dict) -> EvaluateConfig:
    """Load the evaluate section and check the kNN k values, which the type check cannot."""
    config = load_section(params, "evaluate", EvaluateConfig)
    for index, k in enumerate(config.knn_k):
        if k < 1:
            raise ConfigError(f"evaluate.knn_k[{index}] = {k} is out of range: must be >= 1")
    if len(set(config.knn_k)) != len(config.knn_k):
        raise ConfigError(f"evaluate.knn_k = {config.knn_k} is invalid: list each k once")
    return config


def evaluate(features: FeatureSet, config: EvaluateConfig) -> dict:
    """Return the eval.json metrics of docs/outputs.md for one feature set."""
    # Both classifiers are deterministic (zero start, full batch, exact neighbours); the seed
    # fixes torch's generator for any random draw a library call might make.
    torch.manual_seed(config.seed)
    num_classes = features.num_classes
    missing = np.setdiff1d(np.arange(num_classes), features.train_labels)
    if len(missing):
        log.warning(
            "%d of %d classes have no train sample (first: %d); neither classifier can predict them",
            len(missing),
            num_classes,
            missing[0],
        )

    started = time.perf_counter()
    probe = linear_probe(
        features.train_features,
        features.train_labels,
        features.val_features,
        features.val_labels,
        num_classes,
        c=config.linear_c,
        max_iter=config.linear_max_iter,
    )
    log.info(
        "linear probe: top-1 %.4f, top-5 %.4f after %d L-BFGS iterations in %.1f s",
        probe.top1,
        probe.top5,
        probe.iterations,
        time.perf_counter() - started,
    )

    started = time.perf_counter()
    knn = knn_top1(
        features.train_features,
        features.train_labels,
        features.val_features,
        features.val_labels,
        num_classes,
        config.knn_k,
        config.knn_temperature,
    )
    log.info("kNN top-1 %s in %.1f s", knn, time.perf_counter() - started)

    return {
        "linear_top1": probe.top1,
        "linear_top5": probe.top5,
        "knn_top1": {str(k): accuracy for k, accuracy in knn.items()},
        "num_classes": num_classes,
        "chance": 1.0 / num_classes,
        "train_size": int(len(features.train_labels)),
        "val_size": int(len(features.val_labels)),
    }
