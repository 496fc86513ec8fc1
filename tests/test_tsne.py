import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from test_evaluate import write_features
from tinyclr.cli import main
from tinyclr.tsne import embed, select_classes, short_name

TSNE_KEYS = ["silhouette_features", "silhouette_tsne", "classes", "perplexity", "points"]


def write_classes(data: Path, count: int) -> Path:
    data.mkdir(parents=True, exist_ok=True)
    classes = [
        {"label": i, "wnid": f"n{1000 + i:08d}", "names": f"thing {i}, synthetic {i}"}
        for i in range(count)
    ]
    (data / "classes.json").write_text(json.dumps(classes))
    return data


def clustered_folder(folder: Path, classes: int, per_class: int, seed: int = 0, shuffle=False):
    """Features with one tight cluster per class in 32 dimensions."""
    rng = np.random.default_rng(seed)
    means = 3.0 * rng.normal(size=(classes, 32))
    train_y = np.repeat(np.arange(classes), 4)
    val_y = np.repeat(np.arange(classes), per_class)
    val_x = (means[val_y] + rng.normal(size=(len(val_y), 32))).astype(np.float32)
    if shuffle:
        val_y = rng.permutation(val_y)
    train_x = (means[train_y] + rng.normal(size=(len(train_y), 32))).astype(np.float32)
    return write_features(folder, train_x, train_y, val_x, val_y)


@pytest.fixture
def stage(tmp_path):
    """A features folder of 6 classes with 20 val points each, and classes.json."""
    data = write_classes(tmp_path / "prepared", 6)
    features = clustered_folder(tmp_path / "features" / "demo", 6, 20)
    return tmp_path, data, features


def tsne_argv(root: Path, data: Path, features: Path, params: str):
    (root / "params.yaml").write_text(params)
    return [
        "tsne",
        "--params", str(root / "params.yaml"),
        "--features", str(features),
        "--data", str(data),
        "--out-csv", str(root / "results" / "demo" / "tsne.csv"),
        "--out-metrics", str(root / "results" / "demo" / "tsne.json"),
    ]


def read_rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def assert_no_output(root: Path):
    results = root / "results" / "demo"
    leftovers = sorted(p.name for p in results.iterdir()) if results.exists() else []
    assert leftovers == []


def test_cli_writes_csv_and_metrics(stage):
    root, data, features = stage
    argv = tsne_argv(root, data, features, "tsne:\n  classes: 4\n  perplexity: 10\n")
    result = subprocess.run(
        [sys.executable, "-m", "tinyclr", *argv], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr

    metrics = json.loads((root / "results" / "demo" / "tsne.json").read_text())
    assert list(metrics) == TSNE_KEYS
    assert metrics["classes"] == [0, 1, 2, 3]
    assert metrics["points"] == 80
    assert metrics["perplexity"] == 10.0
    # Tight, well separated clusters score high in both spaces.
    assert metrics["silhouette_features"] > 0.5
    assert metrics["silhouette_tsne"] > 0.5

    rows = read_rows(root / "results" / "demo" / "tsne.csv")
    assert list(rows[0]) == ["x", "y", "label", "class_name"]
    assert len(rows) == 80
    assert {row["label"] for row in rows} == {"0", "1", "2", "3"}
    assert rows[0]["class_name"] == f"thing {rows[0]['label']}"


def test_cli_deterministic(stage):
    root, data, features = stage
    argv = tsne_argv(root, data, features, "tsne:\n  classes: 3\n  seed: 7\n")
    assert main(argv) == 0
    first = (root / "results" / "demo" / "tsne.csv").read_text()
    assert main(argv) == 0
    second = (root / "results" / "demo" / "tsne.csv").read_text()
    assert first == second


def test_wnid_list_selection(stage):
    root, data, features = stage
    params = "tsne:\n  classes: [n00001005, 2, n00001001]\n"
    assert main(tsne_argv(root, data, features, params)) == 0
    metrics = json.loads((root / "results" / "demo" / "tsne.json").read_text())
    assert metrics["classes"] == [1, 2, 5]
    assert metrics["points"] == 60


def test_shuffled_labels_silhouette(tmp_path):
    data = write_classes(tmp_path / "prepared", 5)
    features = clustered_folder(tmp_path / "features" / "demo", 5, 30, shuffle=True)
    assert main(tsne_argv(tmp_path, data, features, "tsne:\n  classes: 5\n")) == 0
    metrics = json.loads((tmp_path / "results" / "demo" / "tsne.json").read_text())
    assert abs(metrics["silhouette_features"]) < 0.1
    assert abs(metrics["silhouette_tsne"]) < 0.1


def test_perplexity_clipped(stage, caplog):
    root, data, features = stage
    assert main(tsne_argv(root, data, features, "tsne:\n  classes: 2\n  perplexity: 30\n")) == 0
    metrics = json.loads((root / "results" / "demo" / "tsne.json").read_text())
    assert metrics["points"] == 40
    assert metrics["perplexity"] == pytest.approx(13.0)
    assert "tsne.perplexity = 30 is too high for 40 points; using 13" in caplog.text


def test_more_classes_than_data(stage, caplog):
    root, data, features = stage
    assert main(tsne_argv(root, data, features, "tsne:\n  classes: 10\n  perplexity: 5\n")) == 0
    metrics = json.loads((root / "results" / "demo" / "tsne.json").read_text())
    assert metrics["classes"] == [0, 1, 2, 3, 4, 5]
    assert "tsne.classes = 10 but the data has 6 classes" in caplog.text


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ("tsne:\n  classes: [n09999999, 1]\n", "tsne.classes[0] = 'n09999999' is not a wnid"),
        ("tsne:\n  classes: [1, 6]\n", "tsne.classes[1] = 6 is out of range: labels are 0..5"),
        ("tsne:\n  classes: 1\n", "tsne.classes = 1 is out of range: must be >= 2"),
        ("tsne:\n  perplexity: 0\n", "tsne.perplexity = 0.0 is out of range"),
        ("tsne:\n  iterations: 5\n", "unknown key tsne.iterations"),
        ("tsne:\n  classes: 3\ntnse:\n  classes: 4\n", "unknown section 'tnse'"),
        ("tsne:\n  classes: ten\n", "expected an integer or a list of integers or strings"),
    ],
)
def test_bad_params(stage, capsys, params, fragment):
    root, data, features = stage
    assert main(tsne_argv(root, data, features, params)) == 1
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 1
    assert errors[0].startswith("tinyclr tsne: error: ")
    assert fragment in errors[0]
    assert_no_output(root)


