import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from tinyclr.config import ConfigError
from tinyclr.evaluate import EvaluateConfig, evaluate, load_config
from tinyclr.features import read_features

EVAL_KEYS = [
    "linear_top1",
    "linear_top5",
    "knn_top1",
    "num_classes",
    "chance",
    "train_size",
    "val_size",
]


def write_features(folder: Path, train_x, train_y, val_x, val_y, name="demo") -> Path:
    """Write a features folder in the layout of docs/outputs.md."""
    folder.mkdir(parents=True)
    np.save(folder / "train_features.npy", train_x)
    np.save(folder / "train_labels.npy", train_y)
    np.save(folder / "val_features.npy", val_x)
    np.save(folder / "val_labels.npy", val_y)
    meta = {"name": name, "arch": "resnet18", "source": "random", "dim": int(train_x.shape[1])}
    (folder / "meta.json").write_text(json.dumps(meta))
    return folder


def label_features(rng, labels, dim=24):
    """Features that encode the label in a one-hot block, plus noise."""
    features = 0.1 * rng.normal(size=(len(labels), dim)).astype(np.float32)
    features[np.arange(len(labels)), labels] += 1.0
    return features


@pytest.fixture
def label_folder(tmp_path):
    rng = np.random.default_rng(0)
    train_y = np.repeat(np.arange(8), 25)
    val_y = np.repeat(np.arange(8), 5)
    return write_features(
        tmp_path / "features" / "demo",
        label_features(rng, train_y),
        train_y,
        label_features(rng, val_y),
        val_y,
    )


def run_cli(tmp_path, features: Path, params: str = ""):
    params_path = tmp_path / "params.yaml"
    params_path.write_text(params)
    out = tmp_path / "results" / "demo" / "eval.json"
    result = subprocess.run(
        [sys.executable, "-m", "tinyclr", "evaluate", "--params", str(params_path),
         "--features", str(features), "--out", str(out)],
        capture_output=True,
        text=True,
    )
    return result, out


def assert_one_line_error(result, *fragments):
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1
    assert errors[0].startswith("tinyclr evaluate: error: ")
    for fragment in fragments:
        assert fragment in errors[0]
    assert "Traceback" not in result.stderr


def assert_no_output(out: Path):
    assert not out.exists()
    leftovers = list(out.parent.glob(f".{out.name}.*")) if out.parent.exists() else []
    assert leftovers == []


def test_cli_writes_eval_json(tmp_path, label_folder):
    result, out = run_cli(tmp_path, label_folder, "evaluate:\n  knn_k: [5, 500]\n")
    assert result.returncode == 0, result.stderr
    metrics = json.loads(out.read_text())
    assert list(metrics) == EVAL_KEYS
    assert list(metrics["knn_top1"]) == ["5", "500"]
    assert metrics["linear_top1"] >= 0.99
    assert metrics["knn_top1"]["5"] >= 0.99
    assert metrics["num_classes"] == 8
    assert metrics["chance"] == 1 / 8
    assert metrics["train_size"] == 200
    assert metrics["val_size"] == 40
    assert "k=500 is larger than the train set (200 samples)" in result.stderr


def test_shuffled_labels_chance(tmp_path):
    rng = np.random.default_rng(1)
    classes = 10
    train_y = np.repeat(np.arange(classes), 60)
    val_y = np.repeat(np.arange(classes), 60)
    folder = write_features(
        tmp_path / "shuffled",
        label_features(rng, train_y),
        rng.permutation(train_y),
        label_features(rng, val_y),
        val_y,
    )
    metrics = evaluate(read_features(folder), EvaluateConfig(knn_k=[20, 200]))
    # Chance is 0.1; 600 val samples give a standard error of about 0.012.
    assert abs(metrics["linear_top1"] - 0.1) < 0.05
    assert abs(metrics["knn_top1"]["20"] - 0.1) < 0.05
    assert abs(metrics["knn_top1"]["200"] - 0.1) < 0.05


def test_evaluate_deterministic(label_folder):
    features = read_features(label_folder)
    assert evaluate(features, EvaluateConfig()) == evaluate(features, EvaluateConfig())


def test_missing_folder(tmp_path):
    result, out = run_cli(tmp_path, tmp_path / "features" / "absent")
    assert_one_line_error(result, "features folder not found", "absent", "run the features stage")
    assert_no_output(out)


def test_missing_file(tmp_path, label_folder):
    (label_folder / "val_labels.npy").unlink()
    result, out = run_cli(tmp_path, label_folder)
    assert_one_line_error(result, "val_labels.npy not found")
    assert_no_output(out)


def test_dimension_mismatch(tmp_path, label_folder):
    np.save(label_folder / "val_features.npy", np.zeros((40, 5), dtype=np.float32))
    result, out = run_cli(tmp_path, label_folder)
    assert_one_line_error(result, "train features have 24 columns but val features have 5")
    assert_no_output(out)


def test_label_count_mismatch(tmp_path, label_folder):
    np.save(label_folder / "train_labels.npy", np.zeros(7, dtype=np.int64))
    result, out = run_cli(tmp_path, label_folder)
    assert_one_line_error(result, "train_labels.npy has 7 labels", "has 200 rows")
    assert_no_output(out)


@pytest.mark.parametrize(
    ("section", "fragment"),
    [
        ("  knn_k: [0, 20]\n", "evaluate.knn_k[0] = 0 is out of range"),
        ("  knn_k: [20, 20]\n", "list each k once"),
        ("  knn_k: []\n", "at least 1 required"),
        ("  linear_c: -1\n", "evaluate.linear_c = -1.0 is out of range"),
        ("  knn_temperature: 0\n", "evaluate.knn_temperature = 0.0 is out of range"),
        ("  linear_max_iter: 2.5\n", "expected an integer"),
        ("  solver: sgd\n", "unknown key evaluate.solver"),
    ],
)
def test_bad_params(section, fragment):
    with pytest.raises(ConfigError) as error:
        load_config({"evaluate": yaml.safe_load(section)})
    assert fragment in str(error.value)


def test_bad_params_cli(tmp_path, label_folder):
    result, out = run_cli(tmp_path, label_folder, "evaluate:\n  knn_k: [0]\n")
    assert_one_line_error(result, "evaluate.knn_k[0] = 0 is out of range")
    assert_no_output(out)


def test_non_finite_features(tmp_path, label_folder):
    features = np.load(label_folder / "train_features.npy")
    features[3, 2] = np.nan
    np.save(label_folder / "train_features.npy", features)
    result, out = run_cli(tmp_path, label_folder)
    assert_one_line_error(result, "train_features.npy contains NaN or infinite values")
    assert_no_output(out)


def test_missing_train_class_warning(tmp_path, caplog):
    rng = np.random.default_rng(2)
    train_y = np.repeat([0, 1, 3], 20)
    val_y = np.arange(4).repeat(3)
    folder = write_features(
        tmp_path / "gap", label_features(rng, train_y), train_y, label_features(rng, val_y), val_y
    )
    metrics = evaluate(read_features(folder), EvaluateConfig(knn_k=[5]))
    assert metrics["num_classes"] == 4
    assert metrics["linear_top1"] == pytest.approx(0.75)
    assert "1 of 4 classes have no train sample (first: 2)" in caplog.text
