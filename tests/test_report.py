"""Tests for the report stage: both PDFs from fake stage outputs, their text and their tables."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import typst
from pypdf import PdfReader

import fake_results
from tinyclr.cli import main
from tinyclr.report import analysis, english, indonesian
from tinyclr.report.context import Context
from tinyclr.report.document import escape_markup, running_text
from tinyclr.report.prose import Prose
from tinyclr.report.english import HEADINGS as EN_HEADINGS
from tinyclr.report.indonesian import HEADINGS as ID_HEADINGS
from tinyclr.results import (
    RunResult,
    Series,
    decimals,
    load_results,
    localize,
    minutes,
    percent,
    rate,
    read_names,
)

ROMAN = ["I", "II", "III", "IV", "V", "VI"]
SECTIONS = ["introduction", "method", "modifications", "setup", "results", "conclusion"]
PLACEHOLDER = re.compile(r"\{[a-z_]*\}|\bNone\b|\bnan\b|TODO|XXX|lorem", re.IGNORECASE)


def run_stage(*argv: str) -> int:
    return main(list(argv))


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    params = fake_results.write_params(root / "params.yaml")
    data = fake_results.write_data(root / "data")
    results = fake_results.write_results(root / "results")
    figures = root / "figures"
    code = run_stage(
        "figures", "--params", str(params), "--results", str(results), "--data", str(data),
        "--out", str(figures),
    )
    assert code == 0
    return root, params, data, results, figures


@pytest.fixture(scope="module")
def report(tree):
    root, params, data, results, figures = tree
    out = root / "report"
    code = report_stage(params, results, data, figures, out)
    assert code == 0
    return out


def report_stage(params: Path, results: Path, data: Path, figures: Path, out: Path) -> int:
    return run_stage(
        "report", "--params", str(params), "--results", str(results), "--data", str(data),
        "--figures", str(figures), "--out", str(out),
    )


def pdf_text(path: Path) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    return text.replace("\xa0", " ")


def prose(path: Path) -> str:
    """Return the PDF's text with every run of white space, line breaks included, as one space."""
    return re.sub(r"\s+", " ", pdf_text(path))


def expected_rows(results_dir: Path, lang: str, names: list[str] | None = None) -> dict[str, list[str]]:
    """Read the metrics files directly and print each number with the report's display rule."""
    rows = {}
    for name in names or [*fake_results.VARIANTS, *fake_results.REFERENCES]:
        folder = results_dir / name
        evaluation = json.loads((folder / "eval.json").read_text())
        tsne = json.loads((folder / "tsne.json").read_text())
        knn = [percent(evaluation["knn_top1"][k]) for k in sorted(evaluation["knn_top1"], key=int)]
        measured = [
            percent(evaluation["linear_top1"]),
            percent(evaluation["linear_top5"]),
            *knn,
            decimals(tsne["silhouette_features"]),
        ]
        if (folder / "train.json").exists():
            train = json.loads((folder / "train.json").read_text())
            row = [
                decimals(train["final_loss"]),
                percent(train["final_top1"]),
                percent(train["final_top5"]),
                *measured,
                minutes(train["wall_time_s"]),
                rate(train["images_per_s"]),
            ]
        else:
            row = ["\u2013"] * 3 + measured + ["\u2013"] * 2
        rows[name] = [localize(value, lang) for value in row]
    return rows


def printed_rows(text: str, table: str, names: list[str] | None = None) -> dict[str, list[str]]:
    """Return the rows of the table captioned ``table`` (e.g. 'TABLE II'), keyed by run name."""
    lines = text[text.index(f"{table}\n") :].splitlines()
    names = names or [*fake_results.VARIANTS, *fake_results.REFERENCES]
    rows = {}
    for line in lines[3 : 3 + len(names)]:
        name, *cells = line.split()
        rows[name] = cells
    return rows


def test_both_languages_written(report):
    assert sorted(path.name for path in report.iterdir()) == ["report-en.pdf", "report-id.pdf"]


@pytest.mark.parametrize(("lang", "headings"), [("en", EN_HEADINGS), ("id", ID_HEADINGS)])
def test_section_headings_numbered(report, lang, headings):
    text = pdf_text(report / f"report-{lang}.pdf")
    for number, key in zip(ROMAN, SECTIONS):
        assert f"{number}. {headings[key].upper()}" in text


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ["Abstract—", "Index Terms—", "TABLE I\n", "TABLE II\n", "Fig. 1.", "REFERENCES"]),
        ("id", ["Intisari—", "Kata Kunci—", "TABEL I\n", "TABEL II\n", "Gambar 1.", "REFERENSI"]),
    ],
)
def test_ieee_labels_present(report, lang, words):
    text = pdf_text(report / f"report-{lang}.pdf")
    for word in words:
        assert word in text


