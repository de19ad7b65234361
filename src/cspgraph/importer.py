"""Importing a partnership's plan from a spreadsheet (CSV or .xlsx) and a small metadata file.

A strategic lead in another partnership should be able to add their plan without writing YAML by hand: one row
per initiative in a table laid out like the plan tables, and a short metadata file naming the partnership, the
year, the plan's own priorities and the Police and Crime Plan its PFCC numbers refer to (the template and its
reading: :mod:`cspgraph.plantemplate`). The importer turns them into the data format of ``data/README.md`` and the
register additions they need, and writes nothing unless the whole data folder still loads (and, when shapes are
given, still conforms) afterwards.

Provenance. Every fact in the graph points at source lines. By default the table itself is the source: it is
copied (as CSV; an .xlsx sheet is rendered to CSV) to ``data/sources/<source-id>.txt`` line for line, with
e-mail addresses redacted, followed by a short trailer that restates the metadata (plan title, priorities, a new
PFCC plan); a row's lines are its CSV lines and a priority's lines are its trailer line. When the metadata names
the plan document as plain text (``source: file:``), that text is copied instead, and each row must give its
``source lines`` and each priority its ``lines`` in it.

Matching. Lead and partner cells are split on ``/ , ; +`` and on "and"/"&" where that yields a known name (so
"Essex County Fire and Rescue Service" stays one) and matched against the names, spellings and units of
``data/reference/agencies.yaml`` ignoring case and punctuation; a match through a spelling is recorded in the
row's note. An agency's ``alt_local`` spellings ("Police", "The Council": words that name it only inside one
partnership's plans) are used only when importing that partnership's plans. A cell that is only a generic word
(:data:`GENERIC_WORDS`, or any ``alt_local`` spelling) is never resolved silently: where it resolves it gives a
warning, and where it does not it is an error with the agencies it might mean, never a new agency. An unknown name
is an error naming the row and column with the closest register entries, unless the caller asks for new agencies
of a given type: an agency is never invented silently. Harms are read from a
``harms`` cell, else inferred from the row's name and description with the SKOS labels of ``ontology/harms.ttl``
(word boundaries, acronyms case-sensitively, longest match first), and the inference is recorded in the note.
Status cells keep their text (``status_cell``); red/amber/green becomes ``rag`` (a RAG rating rates progress,
not the stage, so it sets no status), and words that are labels of ``ontology/statuses.ttl`` set ``status``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from rdflib import Graph
from rdflib.namespace import SKOS

from . import namespaces as ns
from . import personal
from .errors import DataError, Location
from .graph import current_umask, data_graph, load_ontology, write_atomic
from .plandata import (
    SLUG,
    PlanData,
    Vocabulary,
    _load_agencies,
    _load_partnerships,
    _load_pfcc,
    _load_places,
    _load_sources,
    load_plan_data,
    local_spellings,
)
from .plantemplate import (
    COLUMN_BY_KEY,
    ImportIssue,
    PlanImportError,
    PlanMeta,
    Row,
    Table,
    column_help,
    is_blank,
    new_plan_template,
    parse_date,
    parse_lines,
    parse_timing,
    read_meta,
    read_table,
    slugify,
    split_list,
    timing_reversed,
)
from .plantemplate import normalise as _norm
from .yamlfile import LocatedDict, read_text

__all__ = ["GENERIC_WORDS", "ImportIssue", "ImportReport", "PlanImportError", "column_help", "harm_patterns", "import_plan",
           "infer_harms", "new_plan_template", "read_status", "read_table", "slugify"]


RAG = {"red": "red", "amber": "amber", "green": "green", "r": "red", "a": "amber", "g": "green"}
#: a few common status words that are spellings of existing status slugs (the rest come from ontology/statuses.ttl)
STATUS_WORDS = {"complete": "completed", "in progress": "ongoing", "not started": "planned", "on hold": "postponed"}
_STRONG = re.compile(r"(\s*(?:/|,|;|\+)\s*)")
_WEAK = re.compile(r"(\s*(?:&|\band\b)\s*)", re.IGNORECASE)
#: how a plan file an import wrote begins: --replace replaces only such a file
IMPORT_HEADER = "# Imported by 'cspgraph import'"
_HARM_FIX = "use a slug or label of ontology/harms.ttl"
_PLACE_FIX = "add it to data/reference/places.yaml or under places: in the metadata"
#: cells that name no organisation at all: --add-agencies made agencies of them ("TBD", "Various", "etc",
#: "Essex Police (tbc)"), and the graph then said what no plan said (a review found it)
_PLACEHOLDERS = frozenset({
    "various", "various partners", "all partners", "all", "others", "other", "other partners", "tbc", "tbd", "tba",
    "to be confirmed", "to be decided", "n a", "na", "none", "unknown", "etc", "and others", "multiple", "several",
    "partner agencies", "local partners", "local schools", "schools", "agencies",
})


def _not_a_name(name: str) -> str | None:
    """Why a cell's name cannot become a new agency, or None: a placeholder, a comment in brackets or after a
    colon, a redaction mark, a trailing 'etc.'."""
    bare = _bare(name)  # as the register's names are matched: "The others" is "others"
    if bare in _PLACEHOLDERS:
        return f"'{name}' names no organisation"
    if "[" in name or ":" in name:  # a redaction mark; a label such as "Lead: Essex Police"
        return f"'{name}' holds a mark or a label beside the name"
    bracketed = " ".join(re.findall(r"\(([^)]*)\)", name.lower()))
    if re.search(r"\b(tbc|tbd|tba|to be|contact|redacted|lead|partner|maybe|possibly)\b|@", bracketed):
        return f"'{name}' holds a comment in brackets beside the name"  # "(CUFC)" beside a name is fine
    if bare.endswith(" etc") or bare.startswith("etc "):
        return f"'{name}' ends in 'etc.': the organisations it stands for are not named"
    return None


#: words that name a kind of organisation, not one organisation (normalised, without a leading "the"): in a lead or
#: partner cell they say "a police force" or "a council", and which one depends on whose plan it is
GENERIC_WORDS = frozenset({
    "police", "police service", "constabulary", "council", "borough council", "district council", "city council",
    "county council", "parish council", "town council", "local authority", "la", "university", "college",
    "school", "fire", "fire service", "fire and rescue", "fire and rescue service", "probation", "health",
    "hospital", "ccg", "clinical commissioning group", "nhs clinical commissioning group", "community safety",
    "community safety team", "cs", "cst", "cs team", "csp", "community safety partnership", "partnership",
    "partners", "pcc", "pfcc", "police and crime commissioner", "business improvement district", "bid",
    "pubwatch", "pub watch", "pub watch committee", "housing", "youth service", "neighbourhood team", "wardens",
})


# --------------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class ImportReport:
    """What an import wrote (or, on a dry run, would write)."""

    partnership: str
    year: str
    plan_file: Path
    source_id: str
    initiatives: int
    operations: int
    harms_inferred: int  # rows whose harms were inferred from the text
    added_agencies: tuple[str, ...]
    added_places: tuple[str, ...]
    new_partnership: bool
    new_pfcc_scheme: str | None
    files: tuple[Path, ...]
    dry_run: bool
    validated: bool  # the resulting graph was validated with SHACL (and conforms)
    warnings: tuple[ImportIssue, ...] = ()

    def rows(self) -> list[tuple[str, Any]]:
        return [("partnership", self.partnership + (" (new)" if self.new_partnership else "")), ("year", self.year),
                ("initiatives", self.initiatives), ("operations", self.operations),
                ("rows with inferred harms", self.harms_inferred),
                ("agencies added", ", ".join(self.added_agencies) or "none"),
                ("places added", ", ".join(self.added_places) or "none"),
                ("new PFCC plan", self.new_pfcc_scheme or "none"), ("source", self.source_id),
                ("SHACL", "conforms" if self.validated else "not run"), ("warnings", len(self.warnings))]


# --------------------------------------------------------------------------------------------- writing YAML


class _Flow(dict):
    """A small mapping written on one line, as the hand-written plan files do: ``lead: {cell: ..., agencies: [...]}``."""


class _Quoted(str):
    """A string written in double quotes (years and dates, which YAML might otherwise read as something else)."""


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # list items indented under their key ("  - id: ..."), as in the hand-written data files
        super().increase_indent(flow, False)


def _represent_list(dumper: yaml.SafeDumper, data: list) -> yaml.Node:
    flat = all(not isinstance(v, (dict, list)) for v in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flat)


def _represent_dict(dumper: yaml.SafeDumper, data: dict) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=isinstance(data, _Flow))


# exact types first (the base dumper has its own), then subclasses: LocatedDict / LocatedList from the metadata
for _kind, _represent in ((dict, _represent_dict), (_Flow, _represent_dict), (list, _represent_list)):
    _Dumper.add_representer(_kind, _represent)
    _Dumper.add_multi_representer(_kind, _represent)
_Dumper.add_representer(_Quoted, lambda d, v: d.represent_scalar("tag:yaml.org,2002:str", str(v), style='"'))


def _dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)


# --------------------------------------------------------------------------------------------- matching


def _bare(name: str) -> str:
    """``name`` normalised for matching, without a leading "the" ("The Police" -> "police")."""
    text = _norm(name)
    return text[4:] if text.startswith("the ") else text


class _Names:
    """Register entries (agencies and units, or places) by their normalised names, spellings and ids."""

    def __init__(self) -> None:
        self.index: dict[str, set[str]] = {}
        self.display: dict[str, str] = {}
        self.primary: set[str] = set()  # canonical names and ids; every other label is a spelling

    def add(self, ref: str, name: Any, *alts: Any) -> None:
        """Register ``ref`` under its canonical ``name`` and other spellings ``alts``."""
        self.primary.update({_norm(str(name)), _norm(ref.replace("/", " "))})
        for label in (name, *alts, ref.replace("/", " ")):
            if label:
                self.index.setdefault(_norm(str(label)), set()).add(ref)
                self.display.setdefault(_norm(str(label)), f"{label} ({ref})")

    def lookup(self, text: str) -> set[str]:
        return self.index.get(_norm(text), set())

    def suggest(self, text: str) -> list[str]:
        close = difflib.get_close_matches(_norm(text), list(self.index), n=3, cutoff=0.6)
        return [self.display[c] for c in close]

    def _runs(self, cell: str, pattern: re.Pattern[str]) -> list[tuple[str, set[str]]]:
        """Split ``cell`` on ``pattern``, rejoining the longest runs of pieces that name an entry."""
        pieces = pattern.split(cell)
        parts, seps = pieces[0::2], pieces[1::2] + [""]
        runs: list[tuple[str, set[str]]] = []
        i = 0
        while i < len(parts):
            if not parts[i].strip():
                i += 1
                continue
            for j in range(len(parts), i, -1):
                text = "".join(p + s for p, s in zip(parts[i:j], seps[i:j]))
                text = text[: len(text) - len(seps[j - 1])].strip()
                if self.lookup(text):
                    runs.append((text, self.lookup(text)))
                    i = j
                    break
            else:
                runs.append((parts[i].strip(), set()))
                i += 1
        return runs

    def split(self, cell: str) -> tuple[list[str], list[str], list[str], list[str], list[tuple[str, str]]]:
        """(ids, unknown names, ambiguous names, readings of spellings, (name, id) matched) in a cell naming entries.

        Strong separators (``/ , ; +``) always divide names; "and" and "&" divide only when one of the pieces is a
        known name, so an unknown "Youth and Community Services" stays one name rather than becoming two.
        """
        ids: list[str] = []
        unknown: list[str] = []
        ambiguous: list[str] = []
        spellings: list[str] = []
        matched: list[tuple[str, str]] = []
        for text, found in self._runs(cell, _STRONG):
            runs = [(text, found)]
            if not found:
                weak = self._runs(text, _WEAK)
                if any(f for _, f in weak):
                    runs = weak
            for name, refs in runs:
                if not refs:
                    unknown.append(name)
                elif len(refs) > 1:
                    ambiguous.append(name)
                else:
                    matched.append((name, next(iter(refs))))
                    if matched[-1][1] not in ids:
                        ids.append(matched[-1][1])
                        if _norm(name) not in self.primary:
                            spellings.append(f"'{name}' -> {ids[-1]}")
        return ids, unknown, ambiguous, spellings, matched


def harm_patterns(labels: dict[str, list[str]]) -> list[tuple[re.Pattern[str], str, str]]:
    """One pattern a harm label: word boundaries; an all-capitals label (ASB, DA) matches case-sensitively."""
    patterns = []
    for slug, names in labels.items():
        for label in {*names, slug.replace("-", " ")}:
            words = [re.escape(w) for w in re.split(r"[\s\-]+", label.strip()) if w]
            if not words:
                continue
            body = r"[\s\-]*".join(words)
            flags = 0 if label.isupper() else re.IGNORECASE
            patterns.append((re.compile(rf"(?<![A-Za-z0-9]){body}(?![A-Za-z0-9])", flags), slug, label))
    return patterns


def infer_harms(text: str, patterns: list[tuple[re.Pattern[str], str, str]]) -> list[tuple[str, str]]:
    """(slug, words matched) for each harm named in ``text``, longest match first, no overlapping matches."""
    found = [(m.start(), m.end(), slug) for pattern, slug, _ in patterns for m in pattern.finditer(text)]
    found.sort(key=lambda f: (-(f[1] - f[0]), f[0]))
    taken: list[tuple[int, int]] = []
    hits: list[tuple[int, str, str]] = []
    for start, end, slug in found:
        if any(start < e and s < end for s, e in taken):
            continue
        taken.append((start, end))
        hits.append((start, slug, text[start:end]))
    first: dict[str, str] = {}
    for _, slug, words in sorted(hits):
        first.setdefault(slug, words)
    return list(first.items())


def _status_labels(ontology: Graph) -> dict[str, str]:
    """Normalised status label -> status slug, from ontology/statuses.ttl (and STATUS_WORDS)."""
    labels = dict(STATUS_WORDS)
    for concept in set(ontology.subjects(SKOS.inScheme, ns.STATUS_SCHEME)):
        for prop in (SKOS.prefLabel, SKOS.altLabel):
            for label in ontology.objects(concept, prop):
                labels[_norm(str(label))] = ns.slug_of(concept)
        labels[_norm(ns.slug_of(concept))] = ns.slug_of(concept)
    return labels


def read_status(cell: str, labels: dict[str, str]) -> tuple[str | None, str | None, str | None, list[str]]:
    """(rag, status slug, reason, other statuses matched) from a status cell; nothing invented."""
    norm = f" {_norm(cell)} "
    rag = RAG.get(_norm(cell)) or next((RAG[w] for w in ("red", "amber", "green") if f" {w} " in norm), None)
    reason = None
    m = re.search(r"\b(?:due to|because of)\s+(?:the\s+)?(.+?)\.?$", cell, re.IGNORECASE)
    if m:
        reason = m.group(1).strip()
        norm = f" {_norm(cell[: m.start()])} "
    slugs: list[str] = []
    for label in sorted(labels, key=len, reverse=True):
        if f" {label} " in norm:
            norm = norm.replace(f" {label} ", "  ")
            if labels[label] not in slugs:
                slugs.append(labels[label])
    return rag, (slugs[0] if slugs else None), reason, slugs[1:]


# --------------------------------------------------------------------------------------------- the import


def _load_registers(data_dir: Path, vocab: Vocabulary) -> PlanData:
    """The reference registers, checked by the loader's own functions; plans are loaded later, when staged."""
    data = PlanData(data_dir)
    ref = data_dir / "reference"
    _load_sources(data, ref / "sources.yaml")
    _load_partnerships(data, ref / "partnerships.yaml")
    _load_agencies(data, ref / "agencies.yaml", vocab)
    _load_places(data, ref / "places.yaml")
    for path in sorted((ref / "pfcc").glob("*.yaml")):
        _load_pfcc(data, path, vocab)
    return data


