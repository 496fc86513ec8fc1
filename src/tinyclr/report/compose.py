"""Assemble the paper from a language's text builder: the section order is the same in every
language, only the words differ."""

from __future__ import annotations

from types import ModuleType

from tinyclr.report import english, indonesian
from tinyclr.report.prose import Prose
from tinyclr.report.context import FIGURE_ORDER, INFONCE, REFERENCES, Context
from tinyclr.report.document import Author, Equation, FigureBlock, Heading, Paper, Paragraph
from tinyclr.report.tables import config_table, results_table

LANGUAGES: dict[str, ModuleType] = {"en": english, "id": indonesian}


def compose(ctx: Context, lang: str, title: str, authors: list[Author]) -> Paper:
    """Build the report in language ``lang`` from the findings in ``ctx``."""
    words = LANGUAGES[lang]
    text = Prose(ctx, words)
    headings = words.HEADINGS
    columns = words.COLUMNS
    captions = words.TABLE_CAPTIONS
    figure_captions = text.figure_captions()
    body: list = []

    body.append(Heading(headings["introduction"]))
    body += [Paragraph(p) for p in text.introduction()]

    body += [Heading(headings["method"]), Paragraph(text.method_overview())]
    body += [Heading(headings["augmentation"], 2), Paragraph(text.augmentation())]
    body += [Heading(headings["encoder"], 2), Paragraph(text.encoder())]
    body += [Heading(headings["head"], 2), Paragraph(text.head())]
    body += [Heading(headings["loss"], 2), Paragraph(text.loss_before()), Equation(INFONCE)]
    body.append(Paragraph(text.loss_after()))

    body += [Heading(headings["modifications"]), Paragraph(text.modifications_intro())]
    for name, changes in ctx.findings.changes.items():
        body.append(Paragraph(text.modification(name, changes)))

    config_header = [
        columns[key]
        for key in ("variant", "backbone", "head_layers", "batch_size", "temperature", "epochs", "steps")
    ]
    body += [
        Heading(headings["setup"]),
        Paragraph(text.dataset()),
        Paragraph(text.training()),
        config_table(ctx.results, config_header, captions["config"], lang),
        Paragraph(text.evaluation()),
    ]

    body += [
        Heading(headings["results"]),
        results_table(ctx.results, columns, captions["results"], lang),
        Paragraph(text.results_intro()),
    ]
    for name in FIGURE_ORDER:
        body.append(
            FigureBlock(ctx.figures[name], figure_captions[name], wide=name == "tsne_grid")
        )
    body += [Paragraph(p) for p in text.analysis()]

    body.append(Heading(headings["conclusion"]))
    body += [Paragraph(p) for p in text.conclusion()]

    # A variant named like a term ("baseline") stays upright, as every other name does.
    names = {run.name for run in ctx.results.runs}
    return Paper(
        title=title,
        authors=authors,
        abstract=text.abstract(),
        index_terms=words.INDEX_TERMS,
        labels=words.LABELS,
        body=body,
        references=REFERENCES,
        italic_terms=tuple(term for term in words.ITALIC_TERMS if term not in names),
    )
