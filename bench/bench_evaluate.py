"""Wall time of the evaluation code on synthetic features of Tiny ImageNet's full size.

Measures, with the evaluate and tsne settings of params.yaml:

- the linear probe (standardize, L-BFGS fit, val scoring) on 100,000 × 512 train features with
  200 classes and 10,000 val features. The goal is ≤ 60 s on 2 cores. A second row estimates
  the longest fit that evaluate.linear_max_iter allows, from the measured time per evaluation;
- the weighted kNN classifier (all of evaluate.knn_k) on the same features (no goal);
- t-SNE of 500 and of 10,000 val points of 512 dimensions; goals ≤ 15 s and ≤ 90 s.

Features are Gaussian class means plus Gaussian noise, scaled so that the probe reaches a val
top-1 in the range real SimCLR features give, so the solver has to work as hard as on real data.
Prints a table and writes bench/results/bench_evaluate.json.

Run from the repository root: ``.venv/bin/python bench/bench_evaluate.py``.
"""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import torch

from tinyclr.evaluate import load_config as load_evaluate_config
from tinyclr.probe import knn_top1, linear_probe, standardize
from tinyclr.config import load_section
from tinyclr.tsne import TsneConfig, embed

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "bench_evaluate.json"


def synthetic_features(
    rng: np.random.Generator, size: int, means: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return features (size, D) drawn around the class ``means`` (C, D), and their labels."""
    labels = rng.integers(0, len(means), size)
    noise = rng.standard_normal((size, means.shape[1]), dtype=np.float32)
    return means[labels] + noise, labels


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - started


def main() -> None:
    evaluate_config = load_evaluate_config(ROOT / "params.yaml")
    tsne_config = load_section(ROOT / "params.yaml", "tsne", TsneConfig)
    rng = np.random.default_rng(0)
    rows = []

    # Linear probe and kNN at the size of Tiny ImageNet's train and val splits.
    classes, dim = 200, 512
    means = (0.09 * rng.standard_normal((classes, dim))).astype(np.float32)
    train_x, train_y = synthetic_features(rng, 100_000, means)
    val_x, val_y = synthetic_features(rng, 10_000, means)
    probe, seconds = timed(
        linear_probe,
        train_x,
        train_y,
        val_x,
        val_y,
        classes,
        c=evaluate_config.linear_c,
        max_iter=evaluate_config.linear_max_iter,
    )
    rows.append(
        {
            "case": "linear probe",
            "size": "100000x512, 200 classes",
            "seconds": seconds,
            "goal_s": 60.0,
            "note": (
                f"top-1 {probe.top1:.3f}, {probe.iterations} iterations, "
                f"{probe.evaluations} evaluations"
            ),
        }
    )

    # The fit stops after evaluate.linear_max_iter objective evaluations at the latest, so the
    # time of one evaluation bounds the time of any fit of this size. Scaling is timed on its
    # own and left out of the time per evaluation; val scoring is too small to matter.
    _, scaling_seconds = timed(standardize, train_x, val_x)
    max_evaluations = evaluate_config.linear_max_iter
    per_evaluation = (seconds - scaling_seconds) / probe.evaluations
    rows.append(
        {
            "case": "linear probe",
            "size": f"bound at {max_evaluations} evaluations",
            "seconds": scaling_seconds + max_evaluations * per_evaluation,
            "goal_s": 60.0,
            "note": (
                f"estimate: {scaling_seconds:.1f} s scaling + {per_evaluation:.2f} s per evaluation"
            ),
        }
    )
    knn, seconds = timed(
        knn_top1,
        train_x,
        train_y,
        val_x,
        val_y,
        classes,
        evaluate_config.knn_k,
        evaluate_config.knn_temperature,
    )
    rows.append(
        {
            "case": "kNN",
            "size": "100000 -> 10000, 512-d",
            "seconds": seconds,
            "goal_s": None,
            "note": ", ".join(f"k={k}: {accuracy:.3f}" for k, accuracy in knn.items()),
        }
    )

    # t-SNE of the val points of a few classes.
    tsne_means = (0.5 * rng.standard_normal((10, dim))).astype(np.float32)
    for points, goal in ((500, 15.0), (10_000, 90.0)):
        features, _ = synthetic_features(rng, points, tsne_means)
        (_, perplexity), seconds = timed(embed, features, tsne_config.perplexity, tsne_config.seed)
        rows.append(
            {
                "case": "t-SNE",
                "size": f"{points}x512",
                "seconds": seconds,
                "goal_s": goal,
                "note": f"perplexity {perplexity:g}",
            }
        )

    print(f"{'case':<13} {'size':<26} {'seconds':>8} {'goal':>6}  note")
    for row in rows:
        goal = f"{row['goal_s']:.0f}" if row["goal_s"] else "-"
        print(f"{row['case']:<13} {row['size']:<26} {row['seconds']:8.1f} {goal:>6}  {row['note']}")

    machine = {
        "platform": platform.platform(),
        "processor": platform.processor(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        # Other processes on the machine slow every row; the 1-minute load shows how busy it was.
        "load_average_1min": os.getloadavg()[0],
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"machine": machine, "rows": rows}, indent=2) + "\n")
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
