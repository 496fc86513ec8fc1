import io
import json
import random
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from synthetic import ROOT, SHARED_SAMPLE, class_image, encode_jpeg, make_zip, wnid_of
from tinyclr.data.prepare import PrepareConfig, prepare
from tinyclr.errors import StageError

OUTPUTS = [
    "train_images.npy",
    "train_labels.npy",
    "val_images.npy",
    "val_labels.npy",
    "classes.json",
    "manifest.json",
]


def run_cli(tmp_path, zip_path, section: str):
    params = tmp_path / "params.yaml"
    params.write_text("prepare:\n" + section)
    out = tmp_path / "prepared"
    result = subprocess.run(
        [sys.executable, "-m", "tinyclr", "prepare", "--params", str(params),
         "--zip", str(zip_path), "--out", str(out)],
        capture_output=True,
        text=True,
    )
    return result, out


def assert_no_output(out: Path):
    assert not out.exists()
    leftovers = [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")]
    assert leftovers == []


@pytest.fixture(scope="module")
def shared_prepared(tmp_path_factory):
    if not SHARED_SAMPLE.is_file():
        pytest.skip(f"real Tiny ImageNet sample not found at {SHARED_SAMPLE}")
    out = tmp_path_factory.mktemp("shared") / "prepared"
    prepare(SHARED_SAMPLE, out, PrepareConfig())
    return out


def test_shared_sample_counts(shared_prepared):
    manifest = json.loads((shared_prepared / "manifest.json").read_text())
    assert manifest["num_classes"] == 200
    assert manifest["train_images"] == 12000
    assert manifest["val_images"] == 5000
    assert manifest["grayscale_images"] == 321  # the 322nd grayscale image is in test/
    assert manifest["official_counts"] is False
    assert np.load(shared_prepared / "train_images.npy").shape == (12000, 64, 64, 3)
    assert np.load(shared_prepared / "val_images.npy").shape == (5000, 64, 64, 3)
    assert len(json.loads((shared_prepared / "classes.json").read_text())) == 200


def test_shared_sample_pixels_and_labels(shared_prepared):
    """Decode a random sample back from the zip with PIL and find it in the arrays."""
    classes = json.loads((shared_prepared / "classes.json").read_text())
    label_of = {entry["wnid"]: entry["label"] for entry in classes}
    archive = zipfile.ZipFile(SHARED_SAMPLE)
    root = "tiny-imagenet-200/"

    # Array order is per class, then natural file order, for train.
    train_images = np.load(shared_prepared / "train_images.npy", mmap_mode="r")
    train_labels = np.load(shared_prepared / "train_labels.npy")
    rng = random.Random(0)
    for _ in range(60):
        wnid = rng.choice(sorted(label_of))
        number = rng.randrange(60)
        member = f"{root}train/{wnid}/images/{wnid}_{number}.JPEG"
        expected = np.asarray(Image.open(io.BytesIO(archive.read(member))).convert("RGB"))
        row = label_of[wnid] * 60 + number
        assert train_labels[row] == label_of[wnid]
        assert np.array_equal(train_images[row], expected), member

    # Val order is natural file order within each class; labels come from the annotations.
    annotations = archive.read(root + "val/val_annotations.txt").decode().splitlines()
    val_images = np.load(shared_prepared / "val_images.npy", mmap_mode="r")
    val_labels = np.load(shared_prepared / "val_labels.npy")
    per_class: dict[str, list[str]] = {}
    for line in annotations:
        name, wnid = line.split("\t")[:2]
        per_class.setdefault(wnid, []).append(name)
    for _ in range(60):
        wnid = rng.choice(sorted(per_class))
        names = sorted(per_class[wnid], key=lambda n: int(n[4:-5]))
        position = rng.randrange(len(names))
        row = label_of[wnid] * 25 + position
        member = f"{root}val/images/{names[position]}"
        expected = np.asarray(Image.open(io.BytesIO(archive.read(member))).convert("RGB"))
        assert val_labels[row] == label_of[wnid]
        assert np.array_equal(val_images[row], expected), member


def test_shared_sample_grayscale_channels_equal(shared_prepared):
    archive = zipfile.ZipFile(SHARED_SAMPLE)
    classes = json.loads((shared_prepared / "classes.json").read_text())
    train_images = np.load(shared_prepared / "train_images.npy", mmap_mode="r")
    found = 0
    for entry in classes[:40]:
        for number in range(60):
            member = f"tiny-imagenet-200/train/{entry['wnid']}/images/{entry['wnid']}_{number}.JPEG"
            if Image.open(io.BytesIO(archive.read(member))).mode != "L":
                continue
            image = train_images[entry["label"] * 60 + number]
            assert np.array_equal(image[..., 0], image[..., 1])
            assert np.array_equal(image[..., 0], image[..., 2])
            found += 1
    assert found > 0


def test_synthetic_outputs(tmp_path):
    zip_path = make_zip(tmp_path / "tiny.zip", classes=3, train_per_class=4, val_per_class=2)
    out = tmp_path / "prepared"
    manifest = prepare(zip_path, out, PrepareConfig())
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUTS)
    assert manifest["train_images"] == 12
    assert manifest["val_images"] == 6
    assert manifest["train_per_class"] == [4, 4, 4]
    assert manifest["grayscale_images"] == 3  # every 5th of 18 images
    assert np.load(out / "train_labels.npy").tolist() == [0] * 4 + [1] * 4 + [2] * 4
    assert np.load(out / "val_labels.npy").tolist() == [0, 0, 1, 1, 2, 2]
    assert np.load(out / "train_images.npy").dtype == np.uint8


