"""Where a saved question's parameters are bound: its outermost WHERE group, and the groups below it that
match the parameter themselves.

A parameter bound only at the outermost group (SPARQL 1.1 §10.2.1, inline data) is joined with the answer
of each inner group after that group has run over every partnership and year: Oxigraph evaluates a subquery,
or a branch of a UNION, on its own. Asking for one partnership then took as long as asking for the whole
country (2.5 s at national scale for a 42-row answer; 0.01 s with the parameter repeated inside).

The same single-row ``VALUES`` blocks (one a variable: :func:`cspgraph.questions.values_block`) are
therefore repeated inside inner groups where that gives the same answer. The outermost block binds the variable for every row of the query, so an inner group's rows with
another value are dropped in the end whatever happens to them on the way (operators only add bindings);
dropping them early changes nothing as long as the group itself reads the variable the same way. So a group
receives the block only

- when it is joined with its parent (a plain group, a UNION branch, a subquery), the parent itself being
  joined or one of the groups below;
- or when it is the right side of an OPTIONAL or a MINUS whose left side has the variable bound by a block
  of its own (the parent group received one): every row on the left then has that value, and a row on the
  right with another value matches none of them, so it neither extends nor removes anything. An OPTIONAL
  over every partnership's initiatives took 1.4 s at national scale for one partnership's 45-row answer;
  0.005 s bound inside. Never under EXISTS, GRAPH or SERVICE;
- for a subquery, only for the variables it projects as they are (inside, any other variable is another
  variable), and not when it has LIMIT or OFFSET;
- only for the variables its own triple patterns bind, and that none of its BIND expressions mention nor
  any OPTIONAL, MINUS or EXISTS group in it that reads them before they are bound: those read the variable
  at their place in the group. An OPTIONAL or MINUS placed after the triple pattern that binds the variable
  reads it bound either way.

A pattern written into an inner group only so that a block reaches it (the plan's year and partnership,
repeated) is marked ``# @narrows`` and left out when no parameter it names is given
(:func:`cspgraph.questions.narrowed`): asked for the whole country, it would only add work.

The text is read, not parsed: comments, strings and IRIs are blanked first, so that braces or keywords in
them are never taken for syntax.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .errors import QueryError

_OPAQUE = re.compile(
    r"#[^\n]*"  # a comment
    r"|<[^\s<>\"{}|^`\\]*>"  # an IRI (a "<" followed by a space is a comparison)
    r"|\"\"\"[\s\S]*?\"\"\"|'''[\s\S]*?'''|\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'"  # a string
)
_WORD = r"(?<![\w:?$])"
_TOKEN = re.compile(r"[{}]|" + _WORD + r"SELECT\b", re.IGNORECASE)
# the keyword before a "{" that opens a group not joined with its parent (VALUES: a block of data)
_NOT_A_JOIN = re.compile(_WORD + r"(OPTIONAL|MINUS|EXISTS|GRAPH|SERVICE|VALUES)\b", re.IGNORECASE)
_LEFT_SIDED = {"OPTIONAL", "MINUS"}  # a right side matched against the rows of its group so far
_MODIFIER = re.compile(_WORD + r"(LIMIT|OFFSET)\b", re.IGNORECASE)
_EXPRESSION = re.compile(_WORD + r"(FILTER|BIND)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Site:
    """Just after the ``{`` of a group: the variables to bind there."""

    at: int
    variables: frozenset[str]


@dataclass
class _Group:
    start: int  # just after its "{"
    link: str  # how it meets its parent: "join", a _LEFT_SIDED keyword, or "other" (EXISTS, GRAPH...)
    projection: frozenset[str] | None = None  # a subquery's projection; None for other groups
    end: int = -1  # its "}"
    limited: bool = False  # a subquery with LIMIT or OFFSET
    wraps_select: bool = False  # "{ SELECT ... }": nothing else may stand in it, a VALUES block included
    children: list[_Group] = field(default_factory=list)


def blank(query: str) -> str:
    """The query with comments, strings and IRIs replaced by spaces: same length, same positions."""
    return _OPAQUE.sub(lambda m: " " * len(m.group()), query)


def binding_sites(query: str, variables: frozenset[str]) -> list[Site]:
    """Where to bind ``variables``: the outermost WHERE group first, then the inner groups that may have them."""
    text = blank(query)
    root = _groups(text)
    sites = [Site(root.start, variables)]

    def visit(group: _Group, scope: frozenset[str], bound: frozenset[str]) -> None:
        """``scope``: the variables a joined child may take; ``bound``: those bound at the start of ``group``."""
        for child in group.children:
            if child.limited or child.link == "other":
                continue
            inner = scope if child.link == "join" else bound
            if child.projection is not None:
                inner &= child.projection
            here = frozenset() if child.wraps_select else inner & _settled_variables(text, child)
            if here:
                sites.append(Site(child.start, here))
            if inner:
                visit(child, inner, here)

    visit(root, variables, variables)
    return sites


def _groups(text: str) -> _Group:
    """The outermost WHERE group and the groups nested in it."""
    root: _Group | None = None
    stack: list[_Group] = []
    select_at: int | None = None  # the end of a SELECT keyword whose WHERE group is not open yet
    last = 0  # the end of the previous token: the text between says what kind of group a "{" opens
    for token in _TOKEN.finditer(text):
        kind = token.group().upper()
        if kind == "SELECT":
            select_at = token.end()
            if stack:
                stack[-1].wraps_select = True
        elif kind == "{":
            if not stack:
                group = root = _Group(token.end(), link="join")
            else:
                parent = stack[-1]
                keywords = [k.upper() for k in _NOT_A_JOIN.findall(text, last, token.start())]
                link = "join" if not keywords else keywords[-1] if keywords[-1] in _LEFT_SIDED else "other"
                projection = _projection(text[select_at:token.start()]) if select_at is not None else None
                group = _Group(token.end(), link, projection)
                parent.children.append(group)
            stack.append(group)
            select_at = None
        else:  # "}"
            if not stack:
                raise QueryError("the query has an unbalanced '}'")
            group = stack.pop()
            group.end = token.start()
            if group.projection is not None:
                # a subquery's solution modifiers follow its WHERE group, up to the "}" that closes it
                close = text.find("}", token.end())
                group.limited = bool(_MODIFIER.search(text, token.end(), close if close >= 0 else len(text)))
            if not stack:
                break  # the outermost WHERE group is closed: what follows are its solution modifiers
        last = token.end()
    if root is None:
        raise QueryError("the query has no WHERE { ... } group to bind parameters into")
    if stack:
        raise QueryError("the query has an unclosed '{'")
    return root


def _projection(clause: str) -> frozenset[str]:
    """The variables a SELECT clause passes on as they are: ``?x``, not ``(... AS ?x)`` nor ``*``."""
    depth, names = 0, set()
    for part in re.finditer(r"[()]|[?$][A-Za-z_]\w*", clause):
        if part.group() == "(":
            depth += 1
        elif part.group() == ")":
            depth -= 1
        elif depth == 0:
            names.add(part.group()[1:])
    return frozenset(names)


def _variables(text: str) -> frozenset[str]:
    return frozenset(m.group(1) for m in re.finditer(r"[?$]([A-Za-z_]\w*)", text))


def _settled_variables(text: str, group: _Group) -> frozenset[str]:
    """The variables whose binding at the start of the group changes nothing in it.

    Those its own triple patterns bind (so every row of it has them, and its FILTERs see them bound either
    way), less those that one of its BIND expressions mentions, or an OPTIONAL, MINUS or EXISTS group in it
    before a triple pattern of the group binds them: these read the variable at their place in the group,
    and bound earlier they would read another value.
    """
    own = list(text[group.start:group.end])
    for child in group.children:  # the inner groups, braces and all
        own[child.start - 1 - group.start:child.end + 1 - group.start] = " " * (child.end - child.start + 2)
    own_text = "".join(own)
    order_dependent: set[str] = set()
    for match in reversed(list(_EXPRESSION.finditer(own_text))):
        end = _closing_paren(own_text, own_text.find("(", match.end()))
        if match.group(1).upper() == "BIND":
            order_dependent |= _variables(own_text[match.start():end])
        own_text = own_text[:match.start()] + " " * (end - match.start()) + own_text[end:]
    for child in group.children:
        if child.link != "join":
            before = _variables(own_text[:child.start - group.start]) if child.link in _LEFT_SIDED else frozenset()
            order_dependent |= _variables(text[child.start:child.end]) - before
    return _variables(own_text) - order_dependent


def _closing_paren(text: str, start: int) -> int:
    """The index after the ")" that closes the "(" at ``start`` (the end of text if none)."""
    if start < 0:
        return len(text)
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i + 1
    return len(text)
