"""Loading and checking plan data (``data/``) before any RDF is made.

Everything a user can get wrong in a hand-edited plan file is caught here, with the file, line and field:
malformed YAML, wrong encoding, a missing required field, a value of the wrong shape, an unknown agency,
priority, harm or place, a duplicate id, a line reference outside the source text. The builder may then
trust what it is given. The format is documented in ``data/README.md``.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Graph, URIRef

from .errors import DataError, Location
from .namespaces import ID
from .personal import refuse_in_document, refuse_in_text
from .yamlfile import LocatedDict, LocatedList, load_yaml, load_yaml_files, read_text

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
YEAR = re.compile(r"^[0-9]{4}-[0-9]{2}$")
DATE = re.compile(r"^[0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?)?$")


@dataclass
class Vocabulary:
    """The slugs the SKOS vocabularies in ``ontology/`` define, which data files may refer to."""

    harms: set[str] = field(default_factory=set)
    statuses: set[str] = field(default_factory=set)
    agency_types: set[str] = field(default_factory=set)
    harm_labels: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_graph(cls, graph: Graph) -> Vocabulary:
        from rdflib.namespace import SKOS

        vocab = cls()
        kinds = {"harm/": vocab.harms, "status/": vocab.statuses, "agency-type/": vocab.agency_types}
        for subject in set(graph.subjects()):
            if not isinstance(subject, URIRef) or not str(subject).startswith(str(ID)):
                continue
            tail = str(subject)[len(str(ID)) :]
            for prefix, bucket in kinds.items():
                if tail.startswith(prefix) and "/" not in tail[len(prefix) :]:
                    bucket.add(tail[len(prefix) :])
        for harm in vocab.harms:
            iri = ID[f"harm/{harm}"]
            labels = [str(o) for p in (SKOS.prefLabel, SKOS.altLabel) for o in graph.objects(iri, p)]
            vocab.harm_labels[harm] = labels
        return vocab


@dataclass
class SourceText:
    """A source document's text, kept as lines so that provenance quotes can be cut from it."""

    id: str
    record: LocatedDict
    lines: list[str]

    def quote(self, first: int, last: int) -> str:
        return "\n".join(line.rstrip() for line in self.lines[first - 1 : last]).strip()


@dataclass
class PlanData:
    """Everything under ``data/``, checked: reference registers by id, and the plans."""

    root: Path
    sources: dict[str, SourceText] = field(default_factory=dict)
    partnerships: dict[str, LocatedDict] = field(default_factory=dict)
    agencies: dict[str, LocatedDict] = field(default_factory=dict)
    units: dict[str, LocatedDict] = field(default_factory=dict)  # key "agency/unit"
    places: dict[str, LocatedDict] = field(default_factory=dict)
    pfcc_schemes: dict[str, LocatedDict] = field(default_factory=dict)
    plans: list[LocatedDict] = field(default_factory=list)

    def organisation_ids(self) -> set[str]:
        return set(self.agencies) | set(self.units)

    def plan_key(self, plan: LocatedDict) -> tuple[str, str]:
        meta = plan["plan"]
        return meta["partnership"], str(meta["year"])


# --------------------------------------------------------------------------------------------- allowed keys

