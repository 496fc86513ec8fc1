"""Fake stage outputs laid out exactly as docs/outputs.md describes, for the figures and report tests.

The DVCLive folders are written by DVCLive itself, so the tests read the layout that the train
stage produces. Class names carry Typst markup characters to exercise escaping.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import yaml
from dvclive import Live

CLASS_NAMES = [
    "goldfish, Carassius auratus",
    "potter's wheel",
    "#hashtag_beetle*",
    "$dollar [bill] <note>",
    "sea_slug, nudibranch",
    "ice cream, icecream",
]

VARIANTS = {
    "baseline": {"arch": "resnet18", "head_layers": 2, "batch_size": 256, "temperature": 0.07},
    "resnet50": {"arch": "resnet50", "head_layers": 2, "batch_size": 256, "temperature": 0.07},
    "head3": {"arch": "resnet18", "head_layers": 3, "batch_size": 256, "temperature": 0.07},
    "batch512": {"arch": "resnet18", "head_layers": 2, "batch_size": 512, "temperature": 0.1},
}
REFERENCES = {"random-resnet18": {"arch": "resnet18"}, "random-resnet50": {"arch": "resnet50"}}

TRAIN_SHARED = {
    "epochs": 3,
    "optimizer": "adam",
    "lr": 3.0e-4,
    "weight_decay": 1.0e-4,
    "schedule": "cosine",
    "warmup_epochs": 1.0,
    "proj_dim": 128,
    "seed": 42,
    "device": "cpu",
    "compile": False,
    "stem": "imagenet",
    "head_batchnorm": False,
    "augment": {
        "crop_scale": [0.08, 1.0],
        "flip_p": 0.5,
        "jitter_strength": [0.8, 0.8, 0.8, 0.2],
        "jitter_p": 0.8,
        "grayscale_p": 0.2,
        "blur_p": 0.5,
        "blur_kernel_fraction": 0.1,
        "blur_sigma": [0.1, 2.0],
    },
}


def write_params(path: Path, report: dict | None = None) -> Path:
    """Write a params.yaml with the fake variants, references and a report section."""
    params = {
        "variants": VARIANTS,
        "references": REFERENCES,
        "figures": {"dpi": 100},
        "report": report
        or {
            "title": "SimCLR on Tiny ImageNet: a #test_title",
            "authors": [{"name": "A. Author", "affiliation": "Lab_1 & Co"}],
            "languages": ["en", "id"],
        },
    }
    path.write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")
    return path


def write_data(data_dir: Path, train_per_class: int = 60, val_per_class: int = 25) -> Path:
    """Write manifest.json and classes.json as the prepare stage does."""
    data_dir.mkdir(parents=True, exist_ok=True)
    classes = [
        {"label": i, "wnid": f"n{1000000 + i:08d}", "names": names}
        for i, names in enumerate(CLASS_NAMES)
    ]
    count = len(CLASS_NAMES)
    manifest = {
        "num_classes": count,
        "train_images": train_per_class * count,
        "val_images": val_per_class * count,
        "train_per_class": [train_per_class] * count,
        "val_per_class": [val_per_class] * count,
        "grayscale_images": 3,
        "skipped_images": 0,
        "official_counts": False,
        "image_size": 64,
        "source": "tiny-imagenet-200-sample.zip",
        "source_md5": "0" * 32,
    }
    (data_dir / "classes.json").write_text(json.dumps(classes, indent=2), encoding="utf-8")
    (data_dir / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return data_dir


def write_results(
    results_dir: Path,
    epochs: int = 3,
    steps_per_epoch: int = 4,
    points_per_class: int = 25,
    use_dvclive: bool = True,
) -> Path:
    """Write train, evaluate and t-SNE outputs for every fake variant and reference.

    ``use_dvclive=False`` writes the same TSV files directly, which is much faster for the
    thousands of steps of a full-length run (DVCLive takes milliseconds per step).
    """
    rng = np.random.default_rng(0)
    for index, (name, settings) in enumerate(VARIANTS.items()):
        folder = results_dir / name
        per_epoch = steps_per_epoch * 256 // settings["batch_size"]
        speed = 1.0 - 0.1 * index
        _write_train(folder, name, settings, epochs, per_epoch, speed, use_dvclive)
        _write_eval(folder, 0.20 + 0.03 * index + rng.uniform(0, 0.01))
        _write_tsne(folder, rng, 0.05 + 0.01 * index, points_per_class)
    for index, name in enumerate(REFERENCES):
        folder = results_dir / name
        _write_eval(folder, 0.12 + 0.01 * index)
        _write_tsne(folder, rng, -0.02, points_per_class)
    return results_dir


def write_live(live_dir: Path, rows: list[dict[str, float]], use_dvclive: bool = True) -> None:
    """Write one row of metrics per step as DVCLive 3.x does: plots/metrics/<metric>.tsv with
    the columns step and <metric>."""
    if use_dvclive:
        with Live(str(live_dir), dvcyaml=False, save_dvc_exp=False, report=None) as live:
            for row in rows:
                for metric, value in row.items():
                    live.log_metric(metric, value)
                live.next_step()
        return
    folder = live_dir / "plots" / "metrics"
    folder.mkdir(parents=True, exist_ok=True)
    for metric in rows[0]:
        lines = [f"step\t{metric}"] + [f"{step}\t{row[metric]}" for step, row in enumerate(rows)]
        (folder / f"{metric}.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _write_train(
    folder: Path,
    name: str,
    settings: dict,
    epochs: int,
    per_epoch: int,
    speed: float,
    use_dvclive: bool,
) -> None:
    config = {**TRAIN_SHARED, **settings, "epochs": epochs}
    total = epochs * per_epoch
    loss = [6.0 - speed * 1.5 * step / total for step in range(total)]
    top1 = [0.05 + 0.3 * speed * step / total for step in range(total)]
    lr = [3e-4 * 0.5 * (1 + np.cos(np.pi * step / total)) for step in range(total)]

    steps = [
        {
            "loss": loss[step],
            "top1": top1[step],
            "top5": min(1.0, 3 * top1[step]),
            "lr": lr[step],
            "images_per_s": 100.0 * speed,
        }
        for step in range(total)
    ]
    write_live(folder / "live" / "steps", steps, use_dvclive)
    epoch_loss = [float(np.mean(loss[e * per_epoch : (e + 1) * per_epoch])) for e in range(epochs)]
    epoch_top1 = [float(np.mean(top1[e * per_epoch : (e + 1) * per_epoch])) for e in range(epochs)]
    epochs_rows = [
        {
            "loss": epoch_loss[epoch],
            "top1": epoch_top1[epoch],
            "top5": min(1.0, 3 * epoch_top1[epoch]),
            "lr": lr[epoch * per_epoch],
            "images_per_s": 100.0 * speed,
        }
        for epoch in range(epochs)
    ]
    write_live(folder / "live" / "epochs", epochs_rows, use_dvclive)
    train = {
        "variant": name,
        "config": config,
        "epochs": epochs,
        "steps": total,
        "final_loss": epoch_loss[-1],
        "final_top1": epoch_top1[-1],
        "final_top5": min(1.0, 3 * epoch_top1[-1]),
        "wall_time_s": 123.456 / speed,
        "images_per_s": 100.0 * speed + 0.4,
        "device": "cpu",
    }
    (folder / "train.json").write_text(json.dumps(train, indent=2), encoding="utf-8")


def _write_eval(folder: Path, top1: float) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    count = len(CLASS_NAMES)
    data = {
        "linear_top1": top1,
        "linear_top5": min(1.0, top1 * 2.5),
        "knn_top1": {"20": top1 * 0.9, "200": top1 * 0.85},
        "num_classes": count,
        "chance": 1 / count,
        "train_size": 60 * count,
        "val_size": 25 * count,
    }
    (folder / "eval.json").write_text(json.dumps(data, indent=2), encoding="utf-8")


def _write_tsne(
    folder: Path, rng: np.random.Generator, silhouette: float, points_per_class: int
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    labels = np.repeat(np.arange(len(CLASS_NAMES)), points_per_class)
    xy = rng.normal(size=(len(labels), 2)) * 5 + labels[:, None] * 3
    lines = ["x,y,label,class_name"]
    for (x, y), label in zip(xy, labels):
        name = CLASS_NAMES[label].split(",")[0].replace('"', '""')
        lines.append(f'{x:.4f},{y:.4f},{label},"{name}"')
    (folder / "tsne.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    data = {
        "silhouette_features": silhouette,
        "silhouette_tsne": silhouette * 2,
        "classes": list(range(len(CLASS_NAMES))),
        "perplexity": 30.0,
        "points": int(len(labels)),
    }
    (folder / "tsne.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
