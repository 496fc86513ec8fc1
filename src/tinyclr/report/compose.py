"""Assemble the paper from a language's text builder: the section order is the same in every
language, only the words differ."""

from __future__ import annotations

from types import ModuleType

from tinyclr.report import english, indonesian
from tinyclr.report.context import FIGURE_ORDER, INFONCE, REFERENCES, Context
from tinyclr.report.document import Author, Equation, FigureBlock, Heading, Paper, Paragraph
from tinyclr.report.tables import config_table, results_table

LANGUAGES: dict[str, ModuleType] = {"en": english, "id": indonesian}


def compose(ctx: Context, lang: str, title: str, authors: list[Author]) -> Paper:
    """Build the report in language ``lang`` from the findings in ``ctx``."""
    text = LANGUAGES[lang]
    headings = text.HEADINGS
    columns = text.COLUMNS
    captions = text.table_captions()
    figure_captions = text.figure_captions(ctx)
    body: list = []

    body.append(Heading(headings["introduction"]))
    body += [Paragraph(p) for p in text.introduction(ctx)]

    body += [Heading(headings["method"]), Paragraph(text.method_overview(ctx))]
    body += [Heading(headings["augmentation"], 2), Paragraph(text.augmentation(ctx))]
    body += [Heading(headings["encoder"], 2), Paragraph(text.encoder(ctx))]
    body += [Heading(headings["head"], 2), Paragraph(text.head(ctx))]
    body += [Heading(headings["loss"], 2), Paragraph(text.loss_before(ctx)), Equation(INFONCE)]
    body.append(Paragraph(text.loss_after(ctx)))

    body += [Heading(headings["modifications"]), Paragraph(text.modifications_intro(ctx))]
    for name, changes in ctx.findings.changes.items():
        body.append(Paragraph(text.modification(ctx, name, changes)))

    config_header = [
        columns[key]
        for key in ("variant", "backbone", "head_layers", "batch_size", "temperature", "epochs", "steps")
    ]
    body += [
        Heading(headings["setup"]),
        Paragraph(text.dataset(ctx)),
        Paragraph(text.training(ctx)),
        config_table(ctx.results, config_header, captions["config"], text.LABELS.lang),
        Paragraph(text.evaluation(ctx)),
    ]

    body += [
        Heading(headings["results"]),
        results_table(ctx.results, columns, captions["results"], text.LABELS.lang),
        Paragraph(text.results_intro(ctx)),
    ]
    for name in FIGURE_ORDER:
        body.append(
            FigureBlock(ctx.figures[name], figure_captions[name], wide=name == "tsne_grid")
        )
    body += [Paragraph(p) for p in text.analysis(ctx)]

    body.append(Heading(headings["conclusion"]))
    body += [Paragraph(p) for p in text.conclusion(ctx)]

    return Paper(
        title=title,
        authors=authors,
        abstract=text.abstract(ctx),
        index_terms=text.INDEX_TERMS,
        labels=text.LABELS,
        body=body,
        references=REFERENCES,
    )