#: The keys each kind of record may have; any other key is refused. Without this a typo (``harmz:``) is read
#: as nothing at all and the fact it was meant to record never reaches the graph. A key is here because the
#: builder or the checks read it, or because data/README.md documents it ("Allowed keys": keep the two in
#: step, tests/test_plandata.py compares them). Every key the importer and benchmarks/generate.py write is here.
RECORD_KEYS: dict[str, frozenset[str]] = {
    kind: frozenset(keys.split())
    for kind, keys in {
        # data/reference/*.yaml: each file is one list
        "sources file": "sources",
        "source": "id title file publisher date original_file line_count note",
        "partnerships file": "partnerships",
        "partnership": "id name alt lines note",
        "agencies file": "agencies",
        "agency": "id name type alt alt_local lines units note",
        "agency unit": "id name alt alt_local lines note",
        "places file": "places",
        "place": "id name type within alt lines note",
        # data/reference/pfcc/*.yaml (heading: as printed over the priorities; description: the plan's own summary)
        "PFCC plan": "scheme title commissioner source lines priorities heading description note",
        "PFCC priority": "number title narrative harms lines note",
        # data/plans/*/*.yaml
        "plan file": "plan priorities risk_matrix members funding initiatives",
        "plan header": "partnership year title source pfcc_scheme lines note",
        "plan priority": "number title narrative harms lines note",
        "risk-matrix entry": "rank offence harm lines note",
        "member": "agency role lines note",
        "funding entry": "amount currency purpose recipient funder cell quote lines note",  # plan's and a row's
        "initiative": "id name operation lead partners timing scp pfcc description harms places status"
                      " status_reason status_cell rag figures funding contact_redacted continues continues_note"
                      " lines note",
        # an initiative's cells: the initiative's own note covers them
        "lead": "cell agencies",
        "timing": "cell start end",
        "priority cell": "cell values",  # scp: and pfcc:
        "reported figure": "value unit quote lines note",
    }.items()
}
#: where a ``note:`` goes instead, for the kinds that have none of their own
_NOTE_ON = {kind: "write it in the initiative's own note: (it covers the row's cells)"
            for kind in ("lead", "timing", "priority cell")} | {"plan file": "write it under plan: (the plan header)"}


def _known_keys(record: Any, kind: str, what: str) -> None:
    """Refuse a key that ``kind`` does not have (:func:`refuse_unknown_keys`).

    A record that is not a mapping is left to the caller's own check, which says what was expected.
    """
    allowed = RECORD_KEYS[kind]
    # checked here first, without a call: this runs a million times on a national load, nearly always passing
    if isinstance(record, LocatedDict) and not allowed.issuperset(record):
        refuse_unknown_keys(record, allowed, what, note_hint=_NOTE_ON.get(kind))


def refuse_unknown_keys(record: LocatedDict, allowed: frozenset[str], what: str, *, note_hint: str | None = None,
                        documented: str = "data/README.md") -> None:
    """Refuse a key ``allowed`` does not hold, the first by line, naming its line and the closest allowed keys:
    a misspelt key would otherwise be dropped without a word, and what it held with it. Also the import's
    metadata file's check (:mod:`cspgraph.plantemplate`)."""
    if allowed.issuperset(record):  # no new set
        return
    key = min(record.keys() - allowed, key=lambda k: record.key_lines.get(str(k), record.line))
    close = _close_matches(str(key), allowed)
    if key == "note" and note_hint:
        hint = note_hint
    elif close:
        hint = f"did you mean {', '.join(close)}?"
    else:
        hint = f"the keys of {what} are: {', '.join(sorted(allowed))} ({documented})"
    raise _fail(record, str(key), f"unknown key '{key}' in {what}", hint)


# --------------------------------------------------------------------------------------------- field checks


def _fail(record: LocatedDict, key: str | None, message: str, hint: str | None = None) -> DataError:
    return DataError(message, record.where(key), hint)


def _require(record: Any, keys: Iterable[str], what: str, where: Location, kind: str | None = None) -> None:
    """``record`` is a mapping with every key of ``keys`` set, and (given its ``kind``) no key it may not have.

    Unknown keys are refused first: ``nmae:`` is better reported as itself than as a missing ``name:``.
    """
    if not isinstance(record, LocatedDict):
        raise DataError(f"expected a mapping for {what}, found {_kind_of(record)}", where,
                        "write it as 'key: value' lines (data/README.md has the format)")
    if kind is not None:
        _known_keys(record, kind, what)
    for key in keys:
        if record.get(key) in (None, ""):
            raise _fail(record, None, f"missing required field '{key}' in {what}", f"add '{key}:' to this record")


