"""The ``prepare`` stage: decode the Tiny ImageNet zip into uint8 arrays that training loads whole.

The zip is read in place (the official archive contains 120,000 small files, which extract slowly and
would double the disk use). Every image becomes RGB uint8 64×64: grayscale JPEGs get three equal
channels. Labels follow the selected class order; validation labels come from
``val/val_annotations.txt``.
"""

from __future__ import annotations

import argparse
import logging
import warnings
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import torch
from torchvision.io import ImageReadMode, decode_image
from tqdm import tqdm

from tinyclr.config import load_section, to_dict
from tinyclr.data.layout import Layout, open_zip, read_layout
from tinyclr.errors import StageError
from tinyclr.files import atomic_dir, file_md5, save_npy, write_json

log = logging.getLogger(__name__)

IMAGE_SIZE = 64
# Counts of the official archive, used only to warn about a copy that differs from it.
OFFICIAL_CLASSES, OFFICIAL_TRAIN_PER_CLASS, OFFICIAL_VAL_PER_CLASS = 200, 500, 50


@dataclass(frozen=True)
class PrepareConfig:
    """The ``prepare`` section of params.yaml."""

    classes: int | list[str] | None = field(default=None, metadata={"min": 1, "min_length": 1})
    train_per_class: int | None = field(default=None, metadata={"min": 1})
    val_per_class: int | None = field(default=None, metadata={"min": 1})
    on_corrupt: Literal["fail", "skip"] = "fail"
    max_uncompressed_mb: float = field(default=4096.0, metadata={"gt": 0})


@dataclass
class Split:
    """The zip members of one split, with their labels, in output order."""

    members: list[str]
    labels: list[int]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--zip", required=True, type=Path, help="Tiny ImageNet zip to read")
    parser.add_argument(
        "--out", required=True, type=Path, help="output folder for the arrays and JSON files"
    )


def run(args: argparse.Namespace) -> None:
    config = load_section(args.params, "prepare", PrepareConfig)
    log.info("config: %s", to_dict(config))
    prepare(args.zip, args.out, config)


def prepare(zip_path: Path, out: Path, config: PrepareConfig) -> dict:
    """Decode the selected classes and images of ``zip_path`` into ``out``; return the manifest."""
    with open_zip(zip_path, config.max_uncompressed_mb) as archive:
        layout = read_layout(archive, zip_path)
        wnids = select_classes(layout, config.classes)
        train = select_train(layout, wnids, config.train_per_class)
        val = select_val(layout, wnids, config.val_per_class, zip_path)
        warn_unofficial(layout, wnids, train, val)

        train_images, train_labels, train_stats = decode_split(
            archive, zip_path, train, "train", config.on_corrupt
        )
        val_images, val_labels, val_stats = decode_split(
            archive, zip_path, val, "val", config.on_corrupt
        )

    manifest = {
        "num_classes": len(wnids),
        "train_images": int(len(train_labels)),
        "val_images": int(len(val_labels)),
        "train_per_class": per_class_counts(train_labels, len(wnids)),
        "val_per_class": per_class_counts(val_labels, len(wnids)),
        "grayscale_images": train_stats["grayscale"] + val_stats["grayscale"],
        "skipped_images": train_stats["skipped"] + val_stats["skipped"],
        "official_counts": is_official(len(wnids), train_labels, val_labels),
        "image_size": IMAGE_SIZE,
        "source": zip_path.name,
        "source_md5": file_md5(zip_path),
    }
    classes = [
        {"label": label, "wnid": wnid, "names": layout.names[wnid]}
        for label, wnid in enumerate(wnids)
    ]

    with atomic_dir(out) as temporary:
        save_npy(temporary / "train_images.npy", train_images)
        save_npy(temporary / "train_labels.npy", train_labels)
        save_npy(temporary / "val_images.npy", val_images)
        save_npy(temporary / "val_labels.npy", val_labels)
        write_json(temporary / "classes.json", classes)
        write_json(temporary / "manifest.json", manifest)
    log.info(
        "wrote %s: %d classes, %d train and %d val images, %d grayscale, %d skipped",
        out,
        manifest["num_classes"],
        manifest["train_images"],
        manifest["val_images"],
        manifest["grayscale_images"],
        manifest["skipped_images"],
    )
    return manifest