def _append_records(path: Path, key: str, records: list[dict[str, Any]], comment: str) -> bytes:
    """The register file with ``records`` appended to its top-level list, leaving every existing line as it is."""
    text = read_text(path) if path.is_file() else f"{key}:\n"
    text = re.sub(rf"(?m)^{key}:\s*\[\s*\]\s*$", f"{key}:", text)
    tops = re.findall(r"(?m)^([A-Za-z_][\w-]*):", text)
    if not tops or tops[-1] != key:
        raise DataError(f"cannot append to '{key}:': it is not the file's last top-level key", Location(path),
                        f"move '{key}:' to the end of the file")
    indent = re.search(rf"(?ms)^{key}:.*?^([ \t]*)- ", text)
    pad = indent.group(1) if indent else "  "
    if not text.endswith("\n"):
        text += "\n"
    lines = [f"{pad}# {comment}"]
    for rec in records:
        lines += [pad + line for line in _dump([rec]).rstrip("\n").split("\n")]
    return (text + "\n".join(lines) + "\n").encode("utf-8")


class _Importer:
    """Turns a read table and metadata into plan records, collecting every error and warning on the way."""

    def __init__(self, table: Table, meta: PlanMeta, registers: PlanData, vocab: Vocabulary, ontology: Graph,
                 add_agencies: str | None) -> None:
        self.table, self.meta, self.reg, self.vocab = table, meta, registers, vocab
        self.add_agencies = add_agencies
        self.errors: list[ImportIssue] = []
        self.warnings: list[ImportIssue] = []
        # an agency's alt_local spellings count only in its partnership's own plans (data/README.md)
        home = meta.partnership
        self.agencies = _Names()
        self.local: dict[str, dict[str, str]] = {}  # bare alt_local spelling -> {"Name (ref)": partnership}
        for ref, rec in [*registers.agencies.items(), *registers.units.items()]:
            self.agencies.add(ref, rec["name"], *(rec.get("alt") or []), *local_spellings(rec, home))
            for partnership, spellings in (rec.get("alt_local") or {}).items():
                for spelling in spellings or []:
                    self.local.setdefault(_bare(spelling), {})[f"{rec['name']} ({ref})"] = partnership
        self.places = _Names()
        for pid, rec in registers.places.items():
            self.places.add(pid, rec["name"])
        self.new_agencies: dict[str, dict[str, Any]] = {}
        self.new_places: list[dict[str, Any]] = []
        self.harm_patterns = harm_patterns(vocab.harm_labels)
        self.harm_names = _Names()
        for slug, labels in vocab.harm_labels.items():
            self.harm_names.add(slug, *(labels or [slug]))
        self.status_labels = _status_labels(ontology)

    # ---------------------------------------------------------------- problems
    def error(self, row: str | None, key: str | None, message: str, hint: str | None = None, file: str | None = None):
        column = self.table.headers.get(key, key) if key and file is None else key
        self.errors.append(ImportIssue(file or self.table.file.name, row, column, message, hint))

    def warn(self, row: str | None, key: str | None, message: str, hint: str | None = None):
        column = self.table.headers.get(key, key) if key else None
        self.warnings.append(ImportIssue(self.table.file.name, row, column, message, hint))

    # ---------------------------------------------------------------- registers declared in the metadata
    def declare(self) -> None:
        meta = self.meta
        for rec in meta.agencies:
            aid = str(rec.get("id") or slugify(str(rec.get("name") or "")))
            where = f"line {rec.line}"
            if not rec.get("name") or rec.get("type") not in self.vocab.agency_types:
                self.error(where, None, f"agency '{aid}' needs name: and type: (one of "
                           f"{', '.join(sorted(self.vocab.agency_types))})", file=meta.file.name)
                continue
            known = self.reg.agencies.get(aid) or self.new_agencies.get(aid)
            if known is not None:  # declared again (a re-import, or a second plan naming it): fine if the same
                if _norm(known["name"]) != _norm(rec["name"]):
                    self.error(where, None, f"agency id '{aid}' is already in the register as '{known['name']}'",
                               "give the new agency another id", file=meta.file.name)
                continue
            record = {"id": aid, "name": str(rec["name"]), "type": str(rec["type"])}
            alts = [str(a) for a in rec.get("alt") or []]
            if [a for a in alts if not self.generic(a)]:
                record["alt"] = [a for a in alts if not self.generic(a)]
            local = [a for a in alts if self.generic(a)]
            if local:  # "Council" names it only in this partnership's plans
                record["alt_local"] = {meta.partnership: local}
                for spelling in local:
                    self.local.setdefault(_bare(spelling), {})[f"{record['name']} ({aid})"] = meta.partnership
            record["note"] = f"Added by cspgraph import: declared in {meta.file.name}."
            self.new_agencies[aid] = record
            self.agencies.add(aid, record["name"], *alts)
        for rec in meta.places:
            pid = str(rec.get("id") or slugify(str(rec.get("name") or "")))
            if pid in self.reg.places and _norm(self.reg.places[pid]["name"]) == _norm(str(rec.get("name"))):
                continue  # already registered (a re-import)
            if not rec.get("name") or not rec.get("type") or pid in self.reg.places:
                self.error(f"line {rec.line}", None, f"place '{pid}' needs name: and type: and an id not yet in "
                           "data/reference/places.yaml", file=meta.file.name)
                continue
            record = {"id": pid, "name": str(rec["name"]), "type": str(rec["type"])}
            if rec.get("within"):
                record["within"] = str(rec["within"])
            self.new_places.append(record)
            self.places.add(pid, record["name"])

    # ---------------------------------------------------------------- cells
    def generic(self, name: str) -> bool:
        """Whether ``name`` is only a generic word ("Police", "The Council") or some partnership's local spelling
        ("CBC"): either way it does not name one organisation in every plan."""
        return _bare(name) in GENERIC_WORDS or _bare(name) in self.local

    def generic_meanings(self, name: str) -> str:
        """What a generic word might mean, for a hint: agencies whose name holds its words, and where a
        partnership's own plans use it as a local spelling."""
        words = set(_bare(name).split())
        named = sorted(f"{rec['name']} ({aid})" for aid, rec in self.reg.agencies.items()
                       if words <= set(_norm(rec["name"]).split()))
        local = self.local.get(_bare(name), {})
        found = list(dict.fromkeys([*local, *named]))[:6]
        text = f"did you mean {' or '.join(found)}? " if found else ""
        for meaning, partnership in local.items():
            text += f"(In {partnership}'s plans '{name}' means {meaning}.) "
        return text

    def organisations(self, cell: str, row: str, key: str, file: str | None = None,
                      notes: list[str] | None = None) -> list[str]:
        ids, unknown, ambiguous, spellings, matched = self.agencies.split(cell)
        if spellings and notes is not None:
            notes.append(f"{COLUMN_BY_KEY[key].header} read by register spelling: {', '.join(spellings)}")
        home = self.meta.partnership
        for name, ref in matched:
            if _bare(name) in GENERIC_WORDS:
                how = " (its spelling in this partnership's plans: alt_local)" if (
                    home in self.local.get(_bare(name), {}).values()) else ""
                self.warn(row, key, f"'{name}' is only a generic word; read as {ref}{how}",
                          "write the organisation's full name if that is not the one meant")
        for name in [n for n in unknown if self.generic(n)]:
            local = (f"; or, if it means one agency in all of {home}'s plans, add it to that agency's alt_local: "
                     f"{{{home}: [{name}]}} in data/reference/agencies.yaml" if home in self.reg.partnerships else "")
            if _bare(name) in GENERIC_WORDS:
                message = f"'{name}' is only a generic word: it does not say which organisation"
            else:  # an acronym another partnership's plans use for one of their agencies
                message = (f"'{name}' names an agency only in other partnerships' plans (alt_local): in {home}'s "
                           "plans it does not say which organisation")
            self.error(row, key, message, f"{self.generic_meanings(name)}Write the organisation's name{local}",
                       file=file)
        unknown = [n for n in unknown if not self.generic(n)]
        for name in ambiguous:
            self.error(row, key, f"'{name}' names more than one agency ({', '.join(sorted(self.agencies.lookup(name)))})",
                       "write the agency's full name", file=file)
        for name in unknown:
            if self.add_agencies and (why := _not_a_name(name)):
                self.error(row, key, f"cannot add agency {why}",
                           "name each organisation in the cell (or leave it empty); --add-agencies adds only names",
                           file=file)
                continue
            if self.add_agencies:
                aid = slugify(name)
                if not aid or aid in self.reg.agencies or aid in self.reg.units:
                    self.error(row, key, f"cannot add agency '{name}': id '{aid}' is taken or empty",
                               "declare it under agencies: in the metadata with another id", file=file)
                    continue
                if aid not in self.new_agencies:
                    self.new_agencies[aid] = {"id": aid, "name": name, "type": self.add_agencies,
                                              "note": f"Added by cspgraph import: named in {file or self.table.file.name} "
                                                      f"{row}; type '{self.add_agencies}' given with --add-agencies."}
                    self.agencies.add(aid, name)
                    self.warn(row, key, f"added agency '{name}' ({aid}, type {self.add_agencies}) to the register")
                ids.append(aid)
                continue
            close = self.agencies.suggest(name)
            hint = (f"did you mean {' or '.join(close)}? " if close else "") + (
                "add it to data/reference/agencies.yaml (or under agencies: in the metadata), "
                "or pass --add-agencies TYPE")
            self.error(row, key, f"unknown agency '{name}'", hint, file=file)
        return ids

    def numbers(self, cell: str, row: str, key: str, known: list[str], kind: str) -> list[int]:
        values: list[int] = []
        for token in re.split(r"\s*(?:,|;|&|/|\+|\band\b|\s)\s*", cell, flags=re.IGNORECASE):
            token = re.sub(r"^(?:priority|p|kp)\s*", "", token.strip(), flags=re.IGNORECASE)
            if not token:
                continue
            if not token.isdigit():
                self.error(row, key, f"'{token}' in '{cell}' is not a priority number", "write numbers: '1, 2 & 3'")
            elif token not in known:
                self.error(row, key, f"{kind} priority {token} does not exist (its priorities are {', '.join(known)})")
            elif int(token) not in values:
                values.append(int(token))
        return values

    def refs(self, names: _Names, cell: str, row: str, key: str, kind: str, fix: str, file: str | None = None) -> list[str]:
        """The ids a list cell names ('knife crime; county lines'); an unknown name is an error with suggestions."""
        found = []
        for token in split_list(cell):
            ids = names.lookup(token)
            if len(ids) == 1:
                found.append(next(iter(ids)))
            else:
                close = names.suggest(token)
                self.error(row, key, f"unknown {kind} '{token}'",
                           (f"did you mean {' or '.join(close)}? " if close else "") + fix, file=file)
        return list(dict.fromkeys(found))

    def infer(self, text: str) -> tuple[list[str], str | None]:
        hits = infer_harms(text, self.harm_patterns)
        if not hits:
            return [], None
        return [h[0] for h in hits], "harms inferred from the text by vocabulary label: " + ", ".join(
            f"'{words}' -> {slug}" for slug, words in hits)

    # ---------------------------------------------------------------- priorities
    def priorities(self, source_lines: dict[str, tuple[int, int]]) -> tuple[list[dict], dict[str, list[str]]]:
        out, leads = [], {}
        for rec in self.meta.priorities:
            number = str(rec["number"])
            item: dict[str, Any] = {"number": int(number) if number.isdigit() else number, "title": str(rec["title"])}
            if rec.get("narrative"):
                item["narrative"] = " ".join(str(rec["narrative"]).split())
            where = f"line {rec.key_lines.get('harms', rec.line)}"
            if rec.get("harms"):
                cell = rec["harms"] if isinstance(rec["harms"], str) else "; ".join(str(h) for h in rec["harms"])
                item["harms"] = self.refs(self.harm_names, cell, where, "harms", "harm", _HARM_FIX, self.meta.file.name)
            else:
                harms, note = self.infer(f"{item['title']}. {item.get('narrative', '')}")
                if harms:
                    item["harms"], item["note"] = harms, note
            lines = rec.get("lines") if self.meta.source_file else source_lines.get(number)
            item["lines"] = list(lines) if lines is not None else None
            if rec.get("lead"):
                leads[number] = self.organisations(str(rec["lead"]), f"line {rec.key_lines.get('lead', rec.line)}",
                                                   "lead", file=self.meta.file.name)
            out.append(item)
        return out, leads

    # ---------------------------------------------------------------- rows
    def initiatives(self, scp_known: list[str], pfcc_known: list[str], leads: dict[str, list[str]]) -> list[dict]:
        out: list[dict[str, Any]] = []
        ids: dict[str, str] = {}  # id -> where its row is
        for row in self.table.rows:
            rec = self.initiative(row, scp_known, pfcc_known, leads)
            if rec is None:
                continue
            base, n = rec["id"], 2
            while rec["id"] in ids:
                rec["id"], n = f"{base}-{n}", n + 1
            if rec["id"] != base:
                # two rows of one name are usually two pieces of work (Safer Colchester 2020-21 lists "Op
                # Enlightenment" twice), sometimes one row pasted twice: say so, and write it beside the row
                said = f"id '{base}' is the row's at {ids[base]}, so this one is '{rec['id']}'"
                self.warn(row.where, "name", f"{said}; check the two are not one initiative",
                          "give an 'id' column value to choose the id")
                rec["note"] = f"{rec['note']}; {said}" if rec.get("note") else said
            ids[rec["id"]] = row.where
            out.append(rec)
        return out

    def initiative(self, row: Row, scp_known: list[str], pfcc_known: list[str],
                   leads: dict[str, list[str]]) -> dict[str, Any] | None:
        c, w = row.cells, row.where
        notes: list[str] = []
        name = c.get("name", "")
        if not name:
            self.error(w, "name", "the row has no name", "every initiative needs a name; delete the row if it is empty")
            return None
        cells = {key: personal.redact(value) for key, value in c.items()}
        withheld = [contact for _, found in cells.values() for contact in found]
        redacted = bool(withheld)
        if redacted:
            c = {key: text for key, (text, _) in cells.items()}
            name = c["name"]
            self.warn(w, None, f"{personal.describe(withheld)} withheld (personal data); check the row for private "
                      "names too")
        rid = c.get("id") or slugify(name) or f"initiative-{row.lines[0]}"
        if not SLUG.match(rid):
            self.error(w, "id", f"'{rid}' is not a slug", "use lower-case letters, digits and '-'")
        rec: dict[str, Any] = {"id": rid, "name": name}
        operation = c.get("operation", "").lower()
        if operation in ("yes", "y", "true", "1", "x"):
            rec["operation"] = True
        elif not operation and re.match(r"(?i)^(op|operation)\.?\s+\S", name):
            rec["operation"] = True
            notes.append("operation: the name begins 'Op'/'Operation' (a named police operation)")
        scp = self.numbers(c.get("scp", ""), w, "scp", scp_known, "partnership") if c.get("scp") else []
        lead_cell = c.get("lead", "")
        if not is_blank(lead_cell):
            agencies = self.organisations(lead_cell, w, "lead", notes=notes)
        else:
            defaults = {tuple(leads[str(n)]) for n in scp if str(n) in leads}
            agencies = list(defaults.pop()) if len(defaults) == 1 else []
            if agencies:
                notes.append(f"lead: the row names none; taken from the default lead of priority "
                             f"{', '.join(str(n) for n in scp if str(n) in leads)} in {self.meta.file.name}")
            elif defaults:
                self.warn(w, "lead", "no lead in the row and its priorities have different default leads; none recorded")
                notes.append("lead: the row names none and its priorities have different default leads; none recorded")
            else:
                notes.append("lead: the row names none")
        if lead_cell or agencies:
            rec["lead"] = _Flow(cell=lead_cell or None, agencies=agencies)
        if c.get("partners") and not is_blank(c["partners"]):
            partners = self.organisations(c["partners"], w, "partners", notes=notes)
            if [a for a in partners if a not in agencies]:
                rec["partners"] = [a for a in partners if a not in agencies]
        timing = {"cell": c.get("timing") or None, "start": None, "end": None}
        if c.get("timing"):
            timing["start"], timing["end"] = parse_timing(c["timing"])
            if timing["start"] is None and timing_reversed(c["timing"]):
                self.warn(w, "timing", f"'{c['timing']}' ends before it starts: kept as written, no dates read",
                          "check the cell, or give start and end columns")
        for key in ("start", "end"):
            if c.get(key):
                timing[key] = parse_date(c[key][:10] if re.match(r"\d{4}-\d{2}-\d{2} ", c[key]) else c[key])
                if timing[key] is None:
                    self.error(w, key, f"'{c[key]}' is not a date", "write 2021, 2021-06, 2021-06-04 or Jun 2021")
        if any(timing.values()):
            rec["timing"] = _Flow({k: _Quoted(v) if v and k != "cell" else v for k, v in timing.items()})
        if c.get("scp"):
            rec["scp"] = _Flow(cell=c["scp"], values=scp)
        if c.get("pfcc"):
            rec["pfcc"] = _Flow(cell=c["pfcc"], values=self.numbers(c["pfcc"], w, "pfcc", pfcc_known, "PFCC"))
        if c.get("description"):
            rec["description"] = c["description"]
        if c.get("harms"):
            rec["harms"] = self.refs(self.harm_names, c["harms"], w, "harms", "harm", _HARM_FIX)
        else:
            harms, note = self.infer(f"{name}. {c.get('description', '')}")
            if harms:
                rec["harms"] = harms
                notes.append(note)
        if c.get("places"):
            rec["places"] = self.refs(self.places, c["places"], w, "places", "place", _PLACE_FIX)
        if c.get("status") and not is_blank(c["status"]):
            self.status(rec, c["status"], w, notes)
        if redacted:
            rec["contact_redacted"] = True
        rec["lines"] = self.row_lines(row)
        if c.get("note"):
            notes.insert(0, c["note"])
        if notes:
            rec["note"] = "; ".join(notes)
        return rec

    def status(self, rec: dict[str, Any], cell: str, row: str, notes: list[str]) -> None:
        rag, slug, reason, others = read_status(cell, self.status_labels)
        rec["status_cell"] = cell
        if rag:
            rec["rag"] = rag
        if slug:
            rec["status"] = slug
            if reason:
                rec["status_reason"] = reason
        if others:
            self.warn(row, "status", f"'{cell}' also names {', '.join(others)}; kept {slug}")
        if rag and not slug:
            notes.append(f"status cell '{cell}' is a RAG rating ({rag}): it rates progress, not the stage, "
                         "so no status is set")
        elif not rag and not slug:
            self.warn(row, "status", f"'{cell}' is neither red/amber/green nor a status word; kept as written only",
                      f"status words: {', '.join(sorted(set(self.status_labels.values())))}")
            notes.append(f"status cell '{cell}' kept as written")
        elif rag:
            notes.append(f"status cell '{cell}': RAG rating {rag}, status {slug}")
        elif _norm(cell) != _norm(slug or ""):
            notes.append(f"status cell '{cell}' read as status {slug}")

    def row_lines(self, row: Row) -> list[int] | None:
        cell = row.cells.get("lines", "")
        if self.meta.source_file is None:
            if cell:
                self.error(row.where, "lines", "source lines given but the metadata names no source document",
                           "add source: file: to the metadata, or leave the column empty (rows then cite the table)")
            return list(row.lines)
        parsed = parse_lines(cell) if cell else None
        if parsed is None:
            self.error(row.where, "lines", f"'{cell}' is not source lines" if cell else "no source lines",
                       "with a source document every row gives its lines in it: '64' or '64-66'")
            return None
        return list(parsed)