def _kind_of(value: Any) -> str:
    """What a YAML value is, in the words of someone editing the file (not Python's: "NoneType", "LocatedList")."""
    if value is None:
        return "nothing (an empty file or an empty value)"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (bool, int, float)):
        return f"the value {value!r}"
    return f"the text '{value}'" if isinstance(value, str) else "something else"


def _slug(record: LocatedDict, key: str, *, allow_path: bool = False) -> str:
    value = record.get(key)
    parts = str(value).split("/") if allow_path and isinstance(value, str) else [value]
    if not all(isinstance(p, str) and SLUG.match(p) for p in parts):
        raise _fail(record, key, f"'{value}' is not a slug", "use lower-case letters, digits and '-' (e.g. essex-police)")
    return str(value)


def _text(record: LocatedDict, key: str, required: bool = False) -> str | None:
    value = record.get(key)
    if value is None:
        if required:
            raise _fail(record, key, f"missing required field '{key}'")
        return None
    if isinstance(value, (dict, list)):
        raise _fail(record, key, f"expected text, found a {'mapping' if isinstance(value, dict) else 'list'}")
    return str(value)


def _list(record: LocatedDict, key: str) -> list:
    value = record.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _fail(record, key, f"expected a list, found '{value}'", f"write {key}: [a, b]")
    return value


def _lines(record: LocatedDict, key: str, source: SourceText | None, required: bool = True) -> tuple[int, int] | None:
    value = record.get(key)
    if value is None:
        if required:
            raise _fail(record, None, f"missing required field '{key}' (the source lines, as [first, last])")
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value, value]
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) and not isinstance(v, bool) for v in value)):
        raise _fail(record, key, f"expected [first, last] line numbers, found {value!r}")
    first, last = value
    if not 1 <= first <= last:
        raise _fail(record, key, f"line span {value} is not 1 <= first <= last")
    if source is not None and last > len(source.lines):
        raise _fail(record, key, f"line {last} is past the end of source '{source.id}' ({len(source.lines)} lines)")
    return first, last


def iso_date(record: LocatedDict, key: str) -> str | None:
    """A date at the precision the text gives, as an ISO string ('2018', '2018-06', '2018-06-04')."""
    value = record.get(key)
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    if not DATE.match(text):
        raise _fail(record, key, f"'{text}' is not a date", "write YYYY, YYYY-MM or YYYY-MM-DD in quotes")
    if len(text) >= 7 and not 1 <= int(text[5:7]) <= 12:
        raise _fail(record, key, f"'{text}' has no month {text[5:7]}")
    if len(text) == 10:
        try:
            dt.date.fromisoformat(text)
        except ValueError:
            raise _fail(record, key, f"'{text}' is not a calendar date") from None
    return text


def _check_ref(record: LocatedDict, key: str, value: Any, known: Iterable[str], kind: str, register: str) -> None:
    if not isinstance(known, (set, frozenset, dict)):  # registers are dicts already: no copy per reference
        known = set(known)
    if value not in known:
        close = _close_matches(str(value), known)
        hint = f"did you mean {', '.join(close)}?" if close else f"add it to {register} first"
        raise _fail(record, key, f"unknown {kind} '{value}'", hint)


def _close_matches(value: str, known: Iterable[str]) -> list[str]:
    import difflib

    return difflib.get_close_matches(value, sorted(known), n=3, cutoff=0.6)


def _unique(records: Iterable[tuple[str, LocatedDict]], kind: str) -> dict[str, LocatedDict]:
    seen: dict[str, LocatedDict] = {}
    for key, record in records:
        if key in seen:
            first = seen[key]
            raise _fail(
                record, "id", f"duplicate {kind} id '{key}' (first defined at {first.file}:{first.line})", "give it another id"
            )
        seen[key] = record
    return seen


