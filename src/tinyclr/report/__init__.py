"""Report stage: IEEE conference-style PDFs written from the measured results, one per language.

The text is generated from the numbers (see :mod:`tinyclr.report.analysis`), laid out by the
Typst template ``ieee.typ`` of this package and compiled offline by the ``typst`` Python package.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Literal, Union

import matplotlib
import typst

from tinyclr.config import ConfigError, load_section
from tinyclr.errors import StageError
from tinyclr.files import atomic_dir
from tinyclr.report.analysis import analyse
from tinyclr.report.compose import LANGUAGES, compose
from tinyclr.report.context import FIGURE_ORDER, Context
from tinyclr.report.document import Author, to_typst
from tinyclr.results import load_results, read_names

log = logging.getLogger(__name__)

TEMPLATE = "ieee.typ"


# A text printed in the report: one string for every language, or one string per language code.
Text = Union[str, dict[str, str]]


@dataclass(frozen=True)
class AuthorConfig:
    name: str
    affiliation: Text


@dataclass(frozen=True)
class ReportConfig:
    """The ``report:`` section of params.yaml."""

    title: Text = "SimCLR on Tiny ImageNet"
    authors: list[AuthorConfig] = field(
        default_factory=lambda: [AuthorConfig("tinyclr", "Automatically generated report")],
        metadata={"min_length": 1},
    )
    languages: list[Literal["en", "id"]] = field(
        default_factory=lambda: ["en", "id"], metadata={"min_length": 1}
    )

    def __post_init__(self) -> None:
        texts = {"report.title": self.title}
        for index, author in enumerate(self.authors):
            texts[f"report.authors[{index}].affiliation"] = author.affiliation
        for key, text in texts.items():
            if not isinstance(text, dict):
                continue
            unknown = [lang for lang in text if lang not in LANGUAGES]
            if unknown:
                raise ConfigError(
                    f"{key} has text for an unknown language {unknown[0]!r}: use "
                    f"{' or '.join(LANGUAGES)}"
                )
            missing = [lang for lang in self.languages if lang not in text]
            if missing:
                raise ConfigError(
                    f"{key} has no text for language {missing[0]!r}: add it, or give one "
                    "string for every language"
                )


def in_language(text: Text, lang: str) -> str:
    """Return the text for ``lang`` of a report text given once or per language."""
    return text[lang] if isinstance(text, dict) else text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--results", required=True, help="folder with one results/<name>/ per run")
    parser.add_argument("--data", required=True, help="prepared data folder (manifest, classes)")
    parser.add_argument(
        "--figures", required=True, help="folder written by the figures stage (<lang>/<name>.pdf)"
    )
    parser.add_argument("--out", required=True, help="output folder for report-<lang>.pdf")


def run(args: argparse.Namespace) -> None:
    config = load_section(args.params, "report", ReportConfig)
    names = read_names(args.params)
    results = load_results(args.results, args.data, names)
    write_reports(
        Context(results, analyse(results, names.references), figures={}),
        config,
        Path(args.figures),
        Path(args.out),
    )


def write_reports(ctx: Context, config: ReportConfig, figures: Path, out: Path) -> list[Path]:
    """Compile ``report-<lang>.pdf`` for every language into ``out``, all or none of them.

    Each report takes its figures from ``figures/<lang>/``, drawn with that language's labels.
    """
    for lang in config.languages:
        missing = [name for name in FIGURE_ORDER if not (figures / lang / f"{name}.pdf").is_file()]
        if missing:
            path = figures / lang / f"{missing[0]}.pdf"
            raise StageError(f"missing {path}: run the figures stage first")
    written = []
    with tempfile.TemporaryDirectory(prefix="tinyclr-report-") as build, atomic_dir(out) as staging:
        build = Path(build)
        shutil.copyfile(resources.files(__package__) / TEMPLATE, build / TEMPLATE)
        for lang in config.languages:
            (build / lang).mkdir()
            for name in FIGURE_ORDER:
                shutil.copyfile(figures / lang / f"{name}.pdf", build / lang / f"{name}.pdf")
            paths = {name: f"{lang}/{name}.pdf" for name in FIGURE_ORDER}
            authors = [Author(a.name, in_language(a.affiliation, lang)) for a in config.authors]
            title = in_language(config.title, lang)
            paper = compose(Context(ctx.results, ctx.findings, paths), lang, title, authors)
            source = build / f"report-{lang}.typ"
            source.write_text(to_typst(paper, TEMPLATE), encoding="utf-8")
            compile_pdf(source, staging / f"report-{lang}.pdf", build)
            written.append(out / f"report-{lang}.pdf")
            log.info("wrote %s", out / f"report-{lang}.pdf")
    return written


def compile_pdf(source: Path, pdf: Path, root: Path) -> None:
    """Compile a Typst file offline with the fonts of matplotlib and those embedded in Typst."""
    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    # A fixed timestamp keeps the PDF the same from run to run.
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "0"))
    try:
        typst.compile(
            str(source),
            output=str(pdf),
            root=str(root),
            font_paths=[str(fonts)],
            ignore_system_fonts=True,
            timestamp=epoch,
        )
    except typst.TypstError as error:
        raise StageError(f"Typst failed to compile {source.name}: {error}") from error