def _trailer(meta: PlanMeta, pfcc: LocatedDict | None, first_line: int) -> tuple[str, dict[str, Any]]:
    """The metadata restated as text after the table, and the line of each fact in it."""
    lines = ["", f"# cspgraph import: the plan's metadata, as given in {meta.file.name}",
             f"Plan: {meta.title} (partnership {meta.partnership}, plan year {meta.year})", "Partnership priorities:"]
    at: dict[str, Any] = {"plan": (first_line + 2, first_line + 2), "priorities": {}}
    for rec in meta.priorities:
        lines.append(f"Priority {rec['number']} - {' '.join(str(rec['title']).split())}")
        n = first_line + len(lines) - 1
        if rec.get("narrative"):
            lines.append(" ".join(str(rec["narrative"]).split()))
        at["priorities"][str(rec["number"])] = (n, first_line + len(lines) - 1)
    if pfcc is not None:
        start = first_line + len(lines)
        lines.append(f"PFCC plan: {pfcc['title']} ({meta.pfcc_scheme}), {pfcc['commissioner']}")
        at["pfcc_priorities"] = {}
        for rec in pfcc["priorities"]:
            lines.append(f"{rec['number']}) {' '.join(str(rec['title']).split())}")
            at["pfcc_priorities"][str(rec["number"])] = (first_line + len(lines) - 1,) * 2
        at["pfcc"] = (start, first_line + len(lines) - 1)
    return "\n".join(lines) + "\n", at