def _records(doc: Any, key: str, path: Path) -> LocatedList:
    if not isinstance(doc, LocatedDict) or not isinstance(doc.get(key), list):
        line = doc.line if isinstance(doc, LocatedDict) else None
        raise DataError(f"expected a top-level list '{key}:'", Location(path, line, key))
    for item, line in zip(doc[key], doc[key].item_lines):
        if not isinstance(item, LocatedDict):
            raise DataError(f"each entry of '{key}' must be a mapping, found {item!r}", Location(path, line, key))
    return doc[key]


# --------------------------------------------------------------------------------------------- loading


def load_plan_data(data_dir: Path | str, vocabulary: Vocabulary) -> PlanData:
    """Read and check everything under ``data_dir``.

    Raises
    ------
    DataError
        naming the file, line and field of the first problem found.
    """
    root = Path(data_dir)
    if not root.is_dir():
        raise DataError("the data folder does not exist", Location(root), "pass --data DIR or run inside a project")
    # Loading makes millions of small dicts and lists and frees nothing in a cycle; Python's cyclic collector
    # would walk all of them again and again as they pile up (measured: it doubled the national load time).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _load_all(root, vocabulary)
    finally:
        if collecting:
            gc.enable()


def _load_all(root: Path, vocabulary: Vocabulary) -> PlanData:
    data = PlanData(root)
    ref = root / "reference"
    _load_sources(data, ref / "sources.yaml")
    _load_partnerships(data, ref / "partnerships.yaml")
    _load_agencies(data, ref / "agencies.yaml", vocabulary)
    _load_places(data, ref / "places.yaml")
    for path in sorted((ref / "pfcc").glob("*.yaml")):
        _load_pfcc(data, path, vocabulary)
    plan_files = sorted((root / "plans").glob("*/*.yaml"))
    if not plan_files:
        raise DataError("no plan files found", Location(root / "plans"), "add data/plans/<partnership>/<year>.yaml")
    first: dict[tuple[str, str], LocatedDict] = {}
    for path, doc in load_yaml_files(plan_files, refuse_in_document):  # parsed two at a time when there are many
        plan = _load_plan(data, path, doc, vocabulary)
        key = data.plan_key(plan)
        if key in first:  # a file copied for next year with its year unchanged: the two would merge into one plan
            raise _fail(plan["plan"], "year", f"the plan of '{key[0]}' for {key[1]} is also in "
                        f"{first[key].file}:{first[key].line}", "one file a plan: change the year, or delete a copy")
        first[key] = plan["plan"]
        data.plans.append(plan)
    _check_continuity(data)
    return data


def _load_sources(data: PlanData, path: Path) -> None:
    doc = load_yaml(path, refuse_in_document)
    _known_keys(doc, "sources file", path.name)
    for rec in _records(doc, "sources", path):
        _require(rec, ("id", "title", "file"), "a source", rec.where(), "source")
        sid = _slug(rec, "id")
        if sid in data.sources:
            raise _fail(rec, "id", f"duplicate source id '{sid}'")
        file = _source_file(data.root, str(rec["file"]))
        if file is not None and not file.is_relative_to(Path(os.path.abspath(data.root))):
            raise _fail(rec, "file", f"source text '{rec['file']}' is outside the data folder",
                        f"keep source texts in {data.root.name}/sources/ (they are quoted in the graph)")
        if file is None:
            raise _fail(rec, "file", f"source text '{rec['file']}' not found",
                        f"paths start from the folder that holds the data folder ({data.root.name}/sources/...)")
        text = read_text(file)
        refuse_in_text(file, text)  # quoted in the graph and the explorer: no contact details (personal.py)
        # a file's last line ends with a line feed: the empty text after it is no line, and citing it must be
        # "past the end" (a row could cite it, quoting nothing). Only "\n" splits: a plan's page breaks (\f) stay
        # inside their line, as the line numbers every data file cites count them
        lines = text.split("\n")
        if len(lines) > 1 and lines[-1] == "":
            lines.pop()
        data.sources[sid] = SourceText(sid, rec, lines)