def select_classes(layout: Layout, classes: int | list[str] | None) -> list[str]:
    """Return the wnids to keep, in label order: all or the first N sorted wnids, or those listed."""
    if classes is None:
        return sorted(layout.wnids)
    if isinstance(classes, int):
        if classes > len(layout.wnids):
            raise StageError(
                f"prepare.classes = {classes} but the zip has only {len(layout.wnids)} classes; "
                f"set it to at most {len(layout.wnids)}"
            )
        return sorted(layout.wnids)[:classes]

    known = set(layout.wnids)
    for wnid in classes:
        if wnid not in known:
            raise StageError(
                f"prepare.classes lists {wnid!r}, which is not in the zip's wnids.txt; "
                "use wnids such as " + ", ".join(sorted(known)[:3])
            )
    if len(set(classes)) != len(classes):
        raise StageError("prepare.classes lists a wnid twice; list each class once")
    return list(classes)


def select_train(layout: Layout, wnids: list[str], per_class: int | None) -> Split:
    return take_per_class(layout.train, wnids, per_class, "train_per_class", "training")


def select_val(layout: Layout, wnids: list[str], per_class: int | None, path: Path) -> Split:
    by_class: dict[str, list[str]] = {wnid: [] for wnid in wnids}
    for member, wnid in layout.val:
        if wnid in by_class:
            by_class[wnid].append(member)
    for wnid, files in by_class.items():
        if not files:
            raise StageError(f"{path}: val_annotations.txt lists no validation image of {wnid}")
    return take_per_class(by_class, wnids, per_class, "val_per_class", "validation")


def take_per_class(
    files_by_class: dict[str, list[str]],
    wnids: list[str],
    per_class: int | None,
    key: str,
    split_name: str,
) -> Split:
    """Take all or the first ``per_class`` files of each class, labelled by position in ``wnids``."""
    members, labels = [], []
    for label, wnid in enumerate(wnids):
        files = files_by_class[wnid]
        if per_class is not None:
            if len(files) < per_class:
                raise StageError(
                    f"prepare.{key} = {per_class} but class {wnid} has only "
                    f"{len(files)} {split_name} images; lower it or set it to null for all"
                )
            files = files[:per_class]
        members += files
        labels += [label] * len(files)
    return Split(members, labels)


def warn_unofficial(layout: Layout, wnids: list[str], train: Split, val: Split) -> None:
    """Warn when the zip itself differs from the official archive; the subset is the user's choice."""
    train_counts = {len(files) for files in layout.train.values()}
    val_per_wnid = Counter(wnid for _, wnid in layout.val)
    val_counts = {val_per_wnid[wnid] for wnid in layout.wnids}
    if (
        len(layout.wnids) != OFFICIAL_CLASSES
        or train_counts != {OFFICIAL_TRAIN_PER_CLASS}
        or val_counts != {OFFICIAL_VAL_PER_CLASS}
    ):
        log.warning(
            "this zip is not the official Tiny ImageNet (%d classes, %d train and %d val images "
            "per class): it has %d classes, %s train and %s val images per class; going on with "
            "its real counts, which the manifest records",
            OFFICIAL_CLASSES,
            OFFICIAL_TRAIN_PER_CLASS,
            OFFICIAL_VAL_PER_CLASS,
            len(layout.wnids),
            describe_counts(sorted(train_counts)),
            describe_counts(sorted(val_counts)),
        )
    for split in (train, val):
        counts = np.bincount(split.labels, minlength=len(wnids))
        if counts.min() != counts.max():
            log.warning(
                "classes have unequal image counts (%d to %d); accuracy baselines such as "
                "1 / number of classes are then approximate",
                counts.min(),
                counts.max(),
            )