def _pfcc_document(meta: PlanMeta, pfcc: LocatedDict, at: dict[str, Any] | None) -> dict[str, Any]:
    doc: dict[str, Any] = {"scheme": meta.pfcc_scheme, "title": str(pfcc["title"]),
                           "commissioner": str(pfcc["commissioner"]), "source": meta.source_id}
    doc["lines"] = list(pfcc["lines"]) if at is None else list(at["pfcc"])
    doc["priorities"] = []
    for rec in pfcc["priorities"]:
        item = {"number": rec["number"], "title": " ".join(str(rec["title"]).split())}
        item["lines"] = list(rec["lines"]) if at is None else list(at["pfcc_priorities"][str(rec["number"])])
        doc["priorities"].append(item)
    return doc


def import_plan(
    table_path: Path | str,
    metadata_path: Path | str,
    data_dir: Path | str,
    *,
    ontology_dir: Path | str,
    partnership: str | None = None,
    year: str | None = None,
    add_agencies: str | None = None,
    dry_run: bool = False,
    replace: bool = False,
    shapes: Path | str | None = None,
) -> ImportReport:
    """Import one plan table (CSV or .xlsx) and its metadata into ``data_dir``.

    Writes ``plans/<partnership>/<year>.yaml``, the source text, and the register additions (partnership,
    agencies, places, a new PFCC plan, the source entry) only when the whole data folder loads afterwards (and
    conforms to ``shapes``, when given): the changed files are first staged beside links to the unchanged ones
    and checked there, then each is written to a temporary file and renamed into place, and the real folder is
    loaded once more; any failure restores every file as it was.

    Parameters
    ----------
    table_path, metadata_path
        The plan table and its metadata (``cspgraph new-plan`` writes templates of both).
    data_dir, ontology_dir
        The project's ``data/`` and ``ontology/`` folders.
    partnership, year
        Override the metadata's partnership id and plan year.
    add_agencies
        An agency type (``charity``): add organisations the register does not know as new agencies of this
        type instead of failing.
    dry_run
        Check everything, write nothing.
    replace
        Overwrite an existing plan file of the same partnership and year.
    shapes
        ``ontology/shapes.ttl``: also validate the graph with SHACL before writing.

    Raises
    ------
    PlanImportError
        listing every problem (file, row or line, column) when the plan cannot be imported.
    DataError
        for a malformed metadata file or table, or data that no longer loads.
    """
    data_dir, table_path = Path(data_dir).resolve(), Path(table_path)
    ontology = load_ontology(Path(ontology_dir))
    vocab = Vocabulary.from_graph(ontology)
    if add_agencies is not None and add_agencies not in vocab.agency_types:
        raise DataError(f"'{add_agencies}' is not an agency type",
                        hint=f"choose one of {', '.join(sorted(vocab.agency_types))}")
    meta = read_meta(Path(metadata_path), partnership, year)
    table, table_warnings = read_table(table_path, meta.columns)
    registers = _load_registers(data_dir, vocab)
    imp = _Importer(table, meta, registers, vocab, ontology, add_agencies)
    imp.warnings.extend(table_warnings)
    imp.declare()

    plan_file = data_dir / "plans" / meta.partnership / f"{meta.year}.yaml"
    if plan_file.exists() and not replace:
        raise DataError("this plan is already in the data", Location(plan_file),
                        "pass --replace to overwrite it, or --year / --partnership for another plan")
    if plan_file.exists() and not _written_by_import(plan_file):
        # --replace re-imports a plan an import wrote; a plan curated by hand (the Safer Colchester ones, with
        # their readings and notes) is not replaced by a table (a review lost 943 of 956 lines that way)
        raise DataError("this plan was not written by 'cspgraph import': --replace would overwrite a plan curated "
                        "by hand", Location(plan_file),
                        "import under another --year or --partnership, or move the file away first if you mean it")
    if meta.partnership in registers.partnerships:
        known = registers.partnerships[meta.partnership]
        if meta.partnership_record and _norm(known["name"]) != _norm(meta.partnership_record["name"]):
            imp.warn(None, None, f"partnership '{meta.partnership}' is already registered as '{known['name']}'; "
                     "keeping the registered name")
    elif meta.partnership_record is None:
        raise DataError(f"partnership '{meta.partnership}' is not in data/reference/partnerships.yaml",
                        meta.doc.where("partnership"), "give partnership: {id: ..., name: ...} to add it")

    pfcc_new = None
    if meta.pfcc_record is not None:
        existing = registers.pfcc_schemes.get(meta.pfcc_scheme)
        given = {str(p["number"]): _norm(p["title"]) for p in meta.pfcc_record["priorities"]}
        if existing is None or (replace and existing.get("source") == meta.source_id):
            pfcc_new = meta.pfcc_record  # new, or made by an earlier import of this plan: (re)written with it
        elif {str(p["number"]): _norm(p["title"]) for p in existing["priorities"]} != given:
            raise DataError(f"PFCC plan '{meta.pfcc_scheme}' already exists with other priorities",
                            meta.pfcc_record.where("priorities"),
                            f"refer to it by id (pfcc: {meta.pfcc_scheme}) or give the new plan another scheme id")
        pfcc_numbers = list(given)
    elif meta.pfcc_scheme in registers.pfcc_schemes:
        pfcc_numbers = [str(p["number"]) for p in registers.pfcc_schemes[meta.pfcc_scheme]["priorities"]]
    else:
        raise DataError(f"unknown PFCC plan '{meta.pfcc_scheme}'", meta.doc.where("pfcc"),
                        f"known: {', '.join(sorted(registers.pfcc_schemes)) or 'none'}; or define it in full "
                        "(scheme, title, commissioner, priorities)")

    # the source text: the table itself (redacted) and a trailer restating the metadata, or the given document
    if meta.source_file is None:
        body = personal.redact(table.text)[0]  # each row's contacts are reported as the rows are read
        body = body if body.endswith("\n") else body + "\n"
        trailer, at = _trailer(meta, pfcc_new, body.count("\n") + 1)
        source_text = body + trailer
    else:
        source_text, withheld = personal.redact(read_text(meta.source_file))
        at = None
        if withheld:
            imp.warnings.append(ImportIssue(
                meta.source_file.name, None, None,
                f"{personal.describe(withheld)} withheld (personal data) in the copy kept in data/sources",
                "check the document for private names too: they cannot be found by pattern"))
        if pfcc_new is not None and any(p.get("lines") is None for p in pfcc_new["priorities"]):
            raise DataError("each priority of a new PFCC plan needs lines: in the source document",
                            pfcc_new.where("priorities"))
    scp_known = [str(p["number"]) for p in meta.priorities]
    priorities, leads = imp.priorities(at["priorities"] if at else {})
    initiatives = imp.initiatives(scp_known, pfcc_numbers, leads)
    if not initiatives and not imp.errors:
        imp.error(None, None, "no initiative rows under the header")
    if imp.errors:
        raise PlanImportError(imp.errors)

    plan_doc = {
        "plan": {"partnership": meta.partnership, "year": _Quoted(meta.year), "title": meta.title, "source": meta.source_id,
                 "pfcc_scheme": meta.pfcc_scheme, "lines": list(at["plan"]) if at else meta.doc.get("lines")},
        "priorities": priorities,
        "initiatives": initiatives,
    }
    if plan_doc["plan"]["lines"] is None:
        del plan_doc["plan"]["lines"]
    today = dt.date.today().isoformat()
    origin = f"added by cspgraph import of {table.file.name} ({meta.file.name}) on {today}"
    header = (f"{IMPORT_HEADER} from {table.file.name} and {meta.file.name} on {today}.\n"
              f"# Lines refer to data/sources/{meta.source_id}.txt"
              + (" (the table as CSV, then the metadata restated).\n" if at else ".\n")
              + "# Notes record every reading the importer made (inferred harms, default leads, status cells).\n")
    ref = data_dir / "reference"
    source_rel = f"{data_dir.name}/sources/{meta.source_id}.txt"
    changes: dict[Path, bytes] = {
        plan_file: (header + _dump(plan_doc)).encode("utf-8"),
        data_dir / "sources" / f"{meta.source_id}.txt": source_text.encode("utf-8"),
    }
    if meta.source_id in registers.sources:
        if registers.sources[meta.source_id].record.get("file") != source_rel or not replace:
            raise DataError(f"source id '{meta.source_id}' is already used", Location(ref / "sources.yaml"),
                            "give source: id: another id in the metadata (or --replace to re-import this plan)")
    else:
        record = {k: _Quoted(v) if k == "date" else v for k, v in meta.source_record.items()}
        changes[ref / "sources.yaml"] = _append_records(
            ref / "sources.yaml", "sources", [{**record, "file": source_rel}], origin)
    if meta.partnership not in registers.partnerships:
        changes[ref / "partnerships.yaml"] = _append_records(
            ref / "partnerships.yaml", "partnerships", [meta.partnership_record], origin)
    if imp.new_agencies:
        changes[ref / "agencies.yaml"] = _append_records(ref / "agencies.yaml", "agencies",
                                                         list(imp.new_agencies.values()), origin)
    if imp.new_places:
        changes[ref / "places.yaml"] = _append_records(ref / "places.yaml", "places", imp.new_places, origin)
    if pfcc_new is not None:
        changes[ref / "pfcc" / f"{meta.pfcc_scheme}.yaml"] = (
            f"# A Police and Crime Plan, {origin}.\n" + _dump(_pfcc_document(meta, pfcc_new, at))).encode("utf-8")

    warnings = list(imp.warnings)
    pid, scheme = meta.partnership, ns.partnership_scheme_slug(meta.partnership, meta.year)
    mine = [ns.partnership_iri(pid), ns.plan_iri(pid, meta.year), ns.ID[f"initiative/{pid}/{meta.year}"],
            ns.priority_scheme_iri(scheme), ns.ID[f"priority/{scheme}"], ns.source_iri(meta.source_id),
            *(ns.agency_iri(a) for a in imp.new_agencies), *(ns.place_iri(p["id"]) for p in imp.new_places)]
    if pfcc_new is not None:
        mine += [ns.priority_scheme_iri(meta.pfcc_scheme), ns.ID[f"priority/{meta.pfcc_scheme}"]]
    warnings += _stage_and_check(data_dir, changes, vocab, ontology, shapes, [str(m) for m in mine])
    if not dry_run:
        _commit(changes, lambda: load_plan_data(data_dir, vocab))
    return ImportReport(
        partnership=meta.partnership, year=meta.year, plan_file=plan_file, source_id=meta.source_id,
        initiatives=len(initiatives), operations=sum(1 for i in initiatives if i.get("operation")),
        harms_inferred=sum(1 for i in initiatives if "harms inferred" in str(i.get("note", ""))),
        added_agencies=tuple(imp.new_agencies), added_places=tuple(p["id"] for p in imp.new_places),
        new_partnership=meta.partnership not in registers.partnerships,
        new_pfcc_scheme=meta.pfcc_scheme if pfcc_new is not None else None,
        files=tuple(changes), dry_run=dry_run, validated=shapes is not None, warnings=tuple(warnings),
    )