def _source_file(root: Path, given: str) -> Path | None:
    """Where a source text named in sources.yaml is: from the folder holding the data folder, as the importer
    writes it (``data/sources/x.txt``); or, for a data folder copied or renamed (``--data ../copy``), the same
    path inside it, without its first part."""
    path = Path(given)
    candidates = [root.parent / path]
    if len(path.parts) > 1 and not path.is_absolute():
        candidates.append(root / Path(*path.parts[1:]))
    # made absolute as written, ".." taken away but links not followed: the importer checks a plan in a copy of
    # the data folder whose unchanged files are links to the real ones
    return next((Path(os.path.abspath(c)) for c in candidates if c.is_file()), None)


def _load_partnerships(data: PlanData, path: Path) -> None:
    doc = load_yaml(path, refuse_in_document)
    _known_keys(doc, "partnerships file", path.name)
    recs = _records(doc, "partnerships", path)
    for rec in recs:
        _require(rec, ("id", "name"), "a partnership", rec.where(), "partnership")
        _slug(rec, "id")
        _register_lines(rec, data)
    data.partnerships = _unique(((r["id"], r) for r in recs), "partnership")


def _load_agencies(data: PlanData, path: Path, vocab: Vocabulary) -> None:
    doc = load_yaml(path, refuse_in_document)
    _known_keys(doc, "agencies file", path.name)
    recs = _records(doc, "agencies", path)
    for rec in recs:
        _require(rec, ("id", "name", "type"), "an agency", rec.where(), "agency")
        _slug(rec, "id")
        _check_ref(rec, "type", rec["type"], vocab.agency_types, "agency type", "ontology/agency-types.ttl")
        _spellings(rec, "alt")
        _check_alt_local(rec, data.partnerships)
        _register_lines(rec, data)
        for unit in _list(rec, "units"):
            _require(unit, ("id", "name"), f"a unit of agency '{rec['id']}'", rec.where("units"), "agency unit")
            _slug(unit, "id")
            _register_lines(unit, data)
            _spellings(unit, "alt")
            _check_alt_local(unit, data.partnerships)
    data.agencies = _unique(((r["id"], r) for r in recs), "agency")
    data.units = _unique(((f"{r['id']}/{u['id']}", u) for r in recs for u in _list(r, "units")), "agency unit")


def _id_mapping(rec: LocatedDict, key: str, expected: str, example: str) -> dict[str, Any]:
    """A mapping keyed by ids (sources, partnerships): empty when absent, refused when not a mapping."""
    value = rec.get(key)
    if value is None:
        return {}
    if not isinstance(value, LocatedDict):
        raise _fail(rec, key, f"expected a mapping of {expected}, found {value!r}", f"write {example}")
    return value


def _register_lines(rec: LocatedDict, data: PlanData) -> None:
    """A register entry's ``lines: {source-id: [first, last]}``: where the plans name it.

    A register serves every plan, so its lines name their source; an unknown source id or a span past the
    source's end would otherwise be a citation that leads nowhere.
    """
    lines = _id_mapping(rec, "lines", "source id to [first, last]", "lines: {scp-plan-2020-21: [9, 9]}")
    for sid in lines:
        _check_ref(lines, sid, sid, data.sources, "source", "data/reference/sources.yaml")
        _lines(lines, sid, data.sources[sid])


def _check_alt_local(rec: LocatedDict, partnerships: dict[str, LocatedDict]) -> None:
    """``alt_local: {partnership-id: [spelling, ...]}``: spellings that name this agency only in that partnership's plans."""
    local = _id_mapping(rec, "alt_local", "partnership id to spellings",
                        "alt_local: {safer-colchester: [Police, The Police]}")
    for partnership in local:
        _check_ref(local, partnership, partnership, partnerships, "partnership", "data/reference/partnerships.yaml")
        _spellings(local, partnership)


