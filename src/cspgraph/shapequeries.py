"""SHACL shapes asked of the whole graph at once: each constraint one SPARQL query, answered by Oxigraph.

pySHACL checks a graph focus node by focus node in Python. Nationally (``benchmarks/``, 3.1 million triples,
90,000 initiatives) that took 474 s and 5.4 GB, after 100 s building the rdflib graph it needs. A constraint
can instead be asked of every focus node together: "which initiatives have two labels" is one join of the
label with itself, "which lead agencies are not a csp:Agency or csp:AgencyUnit" one MINUS, and Oxigraph answers each over its
indexes. This module turns ``ontology/shapes.ttl`` into those queries (:func:`compile_shapes`) and
runs them (:func:`validate_store`; nationally about 15 s on two cores, plus the graph's loading, and 2.6 GB
with the build), giving the results pySHACL gives: focus node, path, value, severity, source shape and
constraint component, and message (SHACL 1.0 §3.6). pySHACL stays the reference: the tests
compare the two on every shape case and on the bundled data, and ``--validator pyshacl`` runs it.

What is compiled is what the shapes use (:data:`SUPPORTED`): targets by class, node, and objects or subjects
of a property; predicate, inverse, alternative and sequence paths; and the constraints listed there, SPARQL
constraints (SHACL 1.0 §5) on node shapes included. A shape using anything else, or using a feature where
it is not compiled (an sh:property inside sh:or, a SPARQL constraint on a property shape, an implicit class
target), is refused with the feature named (:class:`~cspgraph.errors.ShapeError`), never skipped: a
constraint that is not checked must not look passed.

Known differences from pySHACL: a pair of values that cannot be compared breaks sh:lessThan(OrEquals), as
SHACL 1.0 §4.5.3-4 say and pySHACL does not report; a result without an sh:message gets a short one naming
its component, not pySHACL's wording; a blank node in a result carries Oxigraph's label, not the input
graph's (cspgraph's focus nodes and values are IRIs and literals).
"""

from __future__ import annotations

import logging
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import count
from typing import Iterator

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD
from rdflib.term import Node

from .errors import ShapeError
from .sparqltext import blank
from .store import from_ox

_VALUE_TESTS = frozenset(SH[name] for name in (
    "class", "datatype", "nodeKind", "pattern", "flags", "minInclusive", "maxInclusive", "minExclusive",
    "maxExclusive", "in", "hasValue", "not", "or", "severity", "message"))
_TARGETS = frozenset((SH.targetClass, SH.targetNode, SH.targetObjectsOf, SH.targetSubjectsOf))
#: what each kind of shape may say, by where it stands (anything else there is refused, never skipped)
_NODE_SHAPE = _VALUE_TESTS | _TARGETS | {SH.property, SH.sparql, SH.deactivated}
_PROPERTY_SHAPE = _VALUE_TESTS | _TARGETS | {SH.path, SH.minCount, SH.maxCount, SH.lessThan,
                                             SH.lessThanOrEquals, SH.deactivated}
_INNER_SHAPE = _VALUE_TESTS | _TARGETS | {SH.path, SH.minCount}  # in sh:or, sh:not
#: the shape parameters this compiler understands somewhere (SHACL 1.0 §4, §5), besides the descriptive ones
SUPPORTED = _NODE_SHAPE | _PROPERTY_SHAPE | _INNER_SHAPE
#: parameters that describe a shape and constrain nothing
_DESCRIPTIVE = frozenset((SH.name, SH.description, SH.order, SH.group, SH.defaultValue))
_COMPONENT = {name: SH[name[0].upper() + name[1:] + "ConstraintComponent"] for name in (
    "minCount", "maxCount", "class", "datatype", "nodeKind", "pattern", "minInclusive", "maxInclusive",
    "minExclusive", "maxExclusive", "in", "hasValue", "lessThan", "lessThanOrEquals", "not", "or")}
