"""Saved questions: one ``queries/<id>.rq`` file a question, with its metadata in a comment header.

The header is YAML on lines starting ``#+`` (title, the question in plain words, description, parameters,
what an empty answer means, the default view). Parameters are bound as RDF terms in a ``VALUES`` block that
is placed at the start of the query's outermost ``WHERE`` group (SPARQL 1.1 §10.2.1, inline data), and
repeated in inner groups where that gives the same answer faster (``sparqltext``), built
from typed rdflib terms whose serialisation escapes quotes and braces: no user text is ever spliced into
query text. The same bound text runs on every engine, embedded or remote, so answers agree.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import yaml
from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from .errors import CspgraphError, QueryError
from .names import resolve
from .namespaces import PREFIXES
from .plandata import SLUG, YEAR
from .sparqltext import binding_sites, blank
from .store import Store, Table

PARAM_TYPES = ("iri", "string", "integer", "year")
VIEWS = ("table", "graph", "matrix", "bar")
QUESTION_ID = re.compile(r"[a-z0-9][a-z0-9_-]*")
_IRI_FORBIDDEN = re.compile(r'[\s<>"{}|\\^`]')
_PNAME = re.compile(r"^([a-z][a-z0-9]*):(\S*)$")
_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# a line of the query read only when a parameter it mentions is given (see :func:`narrowed`)
_NARROWING = re.compile(r"^(?P<text>[^\n]*?)[ \t]*#[ \t]*@narrows[ \t]*$", re.MULTILINE)
_VARIABLE_USE = re.compile(r"[?$]([A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True)
class Parameter:
    name: str
    label: str
    type: str = "string"
    default: Any = None
    prefix: str | None = None  # iri parameters: a slug is expanded with this prefix (e.g. "id:harm/")
    allowed: tuple[str, ...] = ()
    options: str | None = None  # a SELECT ?value ?label listing allowed values
    pattern: str | None = None
    help: str = ""
    #: the query variable bound, when it is not the parameter's name: a question whose ``partnership`` column
    #: is a label takes its ``partnership`` parameter (an IRI) in another variable
    variable: str | None = None

    @property
    def optional(self) -> bool:
        return self.default is None

    @property
    def var(self) -> str:
        """The query variable the value is bound to (without the ``?``)."""
        return self.variable or self.name


@dataclass(frozen=True)
class View:
    type: str = "table"
    source: str | None = None  # graph: the column of edge sources
    target: str | None = None  # graph: the column of edge targets
    weight: str | None = None
    row: str | None = None  # matrix: row / column / value columns
    column: str | None = None
    value: str | None = None


@dataclass(frozen=True)
class Question:
    """A saved question, parsed from its ``.rq`` file."""

    id: str
    title: str
    question: str
    description: str
    query: str
    path: Path
    params: tuple[Parameter, ...] = ()
    empty: str = ""
    view: View = field(default_factory=View)

    def param(self, name: str) -> Parameter:
        for p in self.params:
            if p.name == name:
                return p
        known = ", ".join(p.name for p in self.params) or "none"
        raise QueryError(f"question '{self.id}' has no parameter '{name}' (its parameters: {known})")


def _header(text: str) -> tuple[str, str, int]:
    """The '#+' header's YAML, the query text, and the file line (from 1) the query text starts on, after the
    header and the blank lines that follow it (for the line of a parse error)."""
    meta, body = [], []
    for line in text.splitlines():
        if line.startswith("#+") and not body:
            meta.append(line[3:] if line.startswith("#+ ") else line[2:])
        else:
            body.append(line)
    blank = next((i for i, line in enumerate(body) if line.strip()), len(body))
    return "\n".join(meta), "\n".join(body).strip() + "\n", len(meta) + blank + 1


#: the keys of a question's header, of each of its parameters and of its view: a key misspelt (``emtpy:``) would
#: otherwise be dropped without a word, and its text with it (a review found it so)
HEADER_KEYS = frozenset({"title", "question", "description", "params", "empty", "view"})
PARAM_KEYS = frozenset({"name", "label", "type", "default", "prefix", "allowed", "options", "pattern", "help",
                        "variable"})
VIEW_KEYS = frozenset({"type", "source", "target", "weight", "row", "column", "value"})


def _check_keys(path: Path, given: dict, allowed: frozenset[str], what: str) -> None:
    unknown = sorted(str(key) for key in given if key not in allowed)
    if unknown:
        close = difflib.get_close_matches(unknown[0], allowed, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"the keys of {what} are: {', '.join(sorted(allowed))}"
        raise QueryError(f"{path}: unknown key '{unknown[0]}' in {what}\n  -> {hint} (README, Adding a question)")


def parse_question(path: Path) -> Question:
    """Parse one ``.rq`` file; a malformed header or a query that is not read-only is a QueryError."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise QueryError(f"{path}: cannot read the question: {err}") from None
    header, body, body_line = _header(text)
    try:
        meta = yaml.safe_load(header) or {}
    except yaml.YAMLError as err:
        raise QueryError(f"{path}: malformed '#+' metadata header: {err}") from None
    if not isinstance(meta, dict):
        raise QueryError(f"{path}: the '#+' header must be a YAML mapping")
    _check_keys(path, meta, HEADER_KEYS, "the '#+' header")
    for key in ("title", "question"):
        if not meta.get(key):
            raise QueryError(f"{path}: the header has no '{key}:'\n  -> add a line '#+ {key}: ...'")
    params = []
    for raw in meta.get("params") or []:
        if not isinstance(raw, dict) or "name" not in raw:
            raise QueryError(f"{path}: each entry of 'params' needs a 'name'")
        _check_keys(path, raw, PARAM_KEYS, f"parameter '{raw['name']}'")
        if raw.get("type", "string") not in PARAM_TYPES:
            raise QueryError(f"{path}: parameter '{raw['name']}' has type '{raw.get('type')}'; use one of {PARAM_TYPES}")
        if raw.get("variable") is not None and not _VARIABLE.fullmatch(str(raw["variable"])):
            raise QueryError(f"{path}: parameter '{raw['name']}' has variable '{raw['variable']}'; write a SPARQL "
                             "variable name without the '?', such as partnershipIri")
        params.append(Parameter(
            name=raw["name"], label=raw.get("label", raw["name"]), type=raw.get("type", "string"),
            default=raw.get("default"), prefix=raw.get("prefix"), allowed=tuple(str(a) for a in raw.get("allowed") or ()),
            options=raw.get("options"), pattern=raw.get("pattern"), help=raw.get("help", ""),
            variable=raw.get("variable"),
        ))
    if isinstance(meta.get("view"), dict):
        _check_keys(path, meta["view"], VIEW_KEYS, "the view")
    view = View(**(meta.get("view") or {})) if isinstance(meta.get("view"), dict) else View(str(meta.get("view") or "table"))
    if view.type not in VIEWS:
        raise QueryError(f"{path}: view '{view.type}' is not one of {VIEWS}")
    _check_narrowing(text, path, {p.var for p in params})  # first: its message is the clearer one
    full = with_prefixes(body)
    _check_read_only(full, path, body_line - 1 - full[:len(full) - len(body)].count("\n"))
    return Question(
        id=path.stem, title=str(meta["title"]).strip(), question=str(meta["question"]).strip(),
        description=str(meta.get("description", "")).strip(), query=full, path=path, params=tuple(params),
        empty=str(meta.get("empty", "")).strip(), view=view,
    )


