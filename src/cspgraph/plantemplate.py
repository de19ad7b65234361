"""The plan template: a table of initiatives (CSV or .xlsx) and a metadata file, read back when filled in.

A partnership's initiative table arrives as a spreadsheet laid out like the plan tables, one row per initiative,
with a short YAML file naming the partnership, year, priorities and Police and Crime Plan. This module knows the
template's columns (and other headers that mean the same), the conventions of its cells (dates, line spans,
lists), reads the first sheet or the CSV into rows that remember where they came from (the CSV line or the
spreadsheet row, for messages; the lines of the CSV text, for provenance), checks the metadata file, and writes
the empty templates ``cspgraph new-plan`` hands to a user. Turning rows into plan data is
:mod:`cspgraph.importer`'s job; the format is documented in the README ("Add your own partnership").
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import DataError, Location
from .graph import write_atomic
from .personal import refuse_in_document
from .plandata import SLUG, YEAR, refuse_unknown_keys
from .yamlfile import LocatedDict, load_yaml, read_text


def normalise(text: str) -> str:
    """Case- and punctuation-insensitive form for matching names and headers.

    >>> normalise("ESSEX POLICE.") == normalise("essex-police") == "essex police"
    True
    """
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower().replace("&", " and ")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


@dataclass(frozen=True)
class Column:
    """A template column: its key, the header the template writes, the other headers accepted, what goes in it."""

    key: str
    header: str
    aliases: tuple[str, ...]
    help: str


COLUMNS: tuple[Column, ...] = (
    Column("name", "name", ("project", "initiative", "project initiative", "project name", "title"),
           "the initiative as written (required)"),
    Column("lead", "lead agency", ("lead", "lead agencies", "lead organisation", "owner"),
           "agencies leading it, as written: 'Essex Police/CBC' (empty: a priority's default lead)"),
    Column("partners", "partners", ("partner agencies", "partner", "supported by", "other agencies"),
           "other organisations taking part, as written"),
    Column("timing", "timing", ("timing deadline", "deadline", "date", "dates", "when", "timescale"),
           "as written: 'Mar 19', 'May 2020 - May 2023', 'Ongoing'"),
    Column("start", "start", ("start date",), "optional ISO date: 2021, 2021-06 or 2021-06-04"),
    Column("end", "end", ("end date",), "optional ISO date"),
    Column("description", "description", ("outcomes", "about", "about the project", "about the project initiative",
                                           "details", "summary"), "what it does / achieved, as written"),
    Column("scp", "partnership priorities", ("scp priorities", "csp priorities", "scp", "scp kps", "priorities",
                                              "priority", "partnership priority"),
           "numbers of the plan's own priorities: '1, 2 & 3'"),
    Column("pfcc", "pfcc priorities", ("pfcc", "pfcc kps", "pfcc priority", "police and crime plan priorities"),
           "numbers of the Police and Crime Plan's priorities: '4, 5 & 6' (column optional)"),
    Column("status", "status", ("rag", "rag status", "progress", "status rag"),
           "optional: red/amber/green, or words such as ongoing, completed, cancelled due to COVID-19"),
    Column("harms", "harms", ("harm", "harm types", "themes"),
           "optional: harm slugs or labels ('knife crime; county lines'); empty: inferred from the text"),
    Column("places", "places", ("place", "location", "locations", "wards", "area"),
           "optional: place ids or names from data/reference/places.yaml"),
    Column("lines", "source lines", ("lines", "source line", "line", "page lines"),
           "only with a source document in the metadata: its lines, '64' or '64-66'"),
    Column("id", "id", ("slug",), "optional: a slug for the row (default: made from the name)"),
    Column("operation", "operation", ("police operation",), "optional: yes for a named police operation"),
    Column("note", "note", ("notes", "comments", "comment"), "optional: your note on the row"),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}


# --------------------------------------------------------------------------------------------- cells

_EMPTY = re.compile(r"^(?:n/?a|tbc|tba|none|nil|-+|\?)$", re.IGNORECASE)
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")


def slugify(text: str, limit: int = 60) -> str:
    """A slug made from a name: ``slugify('Op Sceptre (knives)') == 'op-sceptre-knives'``."""
    words = normalise(text).split()
    slug = ""
    for word in words:
        if slug and len(slug) + 1 + len(word) > limit:
            break
        slug = f"{slug}-{word}" if slug else word[:limit]
    return slug


def is_blank(cell: str) -> bool:
    """True for an empty cell or a placeholder (N/A, TBC, TBA, none, -)."""
    return not cell.strip() or bool(_EMPTY.match(cell.strip()))


def split_list(cell: str) -> list[str]:
    """The items of a list cell: 'knife crime; county lines', 'Greenstead, Town Centre'."""
    return [p.strip() for p in re.split(r"[;,\n]|\s/\s", cell) if p.strip()]


def parse_date(text: str) -> str | None:
    """An ISO date at the text's precision from '2021', '2021-06', 'Mar 19', 'March 2021', 'June 2020'."""
    text = text.strip().rstrip(".")
    if re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", text):
        try:  # a real month and day, as the loader and xsd:gYearMonth / xsd:date require
            dt.date.fromisoformat((text + "-01-01")[:10] if len(text) < 10 else text)
        except ValueError:
            return None
        return text
    m = re.fullmatch(r"([A-Za-z]{3,9})\.?\s+'?(\d{2}|\d{4})", text)
    month = next((i for i, name in enumerate(_MONTHS, 1) if m and name.startswith(m.group(1).lower())), None)
    if month is None:
        return None
    year = int(m.group(2)) + (2000 if len(m.group(2)) == 2 else 0)
    return f"{year:04d}-{month:02d}"


