"""Small synthetic zips in the official Tiny ImageNet layout, for tests that need no real data.

Each class gets its own colour and stripe direction plus per-image noise, so that a model can
learn something from a few images and a label mix-up shows up as chance accuracy.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = "tiny-imagenet-200/"
SHARED_SAMPLE = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "tiny-imagenet-200-sample.zip"


def wnid_of(index: int) -> str:
    return f"n{1000000 + index * 7919:08d}"


def class_image(label: int, index: int, size: int = 64, seed: int = 0) -> np.ndarray:
    """Return an H×W×3 uint8 image whose colour and stripes depend on the class."""
    rng = np.random.default_rng([seed, label, index])
    hue = np.array([(label * 97) % 256, (label * 53 + 80) % 256, (label * 31 + 160) % 256])
    y, x = np.mgrid[0:size, 0:size]
    stripes = np.sin((x if label % 2 else y) * (0.2 + 0.05 * (label % 5)))[..., None]
    image = hue * (0.6 + 0.3 * stripes) + rng.normal(0, 12, (size, size, 3))
    return np.clip(image, 0, 255).astype(np.uint8)


def encode_jpeg(image: np.ndarray, gray: bool = False) -> bytes:
    picture = Image.fromarray(image)
    if gray:
        picture = picture.convert("L")
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def make_zip(
    path: Path,
    classes: int = 4,
    train_per_class: int = 6,
    val_per_class: int = 3,
    gray_every: int = 5,
    extra: dict[str, bytes] | None = None,
    drop: tuple[str, ...] = (),
    annotations_extra: str = "",
    size: int = 64,
) -> Path:
    """Write a zip in the official layout and return its path.

    ``gray_every`` makes every n-th image a grayscale JPEG; ``extra`` adds or replaces entries
    (names relative to the top folder); ``drop`` leaves layout files out.
    """
    files: dict[str, bytes] = {}
    wnids = [wnid_of(c) for c in range(classes)]
    files["wnids.txt"] = ("\n".join(wnids) + "\n").encode()
    words = [f"{w}\tclass {i}, synthetic thing {i}" for i, w in enumerate(wnids)]
    words.append("n99999999\tunused entry")
    files["words.txt"] = ("\n".join(words) + "\n").encode()

    count = 0
    for label, wnid in enumerate(wnids):
        for i in range(train_per_class):
            count += 1
            gray = gray_every > 0 and count % gray_every == 0
            files[f"train/{wnid}/images/{wnid}_{i}.JPEG"] = encode_jpeg(
                class_image(label, i, size), gray
            )
        files[f"train/{wnid}/{wnid}_boxes.txt"] = b""

    lines = []
    number = 0
    for i in range(val_per_class):
        for label, wnid in enumerate(wnids):
            count += 1
            gray = gray_every > 0 and count % gray_every == 0
            name = f"val_{number}.JPEG"
            files[f"val/images/{name}"] = encode_jpeg(class_image(label, 1000 + i, size), gray)
            lines.append(f"{name}\t{wnid}\t0\t0\t{size - 1}\t{size - 1}")
            number += 1
    files["val/val_annotations.txt"] = ("\n".join(lines) + "\n" + annotations_extra).encode()
    files["test/images/test_0.JPEG"] = encode_jpeg(class_image(0, 9999, size))

    files.update(extra or {})
    for name in drop:
        files.pop(name, None)

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in files.items():
            archive.writestr(ROOT + name, data)
    return path
