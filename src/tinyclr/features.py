"""Features stage: frozen backbone features of the train and val splits, with their labels.

The backbone is either a trained encoder (``--model``) or an untrained network of a reference
architecture (``--reference``), built after seeding torch with ``train.seed`` so the same
params always give the same random weights. Features are the pooled backbone output h, before
any projection head, computed in eval mode without augmentation.

The folder written here (``features/<name>/``) is read back by the evaluate and t-SNE stages
through :func:`read_features`, which checks it the same way for both.
"""

from __future__ import annotations

import argparse
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
from tqdm import tqdm

from tinyclr.config import ConfigError, check_name, check_value, load_section, read_params
from tinyclr.errors import StageError
from tinyclr.files import atomic_dir, write_json

log = logging.getLogger(__name__)

SPLITS = ("train", "val")
FEATURE_FILES = tuple(f"{split}_{kind}.npy" for split in SPLITS for kind in ("features", "labels"))


@dataclass(frozen=True)
class FeaturesConfig:
    """The ``features:`` section of params.yaml."""

    batch_size: int = field(default=512, metadata={"min": 1})
    # auto takes CUDA when it is available, else the CPU.
    device: Literal["auto", "cpu", "cuda"] = "auto"


@dataclass(frozen=True)
class FeatureSet:
    """Features and labels of both splits, as written by the features stage."""

    train_features: np.ndarray
    train_labels: np.ndarray
    val_features: np.ndarray
    val_labels: np.ndarray
    meta: dict[str, Any]

    @property
    def num_classes(self) -> int:
        """Number of classes, taken as the largest label of either split plus one."""
        return int(max(self.train_labels.max(), self.val_labels.max())) + 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--model", type=Path, help="trained encoder file (encoder.pt)")
    source.add_argument(
        "--reference", help="name under references: in params.yaml; builds an untrained network"
    )
    parser.add_argument("--data", type=Path, required=True, help="prepared data folder")
    parser.add_argument("--out", type=Path, required=True, help="output folder features/<name>")


def run(args: argparse.Namespace) -> None:
    params = read_params(args.params)
    config = load_section(params, "features", FeaturesConfig)
    log.info("config: %s", config)

    # Check the device and the data before building the network, so bad input fails in a second.
    device = resolve_device(config.device)
    splits = {split: read_split(args.data, split) for split in SPLITS}

    if args.model is not None:
        backbone, encoder_config = load_model(args.model)
        name, arch, source = args.out.name, encoder_config["arch"], "trained"
    else:
        name, arch = args.reference, reference_arch(params, args.reference)
        backbone = build_reference(params, arch)
        source = "random"

    backbone.to(device)
    arrays = {}
    for split, (images, labels) in splits.items():
        arrays[f"{split}_features.npy"] = extract_features(
            backbone, images, config.batch_size, device, description=split
        )
        arrays[f"{split}_labels.npy"] = labels

    dim = int(arrays["train_features.npy"].shape[1])
    meta = {"name": name, "arch": arch, "source": source, "dim": dim}
    with atomic_dir(args.out) as temporary:
        for filename, array in arrays.items():
            np.save(temporary / filename, array)
        write_json(temporary / "meta.json", meta)
    log.info("wrote %s: %s", args.out, meta)