def test_classes_json_names(tmp_path):
    zip_path = make_zip(tmp_path / "tiny.zip", classes=2)
    out = tmp_path / "prepared"
    prepare(zip_path, out, PrepareConfig())
    classes = json.loads((out / "classes.json").read_text())
    assert classes[0] == {"label": 0, "wnid": wnid_of(0), "names": "class 0, synthetic thing 0"}
    assert classes[1]["label"] == 1


def test_subset_by_count(tmp_path):
    zip_path = make_zip(tmp_path / "tiny.zip", classes=4, train_per_class=6, val_per_class=3)
    out = tmp_path / "prepared"
    config = PrepareConfig(classes=2, train_per_class=3, val_per_class=1)
    manifest = prepare(zip_path, out, config)
    assert manifest["num_classes"] == 2
    assert manifest["train_images"] == 6
    assert manifest["val_images"] == 2
    images = np.load(out / "train_images.npy")
    first = np.asarray(Image.open(io.BytesIO(encode_jpeg(class_image(0, 0)))).convert("RGB"))
    assert np.array_equal(images[0], first)


def test_subset_by_wnid_list(tmp_path):
    zip_path = make_zip(tmp_path / "tiny.zip", classes=4)
    out = tmp_path / "prepared"
    prepare(zip_path, out, PrepareConfig(classes=[wnid_of(3), wnid_of(1)]))
    classes = json.loads((out / "classes.json").read_text())
    assert [c["wnid"] for c in classes] == [wnid_of(3), wnid_of(1)]


def test_natural_file_order(tmp_path):
    zip_path = make_zip(tmp_path / "tiny.zip", classes=1, train_per_class=12, gray_every=0)
    out = tmp_path / "prepared"
    prepare(zip_path, out, PrepareConfig(classes=1, train_per_class=3))
    images = np.load(out / "train_images.npy")
    for index in range(3):
        expected = np.asarray(Image.open(io.BytesIO(encode_jpeg(class_image(0, index)))))
        assert np.array_equal(images[index], expected)


def test_skip_corrupt_counts_image(tmp_path):
    wnid = wnid_of(0)
    bad = {f"train/{wnid}/images/{wnid}_1.JPEG": b"\xff\xd8 not a jpeg"}
    zip_path = make_zip(tmp_path / "tiny.zip", classes=2, train_per_class=4, extra=bad)
    out = tmp_path / "prepared"
    manifest = prepare(zip_path, out, PrepareConfig(on_corrupt="skip"))
    assert manifest["skipped_images"] == 1
    assert manifest["train_images"] == 7
    assert np.load(out / "train_labels.npy").tolist() == [0, 0, 0, 1, 1, 1, 1]


def test_cli_writes_outputs(tmp_path):
    zip_path = make_zip(tmp_path / "tiny.zip", classes=2)
    result, out = run_cli(tmp_path, zip_path, "  classes: 2\n")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUTS)


def test_output_replaces_older_run(tmp_path):
    zip_path = make_zip(tmp_path / "tiny.zip", classes=2)
    out = tmp_path / "prepared"
    out.mkdir()
    (out / "stale.txt").write_text("from an older run")
    prepare(zip_path, out, PrepareConfig())
    assert not (out / "stale.txt").exists()


def symlink_entry() -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(ROOT + "train/link")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


def write_with_entry(path: Path, info: zipfile.ZipInfo, data: bytes = b"x") -> Path:
    make_zip(path, classes=2)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(info, data)
    return path


def truncate(path: Path) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