def _named(line_text: str) -> set[str]:
    """The variables a line names outside its strings, IRIs and comments."""
    return set(_VARIABLE_USE.findall(blank(line_text)))


def _is_mark(match: re.Match) -> bool:
    """Whether a line ending in ``# @narrows`` marks a pattern: a comment line (the header's included) that
    merely ends with those words marks nothing. One rule for :func:`_check_narrowing` and :func:`narrowed`,
    so that the lines checked are the lines dropped."""
    return not match["text"].lstrip().startswith("#")


def _check_narrowing(text: str, path: Path, variables: set[str]) -> None:
    """Refuse a ``# @narrows`` mark that :func:`narrowed` could not honour safely: on a line that names no
    parameter's variable (it would never be read), or that is not one whole pattern (dropping part of a group,
    or the end of a ``;`` list, would change the query's syntax or meaning, not only its speed)."""
    previous = ""
    for number, line in enumerate(text.split("\n"), start=1):
        match = _NARROWING.fullmatch(line)
        if match and _is_mark(match):
            pattern = blank(match["text"]).strip()
            if not variables & _named(match["text"]):
                problem, hint = "names no parameter's variable", "name a parameter's variable in it, or remove the mark"
            elif "{" in pattern or "}" in pattern or not pattern.endswith(".") or previous.endswith((";", ",")):
                problem, hint = ("is not one whole triple pattern ending in ' .'",
                                 "put the repeated pattern on a line of its own, ending in ' .', or remove the mark")
            else:
                problem = ""
            if problem:
                raise QueryError(f"{path}:{number}: the line marked '# @narrows' {problem}\n  -> {hint}")
        previous = blank(line).strip() or previous