def read_split(data: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Open one split of a prepared folder: images memory-mapped (N, H, W, 3) and labels (N,)."""
    images_path = data / f"{split}_images.npy"
    labels_path = data / f"{split}_labels.npy"
    for path in (images_path, labels_path):
        if not path.is_file():
            raise StageError(f"prepared data file not found: {path} (run the prepare stage)")
    images = load_array(images_path, mmap=True)
    labels = load_array(labels_path)
    if images.dtype != np.uint8 or images.ndim != 4 or images.shape[-1] != 3:
        raise StageError(
            f"{images_path} must contain uint8 images of shape (N, H, W, 3), "
            f"got {images.dtype} {images.shape}; rerun the prepare stage"
        )
    check_labels(labels, labels_path, len(images), images_path)
    return images, labels.astype(np.int64)


def load_array(path: Path, mmap: bool = False) -> np.ndarray:
    """Load a .npy file, raising StageError naming the file when it cannot be read."""
    try:
        return np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
    except (OSError, ValueError) as error:
        raise StageError(f"{path} is not a readable .npy file: {error}") from error


def check_labels(labels: np.ndarray, path: Path, expected: int, partner: Path) -> None:
    """Check that ``labels`` is a 1-D array of ``expected`` non-negative integers."""
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise StageError(f"{path} must contain 1-D integer labels, got {labels.dtype} {labels.shape}")
    if len(labels) != expected:
        raise StageError(
            f"{path} has {len(labels)} labels but {partner} has {expected} rows; "
            "rerun the stage that wrote them"
        )
    if len(labels) == 0:
        raise StageError(f"{path} is empty: the split needs at least one sample")
    if labels.min() < 0:
        raise StageError(f"{path} contains a negative label ({labels.min()}); labels are 0..C-1")


def load_model(path: Path) -> tuple[torch.nn.Module, dict[str, Any]]:
    """Load a trained encoder; the import is deferred so reading features needs no torchvision."""
    from tinyclr.model import load_encoder

    backbone, _ = load_encoder(path, map_location="cpu")
    # docs/outputs.md documents arch and stem at the top of the file. The nested training config
    # belongs to the train stage, so a second load reads them from the top.
    record = torch.load(path, map_location="cpu", weights_only=True)
    return backbone, {"arch": record["arch"], "stem": record["stem"]}


def reference_arch(params: dict[str, Any], name: str) -> str:
    """Return the architecture of ``references.<name>``, or raise ConfigError listing the names."""
    check_name(name, "reference")
    references = params.get("references") or {}
    if name not in references:
        known = ", ".join(sorted(references)) or "none"
        raise ConfigError(
            f"reference {name!r} not found in references: of params.yaml (defined: {known})"
        )
    entry = references[name]
    if not isinstance(entry, dict) or "arch" not in entry:
        raise ConfigError(f"references.{name} must be a mapping with an arch key")
    return check_value(entry["arch"], str, f"references.{name}.arch")


def build_reference(params: dict[str, Any], arch: str) -> torch.nn.Module:
    """Build an untrained backbone with ``train.stem``, seeding torch with ``train.seed`` first."""
    from tinyclr.model import build_backbone

    train = params.get("train") or {}
    stem = check_value(train.get("stem", "imagenet"), str, "train.stem")
    seed = check_value(train.get("seed", 42), int, "train.seed")
    torch.manual_seed(seed)
    backbone, _ = build_backbone(arch, stem)
    log.info("built untrained %s (stem %s) with seed %d", arch, stem, seed)
    return backbone.eval()


def resolve_device(name: str) -> torch.device:
    """Map ``auto`` to CUDA when available, else the CPU; reject ``cuda`` without a GPU."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError("features.device = 'cuda' but no CUDA device is available: use auto or cpu")
    return torch.device(name)


def extract_features(
    backbone: torch.nn.Module,
    images: np.ndarray,
    batch_size: int,
    device: torch.device,
    description: str = "features",
) -> np.ndarray:
    """Run ``backbone`` in eval mode over uint8 images (N, H, W, 3); return float32 (N, D)."""
    from tinyclr.model import images_to_tensor

    backbone.eval()
    batches = []
    with torch.inference_mode():
        for start in tqdm(
            range(0, len(images), batch_size), desc=description, unit="batch", leave=False
        ):
            # np.array copies the memory-mapped slice, which torch cannot wrap read-only.
            batch = images_to_tensor(np.array(images[start : start + batch_size]), device)
            batches.append(backbone(batch).float().cpu().numpy())
    return np.concatenate(batches).astype(np.float32, copy=False)


def read_features(folder: Path) -> FeatureSet:
    """Read and check a folder written by the features stage.

    Raises StageError naming the file when something is missing, the shapes of the splits
    disagree, or a feature is not finite.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise StageError(f"features folder not found: {folder} (run the features stage)")
    for filename in FEATURE_FILES + ("meta.json",):
        if not (folder / filename).is_file():
            raise StageError(f"{folder / filename} not found: rerun the features stage")

    meta_path = folder / "meta.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise StageError(f"{meta_path} is not valid JSON: {error}") from error

    arrays = {}
    for split in SPLITS:
        features_path = folder / f"{split}_features.npy"
        labels_path = folder / f"{split}_labels.npy"
        features = load_array(features_path)
        labels = load_array(labels_path)
        if features.ndim != 2 or not np.issubdtype(features.dtype, np.floating):
            raise StageError(
                f"{features_path} must contain float features of shape (N, D), "
                f"got {features.dtype} {features.shape}"
            )
        check_labels(labels, labels_path, len(features), features_path)
        if not np.isfinite(features).all():
            raise StageError(f"{features_path} contains NaN or infinite values")
        arrays[split] = (features.astype(np.float32, copy=False), labels.astype(np.int64))

    train_dim, val_dim = arrays["train"][0].shape[1], arrays["val"][0].shape[1]
    if train_dim != val_dim:
        raise StageError(
            f"{folder}: train features have {train_dim} columns but val features have {val_dim}; "
            "rerun the features stage"
        )
    return FeatureSet(
        train_features=arrays["train"][0],
        train_labels=arrays["train"][1],
        val_features=arrays["val"][0],
        val_labels=arrays["val"][1],
        meta=meta,
    )