def _range(cell: str) -> tuple[str | None, str | None]:
    parts = re.split(r"\s+(?:-|–|to|until)\s+|\s*[–]\s*", cell.strip(), maxsplit=1)
    return (parse_date(parts[0]), parse_date(parts[1])) if len(parts) == 2 else (None, None)


def _in_order(start: str, end: str) -> bool:
    return start[: len(end)] <= end[: len(start)]  # '2020' is not after '2020-05': compared to the shorter


def parse_timing(cell: str) -> tuple[str | None, str | None]:
    """(start, end) from a range 'May 2020 - May 2023'; a single date stays unparsed (start or deadline? unknown)."""
    start, end = _range(cell)
    if start and end and _in_order(start, end):
        return start, end
    return None, None


def timing_reversed(cell: str) -> bool:
    """A range whose end comes before its start ('May 2022 - Jan 2020'): :func:`parse_timing` reads no dates from
    it, and the importer says so rather than dropping them without a word."""
    start, end = _range(cell)
    return bool(start and end) and not _in_order(start, end)


def parse_lines(cell: str) -> tuple[int, int] | None:
    """A 'source lines' cell, '64' or '64-66', as (first, last)."""
    m = re.fullmatch(r"\s*(\d+)\s*(?:(?:-|–|:|to)\s*(\d+))?\s*", cell)
    if not m:
        return None
    first, last = int(m.group(1)), int(m.group(2) or m.group(1))
    return (first, last) if 1 <= first <= last else None


# --------------------------------------------------------------------------------------------- problems


@dataclass(frozen=True)
class ImportIssue:
    """One problem in the imported files: where (file, row, column), what, and what to do."""

    file: str
    row: str | None  # "line 7" (CSV line) or "row 7" (spreadsheet row)
    column: str | None  # the header as written in the user's file
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        where = ", ".join([self.file] + ([self.row] if self.row else []) + ([f"column '{self.column}'"] if self.column else []))
        return f"{where}: {self.message}" + (f"\n  -> {self.hint}" if self.hint else "")


