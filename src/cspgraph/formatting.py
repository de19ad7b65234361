"""Rendering tabular results as text tables, CSV, JSON or Markdown, for the CLI and the explorer.

One renderer serves saved questions and analyses alike, so ``--format`` means the same on every command.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Sequence
from typing import Any

FORMATS = ("table", "csv", "json", "md")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".")
    return str(value)


_NUMBER = re.compile(r"-?[0-9.]+")
#: every line break Python's str.splitlines knows (a CR left in a cell broke a table's line in two)
_LINE_BREAKS = re.compile(r"(?:\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029])+")


def _csv_cell(value: Any) -> str:
    """A text cell that starts like a formula (=, +, -, @, tab, line break) gets a leading apostrophe, so opening
    the CSV in a spreadsheet never runs a formula written into a plan (OWASP "CSV injection"); numbers are left
    alone. A carriage return becomes a line feed: the writer quotes a cell holding a line feed, but not one
    holding a lone CR, which then split the row in two for every reader (a review found it)."""
    text = _cell(value)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if isinstance(value, str) and text[:1] in ("=", "+", "-", "@", "\t", "\n") and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def spreadsheet_csv(columns: Sequence[str], rows: Sequence[Sequence[Any]], lineterminator: str = "\n") -> str:
    """CSV safe to open in a spreadsheet (see ``_csv_cell``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=lineterminator)
    writer.writerow(columns)
    writer.writerows([[_csv_cell(v) for v in row] for row in rows])
    return out.getvalue()


def render(columns: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str = "table") -> str:
    """Render ``rows`` under ``columns``.

    >>> print(render(["agency", "n"], [["Essex Police", 3]], "csv").strip())
    agency,n
    Essex Police,3
    """
    if fmt == "json":
        return json.dumps([dict(zip(columns, row)) for row in rows], indent=2, ensure_ascii=False, default=str)
    if fmt == "csv":
        return spreadsheet_csv(columns, rows)
    text = [[_LINE_BREAKS.sub(" ", _cell(v)) for v in row] for row in rows]
    if fmt == "md":
        def esc(s: str) -> str:
            # Markdown passes HTML through: a name written "<img onerror=...>" in a plan would run where the
            # table is rendered (a review found it kept); | would end the cell
            return html.escape(s, quote=False).replace("|", "\\|")
        lines = ["| " + " | ".join(esc(c) for c in columns) + " |", "|" + "---|" * len(columns)]
        lines += ["| " + " | ".join(esc(c) for c in row) + " |" for row in text]
        return "\n".join(lines) + "\n"
    if fmt != "table":
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    widths = [len(c) for c in columns]
    for row in text:
        widths = [max(w, min(len(c), 60)) for w, c in zip(widths, row)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join((c if len(c) <= 60 else c[:57] + "...").ljust(w) for c, w in zip(cells, widths)).rstrip()

    body = [line(columns), line(["-" * w for w in widths])] + [line(r) for r in text]
    return "\n".join(body) + "\n"