def _spellings(rec: LocatedDict, key: str) -> list:
    """A list of spellings, each text: YAML reads an unquoted YES, No or On as a boolean, not the acronym."""
    spellings = _list(rec, key)
    for value in spellings:
        if not isinstance(value, str) or not value.strip():
            raise _fail(rec, key, f"spelling {value!r} in '{key}' is not text",
                        'quote it: ["YES"] (YAML reads YES, No, On, Off as true/false)')
    return spellings


def local_spellings(record: dict, partnership: str | None = None) -> list[str]:
    """An agency's (or unit's) ``alt_local`` spellings: those of one partnership's plans, or of all (``None``).

    A generic word ("Police", "The Council") names one agency only inside one partnership's plans; outside them
    it names nothing in particular, so the importer uses it only for that partnership's own plans.

    >>> local_spellings({"alt_local": {"safer-colchester": ["Police"], "other": ["The Police"]}}, "other")
    ['The Police']
    """
    local = record.get("alt_local") or {}
    keys = local if partnership is None else [partnership] if partnership in local else []
    return [str(s) for key in keys for s in local[key] or []]


def _load_places(data: PlanData, path: Path) -> None:
    doc = load_yaml(path, refuse_in_document)
    _known_keys(doc, "places file", path.name)
    recs = _records(doc, "places", path)
    for rec in recs:
        _require(rec, ("id", "name", "type"), "a place", rec.where(), "place")
        _slug(rec, "id")
        _register_lines(rec, data)
    data.places = _unique(((r["id"], r) for r in recs), "place")
    for rec in recs:
        if rec.get("within") is not None:
            _check_ref(rec, "within", rec["within"], data.places, "place", "data/reference/places.yaml")


def _load_pfcc(data: PlanData, path: Path, vocab: Vocabulary) -> None:
    doc = load_yaml(path, refuse_in_document)
    _require(doc, ("scheme", "title", "priorities"), "a PFCC plan", Location(path, 1), "PFCC plan")
    _slug(doc, "scheme")
    source = _source(data, doc, "source") if doc.get("source") else None
    _lines(doc, "lines", source, required=source is not None)
    numbers = _unique(((str(p.get("number")), p) for p in _records(doc, "priorities", path)), "priority number")
    for rec in numbers.values():
        _require(rec, ("number", "title"), "a PFCC priority", rec.where(), "PFCC priority")
        _check_harms(rec, vocab)  # they become csp:focusHarm links, as a plan priority's do
        _lines(rec, "lines", source, required=source is not None)
    if doc["scheme"] in data.pfcc_schemes:
        raise _fail(doc, "scheme", f"PFCC plan '{doc['scheme']}' is defined twice")
    data.pfcc_schemes[doc["scheme"]] = doc


def _source(data: PlanData, rec: LocatedDict, key: str) -> SourceText:
    _check_ref(rec, key, rec.get(key), data.sources, "source", "data/reference/sources.yaml")
    return data.sources[rec[key]]