class PlanImportError(DataError):
    """The plan could not be imported; ``issues`` lists every problem found (nothing was written)."""

    def __init__(self, issues: Iterable[ImportIssue]):
        self.issues = tuple(issues)
        count = len(self.issues)
        shown = "\n".join(str(i) for i in self.issues[:30]) + (f"\n... and {count - 30} more" if count > 30 else "")
        super().__init__(f"the plan was not imported ({count} problem{'s' if count != 1 else ''}; nothing written):\n{shown}")


# --------------------------------------------------------------------------------------------- reading the table


@dataclass
class Row:
    """One initiative row: where it is (for messages), its lines in the table's CSV text, its cells by column key."""

    where: str  # "line 7" / "row 7"
    lines: tuple[int, int]  # in the table's CSV text
    cells: dict[str, str]  # template key -> cell text (stripped)


@dataclass
class Table:
    """A read plan table: the file, its CSV text (the provenance source), the headers found, the rows."""

    file: Path
    text: str  # the table as CSV text, "\n" line ends (for .xlsx: rendered from the sheet)
    headers: dict[str, str]  # template key -> header as written
    rows: list[Row]


class _BadCsv(Exception):
    """A CSV the reader cannot take apart, at the line its record starts on."""

    def __init__(self, line: int, message: str, hint: str) -> None:
        super().__init__(message)
        self.line, self.message, self.hint = line, message, hint


def _records_from_text(text: str) -> Iterable[tuple[int, int, list[str]]]:
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first_line.count)
    # strict: an unclosed quote is an error, not the rest of the file read into one cell (a review imported three
    # rows as one initiative named after all three, with exit 0)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    previous = 0
    try:
        for record in reader:
            yield previous + 1, reader.line_num, record
            previous = reader.line_num
    except csv.Error as err:
        line = previous + 1
        if "end of data" in str(err):
            raise _BadCsv(line, f"the quote opened on line {line} is never closed",
                          "close it, or remove it: a cell that holds a quote is written \"like \"\"this\"\"\"") from None
        if "field larger" in str(err):
            raise _BadCsv(line, f"a cell from line {line} is longer than {csv.field_size_limit():,} characters",
                          "is a quote left open above it? A plan's cell is a few paragraphs at most") from None
        raise _BadCsv(line, f"a quoted cell from line {line} does not end where it should ({err})",
                      "a quote left open, or a quote inside a quoted cell written once: write it twice (\"\")") from None


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _read_xlsx(path: Path) -> tuple[str, list[tuple[str, int, int, list[str]]]]:
    import zipfile

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, InvalidFileException) as err:
        raise DataError(f"cannot read the spreadsheet: {err}", Location(path), "save it as .xlsx or as CSV") from None
    sheet = book.worksheets[0]
    out, records, line = io.StringIO(), [], 0
    for number, values in enumerate(sheet.iter_rows(min_row=1, min_col=1, values_only=True), start=1):
        cells = [_cell_text(v) for v in values]
        while cells and not cells[-1].strip():
            cells.pop()
        piece = io.StringIO()
        csv.writer(piece, lineterminator="\n").writerow(cells)
        text = piece.getvalue() if cells else "\n"
        out.write(text)
        records.append((f"row {number} (sheet '{sheet.title}')", line + 1, line + text.count("\n"), cells))
        line += text.count("\n")
    book.close()
    return out.getvalue(), records