def decode_split(
    archive: zipfile.ZipFile, path: Path, split: Split, name: str, on_corrupt: str
) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """Decode the members of ``split`` into (images N×64×64×3 uint8, labels int64, counts)."""
    images = np.empty((len(split.members), IMAGE_SIZE, IMAGE_SIZE, 3), dtype=np.uint8)
    keep = np.ones(len(split.members), dtype=bool)
    grayscale = 0

    # NOTE: torchvision 0.29 deprecates its image decoders in favour of torchcodec and warns on
    # every call. They remain the fastest decoder available here, so the warning is silenced.
    warnings.filterwarnings("ignore", category=DeprecationWarning, module="torchvision.io")
    for index, member in enumerate(tqdm(split.members, desc=f"decode {name}", unit="img")):
        try:
            data = archive.read(member)
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            raise StageError(
                f"{path}: {member} cannot be read ({error}); the zip is corrupt, download it again"
            ) from error
        try:
            image = decode_rgb(data)
        except UndecodableImage as error:
            if on_corrupt == "skip":
                log.warning("skipped undecodable image %s: %s", member, error)
                keep[index] = False
                continue
            raise StageError(
                f"{path}: {member} is not a decodable image ({error}); repair the zip or set "
                "prepare.on_corrupt: skip to leave such images out"
            ) from None
        if image.shape != (IMAGE_SIZE, IMAGE_SIZE, 3):
            raise StageError(
                f"{path}: {member} is {image.shape[1]}×{image.shape[0]} pixels, "
                f"but Tiny ImageNet images are {IMAGE_SIZE}×{IMAGE_SIZE}; repair the zip"
            )
        if is_gray_source(data):
            grayscale += 1
        images[index] = image

    labels = np.asarray(split.labels, dtype=np.int64)
    stats = {"grayscale": grayscale, "skipped": int((~keep).sum())}
    if not keep.all():
        images, labels = images[keep], labels[keep]
    return images, labels, stats


class UndecodableImage(ValueError):
    """Image bytes that no decoder accepts."""


def decode_rgb(data: bytes) -> np.ndarray:
    """Decode image bytes to an H×W×3 uint8 array; grayscale becomes three equal channels."""
    # torchvision's libjpeg-turbo decoder is about 3.5 times faster here than PIL's
    # and gives the same pixels on the Tiny ImageNet JPEGs.
    buffer = torch.frombuffer(bytearray(data), dtype=torch.uint8)
    try:
        tensor = decode_image(buffer, mode=ImageReadMode.RGB)
    except RuntimeError as error:
        raise UndecodableImage(str(error).splitlines()[0]) from None
    return tensor.permute(1, 2, 0).numpy()


def is_gray_source(data: bytes) -> bool:
    """Tell whether JPEG bytes contain a single-channel image, from the start-of-frame header."""
    # Parse the SOF marker rather than decoding twice: its byte 9 is the component count.
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return False
        marker = data[position + 1]
        length = int.from_bytes(data[position + 2 : position + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
            return position + 9 < len(data) and data[position + 9] == 1
        position += 2 + length
    return False


def per_class_counts(labels: np.ndarray, num_classes: int) -> list[int]:
    return np.bincount(labels, minlength=num_classes).tolist()


def is_official(num_classes: int, train_labels: np.ndarray, val_labels: np.ndarray) -> bool:
    return (
        num_classes == OFFICIAL_CLASSES
        and len(train_labels) == OFFICIAL_CLASSES * OFFICIAL_TRAIN_PER_CLASS
        and len(val_labels) == OFFICIAL_CLASSES * OFFICIAL_VAL_PER_CLASS
    )


def describe_counts(counts: list[int]) -> str:
    if len(counts) == 1:
        return str(counts[0])
    return f"{counts[0]} to {counts[-1]}"