@pytest.mark.parametrize(("lang", "table"), [("en", "TABLE II"), ("id", "TABEL II")])
def test_results_table_matches_metrics(tree, report, lang, table):
    _, _, _, results_dir, _ = tree
    printed = printed_rows(pdf_text(report / f"report-{lang}.pdf"), table)
    expected = expected_rows(results_dir, lang)
    assert printed.keys() == expected.keys()
    for name, cells in expected.items():
        assert printed[name] == cells, name


@pytest.mark.parametrize("lang", ["en", "id"])
def test_no_placeholder_left(report, lang):
    text = pdf_text(report / f"report-{lang}.pdf")
    assert PLACEHOLDER.search(text) is None


@pytest.mark.parametrize("lang", ["en", "id"])
def test_markup_in_params_printed_verbatim(report, lang):
    text = pdf_text(report / f"report-{lang}.pdf")
    assert "SimCLR on Tiny ImageNet: a #test_title" in text
    assert "Lab_1 & Co" in text


@pytest.mark.parametrize("lang", ["en", "id"])
def test_eight_references_listed(report, lang):
    text = pdf_text(report / f"report-{lang}.pdf")
    tail = text[text.rindex("REFERENSI" if lang == "id" else "REFERENCES") :]
    for number in range(1, 9):
        assert f"[{number}]" in tail
    assert "arXiv:1807.03748" in tail


def test_abstract_names_best_linear_variant(report):
    text = prose(report / "report-en.pdf")
    # The fake results make batch512 best: 29.2% against the baseline's 20.6%.
    assert "29.2%, comes from batch512, +8.6 percentage points from the baseline (20.6%)" in text


def test_short_run_stated(report):
    text = prose(report / "report-en.pdf")
    assert "The run is short: 3 epochs" in text


def test_convergence_claim_follows_loss(report):
    # Every fake variant's loss falls more slowly than the baseline's, so none converges faster.
    text = prose(report / "report-en.pdf")
    assert "converges faster" not in text
    assert "The resnet50 and head3 variants do not reach a lower loss" in text


def test_indonesian_uses_decimal_comma(report):
    text = prose(report / "report-id.pdf")
    assert "Akurasi top-1 linear probe tertinggi, 29,2%, dicapai oleh batch512" in text


def test_same_inputs_give_identical_pdf(tree, report):
    root, params, data, results, figures = tree
    again = root / "report-again"
    assert report_stage(params, results, data, figures, again) == 0
    assert (again / "report-en.pdf").read_bytes() == (report / "report-en.pdf").read_bytes()


def test_missing_variant_result_fails_without_output(tree, capsys):
    root, params, data, results, figures = tree
    broken = root / "results-broken"
    shutil.copytree(results, broken)
    (broken / "head3" / "eval.json").unlink()
    out = root / "report-broken"
    code = report_stage(params, broken, data, figures, out)
    message = capsys.readouterr().err.strip()
    assert code == 1
    assert len(message.splitlines()) == 1
    assert str(broken / "head3" / "eval.json") in message
    assert "evaluate@head3" in message
    assert not out.exists()


def test_missing_figure_fails_without_output(tree, capsys):
    root, params, data, results, figures = tree
    partial = root / "figures-partial"
    shutil.copytree(figures, partial)
    (partial / "id" / "accuracy.pdf").unlink()
    out = root / "report-no-figure"
    code = report_stage(params, results, data, partial, out)
    message = capsys.readouterr().err.strip()
    assert code == 1
    assert str(Path("id") / "accuracy.pdf") in message
    assert "figures stage" in message
    assert not out.exists()


def test_unknown_language_rejected(tree, capsys):
    root, _, data, results, figures = tree
    params = fake_results.write_params(
        root / "params-fr.yaml",
        report={"title": "T", "authors": [{"name": "A", "affiliation": "B"}], "languages": ["fr"]},
    )
    code = report_stage(params, results, data, figures, root / "report-fr")
    message = capsys.readouterr().err
    assert code == 1
    assert "report.languages[0]" in message
    assert not (root / "report-fr").exists()


def test_single_language_writes_one_pdf(tree):
    root, _, data, results, figures = tree
    params = fake_results.write_params(
        root / "params-en.yaml",
        report={"title": "T", "authors": [{"name": "A", "affiliation": "B"}], "languages": ["en"]},
    )
    out = root / "report-en-only"
    assert report_stage(params, results, data, figures, out) == 0
    assert [path.name for path in out.iterdir()] == ["report-en.pdf"]