def read_table(path: Path, column_map: dict[str, str] | None = None) -> tuple[Table, list[ImportIssue]]:
    """The rows of a plan table (CSV or the first sheet of an .xlsx); the first non-empty row is the header."""
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        text, records = _read_xlsx(path)
    elif path.suffix.lower() in (".csv", ".txt", ".tsv"):
        text = read_text(path).replace("\r\n", "\n").replace("\r", "\n")
        try:
            records = [(f"line {a}", a, b, cells) for a, b, cells in _records_from_text(text)]
        except _BadCsv as err:
            raise DataError(err.message, Location(path, err.line), err.hint) from None
    else:
        raise DataError(f"'{path.suffix}' is not a plan table", Location(path), "give a .csv or .xlsx file")
    records = [r for r in records if any(c.strip() for c in r[3])]
    if not records:
        raise DataError("the table is empty", Location(path), "run 'cspgraph new-plan' for a template")
    header_where, _, _, header = records[0]
    wanted = {normalise(v): k for k, v in (column_map or {}).items()}
    known = {normalise(a): c.key for c in COLUMNS for a in (c.key, c.header, *c.aliases)}
    headers: dict[str, str] = {}
    positions: dict[str, int] = {}
    warnings = []
    for i, raw in enumerate(header):
        key = wanted.get(normalise(raw)) or (known.get(normalise(raw)) if normalise(raw) not in wanted else None)
        if key is None:
            if raw.strip():
                warnings.append(ImportIssue(path.name, header_where, raw, "not a template column; ignored",
                                            "rename it to a template column or map it under columns: in the metadata"))
            continue
        if key in headers:
            raise PlanImportError([ImportIssue(path.name, header_where, raw, f"a second '{key}' column "
                                               f"(the first is '{headers[key]}')", "keep one of them")])
        headers[key], positions[key] = raw, i
    if "name" not in headers:
        raise PlanImportError([ImportIssue(path.name, header_where, None, "no 'name' column in the header row",
                                           f"the header row was read as: {', '.join(header)}")])
    rows = []
    for where, first, last, cells in records[1:]:
        beyond = [c for c in cells[len(header):] if c.strip()]
        if beyond:  # a comma too many in the row, most often: the cells after it would be read into wrong columns
            warnings.append(ImportIssue(path.name, where, None,
                                        f"{len(beyond)} cell(s) beyond the header's last column ignored: "
                                        + ", ".join(repr(c.strip()) for c in beyond[:3]),
                                        "check the row for an unquoted comma, or add a header for the column"))
        values = {k: (cells[i].strip() if i < len(cells) else "") for k, i in positions.items()}
        rows.append(Row(where, (first, last), values))
    return Table(path, text, headers, rows), warnings


# --------------------------------------------------------------------------------------------- the metadata


@dataclass
class PlanMeta:
    """A filled-in metadata file, checked: the partnership, year, title, source, priorities and PFCC plan."""

    file: Path
    doc: LocatedDict
    partnership: str
    partnership_record: dict[str, Any] | None  # for a new partnership
    year: str
    title: str
    source_id: str
    source_record: dict[str, Any]
    source_file: Path | None
    priorities: list[LocatedDict]
    pfcc_scheme: str
    pfcc_record: LocatedDict | None  # a new PFCC plan given in full
    agencies: list[LocatedDict]
    places: list[LocatedDict]
    columns: dict[str, str]


def _meta_fail(rec: LocatedDict, key: str | None, message: str, hint: str | None = None) -> DataError:
    return DataError(message, rec.where(key), hint)


def _check_lines(rec: LocatedDict) -> None:
    value = rec.get("lines")
    if value is not None and not (isinstance(value, list) and len(value) == 2 and all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in value) and value[0] <= value[1]):
        raise _meta_fail(rec, "lines", f"lines: {value!r} is not [first, last]", "e.g. lines: [36, 38]")


#: the keys of the metadata file, level by level (the template's): a misspelt key (narative:, soruce:) was
#: dropped without a word, and what it held with it (a review found it so)
META_KEYS = frozenset({"partnership", "year", "title", "lines", "source", "priorities", "pfcc", "agencies", "places",
                       "columns"})
PARTNERSHIP_KEYS = frozenset({"id", "name", "alt"})
SOURCE_KEYS = frozenset({"id", "title", "publisher", "date", "file"})
PRIORITY_KEYS = frozenset({"number", "title", "narrative", "harms", "lead", "lines"})
PFCC_KEYS = frozenset({"scheme", "title", "heading", "commissioner", "lines", "note", "description", "priorities"})