def narrowed(query: str, variables: frozenset[str]) -> str:
    """The query without the lines marked ``# @narrows`` that name none of ``variables`` (those bound).

    Such a line repeats, inside a subquery or an OPTIONAL or MINUS group, a pattern of the outermost group only
    so that a parameter's ``VALUES`` block reaches that group (:mod:`cspgraph.sparqltext`); with no parameter
    to carry it only adds work. Nationally, ``operations`` answers for the whole country in 0.89 s without its
    five such lines, 1.06 s with them (benchmarks/). :func:`parse_question` has checked that each marked line
    is one whole pattern.
    """
    return _NARROWING.sub(lambda m: m[0] if not _is_mark(m) or variables & _named(m["text"]) else "", query)


def with_prefixes(query: str) -> str:
    """Prepend the project's PREFIX declarations that the query does not declare itself."""
    declared = {m.group(1) for m in re.finditer(r"(?im)^\s*PREFIX\s+([A-Za-z][\w-]*)?:", query)}
    lines = [f"PREFIX {p}: <{ns}>" for p, ns in PREFIXES.items() if p not in declared]
    return "\n".join(lines) + "\n" + query


_OXIGRAPH_AT = re.compile(r"^error at (\d+):(\d+): (.*)$", re.DOTALL)


def _check_read_only(query: str, path: Path, shift: int = 0) -> None:
    """Saved questions may only read: an UPDATE (INSERT, DELETE, DROP, LOAD, CLEAR...) is refused.

    A query that does not parse is named by its line in the file (the query's line plus ``shift``), with the
    line quoted: Oxigraph counts from the PREFIX lines prepended to the query, which the file does not have
    (the message said "error at 25:47" for line 40 of the file).
    """
    probe = ox.Store()  # empty and in memory: parsing here cannot touch any real data
    try:
        probe.query(query)
    except SyntaxError as query_error:
        try:
            probe.update(query)
        except SyntaxError:
            raise QueryError(_where_it_fails(str(query_error), query, path, shift)) from None
        raise QueryError(f"{path}: saved questions are read-only; this file is a SPARQL UPDATE") from None


def _where_it_fails(message: str, query: str, path: Path, shift: int) -> str:
    at = _OXIGRAPH_AT.match(message)
    lines = query.split("\n")
    if not at or not 1 <= int(at[1]) <= len(lines) or int(at[1]) + shift < 1:
        return f"{path}: the query does not parse: {message}"
    line, column, detail = int(at[1]), int(at[2]), at[3]
    where = f"near column {column}"
    if not lines[line - 1].strip():  # Oxigraph read on to the end: quote the query's last line instead
        while line > 1 and not lines[line - 1].strip():
            line -= 1
        where = "by its end"
    return (f"{path}:{line + shift}: the query does not parse {where} (Oxigraph: {detail})\n"
            f"  | {lines[line - 1]}\n"
            "  -> the mistake is on this line or before it (an unclosed bracket, a missing '.' or '}')")


def load_questions(queries_dir: Path) -> dict[str, Question]:
    """Every saved question in ``queries_dir``, by id (the file stem), in id order; the first that cannot be
    read is a QueryError (:func:`read_questions` reads the others too)."""
    questions, errors = read_questions(queries_dir)
    if errors:
        raise errors[0]
    return questions


def read_questions(queries_dir: Path) -> tuple[dict[str, Question], list[QueryError]]:
    """The saved questions that can be read, by id, and an error naming each file that cannot.

    A folder of questions is edited by hand: one file half-written should not hide the other questions from
    ``cspgraph questions``, which lists them and then names each file it could not read.
    """
    if not queries_dir.is_dir():
        raise QueryError(f"{queries_dir}: no saved-questions folder\n  -> pass --queries DIR")
    questions: dict[str, Question] = {}
    errors: list[QueryError] = []
    for path in sorted(queries_dir.glob("*.rq")):
        if not QUESTION_ID.fullmatch(path.stem):
            errors.append(QueryError(f"{path}: a question id (the file name) must be lower-case letters, digits, "
                                     "'-' or '_'\n  -> rename the file"))
            continue
        try:
            questions[path.stem] = parse_question(path)
        except QueryError as err:
            errors.append(err)
    return questions, errors


def _as_written(value: str, prefixed: bool) -> str:
    """A parameter value as a user gives it: the slug of an IRI made from a prefix, else the value itself."""
    return value.rsplit("/", 1)[-1] if prefixed else value


