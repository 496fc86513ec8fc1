"""The Tiny ImageNet zip layout, read and checked without extracting the archive.

Official layout (Le and Yang, 2015), under one top folder such as ``tiny-imagenet-200/``::

    wnids.txt                          one WordNet id per line: the classes
    words.txt                          <wnid>\\t<names> for many more wnids than the classes
    train/<wnid>/images/<file>.JPEG    training images of each class
    val/images/<file>.JPEG             validation images
    val/val_annotations.txt            <file>\\t<wnid>\\t<box> per validation image
"""

from __future__ import annotations

import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from tinyclr.errors import StageError

IMAGE_SUFFIXES = (".jpeg", ".jpg", ".png")


@dataclass(frozen=True)
class Layout:
    """The classes, class names and image entries of a Tiny ImageNet zip."""

    root: str
    wnids: list[str]
    names: dict[str, str]
    train: dict[str, list[str]]
    val: list[tuple[str, str]]


def open_zip(path: str | Path, max_uncompressed_mb: float) -> zipfile.ZipFile:
    """Open ``path`` as a zip after checking every entry name and the total uncompressed size."""
    path = Path(path)
    if not path.is_file():
        raise StageError(f"zip not found: {path} (run the download stage first)")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise StageError(
            f"{path} is not a readable zip ({error}): the file is truncated or corrupt; "
            "delete it and download it again"
        ) from error

    total = 0
    for info in archive.infolist():
        check_entry_name(info, path)
        total += info.file_size
    limit = max_uncompressed_mb * 1024 * 1024
    if total > limit:
        archive.close()
        raise StageError(
            f"{path} would uncompress to {total / 2**20:.0f} MiB, above "
            f"prepare.max_uncompressed_mb = {max_uncompressed_mb:g}; raise it if the archive is trusted"
        )
    return archive


def check_entry_name(info: zipfile.ZipInfo, path: Path) -> None:
    """Reject entries that would escape a target folder if extracted, and links."""
    name = info.filename
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        raise StageError(f"{path}: entry {name!r} has an absolute path; the zip is rejected")
    if ".." in parts:
        raise StageError(f"{path}: entry {name!r} contains '..'; the zip is rejected")
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise StageError(f"{path}: entry {name!r} is a symbolic link; the zip is rejected")


def read_layout(archive: zipfile.ZipFile, path: str | Path) -> Layout:
    """Find the layout files in ``archive`` and check that they agree with each other."""
    names = archive.namelist()
    root = find_root(names, path)
    members = set(names)

    wnids = [line.strip() for line in read_text(archive, root + "wnids.txt", path).splitlines()]
    wnids = [w for w in wnids if w]
    if not wnids:
        raise StageError(f"{path}: {root}wnids.txt lists no classes")
    if len(set(wnids)) != len(wnids):
        raise StageError(f"{path}: {root}wnids.txt lists a class twice")

    words = {}
    for line in read_text(archive, root + "words.txt", path).splitlines():
        wnid, _, label = line.partition("\t")
        if wnid:
            words[wnid.strip()] = label.strip()
    class_names = {w: words.get(w, w) for w in wnids}

    train: dict[str, list[str]] = {w: [] for w in wnids}
    train_pattern = re.compile(re.escape(root) + r"train/([^/]+)/images/([^/]+)$")
    for name in names:
        match = train_pattern.match(name)
        if not match or not name.lower().endswith(IMAGE_SUFFIXES):
            continue
        wnid = match.group(1)
        if wnid not in train:
            raise StageError(
                f"{path}: {name} is in a class folder that {root}wnids.txt does not list"
            )
        train[wnid].append(name)
    for wnid, files in train.items():
        if not files:
            raise StageError(f"{path}: no training images under {root}train/{wnid}/images/")
        files.sort(key=natural_key)

    annotations = root + "val/val_annotations.txt"
    val = []
    for number, line in enumerate(read_text(archive, annotations, path).splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) < 2:
            raise StageError(f"{path}: {annotations} line {number} has no class column: {line!r}")
        file_name, wnid = fields[0].strip(), fields[1].strip()
        if wnid not in train:
            raise StageError(
                f"{path}: {annotations} line {number} names class {wnid}, "
                f"which {root}wnids.txt does not list"
            )
        member = f"{root}val/images/{file_name}"
        if member not in members:
            raise StageError(
                f"{path}: {annotations} line {number} names {file_name}, "
                f"which is missing from {root}val/images/"
            )
        val.append((member, wnid))
    val.sort(key=lambda item: natural_key(item[0]))
    return Layout(root=root, wnids=wnids, names=class_names, train=train, val=val)


def find_root(names: list[str], path: str | Path) -> str:
    """Return the folder prefix that contains wnids.txt (``tiny-imagenet-200/`` officially)."""
    candidates = sorted(
        (n[: -len("wnids.txt")] for n in names if n.endswith("wnids.txt")), key=len
    )
    candidates = [c for c in candidates if c == "" or c.endswith("/")]
    if not candidates:
        raise StageError(
            f"{path}: wnids.txt not found; expected the Tiny ImageNet layout "
            "tiny-imagenet-200/{wnids.txt, words.txt, train/, val/}"
        )
    return candidates[0]


def read_text(archive: zipfile.ZipFile, member: str, path: str | Path) -> str:
    """Read a layout text file, naming it when it is missing or damaged."""
    try:
        data = archive.read(member)
    except KeyError:
        raise StageError(f"{path}: required file {member} is missing from the zip") from None
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise StageError(f"{path}: {member} cannot be read ({error}); the zip is corrupt") from error
    return data.decode("utf-8", errors="replace")


def natural_key(name: str) -> list:
    """Sort ``x_2`` before ``x_10``, so "the first N images" means what a person expects."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]