def _load_plan(data: PlanData, path: Path, doc: Any, vocab: Vocabulary) -> LocatedDict:
    _require(doc, ("plan", "priorities", "initiatives"), "a plan file", Location(path, 1), "plan file")
    meta = doc["plan"]
    _require(meta, ("partnership", "year", "title", "source", "pfcc_scheme"), "the plan header", doc.where("plan"),
             "plan header")
    _check_ref(meta, "partnership", meta["partnership"], data.partnerships, "partnership", "data/reference/partnerships.yaml")
    year = str(meta["year"])
    if not YEAR.match(year):
        raise _fail(meta, "year", f"plan year '{year}' is not like '2020-21'", "quote it: year: \"2020-21\"")
    following = (int(year[:4]) + 1) % 100
    if int(year[5:]) != following:
        raise _fail(meta, "year", f"plan year '{year}' is not one year",
                    f"a plan covers one year: {year[:4]}-{following:02d}")
    source = _source(data, meta, "source")
    _check_ref(meta, "pfcc_scheme", meta["pfcc_scheme"], data.pfcc_schemes, "PFCC plan", "data/reference/pfcc/")
    _lines(meta, "lines", source, required=False)
    pfcc_numbers = {str(p["number"]) for p in data.pfcc_schemes[meta["pfcc_scheme"]]["priorities"]}

    scp = _unique(((str(p.get("number")), p) for p in _records(doc, "priorities", path)), "priority number")
    for rec in scp.values():
        _require(rec, ("number", "title", "lines"), "a partnership priority", rec.where(), "plan priority")
        _lines(rec, "lines", source)
        _check_harms(rec, vocab)

    for rec in _list(doc, "risk_matrix"):
        _require(rec, ("rank", "offence", "harm", "lines"), "a risk-matrix entry", doc.where("risk_matrix"),
                 "risk-matrix entry")
        _check_ref(rec, "harm", rec["harm"], vocab.harms, "harm", "ontology/harms.ttl")
        _lines(rec, "lines", source)
    for rec in _list(doc, "members"):
        _require(rec, ("agency", "role", "lines"), "a member", doc.where("members"), "member")
        _check_ref(rec, "agency", rec["agency"], data.agencies, "agency", "data/reference/agencies.yaml")
        if rec["role"] not in ("statutory", "non-statutory"):
            raise _fail(rec, "role", f"role '{rec['role']}' is not 'statutory' or 'non-statutory'")
        _lines(rec, "lines", source)
    orgs = data.organisation_ids()  # once a plan, not once a row: it is a union of two large registers
    for rec in _list(doc, "funding"):
        _require(rec, ("amount", "lines"), "a funding entry", doc.where("funding"), "funding entry")
        _check_funding(rec, orgs, source)

    initiatives = _records(doc, "initiatives", path)
    _unique(((str(r.get("id")), r) for r in initiatives), "initiative")
    for rec in initiatives:
        _check_initiative(rec, data, vocab, source, scp.keys(), pfcc_numbers, meta["pfcc_scheme"], orgs)
    return doc


def _check_harms(rec: LocatedDict, vocab: Vocabulary) -> None:
    for harm in _list(rec, "harms"):
        _check_ref(rec, "harms", harm, vocab.harms, "harm", "ontology/harms.ttl")


def _check_funding(rec: LocatedDict, orgs: set[str], source: SourceText) -> None:
    if not isinstance(rec["amount"], (int, float)) or isinstance(rec["amount"], bool):
        raise _fail(rec, "amount", f"amount '{rec['amount']}' is not a number", "write the figure in pounds: 46000")
    # the plan's and an initiative's funding alike: both become grant links to an agency in the graph
    for key in ("funder", "recipient"):
        if rec.get(key) is not None:
            _check_ref(rec, key, rec[key], orgs, "agency", "data/reference/agencies.yaml")
    _lines(rec, "lines", source)


def _check_priority_cell(rec: LocatedDict, key: str, known: Iterable[str], kind: str) -> None:
    cell = rec.get(key)
    if cell is None:
        return
    if not isinstance(cell, LocatedDict):
        raise _fail(rec, key, f"expected {{cell: ..., values: [...]}} for {kind} priorities, found {cell!r}")
    _known_keys(cell, "priority cell", f"an initiative's {key} cell")
    known = set(known)
    seen: set[str] = set()
    for value in _list(cell, "values"):
        if str(value) in seen:
            # a cell written twice (a row split over two lines) is kept as written, its numbers read once
            raise _fail(cell, "values", f"{kind} priority number {value} is listed twice in values",
                        "list each priority once; keep a repeated cell as written in 'cell'")
        seen.add(str(value))
        if str(value) not in known:
            raise _fail(
                cell,
                "values",
                f"unknown {kind} priority number {value} (this plan's {kind} priorities are {', '.join(sorted(known))})",
                "check the number against the plan, or record the garbled cell in 'note' and leave the value out",
            )


