"""Tests for the figures stage on fake stage outputs."""

from __future__ import annotations

import re

import pytest
from matplotlib.colors import to_hex
from pypdf import PdfReader

import fake_results
from tinyclr.cli import main
from tinyclr.figures import (
    DOUBLE_COLUMN_IN,
    FIGURE_NAMES,
    LANGUAGES,
    SINGLE_COLUMN_IN,
    plot_tsne_grid,
)
from tinyclr.results import load_results, read_names


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("figures")
    params = fake_results.write_params(root / "params.yaml")
    data = fake_results.write_data(root / "data")
    results = fake_results.write_results(root / "results")
    return root, params, data, results


@pytest.fixture(scope="module")
def figures(tree):
    root, params, data, results = tree
    out = root / "figures"
    code = main(
        ["figures", "--params", str(params), "--results", str(results), "--data", str(data),
         "--out", str(out)]
    )
    assert code == 0
    return out


def test_figures_writes_pdf_and_png(figures):
    assert sorted(path.name for path in figures.iterdir()) == sorted(LANGUAGES)
    expected = sorted(f"{name}.{ext}" for name in FIGURE_NAMES for ext in ("pdf", "png"))
    for lang in LANGUAGES:
        assert sorted(path.name for path in (figures / lang).iterdir()) == expected


@pytest.mark.parametrize(
    ("name", "width"),
    [
        ("loss_per_step", SINGLE_COLUMN_IN),
        ("top1_per_epoch", SINGLE_COLUMN_IN),
        ("lr_schedule", SINGLE_COLUMN_IN),
        ("accuracy", SINGLE_COLUMN_IN),
        ("tsne_grid", DOUBLE_COLUMN_IN),
    ],
)
def test_figure_width_is_ieee_column(figures, name, width):
    page = PdfReader(figures / "en" / f"{name}.pdf").pages[0]
    assert float(page.mediabox.width) == pytest.approx(width * 72, abs=0.5)


def test_tsne_legend_names_classes(figures):
    text = PdfReader(figures / "en" / "tsne_grid.pdf").pages[0].extract_text()
    assert "goldfish" in text
    assert "$dollar [bill] <note>" in text


def figure_text(figures, lang: str, name: str) -> str:
    return PdfReader(figures / lang / f"{name}.pdf").pages[0].extract_text()


def test_indonesian_figures_translate_labels(figures):
    assert "satu titik per langkah optimizer" in figure_text(figures, "id", "loss_per_step")
    assert "one point per optimizer step" not in figure_text(figures, "id", "loss_per_step")
    assert "top-1 kontrastif" in figure_text(figures, "id", "top1_per_epoch")
    assert "peluang acak" in figure_text(figures, "id", "accuracy")
    assert "inisialisasi acak" in figure_text(figures, "id", "tsne_grid")
    assert "random init" in figure_text(figures, "en", "tsne_grid")


def test_indonesian_ticks_use_decimal_comma(figures):
    # The fake losses lie between 5 and 6, so the y ticks have one decimal (5.0, 5.5, ...).
    english = figure_text(figures, "en", "loss_per_step")
    indonesian = figure_text(figures, "id", "loss_per_step")
    assert re.search(r"\b5\.5\b", english)
    assert re.search(r"\b5,5\b", indonesian)
    assert not re.search(r"\b5\.5\b", indonesian)


def test_tsne_class_colour_same_in_every_panel(tree):
    _, params, data, results_dir = tree
    results = load_results(results_dir, data, read_names(params))
    figure = plot_tsne_grid(results)
    colour_of_label: dict[int, set[str]] = {}
    panels = [axes for axes in figure.axes if axes.collections]
    assert len(panels) == len(results.runs)
    for axes, run in zip(panels, results.runs):
        colours = axes.collections[0].get_facecolors()
        for label, colour in zip(run.tsne.points["label"], colours):
            colour_of_label.setdefault(int(label), set()).add(to_hex(colour))
    assert all(len(colours) == 1 for colours in colour_of_label.values())
    assert len({next(iter(c)) for c in colour_of_label.values()}) == len(colour_of_label)


def test_missing_results_fails_without_output(tree, capsys):
    root, params, data, results = tree
    out = root / "figures-missing"
    code = main(
        ["figures", "--params", str(params), "--results", str(root / "nowhere"),
         "--data", str(data), "--out", str(out)]
    )
    message = capsys.readouterr().err.strip()
    assert code == 1
    assert len(message.splitlines()) == 1
    assert "train.json" in message
    assert "train@baseline" in message
    assert not out.exists()