def test_missing_classes_json(stage, capsys):
    root, data, features = stage
    (data / "classes.json").unlink()
    assert main(tsne_argv(root, data, features, "")) == 1
    error = capsys.readouterr().err
    assert "class list not found" in error
    assert "run the prepare stage" in error
    assert_no_output(root)


def test_missing_features(stage, capsys):
    root, data, _ = stage
    assert main(tsne_argv(root, data, root / "features" / "absent", "")) == 1
    assert "features folder not found" in capsys.readouterr().err
    assert_no_output(root)


def test_labels_beyond_classes(tmp_path, capsys):
    data = write_classes(tmp_path / "prepared", 3)
    features = clustered_folder(tmp_path / "features" / "demo", 5, 4)
    assert main(tsne_argv(tmp_path, data, features, "")) == 1
    assert "has labels up to 4 but" in capsys.readouterr().err
    assert_no_output(tmp_path)


def test_select_classes_sorted():
    classes = [{"label": i, "wnid": f"n{i}", "names": "x"} for i in range(5)]
    assert select_classes(3, classes) == [0, 1, 2]
    assert select_classes(["n4", 0, "n0"], classes) == [0, 4]


def test_short_name():
    assert short_name("goldfish, Carassius auratus") == "goldfish"
    assert short_name("n01443537") == "n01443537"


def test_embed_shape_and_seed():
    rng = np.random.default_rng(3)
    points = rng.normal(size=(60, 8)).astype(np.float32)
    first, perplexity = embed(points, 5.0, seed=1)
    second, _ = embed(points, 5.0, seed=1)
    assert first.shape == (60, 2)
    assert perplexity == 5.0
    assert np.array_equal(first, second)


def test_class_without_val_images(tmp_path, caplog):
    data = write_classes(tmp_path / "prepared", 8)
    features = clustered_folder(tmp_path / "features" / "demo", 6, 10)
    assert main(tsne_argv(tmp_path, data, features, "tsne:\n  classes: 8\n  perplexity: 5\n")) == 0
    metrics = json.loads((tmp_path / "results" / "demo" / "tsne.json").read_text())
    assert metrics["classes"] == [0, 1, 2, 3, 4, 5]
    assert "2 chosen classes have no val image (labels [6, 7])" in caplog.text