def get_question(queries_dir: Path, qid: str) -> Question:
    path = queries_dir / f"{qid}.rq"
    if not QUESTION_ID.fullmatch(qid) or not path.is_file():
        known = sorted(p.stem for p in queries_dir.glob("*.rq"))
        close = difflib.get_close_matches(qid, known, n=3)
        hint = f"did you mean {', '.join(close)}?" if close else "run 'cspgraph questions' to list them"
        raise QueryError(f"unknown question '{qid}'\n  -> {hint}")
    return parse_question(path)


# ------------------------------------------------------------------------------------------------ binding


def _expand(value: str, prefix: str | None) -> str:
    match = _PNAME.match(value)
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1]
    elif match and match.group(1) in PREFIXES and not value.startswith(("http:", "https:")):
        value = str(PREFIXES[match.group(1)]) + match.group(2)
    elif prefix and not value.startswith(("http://", "https://")):
        value = _expand(prefix, None) + value
    return value


def to_term(param: Parameter, value: Any) -> Node:
    """The RDF term for a parameter value, checked against the parameter's type and pattern."""
    text = str(value)
    if param.pattern and not re.fullmatch(param.pattern, text):
        raise QueryError(f"parameter '{param.name}': '{text}' does not match {param.pattern}")
    if param.type == "iri":
        iri = _expand(text, param.prefix)
        if not iri.startswith(("http://", "https://")) or _IRI_FORBIDDEN.search(iri):
            raise QueryError(f"parameter '{param.name}': '{text}' is not a valid IRI or slug")
        return URIRef(iri)
    if param.type == "integer":
        try:
            return Literal(int(text), datatype=XSD.integer)
        except ValueError:
            raise QueryError(f"parameter '{param.name}': '{text}' is not a whole number") from None
    if param.type == "year" and not YEAR.fullmatch(text):
        raise QueryError(f"parameter '{param.name}': '{text}' is not a plan year like 2020-21")
    return Literal(text)


def bind(question: Question, values: dict[str, Any], *, narrow: bool = False) -> tuple[str, dict[str, Node]]:
    """The query text with parameters bound, and the bound terms. Unknown names are a QueryError.

    Values not given take the parameter's default; an optional parameter with no value stays unbound
    (the question then ranges over every value, e.g. every plan year). ``narrow=True`` leaves out the lines marked
    ``# @narrows`` that no given parameter needs: for an engine that answers the same without them
    (:class:`cspgraph.store.Store`); the full text, the default, is right on every engine.
    """
    for name in values:
        question.param(name)  # raises on an unknown parameter
    bound: dict[str, Node] = {}
    for param in question.params:
        value = values.get(param.name, param.default)
        if value is None:
            continue
        bound[param.name] = to_term(param, value)
    variables = {question.param(n).var: term for n, term in bound.items()}
    text = narrowed(question.query, frozenset(variables)) if narrow else question.query
    if not bound:
        return text, bound
    for site in reversed(binding_sites(text, frozenset(variables))):  # from the end: earlier positions hold
        here = {v: t for v, t in variables.items() if v in site.variables}
        text = text[:site.at] + values_block(here) + text[site.at:]
    return text, bound


def values_block(terms: dict[str, Node]) -> str:
    """Inline data binding each variable to its term, on a line of its own: one single-variable block a
    variable (the same one row), since Virtuoso 7.2 answered wrongly with a block of two variables (in a MINUS
    group, and in the outermost group of initiatives-of-agency)."""
    return "\n" + "".join(f"  VALUES ?{v} {{ {t.n3()} }}\n" for v, t in terms.items())


# ------------------------------------------------------------------------------------------------ answers


def python_value(term: Node | None) -> Any:
    """A plain value for JSON/CSV: IRIs as strings, numbers as numbers, other literals as text."""
    if term is None:
        return None
    if isinstance(term, Literal):
        value = term.toPython()
        if isinstance(value, Decimal):
            return int(value) if value == value.to_integral_value() else float(value)
        if isinstance(value, (int, float, bool)):
            return value
        return str(term)
    return str(term)


@dataclass(frozen=True)
class Answer:
    question: Question
    bound: dict[str, Node]
    table: Table
    engine: str

    @property
    def columns(self) -> list[str]:
        return self.table.columns

    def rows(self) -> list[tuple[Any, ...]]:
        return [tuple(python_value(v) for v in row) for row in self.table.rows]

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row)) for row in self.rows()]

    @property
    def empty(self) -> bool:
        return not self.table.rows


