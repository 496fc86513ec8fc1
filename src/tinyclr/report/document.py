"""The report as data (headings, paragraphs, tables, figures) and its translation into Typst.

Text builders fill a :class:`Paper` with plain text; :func:`to_typst` escapes every piece of it,
so a class name such as ``#hashtag_beetle*`` or ``$5 [bill]`` prints as written instead of being
read as Typst markup. Only equations are Typst source, and those are constants of this package.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Characters with a meaning in Typst markup, each escaped with a backslash. Quotes are left alone
# so Typst sets them as typographic quotes.
MARKUP_SPECIALS = set('\\#$*_`<>@[]=-+/~')


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1
    numbered: bool = True


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Equation:
    """A numbered display equation in Typst math syntax (trusted source, not escaped)."""

    math: str


@dataclass(frozen=True)
class Table:
    caption: str
    header: list[str]
    rows: list[list[str]]
    wide: bool = False


@dataclass(frozen=True)
class FigureBlock:
    path: str
    caption: str
    wide: bool = False


@dataclass(frozen=True)
class Author:
    name: str
    affiliation: str


@dataclass(frozen=True)
class Labels:
    """Words the template prints around the text, in the report's language."""

    lang: str
    abstract: str
    index_terms: str
    table: str
    figure: str
    references: str


@dataclass
class Paper:
    title: str
    authors: list[Author]
    abstract: str
    index_terms: str
    labels: Labels
    body: list[Heading | Paragraph | Equation | Table | FigureBlock] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    # Foreign terms set in italics in running text (abstract, paragraphs, captions), as
    # Indonesian spelling rules ask for words not yet adapted into Indonesian.
    italic_terms: tuple[str, ...] = ()


# Private-use characters that mark an italic span until the text is escaped.
ITALIC_START, ITALIC_END = "\ue000", "\ue001"


def escape_markup(text: str) -> str:
    """Escape ``text`` so Typst markup prints it verbatim, on one line."""
    escaped = "".join("\\" + char if char in MARKUP_SPECIALS else char for char in text)
    escaped = re.sub(r"\s*\n\s*", " ", escaped)
    # "12. word" at the start of a line would become a numbered list item.
    return re.sub(r"^(\d+)\.", r"\1\\.", escaped)


def running_text(text: str, italic_terms: tuple[str, ...] = ()) -> str:
    """Escape ``text`` like :func:`escape_markup` and set each of ``italic_terms`` in italics.

    A term matches as a whole word in any case, so "Loss" at the start of a sentence matches
    "loss" but "head3" or "small-stem" do not match "head" or "stem". A term followed by the
    Indonesian suffix "-nya" matches too.
    """
    if italic_terms:
        alternatives = "|".join(
            re.escape(term) for term in sorted(italic_terms, key=len, reverse=True)
        )
        pattern = rf"(?<![\w-])({alternatives})(?=$|[^\w-]|-nya\b)"
        text = re.sub(pattern, rf"{ITALIC_START}\1{ITALIC_END}", text, flags=re.IGNORECASE)
    escaped = escape_markup(text)
    # Markup emphasis, not #emph[...]: after a function call Typst would take a following ";" as
    # the end of the call and drop it from the text. Underscores in the text itself are escaped.
    return escaped.replace(ITALIC_START, "_").replace(ITALIC_END, "_")


def string_literal(text: str) -> str:
    """Return ``text`` as a Typst string literal."""
    body = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{body}"'


def to_typst(paper: Paper, template: str) -> str:
    """Return the Typst source of ``paper``, importing the page style from file ``template``."""
    authors = ", ".join(
        f"(name: {string_literal(a.name)}, affiliation: {string_literal(a.affiliation)})"
        for a in paper.authors
    )
    labels = paper.labels
    lines = [
        f"#import {string_literal(template)}: ieee, references",
        "#show: ieee.with(",
        f"  title: {string_literal(paper.title)},",
        f"  authors: ({authors},),",
        f"  abstract: [{running_text(paper.abstract, paper.italic_terms)}],",
        f"  index-terms: [{escape_markup(paper.index_terms)}],",
        f"  lang: {string_literal(labels.lang)},",
        f"  abstract-label: {string_literal(labels.abstract)},",
        f"  index-label: {string_literal(labels.index_terms)},",
        f"  table-label: {string_literal(labels.table)},",
        f"  figure-label: {string_literal(labels.figure)},",
        ")",
        "",
    ]
    for block in paper.body:
        lines += [_block(block, paper.italic_terms), ""]
    entries = ", ".join(f"[{escape_markup(entry)}]" for entry in paper.references)
    lines.append(f"#references({string_literal(labels.references)}, ({entries},))")
    return "\n".join(lines) + "\n"


def _block(
    block: Heading | Paragraph | Equation | Table | FigureBlock, italic_terms: tuple[str, ...]
) -> str:
    if isinstance(block, Heading):
        numbering = "" if block.numbered else "numbering: none, "
        return f"#heading(level: {block.level}, {numbering}[{escape_markup(block.text)}])"
    if isinstance(block, Paragraph):
        return running_text(block.text, italic_terms)
    if isinstance(block, Equation):
        return f"$ {block.math} $"
    if isinstance(block, Table):
        return _table(block, italic_terms)
    return (
        f"#figure(image({string_literal(block.path)}, width: 100%), "
        f"caption: [{running_text(block.caption, italic_terms)}]{_placement(block.wide)})"
    )


def _table(table: Table, italic_terms: tuple[str, ...]) -> str:
    def cells(row: list[str]) -> str:
        return ", ".join(f"[{escape_markup(cell)}]" for cell in row)

    body = ",\n    ".join(cells(row) for row in table.rows)
    alignment = "(left," + " center," * (len(table.header) - 1) + ")"
    return (
        "#figure(\n"
        f"  table(columns: {len(table.header)}, align: {alignment},\n"
        "    table.hline(),\n"
        f"    table.header({cells(table.header)}),\n"
        "    table.hline(stroke: 0.4pt),\n"
        f"    {body},\n"
        "    table.hline(),\n"
        "  ),\n"
        f"  caption: [{running_text(table.caption, italic_terms)}]"
        f"{_placement(table.wide, 'bottom')},\n"
        ")"
    )


def _placement(wide: bool, side: str = "top") -> str:
    # A wide table goes to the bottom of the page, so that it follows a narrower TABLE I set
    # at the top of a column rather than preceding it.
    return f', placement: {side}, scope: "parent"' if wide else ", placement: auto"