BAD_ZIPS = {
    "absolute path": (
        lambda p: write_with_entry(p, zipfile.ZipInfo("/etc/evil")),
        "'/etc/evil' has an absolute path",
    ),
    "dot-dot part": (
        lambda p: write_with_entry(p, zipfile.ZipInfo(ROOT + "../../evil")),
        "contains '..'",
    ),
    "symbolic link": (
        lambda p: write_with_entry(p, symlink_entry(), b"/etc/passwd"),
        "is a symbolic link",
    ),
    "truncated zip": (
        lambda p: truncate(make_zip(p, classes=2)),
        "is not a readable zip",
    ),
    "not a zip": (
        lambda p: (p.write_bytes(b"<html>not found</html>"), p)[1],
        "is not a readable zip",
    ),
    "missing wnids": (
        lambda p: make_zip(p, classes=2, drop=("wnids.txt",)),
        "wnids.txt not found",
    ),
    "missing words": (
        lambda p: make_zip(p, classes=2, drop=("words.txt",)),
        "required file tiny-imagenet-200/words.txt is missing",
    ),
    "missing annotations": (
        lambda p: make_zip(p, classes=2, drop=("val/val_annotations.txt",)),
        "required file tiny-imagenet-200/val/val_annotations.txt is missing",
    ),
    "unknown annotation class": (
        lambda p: make_zip(p, classes=2, annotations_extra="val_0.JPEG\tn77777777\t0\t0\t1\t1\n"),
        "names class n77777777, which tiny-imagenet-200/wnids.txt does not list",
    ),
    "missing val image": (
        lambda p: make_zip(p, classes=2, annotations_extra="val_99.JPEG\tn01000000\t0\t0\t1\t1\n"),
        "names val_99.JPEG, which is missing",
    ),
    "wrong image size": (
        lambda p: make_zip(
            p,
            classes=2,
            extra={f"train/{wnid_of(1)}/images/{wnid_of(1)}_2.JPEG": encode_jpeg(class_image(1, 2, 32))},
        ),
        f"{wnid_of(1)}_2.JPEG is 32×32 pixels, but Tiny ImageNet images are 64×64",
    ),
    "undecodable image": (
        lambda p: make_zip(
            p, classes=2, extra={"val/images/val_1.JPEG": b"\xff\xd8\xff\xe0 garbage"}
        ),
        "val/images/val_1.JPEG is not a decodable image",
    ),
    "empty class folder": (
        lambda p: make_zip(p, classes=2, train_per_class=0),
        "no training images under",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_ZIPS))
def test_bad_zip_rejected(tmp_path, case):
    build, message = BAD_ZIPS[case]
    zip_path = build(tmp_path / "bad.zip")
    out = tmp_path / "prepared"
    with pytest.raises(StageError) as caught:
        prepare(zip_path, out, PrepareConfig())
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
    assert_no_output(out)


def test_uncompressed_size_cap(tmp_path):
    zip_path = make_zip(tmp_path / "tiny.zip", classes=2)
    out = tmp_path / "prepared"
    with pytest.raises(StageError, match="above prepare.max_uncompressed_mb = 0.01"):
        prepare(zip_path, out, PrepareConfig(max_uncompressed_mb=0.01))
    assert_no_output(out)


def test_missing_zip_rejected(tmp_path):
    out = tmp_path / "prepared"
    with pytest.raises(StageError, match="zip not found: .*run the download stage first"):
        prepare(tmp_path / "absent.zip", out, PrepareConfig())
    assert_no_output(out)


@pytest.mark.parametrize(
    "config, message",
    [
        (PrepareConfig(classes=5), "prepare.classes = 5 but the zip has only 2 classes"),
        (PrepareConfig(classes=["n123"]), "prepare.classes lists 'n123', which is not in"),
        (PrepareConfig(train_per_class=9), "prepare.train_per_class = 9 but class"),
        (PrepareConfig(val_per_class=9), "prepare.val_per_class = 9 but class"),
    ],
)
def test_impossible_subset_rejected(tmp_path, config, message):
    zip_path = make_zip(tmp_path / "tiny.zip", classes=2)
    out = tmp_path / "prepared"
    with pytest.raises(StageError, match=message):
        prepare(zip_path, out, config)
    assert_no_output(out)


@pytest.mark.parametrize(
    "section, message",
    [
        ("  clases: 3\n", "unknown key prepare.clases"),
        ("  classes: three\n", "prepare.classes = 'three' is invalid"),
        ("  classes: 0\n", "prepare.classes = 0 is out of range: must be >= 1"),
        ("  train_per_class: 2.5\n", "prepare.train_per_class = 2.5 is invalid"),
        ("  on_corrupt: ignore\n", "prepare.on_corrupt = 'ignore' is invalid: choose one of fail, skip"),
        ("  max_uncompressed_mb: -1\n", "prepare.max_uncompressed_mb = -1.0 is out of range"),
    ],
)
def test_cli_bad_params(tmp_path, section, message):
    zip_path = make_zip(tmp_path / "tiny.zip", classes=2)
    result, out = run_cli(tmp_path, zip_path, section)
    assert result.returncode == 1
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert_no_output(out)


def test_cli_bad_zip_one_line(tmp_path):
    zip_path = truncate(make_zip(tmp_path / "tiny.zip", classes=2))
    result, out = run_cli(tmp_path, zip_path, "  classes: 2\n")
    errors = [line for line in result.stderr.splitlines() if "error" in line]
    assert result.returncode == 1
    assert errors == [result.stderr.strip().splitlines()[-1]]
    assert errors[0].startswith("tinyclr prepare: error: ")
    assert "Traceback" not in result.stderr
    assert_no_output(out)