def _among_options(options_query: str, term: Node, store: Store) -> bool:
    """True when the options query lists ``term`` as ``?value``, asked for that one value.

    Listing every option to check one value cost more than some questions (2,400 agencies, nationally); the
    options run as a subquery (SPARQL 1.1 §12, evaluated on its own, then joined with the value), so the test
    is exact membership. False means "not shown here": the caller then lists the options as before.
    """
    probe = f"SELECT ?value WHERE {{ {{ {options_query} }} VALUES ?value {{ {term.n3()} }} }} LIMIT 1"
    try:
        return bool(store.select(with_prefixes(probe)).rows)
    except CspgraphError:  # an options query that cannot be a subquery (its own PREFIX lines...)
        return False


def check_allowed(question: Question, store: Store, bound: dict[str, Node]) -> None:
    """Refuse a value outside a parameter's allowed list or options query, naming the choices.

    An embedded store's content does not change once loaded, so the values found allowed are remembered on
    the store (its ``memo`` dict): the explorer and the notebooks ask many questions of one store, and the
    check cost more than some national questions themselves (0.06 s against 0.01 s). A remote endpoint has
    no ``memo`` (its data may change between questions) and is checked every time.
    """
    memo = getattr(store, "memo", None)
    for name, term in bound.items():
        param = question.param(name)
        if param.allowed:
            choices = [str(to_term(param, a)) for a in param.allowed]
        elif param.options:
            key = ("allowed", param.options, term)
            if memo is not None and key in memo:
                continue
            if _among_options(param.options, term, store):
                if memo is not None:
                    memo[key] = True
                continue
            table = store.select(with_prefixes(param.options))
            choices = [str(v) for v in table.column(table.columns[0])]
        else:
            continue
        if str(term) not in choices:
            # as the user writes them: slugs, not the IRIs they were expanded to (a review found the IRI shown)
            cut = bool(param.prefix)
            shown = ", ".join(_as_written(c, cut) for c in choices[:15])
            more = f" and {len(choices) - 15} more" if len(choices) > 15 else ""
            raise QueryError(f"parameter '{name}': '{_as_written(str(term), cut)}' is not one of the allowed "
                             f"values: {shown}{more}")


def options(question: Question, param_name: str, store: Store) -> list[tuple[str, str]]:
    """(value, label) pairs a parameter accepts, for menus in the explorer and error messages."""
    param = question.param(param_name)
    if param.allowed:
        return [(a, a) for a in param.allowed]
    if not param.options:
        return []
    table = store.select(with_prefixes(param.options))
    label_col = table.columns[1] if len(table.columns) > 1 else table.columns[0]
    return [(str(v), str(lab)) for v, lab in zip(table.column(table.columns[0]), table.column(label_col))]


def by_name(question: Question, store: Store, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` with each name given for an IRI parameter ("Safer Colchester Partnership") replaced by the
    IRI its parameter's options list under that label (case and runs of spaces aside), as ``gaps
    --partnership`` takes it.

    People know a partnership or an agency by its name, not by the slug in its IRI, and the analyses and the
    explorer's scope already took names (:func:`cspgraph.names.resolve`, whose "did you mean" this shares).
    A value written as a slug, a prefixed name or an IRI is left as it is, so a slug means what it meant.
    """
    resolved = dict(values)
    for name, value in values.items():
        param = question.param(name)
        text = " ".join(str(value).split())  # a name pasted across a line break, or with a double space
        if (param.type != "iri" or not param.options or not isinstance(value, str)
                or all(SLUG.match(part) for part in text.split("/"))  # a slug, or a unit's agency/unit
                or text.startswith(("<", "http://", "https://")) or _PNAME.match(text)):
            continue
        kind = (param.prefix or "").removeprefix("id:").strip("/") or param.name
        resolved[name] = resolve(text, kind, dict(options(question, name, store)), noun=param.label.lower(),
                                 where=f"among the values of '{name}'")
    return resolved


def ask(question: Question, store: Store, values: dict[str, Any] | None = None) -> Answer:
    """Run a saved question on a store with parameter values (slugs, prefixed names, IRIs, or the names the
    parameter's options give them: :func:`by_name`).

    >>> from cspgraph.project import find_project
    >>> from cspgraph.session import open_store
    >>> paths = find_project()
    >>> q = get_question(paths.queries, "initiatives-per-plan")
    >>> answer = ask(q, open_store(paths))
    >>> answer.columns[:2]
    ['plan', 'year']
    """
    values = by_name(question, store, values) if values else {}
    text, bound = bind(question, values, narrow=getattr(store, "drops_narrowing_lines", False))
    check_allowed(question, store, bound)
    return Answer(question, bound, store.select(text), store.name)
