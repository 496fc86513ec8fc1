"""Figures stage: the report's plots, sized for an IEEE two-column page, as vector PDF and PNG.

Widths follow the IEEE conference template: 3.5 in for one column, 7.16 in across both. Text is
set in STIX (a Times-like serif that matplotlib ships) at 8 pt so it matches the report's body
font. Every variant keeps its colour in every plot, and every class keeps its colour in every
t-SNE panel.

NOTE: axis labels and legends are in English, so the Indonesian report shows English figures.
"""

from __future__ import annotations

import argparse
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from tinyclr.config import load_section
from tinyclr.files import atomic_dir
from tinyclr.results import Results, RunResult, load_results, read_names

log = logging.getLogger(__name__)

SINGLE_COLUMN_IN = 3.5
DOUBLE_COLUMN_IN = 7.16
FIGURE_NAMES = ("loss_per_step", "top1_per_epoch", "lr_schedule", "tsne_grid", "accuracy")

STYLE = {
    "font.family": "STIXGeneral",
    "mathtext.fontset": "stix",
    "font.size": 8,
    "axes.titlesize": 8,
    "axes.labelsize": 8,
    "legend.fontsize": 7,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "axes.linewidth": 0.6,
    "lines.linewidth": 1.0,
    "axes.grid": True,
    "grid.linewidth": 0.4,
    "grid.alpha": 0.4,
    "pdf.fonttype": 42,
    "svg.hashsalt": "tinyclr",
}


@dataclass(frozen=True)
class FiguresConfig:
    """The ``figures:`` section of params.yaml."""

    dpi: int = field(default=300, metadata={"min": 50, "max": 1200})


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--results", required=True, help="folder with one results/<name>/ per run")
    parser.add_argument("--data", required=True, help="prepared data folder (classes.json)")
    parser.add_argument("--out", required=True, help="output folder for the PDF and PNG files")


def run(args: argparse.Namespace) -> None:
    config = load_section(args.params, "figures", FiguresConfig)
    names = read_names(args.params)
    results = load_results(args.results, args.data, names)
    write_figures(results, Path(args.out), config.dpi)


def write_figures(results: Results, out: Path, dpi: int) -> list[Path]:
    """Draw every figure and write ``<name>.pdf`` and ``<name>.png`` into ``out`` atomically."""
    figures = {
        "loss_per_step": plot_loss_per_step(results),
        "top1_per_epoch": plot_top1_per_epoch(results),
        "lr_schedule": plot_lr_schedule(results),
        "tsne_grid": plot_tsne_grid(results),
        "accuracy": plot_accuracy(results),
    }
    written = []
    with atomic_dir(out) as temporary:
        for name, figure in figures.items():
            # No creation date, so that the same results give byte-identical PDFs.
            figure.savefig(temporary / f"{name}.pdf", metadata={"CreationDate": None})
            figure.savefig(temporary / f"{name}.png", dpi=dpi)
            written += [out / f"{name}.pdf", out / f"{name}.png"]
    log.info("wrote %d figures to %s", len(figures), out)
    return written


def variant_colours(results: Results) -> dict[str, tuple]:
    """Map each variant and reference to one colour of the tab10 palette, in params order."""
    palette = matplotlib.colormaps["tab10"]
    return {run.name: palette(i % 10) for i, run in enumerate(results.runs)}


def plain(text: str) -> str:
    """Escape dollar signs, which matplotlib would otherwise read as the start of mathtext."""
    return text.replace("$", r"\$")


def class_colours(labels: list[int]) -> dict[int, tuple]:
    """Map each class label to one colour, shared by every t-SNE panel."""
    palette = matplotlib.colormaps["tab10" if len(labels) <= 10 else "tab20"]
    count = palette.N
    if len(labels) > count:
        palette = matplotlib.colormaps["turbo"].resampled(len(labels))
        count = len(labels)
    return {label: palette(i % count) for i, label in enumerate(sorted(labels))}


def epochs_of_steps(run: RunResult, steps: np.ndarray) -> np.ndarray:
    """Convert optimizer steps into fractional epochs, so that variants with different batch
    sizes (and hence steps per epoch) share one x axis."""
    steps_per_epoch = run.train.steps / run.train.epochs
    return (steps + 1) / steps_per_epoch


def plot_loss_per_step(results: Results) -> Figure:
    return _per_step_plot(results, "loss", "InfoNCE loss")


def plot_lr_schedule(results: Results) -> Figure:
    return _per_step_plot(results, "lr", "learning rate")