def test_escape_markup_prints_verbatim(tmp_path):
    raw = "a #b *c* _d_ $e$ [f] <g> @h = - + / // ~ `i` \\ 12. x"
    source = tmp_path / "escape.typ"
    source.write_text(escape_markup(raw), encoding="utf-8")
    typst.compile(str(source), output=str(tmp_path / "escape.pdf"))
    assert PdfReader(tmp_path / "escape.pdf").pages[0].extract_text().strip() == raw


def test_escape_markup_guards_list_number(tmp_path):
    source = tmp_path / "number.typ"
    source.write_text(escape_markup("12. goldfish"), encoding="utf-8")
    typst.compile(str(source), output=str(tmp_path / "number.pdf"))
    assert PdfReader(tmp_path / "number.pdf").pages[0].extract_text().strip() == "12. goldfish"


def test_difference_taken_between_printed_values(tree):
    _, params, data, results_dir, _ = tree
    names = read_names(params)
    findings = analysis.analyse(load_results(results_dir, data, names), names.references)
    best = findings.best["linear_top1"]
    printed = float(best.value) - float(best.baseline)
    assert float(best.difference.replace("\u2212", "-")) == pytest.approx(printed)


def test_faster_needs_lower_loss_every_epoch(tree):
    _, params, data, results_dir, _ = tree
    results = load_results(results_dir, data, read_names(params))
    baseline, head3 = results.variants[0], results.variants[2]
    lower = baseline.train.per_epoch["loss"].values - 0.1
    assert analysis._convergence(baseline, with_epoch_loss(head3, lower)).faster
    lower[0] += 0.2
    assert not analysis._convergence(baseline, with_epoch_loss(head3, lower)).faster


def with_epoch_loss(run: RunResult, values: np.ndarray) -> RunResult:
    per_epoch = dict(run.train.per_epoch)
    per_epoch["loss"] = Series(steps=np.arange(len(values)), values=values.copy())
    return replace(run, train=replace(run.train, per_epoch=per_epoch))


def test_batch_change_makes_loss_incomparable(tree):
    _, params, data, results_dir, _ = tree
    results = load_results(results_dir, data, read_names(params))
    convergence = analysis._convergence(results.variants[0], results.variants[3])
    assert not convergence.comparable



@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            english,
            "No modification improves on the baseline in linear-probe top-1 accuracy (20.6%), "
            "linear-probe top-5 accuracy (51.6%), or kNN top-1 accuracy with k = 20 (18.6%).",
        ),
        (
            indonesian,
            "Tidak ada modifikasi yang mengungguli baseline dalam akurasi top-1 linear probe "
            "(20,6%), akurasi top-5 linear probe (51,6%), maupun akurasi top-1 kNN dengan k = 20 "
            "(18,6%).",
        ),
    ],
)
def test_unbeaten_metrics_share_one_sentence(tree, language, expected):
    _, params, data, results_dir, _ = tree
    names = read_names(params)
    results = load_results(results_dir, data, names)
    findings = analysis.analyse(results, names.references)
    keys = ["linear_top1", "linear_top5", "knn_top1_20"]
    unbeaten = {
        key: replace(findings.best[key], name="baseline", is_baseline=True) for key in keys
    }
    findings = replace(findings, best={**findings.best, **unbeaten})
    sentences = Prose(Context(results, findings, figures={}), language).best(*keys)
    assert sentences == expected


@pytest.mark.parametrize(
    ("lang", "label", "other"),
    [
        ("en", "one point per optimizer step", "satu titik per langkah optimizer"),
        ("id", "satu titik per langkah optimizer", "one point per optimizer step"),
    ],
)
def test_report_embeds_figures_of_its_language(report, lang, label, other):
    text = pdf_text(report / f"report-{lang}.pdf")
    assert label in text
    assert other not in text


def test_title_per_language(tree):
    root, _, data, results, figures = tree
    title = {"en": "Contrastive learning on small images", "id": "Pembelajaran kontrastif"}
    authors = [{"name": "A", "affiliation": {"en": "Some lab", "id": "Sebuah lab"}}]
    params = fake_results.write_params(
        root / "params-titles.yaml", report={"title": title, "authors": authors}
    )
    out = root / "report-titles"
    assert report_stage(params, results, data, figures, out) == 0
    english = pdf_text(out / "report-en.pdf")
    indonesian = pdf_text(out / "report-id.pdf")
    assert english.startswith("Contrastive learning on small images")
    assert indonesian.startswith("Pembelajaran kontrastif")
    assert "Some lab" in english
    assert "Sebuah lab" in indonesian


