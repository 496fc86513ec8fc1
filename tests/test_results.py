"""Tests for tinyclr.results: loading fake stage outputs and the display rules."""

from __future__ import annotations

import json

import pytest

import fake_results
from tinyclr.config import ConfigError
from tinyclr.errors import StageError
from tinyclr.results import (
    decimals,
    load_results,
    localize,
    minutes,
    percent,
    rate,
    read_names,
)


@pytest.fixture()
def tree(tmp_path):
    params = fake_results.write_params(tmp_path / "params.yaml")
    data = fake_results.write_data(tmp_path / "data")
    results = fake_results.write_results(tmp_path / "results")
    return params, data, results


def test_names_follow_params_order(tree):
    params, _, _ = tree
    names = read_names(params)
    assert names.variants == list(fake_results.VARIANTS)
    assert names.references == {"random-resnet18": "resnet18", "random-resnet50": "resnet50"}


def test_names_reject_dotted_variant(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("variants:\n  bad.name: {arch: resnet18}\nreferences: {}\n")
    with pytest.raises(ConfigError, match="bad.name"):
        read_names(path)


def test_load_reads_every_run(tree):
    params, data, results_dir = tree
    results = load_results(results_dir, data, read_names(params))
    assert [run.name for run in results.variants] == list(fake_results.VARIANTS)
    assert [run.name for run in results.references] == list(fake_results.REFERENCES)
    assert results.baseline.name == "baseline"
    assert results.knn_ks == [20, 200]
    assert all(run.train is None for run in results.references)


def test_load_reads_dvclive_steps(tree):
    params, data, results_dir = tree
    results = load_results(results_dir, data, read_names(params))
    train = results.baseline.train
    loss = train.per_step["loss"]
    assert loss.steps.tolist() == list(range(train.steps))
    assert loss.values[0] == pytest.approx(6.0)
    assert len(train.per_epoch["top1"].values) == train.epochs


def test_load_keeps_train_json_values(tree):
    params, data, results_dir = tree
    results = load_results(results_dir, data, read_names(params))
    raw = json.loads((results_dir / "head3" / "train.json").read_text())
    head3 = results.variants[2]
    assert head3.train.final_loss == raw["final_loss"]
    assert head3.train.config["head_layers"] == 3


def test_class_name_is_first_wordnet_name(tree):
    params, data, results_dir = tree
    results = load_results(results_dir, data, read_names(params))
    assert results.dataset.class_name(0) == "goldfish"


@pytest.mark.parametrize(
    ("relative", "stage"),
    [
        ("head3/train.json", "train@head3"),
        ("head3/eval.json", "evaluate@head3"),
        ("head3/tsne.json", "tsne@head3"),
        ("random-resnet50/eval.json", "evaluate-random@random-resnet50"),
        ("batch512/live/epochs/plots/metrics/loss.tsv", "train@batch512"),
    ],
)
def test_missing_file_names_file_and_stage(tree, relative, stage):
    params, data, results_dir = tree
    (results_dir / relative).unlink()
    with pytest.raises(StageError) as error:
        load_results(results_dir, data, read_names(params))
    assert str(results_dir / relative) in str(error.value)
    assert stage in str(error.value)


def test_missing_key_is_reported(tree):
    params, data, results_dir = tree
    path = results_dir / "baseline" / "eval.json"
    data_json = json.loads(path.read_text())
    del data_json["linear_top5"]
    path.write_text(json.dumps(data_json))
    with pytest.raises(StageError, match="has no key linear_top5"):
        load_results(results_dir, data, read_names(params))


def test_nan_metric_is_rejected(tree):
    params, data, results_dir = tree
    path = results_dir / "baseline" / "tsne.json"
    path.write_text(path.read_text().replace('"silhouette_tsne": 0.1', '"silhouette_tsne": NaN'))
    with pytest.raises(StageError, match="silhouette_tsne"):
        load_results(results_dir, data, read_names(params))


def test_display_rules():
    assert percent(0.45678) == "45.7"
    assert percent(0.00049) == "0.0"
    assert decimals(4.81249) == "4.812"
    assert minutes(123.0) == "2.0"
    assert rate(99.6) == "100"


def test_localize_indonesian_swaps_separators():
    assert localize("1,234.5", "id") == "1.234,5"
    assert localize("-0.020", "id") == "\u22120,020"
    assert localize("45.7", "en") == "45.7"


def test_localize_prints_typographic_minus():
    assert localize("-0.054", "en") == "\u22120.054"
    assert localize("+8.6", "en") == "+8.6"



def test_direct_tsv_matches_dvclive(tmp_path):
    rows = [{"loss": 5.0 - 0.5 * step, "lr": 1e-4 * step} for step in range(3)]
    fake_results.write_live(tmp_path / "live", rows, use_dvclive=True)
    fake_results.write_live(tmp_path / "direct", rows, use_dvclive=False)
    for metric in ("loss", "lr"):
        relative = f"plots/metrics/{metric}.tsv"
        live = (tmp_path / "live" / relative).read_text()
        assert (tmp_path / "direct" / relative).read_text() == live