def _known_keys(rec: LocatedDict, allowed: frozenset[str], what: str) -> None:
    refuse_unknown_keys(rec, allowed, what, documented="the template: cspgraph new-plan")


def _text(rec: LocatedDict, key: str) -> None:
    """A value that is written as text (a title, a name) must be one: str([...]) was written instead."""
    value = rec.get(key)
    if isinstance(value, bool) or (value is not None and not isinstance(value, (str, int, float, dt.date))):
        raise _meta_fail(rec, key, f"{key}: must be text, not {type(value).__name__}", f"write {key}: ... on one line")


def _spellings(rec: LocatedDict) -> None:
    """alt: is a list: a bare 'alt: SRP' was read letter by letter, as the spellings S, R and P."""
    value = rec.get("alt")
    if value is not None and not (isinstance(value, list) and all(isinstance(a, (str, int)) for a in value)):
        raise _meta_fail(rec, "alt", "alt: must be a list of spellings", "write alt: [SRP] (brackets even for one)")


def read_meta(path: Path, partnership: str | None = None, year: str | None = None) -> PlanMeta:
    """Read and check a metadata file; ``partnership`` and ``year`` override its values.

    Errors name the metadata file, line and field (a :class:`DataError`).
    """
    doc = load_yaml(Path(path), refuse_in_document)  # its text goes into data/ and the graph: no contacts
    if not isinstance(doc, LocatedDict):
        raise DataError("the metadata must be a YAML mapping", Location(path, 1), "run 'cspgraph new-plan' for a template")
    _known_keys(doc, META_KEYS, "the metadata")
    _text(doc, "title")
    part = doc.get("partnership")
    if isinstance(part, LocatedDict):
        _known_keys(part, PARTNERSHIP_KEYS, "partnership:")
        _text(part, "name")
        _spellings(part)
    if isinstance(part, str):
        part = {"id": part}
    if partnership is None and not (isinstance(part, dict) and part.get("id")):
        raise _meta_fail(doc, "partnership", "no partnership: id:", "write partnership: {id: ..., name: ...}")
    pid = partnership or str(part["id"])
    if not SLUG.match(pid):
        raise _meta_fail(doc, "partnership", f"partnership id '{pid}' is not a slug", "use e.g. safer-riverside")
    year = str(year or doc.get("year") or "")
    if not YEAR.match(year):
        raise _meta_fail(doc, "year", f"plan year '{year}' is not like '2021-22'", "write year: \"2021-22\"")
    if (int(year[:4]) + 1) % 100 != int(year[5:]):
        raise _meta_fail(doc, "year", f"plan year '{year}' is not two consecutive years", "e.g. 2021-22")
    if not doc.get("title"):
        raise _meta_fail(doc, None, "no title: (the plan's title as printed)", "add title: ...")
    source = doc.get("source") or {}
    if not isinstance(source, dict):
        raise _meta_fail(doc, "source", "source: must be a mapping (id, title, publisher, date, file)")
    if isinstance(source, LocatedDict):
        _known_keys(source, SOURCE_KEYS, "source:")
        for key in ("id", "title", "publisher", "date", "file"):
            _text(source, key)
    source_id = str(source.get("id") or f"{pid}-plan-{year}")
    if not SLUG.match(source_id):
        raise _meta_fail(doc, "source", f"source id '{source_id}' is not a slug")
    source_file = None
    if source.get("file"):
        folder = Path(path).parent.resolve()
        source_file = (folder / str(source["file"])).resolve()
        if not source_file.is_relative_to(folder):
            # it is copied into data/ and published: /etc/passwd or /proc/self/environ (the environment's
            # secrets) were copied as readily as the plan (a review found it)
            raise _meta_fail(source, "file", f"source document '{source['file']}' is outside the metadata's folder "
                             f"{folder}", "put the plan's text beside the metadata file")
        if not source_file.is_file():
            raise _meta_fail(source, "file", f"source document '{source['file']}' not found",
                             "paths are relative to the metadata file; or leave file: out to use the table as source")
    if source.get("date") and not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", str(source["date"])):
        # checked here, at the metadata's line, not only once it is in data/reference/sources.yaml
        raise _meta_fail(source, "date", f"'{source['date']}' is not a date", "write YYYY, YYYY-MM or YYYY-MM-DD in quotes")
    record = {"id": source_id, "title": str(source.get("title") or f"{doc['title']} (imported plan table)")}
    for key in ("publisher", "date"):
        if source.get(key):
            record[key] = str(source[key])
    priorities = doc.get("priorities") or []
    if not isinstance(priorities, list) or not priorities or not all(isinstance(p, LocatedDict) for p in priorities):
        raise _meta_fail(doc, "priorities", "priorities: must list the plan's own priorities (number, title)")
    numbers: set[int] = set()
    for rec in priorities:
        _known_keys(rec, PRIORITY_KEYS, "a priority")
        if rec.get("number") in (None, "") or not rec.get("title"):
            raise _meta_fail(rec, None, "a priority needs number: and title:")
        number = rec["number"]
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            raise _meta_fail(rec, "number", f"priority number {number!r} is not a whole number from 1",
                             "number the plan's priorities 1, 2, 3 ... as it does")
        if number in numbers:
            raise _meta_fail(rec, "number", f"priority number {number} is given twice", "each priority once")
        numbers.add(number)
        _text(rec, "title")
        _text(rec, "narrative")
        if source_file is not None and rec.get("lines") is None:
            raise _meta_fail(rec, None, f"priority {rec['number']} needs lines: in the source document",
                             "with source: file: every priority gives lines: [first, last]")
        _check_lines(rec)
    pfcc = doc.get("pfcc")
    if isinstance(pfcc, str):
        scheme, pfcc_record = pfcc, None
    elif isinstance(pfcc, LocatedDict) and pfcc.get("scheme"):
        scheme, pfcc_record = str(pfcc["scheme"]), (pfcc if pfcc.get("priorities") else None)
    else:
        raise _meta_fail(doc, "pfcc" if pfcc else None, "no pfcc: scheme",
                         "name a file of data/reference/pfcc/ (pfcc: pfcc-essex-2016) or define the plan in full")
    if not SLUG.match(scheme):
        raise _meta_fail(doc, "pfcc", f"PFCC scheme '{scheme}' is not a slug")
    if isinstance(pfcc, LocatedDict):
        _known_keys(pfcc, PFCC_KEYS, "pfcc:")
    if pfcc_record is not None:
        for key in ("title", "commissioner"):
            if not pfcc_record.get(key):
                raise _meta_fail(pfcc_record, None, f"a new PFCC plan needs {key}:")
        if source_file is not None and pfcc_record.get("lines") is None:
            raise _meta_fail(pfcc_record, None, "a new PFCC plan needs lines: in the source document")
        _check_lines(pfcc_record)
        if not isinstance(pfcc_record["priorities"], list):
            raise _meta_fail(pfcc_record, "priorities", "priorities: must be a list of {number:, title:}")
        for rec in pfcc_record["priorities"]:
            if not isinstance(rec, LocatedDict) or rec.get("number") in (None, "") or not rec.get("title"):
                raise _meta_fail(pfcc_record, "priorities", "each PFCC priority needs number: and title:")
            _check_lines(rec)
    part_record = None
    if isinstance(part, dict) and part.get("name"):
        part_record = {"id": pid, "name": str(part["name"])}
        if part.get("alt"):
            part_record["alt"] = [str(a) for a in part["alt"]]  # a list: _spellings above
    columns = doc.get("columns") or {}
    if not isinstance(columns, dict) or any(k not in COLUMN_BY_KEY for k in columns):
        raise _meta_fail(doc, "columns", "columns: maps template keys to your headers",
                         f"keys: {', '.join(COLUMN_BY_KEY)}")
    lists = {}
    for key in ("agencies", "places"):
        value = doc.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, LocatedDict) for v in value):
            raise _meta_fail(doc, key, f"{key}: must be a list of records (id, name, type ...)")
        for rec in value:
            _text(rec, "name")
            _spellings(rec)
        lists[key] = value
    return PlanMeta(Path(path), doc, pid, part_record, year, str(doc["title"]).strip(), source_id, record, source_file,
                 priorities, scheme, pfcc_record, lists["agencies"], lists["places"],
                 {k: str(v) for k, v in columns.items()})