_COMPONENT["sparql"] = SH.SPARQLConstraintComponent
_COMPARISON = {"minInclusive": ">=", "maxInclusive": "<=", "minExclusive": ">", "maxExclusive": "<"}
_NODE_KINDS = {
    SH.IRI: "isIRI({v})", SH.Literal: "isLiteral({v})", SH.BlankNode: "isBlank({v})",
    SH.BlankNodeOrIRI: "(isBlank({v}) || isIRI({v}))", SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))",
    SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))",
}
#: datatypes whose every lexical form is valid: no literal of them can be ill-typed
_ANY_LEXICAL = frozenset((XSD.string, RDF.langString))
_TEMPLATE = re.compile(r"\{[?$]([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class Check:
    """One constraint of one shape as a query whose rows are its results (``?this``, maybe ``?value``)."""

    shape: Node  # sh:sourceShape
    component: URIRef  # sh:sourceConstraintComponent
    severity: URIRef
    messages: tuple[Literal, ...]
    path: Node | None  # the shape's sh:path (a node of the shapes graph), None at node level
    query: str
    value_is_focus: bool = False  # a node-level constraint: the value node is the focus node
    constraint: Node | None = None  # sh:sourceConstraint of a SPARQL constraint
    counts: tuple[int | None, int | None] | None = None  # (minCount, maxCount) of a count check


@dataclass(frozen=True)
class Result:
    """One validation result (SHACL 1.0 §3.6.2), with nodes of the data graph and of the shapes graph."""

    focus: Node
    path: Node | None
    value: Node | None
    severity: URIRef
    shape: Node
    component: URIRef
    messages: tuple[Literal, ...]
    constraint: Node | None = None


@dataclass(frozen=True)
class CompiledShapes:
    """The shapes as queries, with where literals must be checked for ill-typed forms: (path, datatype) pairs,
    the path None for a datatype test on focus nodes themselves."""

    checks: tuple[Check, ...]
    datatypes: frozenset[tuple[str | None, URIRef]] = field(default_factory=frozenset)


def _n3(term: Node) -> str:
    """A constant of the shapes graph as SPARQL text, written by rdflib (IRIs and literals escaped)."""
    if isinstance(term, BNode):
        raise ShapeError(f"a blank node {term} cannot be a constant in a constraint")
    return term.n3()


class _Compiler:
    def __init__(self, shapes: Graph) -> None:
        self.g = shapes
        self.fresh = count()
        self.datatypes: set[tuple[str | None, URIRef]] = set()

    # ----------------------------------------------------------------------------------------- reading
    def one(self, node: Node, predicate: URIRef) -> Node | None:
        values = list(self.g.objects(node, predicate))
        if len(values) > 1:
            raise ShapeError(f"shape {node} has {len(values)} values of {predicate}; this validator handles one")
        return values[0] if values else None

    def items(self, node: Node) -> list[Node]:
        return list(Collection(self.g, node))

    def check_supported(self, shape: Node, allowed: frozenset, where: str) -> None:
        for predicate in set(self.g.predicates(shape, None)):
            if str(predicate).startswith(str(SH)) and predicate not in allowed | _DESCRIPTIVE:
                raise ShapeError(f"shape {shape} uses {predicate}{where}, which the SPARQL validator does not "
                                 "compile: use --validator pyshacl, or extend cspgraph/shapequeries.py")

    def var(self, stem: str) -> str:
        return f"?{stem}{next(self.fresh)}"

    def path(self, node: Node) -> str:
        """A SHACL property path (SHACL 1.0 §2.3.1) as a SPARQL property path."""
        if isinstance(node, URIRef):
            return _n3(node)
        if (node, RDF.first, None) in self.g:
            return "(" + "/".join(self.path(p) for p in self.items(node)) + ")"
        inverse = self.one(node, SH.inversePath)
        if inverse is not None:
            return f"^{self.path(inverse)}"
        alternative = self.one(node, SH.alternativePath)
        if alternative is not None:
            return "(" + "|".join(self.path(p) for p in self.items(alternative)) + ")"
        for kind, mark in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
            inner = self.one(node, kind)
            if inner is not None:
                return f"({self.path(inner)}){mark}"
        raise ShapeError(f"unsupported property path {node}")

    def may_be_empty(self, node: Node) -> bool:
        """Whether the path can have length zero, so that the focus node is always one of its own values."""
        if isinstance(node, URIRef):
            return False
        if (node, RDF.first, None) in self.g:
            return all(self.may_be_empty(p) for p in self.items(node))
        inverse = self.one(node, SH.inversePath)
        if inverse is not None:
            return self.may_be_empty(inverse)
        alternative = self.one(node, SH.alternativePath)
        if alternative is not None:
            return any(self.may_be_empty(p) for p in self.items(alternative))
        if self.one(node, SH.zeroOrMorePath) is not None or self.one(node, SH.zeroOrOnePath) is not None:
            return True
        inner = self.one(node, SH.oneOrMorePath)
        return inner is not None and self.may_be_empty(inner)

    def target(self, shape: Node) -> str | None:
        """A pattern binding ?this to each focus node of the shape's targets (SHACL 1.0 §2.1.3), or None."""
        branches = []
        for cls in self.g.objects(shape, SH.targetClass):
            # through a variable, not one path: Oxigraph then starts from the class's few subclasses (nationally
            # 0.07 s for 134,000 source spans; 0.26 s as a path with DISTINCT)
            klass = self.var("class")
            branches.append(f"{klass} {_n3(RDFS.subClassOf)}* {_n3(cls)} . ?this {_n3(RDF.type)} {klass} .")
        nodes = list(self.g.objects(shape, SH.targetNode))
        if any(isinstance(n, Literal) for n in nodes):  # its ill-typed form would go unseen: see _ill_typed
            raise ShapeError(f"shape {shape}: a literal sh:targetNode is not compiled by the SPARQL validator")
        if nodes:
            branches.append("VALUES ?this { " + " ".join(_n3(n) for n in nodes) + " }")
        for p in self.g.objects(shape, SH.targetObjectsOf):
            branches.append(f"?targetSubject {_n3(p)} ?this .")
        for p in self.g.objects(shape, SH.targetSubjectsOf):
            branches.append(f"?this {_n3(p)} ?targetObject .")
        if not branches:
            return None
        # a focus node may come twice (two targeted classes, two targets): its results are made a set later
        return branches[0] if len(branches) == 1 else " UNION ".join("{ " + b + " }" for b in branches)

    # ------------------------------------------------------------------------------ value conformance
    def conforms(self, shape: Node, v: str, steps: str | None) -> str:
        """A SPARQL expression true when the node in ``v`` conforms to an inner shape (of sh:or, sh:not);
        ``steps`` is the path ``v`` is a value of (None for a focus node)."""
        self.check_supported(shape, _INNER_SHAPE, " inside sh:or or sh:not")
        parts = []
        path = self.one(shape, SH.path)
        if path is not None:
            steps = self.path(path)
            minimum = self.one(shape, SH.minCount)
            if minimum is not None:
                if int(minimum) > 1:
                    raise ShapeError(f"inner shape {shape}: sh:minCount above 1 is not compiled")
                if int(minimum) == 1:
                    parts.append(f"EXISTS {{ {v} {steps} {self.var('any')} }}")
            if self.one(shape, SH.maxCount) is not None:
                raise ShapeError(f"inner shape {shape}: sh:maxCount is not compiled")
            has = self.one(shape, SH.hasValue)
            if has is not None:
                parts.append(f"EXISTS {{ {v} {steps} {_n3(has)} }}")
            value = self.var("inner")
            each = self.value_conditions(shape, value, steps)
            if each:
                parts.append(f"NOT EXISTS {{ {v} {steps} {value} FILTER (!({' && '.join(each)})) }}")
        else:
            has = self.one(shape, SH.hasValue)
            if has is not None:
                parts.append(f"sameTerm({v}, {_n3(has)})")
            parts.extend(self.value_conditions(shape, v, steps))
        if not parts:
            raise ShapeError(f"inner shape {shape} has no constraint this validator compiles")
        return "(" + " && ".join(parts) + ")"

    def value_conditions(self, shape: Node, v: str, steps: str | None) -> list[str]:
        """One condition a component of ``shape`` sets on each value node (all must hold)."""
        return [condition for _, condition in self.value_components(shape, v, steps)]

    def typed(self, cls: Node, v: str) -> str:
        """A pattern that matches when the node in ``v`` is a SHACL instance of ``cls`` (SHACL 1.0 §2.1.3.1)."""
        kind = self.var("type")
        return f"{v} {_n3(RDF.type)} {kind} . {kind} {_n3(RDFS.subClassOf)}* {_n3(cls)} ."

    def class_only(self, shape: Node) -> Node | None:
        """The class of an inner shape that says nothing but ``sh:class C`` (as in ``sh:or ([sh:class A] ...)``)."""
        described = {p for p in self.g.predicates(shape, None) if p not in _DESCRIPTIVE and p != RDF.type}
        return self.one(shape, SH["class"]) if described == {SH["class"]} else None

    def value_excluded(self, shape: Node, name: str, v: str) -> str | None:
        """For a class test (or an sh:or of class tests), the pattern of the value nodes that pass it, to take
        away with MINUS: Oxigraph evaluates a FILTER NOT EXISTS of a type test against every typed node of the
        graph, and MINUS joins once (nationally the class check of 296,000 supported priorities: 1.8 s -> 0.5 s).
        """
        if name == "class":
            (cls,) = list(self.g.objects(shape, SH["class"]))
            return self.typed(cls, v)
        if name == "or":
            classes = [self.class_only(member) for member in self.items(self.one(shape, SH["or"]))]  # type: ignore
            if classes and all(c is not None for c in classes):
                return " UNION ".join("{ " + self.typed(c, v) + " }" for c in classes)  # type: ignore[arg-type]
        return None

    def value_components(self, shape: Node, v: str, steps: str | None) -> list[tuple[str, str]]:
        """(component name, condition on the value node in ``v``) for each value-node component of a shape;
        ``steps`` is the path ``v`` is a value of (None for a focus node), where its literals are looked for
        ill-typed forms (_ill_typed)."""
        out = []
        cls = list(self.g.objects(shape, SH["class"]))
        if len(cls) > 1:
            raise ShapeError(f"shape {shape} has {len(cls)} values of sh:class; this validator handles one")
        for c in cls:
            out.append(("class", f"EXISTS {{ {self.typed(c, v)} }}"))
        datatype = self.one(shape, SH.datatype)
        if datatype is not None:
            self.datatypes.add((steps, datatype))  # type: ignore[arg-type]
            out.append(("datatype", f"(isLiteral({v}) && DATATYPE({v}) = {_n3(datatype)}{{illtyped:{v}}})"))
        kind = self.one(shape, SH.nodeKind)
        if kind is not None:
            if kind not in _NODE_KINDS:
                raise ShapeError(f"shape {shape}: unknown sh:nodeKind {kind}")
            out.append(("nodeKind", _NODE_KINDS[kind].format(v=v)))
        pattern = self.one(shape, SH.pattern)
        if pattern is not None:
            flags = self.one(shape, SH.flags)
            args = _n3(Literal(str(pattern))) + (f", {_n3(Literal(str(flags)))}" if flags is not None else "")
            out.append(("pattern", f"(!isBlank({v}) && REGEX(STR({v}), {args}))"))
        for name, operator in _COMPARISON.items():
            bound = self.one(shape, SH[name])
            if bound is not None:
                # an incomparable value (text against a number) is a violation, not an error (SHACL 1.0 §4.3)
                out.append((name, f"COALESCE({v} {operator} {_n3(bound)}, false)"))
        members = self.one(shape, SH["in"])
        if members is not None:
            terms = self.items(members)
            out.append(("in", "(" + (" || ".join(f"sameTerm({v}, {_n3(t)})" for t in terms) or "false") + ")"))
        negated = self.one(shape, SH["not"])
        if negated is not None:
            out.append(("not", f"!{self.conforms(negated, v, steps)}"))
        alternatives = self.one(shape, SH["or"])
        if alternatives is not None:
            out.append(("or", "(" + " || ".join(self.conforms(s, v, steps) for s in self.items(alternatives)) + ")"))
        return out

    # ---------------------------------------------------------------------------------------- checks
    def compile(self) -> list[Check]:
        checks: list[Check] = []
        top = set(self.g.subjects(RDF.type, SH.NodeShape)) | set(self.g.subjects(RDF.type, SH.PropertyShape))
        top |= {s for t in _TARGETS for s in self.g.subjects(t, None)}
        for shape in sorted(top, key=str):  # a shape also used in sh:or or sh:not still checks its own targets
            if (shape, RDF.type, RDFS.Class) in self.g or (shape, RDF.type, OWL.Class) in self.g:
                raise ShapeError(f"shape {shape} is also a class (an implicit class target, SHACL 1.0 §2.1.3.3), "
                                 "which the SPARQL validator does not compile: give it sh:targetClass")
            target = self.target(shape)
            if target is None or self.deactivated(shape):
                continue  # a shape without targets validates nothing on its own (SHACL 1.0 §2.1.3)
            if self.one(shape, SH.path) is not None:  # a property shape with its own targets
                checks.extend(self.property_checks(shape, target))
                continue
            self.check_supported(shape, _NODE_SHAPE, " in a node shape")
            severity = self.one(shape, SH.severity) or SH.Violation
            messages = tuple(self.g.objects(shape, SH.message))
            checks.extend(self.node_checks(shape, target, severity, messages))  # type: ignore[arg-type]
            for prop in self.g.objects(shape, SH.property):
                if not self.deactivated(prop):
                    checks.extend(self.property_checks(prop, target))
            for constraint in self.g.objects(shape, SH.sparql):
                if not self.deactivated(constraint):
                    checks.append(self.sparql_check(shape, constraint, target, severity, messages))  # type: ignore
        return checks

    def deactivated(self, node: Node) -> bool:
        flag = self.one(node, SH.deactivated)
        return flag is not None and bool(flag.toPython())

    def node_checks(self, shape: Node, target: str, severity: URIRef, messages: tuple) -> Iterator[Check]:
        has = self.one(shape, SH.hasValue)
        if has is not None:
            yield Check(shape, _COMPONENT["hasValue"], severity, messages, None,
                        f"SELECT ?this WHERE {{ {target} FILTER (!sameTerm(?this, {_n3(has)})) }}", True)
        for name, condition in self.value_components(shape, "?this", None):
            passing = self.value_excluded(shape, name, "?this")
            test = f"MINUS {{ {passing} }}" if passing else f"FILTER (!{condition})"
            yield Check(shape, _COMPONENT[name], severity, messages, None,
                        f"SELECT ?this WHERE {{ {target} {test} }}", True)

    def property_checks(self, shape: Node, target: str) -> Iterator[Check]:
        self.check_supported(shape, _PROPERTY_SHAPE, " in a property shape")
        path_node = self.one(shape, SH.path)
        if path_node is None:
            raise ShapeError(f"property shape {shape} has no sh:path")
        steps = self.path(path_node)
        severity: URIRef = self.one(shape, SH.severity) or SH.Violation  # type: ignore[assignment]
        messages = tuple(self.g.objects(shape, SH.message))
        minimum, maximum = self.one(shape, SH.minCount), self.one(shape, SH.maxCount)
        if minimum is not None or maximum is not None:
            low, high = (int(minimum) if minimum is not None else None), (int(maximum) if maximum is not None else None)
            if low == 1 and self.may_be_empty(path_node):
                # the focus node is a value of its own zero-length path, in the data or not (SHACL 1.0 §2.3.1),
                # where a query would only find it among the graph's nodes
                low = None
            if low or high is not None:  # minCount 0 alone constrains nothing
                yield Check(shape, _COMPONENT["minCount"], severity, messages, path_node,
                            self.count_query(target, steps, low, high), counts=(low, high))
        has = self.one(shape, SH.hasValue)
        if has is not None:
            yield Check(shape, _COMPONENT["hasValue"], severity, messages, path_node,
                        f"SELECT ?this WHERE {{ {target} FILTER NOT EXISTS {{ ?this {steps} {_n3(has)} }} }}")
        for name, condition in self.value_components(shape, "?value", steps):
            passing = self.value_excluded(shape, name, "?value")
            test = f"MINUS {{ {passing} }}" if passing else f"FILTER (!{condition})"
            yield Check(shape, _COMPONENT[name], severity, messages, path_node,
                        f"SELECT DISTINCT ?this ?value WHERE {{ {target} ?this {steps} ?value . {test} }}")
        for name, operator in (("lessThan", "<"), ("lessThanOrEquals", "<=")):
            other = self.one(shape, SH[name])
            if other is not None:
                yield Check(shape, _COMPONENT[name], severity, messages, path_node,
                            f"SELECT DISTINCT ?this ?value WHERE {{ {target} ?this {steps} ?value . "
                            f"?this {_n3(other)} ?other . FILTER (!COALESCE(?value {operator} ?other, false)) }}")

    @staticmethod
    def count_query(target: str, steps: str, low: int | None, high: int | None) -> str:
        """The focus nodes with fewer than ``low`` or more than ``high`` values, and ``?n``, their count (or,
        for the two commonest bounds alone, a count that breaks the same bound: 0 or 2).

        Value nodes are a set (SHACL 1.0 §2.3.2), so values are counted DISTINCT, and two values are two
        different terms (``sameTerm``). A lone ``minCount 1`` is a MINUS and a lone ``maxCount 1`` a join of
        the path with itself: nationally (benchmarks/, 90,000 initiatives) 0.17 s and 0.14-0.24 s where the
        grouped count took 0.43-0.49 s. Both bounds together stay one grouped count, which costs about what
        the two forms cost together.
        """
        if low == 1 and high is None:
            return f"SELECT DISTINCT ?this ?n WHERE {{ {target} MINUS {{ ?this {steps} ?value }} BIND (0 AS ?n) }}"
        if high == 1 and not low:
            return (f"SELECT DISTINCT ?this ?n WHERE {{ ?this {steps} ?value . ?this {steps} ?other . "
                    f"FILTER (!sameTerm(?value, ?other)) {target} BIND (2 AS ?n) }}")
        tests = ([f"?n < {low}"] if low else []) + ([f"?n > {high}"] if high is not None else [])
        pattern = f"OPTIONAL {{ ?this {steps} ?value }}" if low else f"?this {steps} ?value ."
        return (f"SELECT ?this ?n WHERE {{ {{ SELECT ?this (COUNT(DISTINCT ?value) AS ?n) WHERE {{ "
                f"{target} {pattern} }} GROUP BY ?this }} FILTER ({' || '.join(tests)}) }}")

    def sparql_check(self, shape: Node, constraint: Node, target: str, severity: URIRef,
                     shape_messages: tuple) -> Check:
        select = self.one(constraint, SH.select)
        if select is None:
            raise ShapeError(f"SPARQL constraint {constraint} of {shape} has no sh:select")
        text = str(select)
        if re.search(r"\$(?!this\b)\w+", text):
            raise ShapeError(f"SPARQL constraint of {shape}: only $this is pre-bound by this validator")
        prefixes = []
        for declared in self.g.objects(constraint, SH.prefixes):
            for declaration in self.g.objects(declared, SH.declare):
                prefix, namespace = self.one(declaration, SH.prefix), self.one(declaration, SH.namespace)
                prefixes.append(f"PREFIX {prefix}: <{namespace}>")
        # $this pre-bound (SHACL 1.0 §5.3.1) is, for every focus node at once, ?this bound by the targets first
        # in the query's outermost group, so that a FILTER or NOT EXISTS on $this sees it bound
        opaque = blank(text)
        start = opaque.find("{")
        head = opaque[:start]
        if start < 0 or not re.search(r"\bSELECT\b", head, re.IGNORECASE):
            raise ShapeError(f"SPARQL constraint of {shape}: sh:select is not a SELECT query")
        if not re.search(r"[?$]this\b|\*", head):
            raise ShapeError(f"SPARQL constraint of {shape}: the SPARQL validator needs $this selected, to know "
                             "which focus node each row is about")
        body = (text[:start + 1] + f" {target} " + text[start + 1:]).replace("$this", "?this")
        query = "\n".join(prefixes) + "\n" + body
        messages = tuple(self.g.objects(constraint, SH.message)) or shape_messages
        return Check(shape, _COMPONENT["sparql"], severity, messages, None, query,
                     value_is_focus=True, constraint=constraint)


def compile_shapes(shapes: Graph) -> CompiledShapes:
    """The queries that validate a graph against ``shapes``; raises ShapeError for what is not compiled."""
    compiler = _Compiler(shapes)
    checks = compiler.compile()
    return CompiledShapes(tuple(checks), frozenset(d for d in compiler.datatypes if d[1] not in _ANY_LEXICAL))


# ------------------------------------------------------------------------------------------------ running


def _to_rdflib(term) -> Node | None:
    node = from_ox(term)
    if isinstance(node, Literal) and node.datatype == XSD.string:  # a plain literal, as rdflib and pySHACL have it
        return Literal(str(node))
    return node


def _ill_typed(store: ox.Store, sites: frozenset[tuple[str | None, URIRef]]) -> list[ox.Literal]:
    """Literals whose text is not a valid value of their datatype (SHACL 1.0 §4.2.2: they fail sh:datatype),
    among the values of the paths that have a datatype test (every literal if a focus node is tested itself).

    Judged by rdflib, as pySHACL judges them, over the distinct literals only (a few thousand nationally;
    read through the paths, 0.2 s, where a scan of every literal of the graph took 3.5 s).
    """
    if not sites:
        return []
    by_path: dict[str, set[URIRef]] = {}
    for steps, datatype in sites:
        by_path.setdefault(steps if steps is not None else "?anyPredicate", set()).add(datatype)
    if "?anyPredicate" in by_path:  # one scan of the whole graph then covers every path
        by_path = {"?anyPredicate": {d for ds in by_path.values() for d in ds}}
    bad: dict[ox.Literal, None] = {}
    quiet = logging.getLogger("rdflib.term")
    level, quiet.level = quiet.level, logging.CRITICAL  # rdflib logs each ill-typed literal it meets
    try:
        for steps, datatypes in sorted(by_path.items()):
            values = ", ".join(_n3(d) for d in sorted(datatypes))
            query = (f"SELECT DISTINCT ?o WHERE {{ ?s {steps} ?o "
                     f"FILTER (isLiteral(?o) && DATATYPE(?o) IN ({values})) }}")
            for (literal,) in store.query(query):
                if Literal(literal.value, datatype=URIRef(literal.datatype.value)).ill_typed:
                    bad[literal] = None
    finally:
        quiet.level = level
    return list(bad)


def _default(component: URIRef) -> tuple[Literal, ...]:
    """A message for a result whose shape gives none (ours all do: tests/test_shapes.py): the component."""
    return (Literal(f"{component.split('#')[-1].removesuffix('ConstraintComponent')} constraint not met"),)


def _fill(messages: tuple[Literal, ...], row: dict[str, Node]) -> tuple[Literal, ...]:
    """SHACL-SPARQL message templates ({?var}, {$var}) filled with the row's values, as pySHACL writes them."""
    def fill(message: Literal) -> Literal:
        text = _TEMPLATE.sub(lambda m: str(row[m.group(1)]) if row.get(m.group(1)) is not None else m.group(0),
                             str(message))
        return Literal(text, lang=message.language, datatype=message.datatype)
    return tuple(fill(m) for m in messages)


def run_check(store: ox.Store, check: Check, ill_typed: str = "") -> Iterator[Result]:
    """The results of one compiled constraint."""
    query = re.sub(r"\{illtyped:(\?\w+)\}", lambda m: ill_typed.replace("{v}", m.group(1)), check.query)
    solutions = store.query(query)
    names = [v.value for v in solutions.variables]  # type: ignore[union-attr]
    for solution in solutions:  # type: ignore[union-attr]
        row = {name: _to_rdflib(solution[name]) for name in names}
        focus = row["this"]
        if check.counts is not None:  # which bound the count broke: both when minCount > maxCount
            n = int(row["n"])  # type: ignore[arg-type]
            low, high = check.counts
            for component, broken in ((_COMPONENT["minCount"], low is not None and n < low),
                                      (_COMPONENT["maxCount"], high is not None and n > high)):
                if broken:
                    yield Result(focus, check.path, None, check.severity, check.shape, component,  # type: ignore
                                 check.messages or _default(component))
            continue
        if check.constraint is not None:
            value = row.get("value")
            if value is None:  # not "or": Literal(0) and Literal("") are false
                value = focus
            path = row.get("path")
            messages = _fill(check.messages, {**row, "this": focus, "value": value})
            yield Result(focus, path, value, check.severity, check.shape, check.component,  # type: ignore
                         messages or _default(check.component), check.constraint)
            continue
        value = focus if check.value_is_focus else row.get("value")
        if check.component == _COMPONENT["hasValue"]:
            value = None
        yield Result(focus, check.path, value, check.severity, check.shape, check.component,  # type: ignore
                     check.messages or _default(check.component))


def validate_store(store: ox.Store, compiled: CompiledShapes, workers: int | None = None) -> list[Result]:
    """Every result of every compiled constraint on the graph in ``store`` (its default graph), each once.

    The queries run on ``workers`` threads (default: one a CPU): pyoxigraph evaluates a query without
    holding Python's lock, so two cores answer two at once (nationally the 213 queries took 54 s one after
    another, 23 s on two threads before the MINUS and datatype-path changes, 18 s after).
    """
    bad = _ill_typed(store, compiled.datatypes)
    ill = "".join(f" && !sameTerm({{v}}, {lit})" for lit in bad)  # "{v}": the variable, put in by run_check

    def run(check: Check) -> list[Result]:
        return list(dict.fromkeys(run_check(store, check, ill)))

    # the SPARQL constraints first: they are the longest (nationally up to 4 s, the others mostly under 1 s),
    # and one started last would run alone on one core while the other waits
    order = sorted(range(len(compiled.checks)), key=lambda i: compiled.checks[i].constraint is None)
    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        done = dict(zip(order, pool.map(run, (compiled.checks[i] for i in order))))
    return [result for i in range(len(compiled.checks)) for result in done[i]]  # in the checks' order


def report_graph(results: list[Result], shapes: Graph) -> Graph:
    """The results as a SHACL validation report (SHACL 1.0 §3.6), as pySHACL writes it."""
    report = Graph()
    report.bind("sh", SH)
    root = BNode()
    report.add((root, RDF.type, SH.ValidationReport))
    report.add((root, SH.conforms, Literal(not any(r.severity == SH.Violation for r in results))))
    for r in results:
        node = BNode()
        report.add((root, SH.result, node))
        report.add((node, RDF.type, SH.ValidationResult))
        report.add((node, SH.focusNode, r.focus))
        report.add((node, SH.resultSeverity, r.severity))
        report.add((node, SH.sourceShape, r.shape))
        report.add((node, SH.sourceConstraintComponent, r.component))
        if r.path is not None:
            report.add((node, SH.resultPath, r.path))
            if isinstance(r.path, BNode):  # a complex path: its description comes along
                for triple in shapes.cbd(r.path):
                    report.add(triple)
        if r.value is not None:
            report.add((node, SH.value, r.value))
        if r.constraint is not None:
            report.add((node, SH.sourceConstraint, r.constraint))
        for message in r.messages:
            report.add((node, SH.resultMessage, message))
    return report