@pytest.mark.parametrize(
    ("name", "title", "affiliation", "expected"),
    [
        ("no-id", {"en": "Only English"}, "B", "report.title has no text for language 'id'"),
        (
            "unknown",
            "T",
            {"en": "Lab", "id": "Lab", "fr": "Labo"},
            "report.authors[0].affiliation has text for an unknown language 'fr': use en or id",
        ),
    ],
)
def test_text_per_language_rejected(tree, capsys, name, title, affiliation, expected):
    root, _, data, results, figures = tree
    params = fake_results.write_params(
        root / f"params-{name}.yaml",
        report={"title": title, "authors": [{"name": "A", "affiliation": affiliation}]},
    )
    out = root / f"report-{name}"
    code = report_stage(params, results, data, figures, out)
    message = capsys.readouterr().err
    assert code == 1
    assert len(message.strip().splitlines()) == 1
    assert expected in message
    assert not out.exists()


@pytest.mark.parametrize(("lang", "heading"), [("en", "REFERENCES"), ("id", "REFERENSI")])
def test_citations_numbered_by_first_use(report, lang, heading):
    text = pdf_text(report / f"report-{lang}.pdf")
    body = text[: text.rindex(heading)]
    first_use = [body.find(f"[{number}]") for number in range(1, 9)]
    assert -1 not in first_use
    assert first_use == sorted(first_use)


@pytest.mark.parametrize(("lang", "word"), [("en", "Fig."), ("id", "Gambar")])
def test_every_figure_cited_in_order(report, lang, word):
    text = pdf_text(report / f"report-{lang}.pdf")
    # A caption reads "Fig. 3." and a citation "Fig. 3 shows", so a citation is not followed by a dot.
    first_use = [
        re.search(rf"{re.escape(word)} {number}(?![.\d])", text) for number in range(1, 6)
    ]
    assert all(match is not None for match in first_use)
    positions = [match.start() for match in first_use]
    assert positions == sorted(positions)


def test_reference_gaps_share_one_sentence(tree):
    _, params, data, results_dir, _ = tree
    names = read_names(params)
    results = load_results(results_dir, data, names)
    findings = analysis.analyse(results, names.references)
    text = Prose(Context(results, findings, figures={}), english).reference_gaps(every=True)
    assert text.startswith(
        "The baseline, resnet50, head3, and batch512 variants exceed their random-init "
        "references in linear top-1: baseline by +8.6 points (20.6% against 12.0% for "
        "random-resnet18); resnet50 by +10.5 points"
    )
    # One sentence: no full stop followed by a space before the last character.
    assert ". " not in text


def test_modification_count_in_words(report):
    assert "compare it with three modifications:" in prose(report / "report-en.pdf")
    assert "membandingkannya dengan tiga modifikasi:" in prose(report / "report-id.pdf")


def test_indonesian_sets_foreign_terms_in_italics():
    text = "Loss batch512 turun setiap epoch-nya, tetapi head3 dan small-stem tidak."
    source = running_text(text, indonesian.ITALIC_TERMS)
    assert source.startswith("_Loss_ batch512 turun setiap _epoch_\\-nya")
    assert "head3" in source
    assert "small\\-stem" in source
    assert source.count("_") == 4


def test_italic_term_keeps_following_semicolon(tmp_path):
    source = tmp_path / "semicolon.typ"
    text = "langkah optimizer; sumbu x dalam epoch."
    source.write_text(running_text(text, indonesian.ITALIC_TERMS), encoding="utf-8")
    typst.compile(str(source), output=str(tmp_path / "semicolon.pdf"))
    printed = PdfReader(tmp_path / "semicolon.pdf").pages[0].extract_text().strip()
    assert printed == text


def test_conclusion_counts_variants_above_reference(tree):
    _, params, data, results_dir, _ = tree
    names = read_names(params)
    results = load_results(results_dir, data, names)
    findings = analysis.analyse(results, names.references)
    gaps = findings.reference_gaps
    assert Prose(Context(results, findings, figures={}), english).reference_summary() == (
        "Every trained variant exceeds its random-init reference in linear top-1."
    )
    below = [replace(gap, difference="\u22121.0") for gap in gaps[:2]] + list(gaps[2:])
    mixed = replace(findings, reference_gaps=below)
    assert Prose(Context(results, mixed, figures={}), english).reference_summary() == (
        "Two of the four trained variants exceed their random-init references in linear top-1."
    )
    assert Prose(Context(results, mixed, figures={}), indonesian).reference_summary() == (
        "Dua dari empat varian yang dilatih mengungguli referensi berinisialisasi acaknya pada "
        "top-1 linear."
    )