def _written_by_import(plan_file: Path) -> bool:
    """Whether a plan file starts with the header an import writes (:data:`IMPORT_HEADER`)."""
    try:
        with plan_file.open(encoding="utf-8") as f:
            return f.readline().startswith(IMPORT_HEADER)
    except (OSError, UnicodeDecodeError):
        return False


# --------------------------------------------------------------------------------------------- staging and writing


def _stage_and_check(data_dir: Path, changes: dict[Path, bytes], vocab: Vocabulary, ontology: Graph,
                     shapes: Path | str | None, mine: list[str]) -> list[ImportIssue]:
    """Load (and validate) the data folder as it would be after the import, in a temporary folder.

    Unchanged files are symbolic links to the real ones, so staging costs little even for large data. SHACL
    results are kept for the nodes the import adds only (IRIs equal to or under one of ``mine``): the rest of
    the graph was validated when it was built. The whole graph is validated by the SPARQL validator, which
    asks each constraint of every node at once (pySHACL restricted to the new nodes took 2.3 s for the
    Colchester data plus one imported plan, and 19 s for every node).
    """
    staging = Path(tempfile.mkdtemp(prefix="cspgraph-import-"))
    try:
        stage = staging / data_dir.name
        for file in data_dir.rglob("*"):
            if file.is_file() and file not in changes:
                target = stage / file.relative_to(data_dir)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.symlink_to(file)
        for file, payload in changes.items():
            target = stage / file.relative_to(data_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(payload)
        try:
            data = load_plan_data(stage, vocab)
            graph = data_graph(data)  # some values are checked only as they become RDF (a source's date)
        except DataError as err:
            raise _unstaged(err, stage, data_dir) from None
        if shapes is None:
            return []
        focus = [n for n in set(graph.subjects()) if any(str(n) == m or str(n).startswith(m + "/") for m in mine)]
        graph += ontology
        violations, warnings = _validate(graph, Path(shapes), focus)
        if violations:
            raise DataError(f"the imported plan would make the graph not conform to the shapes "
                            f"({len(violations)} violations):\n  " + "\n  ".join(violations[:20]),
                            hint="nothing was written: correct the table or the metadata (each message says "
                                 "which data field it comes from) and import again")
        return [ImportIssue(Path(shapes).name, None, None, w) for w in warnings]
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _validate(graph: Graph, shapes: Path, focus: list) -> tuple[list[str], list[str]]:
    """(violation messages, warning messages) of SHACL validation, for results on the ``focus`` nodes only."""
    from rdflib.namespace import RDF, SH

    from .validation import load_shapes, validate_graph

    report = validate_graph(graph, load_shapes(shapes)).report_graph
    mine = set(focus)
    found: dict[bool, list[str]] = {True: [], False: []}
    for result in report.subjects(RDF.type, SH.ValidationResult):
        node = report.value(result, SH.focusNode)
        if node in mine:
            violation = report.value(result, SH.resultSeverity) == SH.Violation
            found[violation].append(f"{node}: {report.value(result, SH.resultMessage)}")
    return sorted(found[True]), sorted(found[False])


def _unstaged(err: DataError, stage: Path, data_dir: Path) -> DataError:
    """The loader's error with the staging folder's path replaced by the real one."""
    location, written = err.location, ""
    if location is not None:
        text = str(location.file)
        if text.startswith(str(stage)):
            location = Location(data_dir / Path(text).relative_to(stage), location.line, location.field)
            real = Path(location.file)
            # the plan file the import was to write, or a line it was to append to a register: not the user's own
            if not real.exists() or (location.line or 0) > len(real.read_bytes().splitlines()):
                written = " (in the file the import would write: the value comes from your table or metadata)"
    # the message may name the scratch copy too ("first defined at /tmp/cspgraph-import-.../x.yaml:7"): a path the
    # user cannot open, gone by the time they read it (a review found it)
    message, hint = (text.replace(str(stage), str(data_dir)) if text else text for text in (err.message, err.hint))
    return DataError(f"after the import the data would not load{written}: {message}", location, hint)


def _commit(changes: dict[Path, bytes], check) -> None:
    """Write every change (temp file + rename each), then ``check()``; on any failure put everything back."""
    backups = {path: (path.read_bytes() if path.exists() else None) for path in changes}
    created_dirs: list[Path] = []
    temps: dict[Path, str] = {}
    done: list[Path] = []
    try:
        for path, payload in changes.items():
            missing = [p for p in (path.parent, *path.parent.parents) if not p.exists()]
            for folder in reversed(missing):
                folder.mkdir()
                created_dirs.append(folder)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
            # keep an existing file's mode; a new one gets the umask's (mkstemp alone would make it 0600)
            os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~current_umask())
            temps[path] = tmp
        for path, tmp in temps.items():
            # counted before the rename: an interrupt between the two used to leave the renamed file behind
            # (putting back a file that was not yet replaced rewrites what it holds: harmless)
            done.append(path)
            os.replace(tmp, path)
        check()
    except BaseException as err:
        for path in done:
            if backups[path] is None:
                path.unlink(missing_ok=True)
            else:
                write_atomic(path, backups[path])
        for tmp in temps.values():  # those not renamed (the one whose rename failed included)
            Path(tmp).unlink(missing_ok=True)
        for folder in reversed(created_dirs):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        if isinstance(err, OSError):  # a read-only folder, a full disk: the user's to fix, not a traceback
            where = Path(err.filename) if err.filename else next(iter(changes), None)
            raise DataError(f"cannot write the import: {err.strerror or err}; every file was put back as it was",
                            Location(where) if where else None,
                            "check that the data folder is writable and the disk has room") from None
        raise