def plot_top1_per_epoch(results: Results) -> Figure:
    colours = variant_colours(results)
    with matplotlib.rc_context(STYLE):
        figure = Figure(figsize=(SINGLE_COLUMN_IN, 2.2), layout="constrained")
        axes = figure.add_subplot()
        for run in results.variants:
            series = run.train.per_epoch["top1"]
            axes.plot(
                series.steps + 1,
                100 * series.values,
                marker="o",
                markersize=2.5,
                color=colours[run.name],
                label=run.name,
            )
        axes.set_xlabel("epoch")
        axes.set_ylabel("contrastive top-1 (%)")
        axes.legend(frameon=False)
    return figure


def plot_tsne_grid(results: Results) -> Figure:
    runs = results.runs
    labels = sorted({int(label) for run in runs for label in run.tsne.points["label"]})
    colours = class_colours(labels)
    columns = min(3, len(runs))
    rows = math.ceil(len(runs) / columns)
    panel = DOUBLE_COLUMN_IN / columns

    with matplotlib.rc_context({**STYLE, "axes.grid": False}):
        figure = Figure(
            figsize=(DOUBLE_COLUMN_IN, 0.75 * panel * rows + 0.5), layout="constrained"
        )
        grid = figure.subplots(rows, columns, squeeze=False)
        for axes, run in zip(grid.flat, runs):
            points = run.tsne.points
            axes.scatter(
                points["x"],
                points["y"],
                c=[colours[int(label)] for label in points["label"]],
                s=2,
                linewidths=0,
                rasterized=len(points) > 5000,
            )
            kind = "random init" if run.is_reference else "SimCLR"
            axes.set_title(f"{plain(run.name)} ({kind})")
            axes.set_xticks([])
            axes.set_yticks([])
        for axes in list(grid.flat)[len(runs) :]:
            axes.set_axis_off()

        handles = [
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                markersize=4,
                color=colours[label],
                label=plain(results.dataset.class_name(label)),
            )
            for label in labels
        ]
        figure.legend(
            handles=handles,
            loc="outside lower center",
            ncols=min(5, len(handles)),
            frameon=False,
            handletextpad=0.2,
            columnspacing=1.0,
        )
    return figure


def plot_accuracy(results: Results) -> Figure:
    runs = results.runs
    ks = results.knn_ks
    measures = [("linear", lambda run: run.eval.linear_top1)]
    measures += [(f"kNN k={k}", lambda run, k=k: run.eval.knn_top1[k]) for k in ks]
    width = 0.8 / len(measures)
    shades = matplotlib.colormaps["Greys"]

    with matplotlib.rc_context(STYLE):
        figure = Figure(figsize=(SINGLE_COLUMN_IN, 2.4), layout="constrained")
        axes = figure.add_subplot()
        for index, (label, value) in enumerate(measures):
            offsets = [i - 0.4 + width * (index + 0.5) for i in range(len(runs))]
            axes.bar(
                offsets,
                [100 * value(run) for run in runs],
                width=width,
                color=shades(0.85 - 0.5 * index / max(1, len(measures) - 1)),
                edgecolor="black",
                linewidth=0.4,
                label=label,
            )
        chance = 100 * results.baseline.eval.chance
        axes.axhline(chance, color="black", linestyle=":", linewidth=0.8, label="chance")
        axes.set_xticks(range(len(runs)), [run.name for run in runs], rotation=30, ha="right")
        axes.set_ylabel("val top-1 (%)")
        axes.grid(axis="x", visible=False)
        figure.legend(frameon=False, ncols=len(measures) + 1, loc="outside upper center")
    return figure


def _per_step_plot(results: Results, metric: str, ylabel: str) -> Figure:
    colours = variant_colours(results)
    with matplotlib.rc_context(STYLE):
        figure = Figure(figsize=(SINGLE_COLUMN_IN, 2.2), layout="constrained")
        axes = figure.add_subplot()
        for run in results.variants:
            series = run.train.per_step[metric]
            axes.plot(
                epochs_of_steps(run, series.steps),
                series.values,
                color=colours[run.name],
                linewidth=0.8,
                label=run.name,
            )
        axes.set_xlabel("epoch (one point per optimizer step)")
        axes.set_ylabel(ylabel)
        if metric == "lr":
            axes.ticklabel_format(axis="y", style="sci", scilimits=(-2, 2))
        axes.legend(frameon=False)
    return figure