# --------------------------------------------------------------------------------------------- templates

META_TEMPLATE = """\
# Plan metadata for 'cspgraph import PLAN.csv --meta THIS.yaml'. Lines starting '#' are comments.
# Fill in the values; keep the keys. Quote years and dates ("2021-22").

partnership:
  id: safer-example                  # a slug: lower-case words joined by '-'; also the folder data/plans/<id>/
  name: Safer Example Partnership    # needed when the partnership is new to data/reference/partnerships.yaml
  alt: [SEP]                         # optional acronyms and other spellings

year: "2021-22"                      # the plan year, two consecutive years
title: Safer Example Partnership Annual Plan 2021-22   # the title as printed

source:                              # optional: where the plan was read from
  id: safer-example-plan-2021-22     # default: <partnership>-plan-<year>
  title: Safer Example Partnership Annual Plan 2021-22
  publisher: Safer Example Partnership
  date: "2021"
  # file: plan.txt                   # optional: the plan document as plain text (relative to this file).
                                     # Without it the table itself is the source: rows cite their CSV lines.
                                     # With it, every row needs 'source lines' and every priority lines: [a, b].

priorities:                          # the plan's own numbered priorities
  - number: 1
    title: Tackle violence and exploitation
    # narrative: The partnership will ...   # optional: the paragraph under the priority heading, as printed
    # harms: [serious-violence]      # optional: slugs or labels of ontology/harms.ttl; default: inferred
    # lead: Essex Police             # optional: the lead of rows of this priority whose lead cell is empty
  - number: 2
    title: Reduce anti-social behaviour

pfcc: pfcc-essex-2016                # the Police and Crime Plan the 'pfcc priorities' numbers refer to: a file of
                                     # data/reference/pfcc/, or a new plan given in full:
# pfcc:
#   scheme: pfcc-essex-2021          # written to data/reference/pfcc/pfcc-essex-2021.yaml
#   title: Police, Fire and Crime Plan 2021-2024
#   commissioner: Police, Fire and Crime Commissioner for Essex
#   priorities:
#     - {number: 1, title: ...}

# agencies:                          # optional: organisations new to data/reference/agencies.yaml
#   - {id: example-district-council, name: Example District Council, alt: [EDC], type: local-authority}
# places:                            # optional: places new to data/reference/places.yaml
#   - {id: example-town, name: Example Town, type: town}
# columns:                           # optional: when your headers differ: template column -> your header
#   name: Project
#   lead: Responsible Officer Agency
"""


def new_plan_template(out_dir: Path | str) -> tuple[Path, Path]:
    """Write an empty plan table ``plan-template.csv`` and a commented ``plan-meta.yaml`` into ``out_dir``.

    Existing files are never overwritten.
    """
    out = Path(out_dir)
    table, meta = out / "plan-template.csv", out / "plan-meta.yaml"
    for path in (table, meta):
        if path.exists():
            raise DataError("file already exists", Location(path), "choose another folder with --out, or move it")
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow([c.header for c in COLUMNS])
    write_atomic(table, header.getvalue().encode("utf-8"))
    write_atomic(meta, META_TEMPLATE.encode("utf-8"))
    return table, meta


def column_help() -> list[tuple[str, str]]:
    """(header, what goes in it) for each template column, for the CLI and the README."""
    return [(c.header, c.help) for c in COLUMNS]