def _check_initiative(
    rec: LocatedDict,
    data: PlanData,
    vocab: Vocabulary,
    source: SourceText,
    scp_numbers: Iterable[str],
    pfcc_numbers: Iterable[str],
    pfcc_scheme: str,
    orgs: set[str],
) -> None:
    _require(rec, ("id", "name", "lines"), "an initiative", rec.where(), "initiative")
    _slug(rec, "id")
    _text(rec, "name", required=True)
    _lines(rec, "lines", source)
    lead = rec.get("lead")
    if lead is not None:
        if not isinstance(lead, LocatedDict):
            raise _fail(rec, "lead", f"expected {{cell: ..., agencies: [...]}}, found {lead!r}")
        _known_keys(lead, "lead", "an initiative's lead")
        for agency in _list(lead, "agencies"):
            _check_ref(lead, "agencies", agency, orgs, "agency", "data/reference/agencies.yaml")
    for agency in _list(rec, "partners"):
        _check_ref(rec, "partners", agency, orgs, "agency", "data/reference/agencies.yaml")
    timing = rec.get("timing")
    if timing is not None:
        if not isinstance(timing, LocatedDict):
            raise _fail(rec, "timing", f"expected {{cell: ..., start: ..., end: ...}}, found {timing!r}")
        _known_keys(timing, "timing", "an initiative's timing")
        start, end = iso_date(timing, "start"), iso_date(timing, "end")
        if start and end and start[: len(end)] > end[: len(start)]:
            raise _fail(timing, "end", f"ends ({end}) before it starts ({start})")
    _check_priority_cell(rec, "scp", scp_numbers, "partnership")
    _check_priority_cell(rec, "pfcc", pfcc_numbers, f"PFCC ({pfcc_scheme})")
    _check_harms(rec, vocab)
    for place in _list(rec, "places"):
        _check_ref(rec, "places", place, data.places, "place", "data/reference/places.yaml")
    if rec.get("status") is not None:
        _check_ref(rec, "status", rec["status"], vocab.statuses, "status", "ontology/statuses.ttl")
    for fig in _list(rec, "figures"):
        _require(fig, ("value", "lines"), "a reported figure", rec.where("figures"), "reported figure")
        if not isinstance(fig["value"], (int, float)) or isinstance(fig["value"], bool):
            raise _fail(fig, "value", f"figure '{fig['value']}' is not a number")
        _lines(fig, "lines", source)
    for fund in _list(rec, "funding"):
        _require(fund, ("amount", "lines"), "a funding entry", rec.where("funding"), "funding entry")
        _check_funding(fund, orgs, source)
    if rec.get("continues") is not None:
        parts = str(rec["continues"]).split("/")
        if len(parts) != 3:
            raise _fail(rec, "continues", f"'{rec['continues']}' is not partnership/year/initiative-id")


def _check_continuity(data: PlanData) -> None:
    index = {
        (meta["partnership"], str(meta["year"]), init["id"])
        for plan in data.plans
        for meta in [plan["plan"]]
        for init in plan["initiatives"]
    }
    for plan in data.plans:
        year = str(plan["plan"]["year"])
        for init in plan["initiatives"]:
            target = init.get("continues")
            if target is None:
                continue
            partnership, target_year, slug = str(target).split("/")
            if (partnership, target_year, slug) not in index:
                raise _fail(init, "continues", f"no initiative '{target}' to continue", "write partnership/year/id of an earlier plan's row")
            if target_year >= year:
                raise _fail(init, "continues", f"'{target}' is not from an earlier plan year than {year}")


def walk_initiatives(data: PlanData) -> Iterable[tuple[LocatedDict, LocatedDict]]:
    """Every (plan document, initiative record) pair, in file order."""
    for plan in data.plans:
        for init in plan["initiatives"]:
            yield plan, init

