import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from tinyclr.cli import main
from tinyclr.model import build_backbone, images_to_tensor, save_encoder

FILES = [
    "meta.json",
    "train_features.npy",
    "train_labels.npy",
    "val_features.npy",
    "val_labels.npy",
]
PARAMS = """\
train:
  seed: 3
  stem: small
references:
  random-resnet18:
    arch: resnet18
features:
  batch_size: 4
  device: cpu
"""


def write_prepared(data: Path, train: int = 10, val: int = 6, classes: int = 3) -> Path:
    """Random uint8 images and labels in the prepared-data layout of docs/outputs.md."""
    rng = np.random.default_rng(0)
    data.mkdir(parents=True)
    for split, count in (("train", train), ("val", val)):
        np.save(data / f"{split}_images.npy", rng.integers(0, 256, (count, 64, 64, 3), dtype=np.uint8))
        np.save(data / f"{split}_labels.npy", (np.arange(count) % classes).astype(np.int64))
    entries = [{"label": i, "wnid": f"n{i:08d}", "names": f"thing {i}"} for i in range(classes)]
    (data / "classes.json").write_text(json.dumps(entries))
    return data


@pytest.fixture
def workspace(tmp_path):
    write_prepared(tmp_path / "prepared")
    (tmp_path / "params.yaml").write_text(PARAMS)
    return tmp_path


def features_argv(root: Path, *source: str, out: str = "features/demo") -> list[str]:
    return [
        "features",
        "--params", str(root / "params.yaml"),
        *source,
        "--data", str(root / "prepared"),
        "--out", str(root / out),
    ]


def run_cli(argv: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tinyclr", *argv], capture_output=True, text=True)


def expected_features(backbone: torch.nn.Module, images: np.ndarray) -> np.ndarray:
    with torch.inference_mode():
        return backbone.eval()(images_to_tensor(images, "cpu")).numpy()


def assert_no_output(out: Path):
    assert not out.exists()
    leftovers = [p.name for p in out.parent.glob(f".{out.name}.*")] if out.parent.exists() else []
    assert leftovers == []


def test_reference_cli(workspace):
    result = run_cli(features_argv(workspace, "--reference", "random-resnet18"))
    assert result.returncode == 0, result.stderr
    out = workspace / "features" / "demo"
    assert sorted(p.name for p in out.iterdir()) == FILES

    meta = json.loads((out / "meta.json").read_text())
    assert meta == {"name": "random-resnet18", "arch": "resnet18", "source": "random", "dim": 512}

    train = np.load(out / "train_features.npy")
    assert train.shape == (10, 512)
    assert train.dtype == np.float32
    assert np.load(out / "val_features.npy").shape == (6, 512)
    labels = np.load(workspace / "prepared" / "val_labels.npy")
    assert np.array_equal(np.load(out / "val_labels.npy"), labels)
    assert np.load(out / "val_labels.npy").dtype == np.int64

    # The same seed and stem rebuild the same untrained network.
    torch.manual_seed(3)
    backbone, _ = build_backbone("resnet18", "small")
    images = np.load(workspace / "prepared" / "train_images.npy")
    assert np.allclose(train, expected_features(backbone, images), atol=1e-5)


def test_reference_deterministic(workspace):
    assert main(features_argv(workspace, "--reference", "random-resnet18", out="features/a")) == 0
    assert main(features_argv(workspace, "--reference", "random-resnet18", out="features/b")) == 0
    for name in ("train_features.npy", "val_features.npy"):
        first = np.load(workspace / "features" / "a" / name)
        second = np.load(workspace / "features" / "b" / name)
        assert np.array_equal(first, second), name


def test_model_cli(workspace):
    torch.manual_seed(11)
    backbone, _ = build_backbone("resnet18", "imagenet")
    # Non-default BatchNorm statistics show whether eval mode is used.
    for module in backbone.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
    encoder = workspace / "models" / "trained" / "encoder.pt"
    save_encoder(encoder, backbone, "resnet18", "imagenet", {"arch": "resnet18", "stem": "imagenet"})

    result = run_cli(features_argv(workspace, "--model", str(encoder), out="features/trained"))
    assert result.returncode == 0, result.stderr
    out = workspace / "features" / "trained"
    meta = json.loads((out / "meta.json").read_text())
    assert meta == {"name": "trained", "arch": "resnet18", "source": "trained", "dim": 512}

    images = np.load(workspace / "prepared" / "val_images.npy")
    val = np.load(out / "val_features.npy")
    assert np.allclose(val, expected_features(backbone, images), atol=1e-5)


def test_both_sources_rejected(workspace, capsys):
    argv = features_argv(workspace, "--reference", "random-resnet18", "--model", "x.pt")
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_no_source_rejected(workspace, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(features_argv(workspace))
    assert exit_info.value.code == 2
    assert "one of the arguments --model --reference is required" in capsys.readouterr().err


def assert_one_line_error(capsys, *fragments):
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 1
    assert errors[0].startswith("tinyclr features: error: ")
    for fragment in fragments:
        assert fragment in errors[0]


def test_unknown_reference(workspace, capsys):
    assert main(features_argv(workspace, "--reference", "random-vit")) == 1
    assert_one_line_error(capsys, "reference 'random-vit' not found", "random-resnet18")
    assert_no_output(workspace / "features" / "demo")


def test_missing_data(workspace, capsys):
    (workspace / "prepared" / "val_images.npy").unlink()
    assert main(features_argv(workspace, "--reference", "random-resnet18")) == 1
    assert_one_line_error(capsys, "prepared data file not found", "val_images.npy")
    assert_no_output(workspace / "features" / "demo")


def test_label_count_mismatch(workspace, capsys):
    np.save(workspace / "prepared" / "train_labels.npy", np.zeros(3, dtype=np.int64))
    assert main(features_argv(workspace, "--reference", "random-resnet18")) == 1
    assert_one_line_error(capsys, "train_labels.npy has 3 labels", "has 10 rows")
    assert_no_output(workspace / "features" / "demo")


def test_wrong_image_dtype(workspace, capsys):
    np.save(workspace / "prepared" / "val_images.npy", np.zeros((6, 64, 64, 3), dtype=np.float32))
    assert main(features_argv(workspace, "--reference", "random-resnet18")) == 1
    assert_one_line_error(capsys, "must contain uint8 images of shape (N, H, W, 3)")
    assert_no_output(workspace / "features" / "demo")


def test_missing_encoder(workspace, capsys):
    assert main(features_argv(workspace, "--model", str(workspace / "absent.pt"))) == 1
    assert_one_line_error(capsys, "encoder file not found")
    assert_no_output(workspace / "features" / "demo")


@pytest.mark.parametrize(
    ("section", "fragment"),
    [
        ("features:\n  batch_size: 0\n", "features.batch_size = 0 is out of range"),
        ("features:\n  device: tpu\n", "features.device = 'tpu' is invalid"),
        ("references:\n  random-resnet18:\n    arch: vgg\n", "arch = 'vgg' is invalid"),
    ],
)
def test_bad_params(workspace, capsys, section, fragment):
    (workspace / "params.yaml").write_text(section)
    assert main(features_argv(workspace, "--reference", "random-resnet18")) == 1
    assert_one_line_error(capsys, fragment)
    assert_no_output(workspace / "features" / "demo")
