"""Data-driven tests of ontology/shapes.ttl: every shape has valid and invalid cases that it decides right.

Cases live in ``tests/shapes_cases/<ShapeLocalName>.trig``. Each named graph ``case:<name>`` holds triples
added to the base graph (``_base.ttl``, a small well-formed plan graph); the default graph describes each case
(``rdfs:comment``, required) and may state what the report must contain (``sh:resultPath``, ``sh:focusNode``,
``sh:resultSeverity``). A case named ``valid...`` must conform; a case named ``invalid...`` must not, and
every result it produces must come from the file's shape (the shape itself or one of its property shapes), so
an invalid case is invalid for the one reason it is about. ``_prefixes.ttl`` is prepended to every file.

The data graph is base + case + the four ontology files, validated with inference "none". The ontology is
added to the data graph rather than passed as pySHACL's ``ont_graph``: mixing via ``ont_graph`` deep-clones
every owl:NamedIndividual (seconds per validation for our vocabularies) and gives the same triples. Without
inference, sh:class and sh:targetClass still follow rdfs:subClassOf in the data graph (SHACL 1.0 section
2.1.3.1), while RDFS inference would type every object of a property with an rdfs:range and make sh:class
checks pass vacuously.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, SH

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY_DIR = ROOT / "ontology"
CASES_DIR = Path(__file__).resolve().parent / "shapes_cases"
ONTOLOGY_FILES = ["cspgraph.ttl", "harms.ttl", "statuses.ttl", "agency-types.ttl"]
CSPSH = Namespace("https://w3id.org/cspgraph/shapes#")
CASE = Namespace("urn:case:")


@cache
def shapes_graph() -> Graph:
    return Graph().parse(ONTOLOGY_DIR / "shapes.ttl")


@cache
def ontology_graph() -> Graph:
    g = Graph()
    for name in ONTOLOGY_FILES:
        g.parse(ONTOLOGY_DIR / name)
    return g


@cache
def prefixes() -> str:
    return (CASES_DIR / "_prefixes.ttl").read_text(encoding="utf-8")


@cache
def base_graph() -> Graph:
    return Graph().parse(
        data=prefixes() + (CASES_DIR / "_base.ttl").read_text(encoding="utf-8"), format="turtle"
    )


def named_shapes() -> list[URIRef]:
    """Shapes with an IRI in shapes.ttl: each needs a case file."""
    g = shapes_graph()
    found = set(g.subjects(RDF.type, SH.NodeShape)) | set(g.subjects(RDF.type, SH.PropertyShape))
    return sorted(s for s in found if isinstance(s, URIRef))


def owned_shapes(shape: URIRef) -> set:
    """The shape and its property shapes: the sh:sourceShape values a result of this shape can carry."""
    return {shape, *shapes_graph().objects(shape, SH.property)}


def path_key(graph: Graph, path) -> str:
    """A comparable text for a SHACL property path (IRI, inverse or alternative path)."""
    if isinstance(path, URIRef):
        return str(path)
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + path_key(graph, inverse)
    alternative = graph.value(path, SH.alternativePath)
    if alternative is not None:
        from rdflib.collection import Collection

        return "(" + "|".join(path_key(graph, p) for p in Collection(graph, alternative)) + ")"
    return repr(path)


@dataclass
class Case:
    shape: URIRef
    name: str
    comment: str
    triples: Graph
    expect: Graph = field(repr=False)
    node: URIRef = field(repr=False)

    @property
    def valid(self) -> bool:
        return self.name.startswith("valid")

    def __str__(self) -> str:
        return f"{self.shape.split('#')[-1]}:{self.name}"


def load_cases(shape_name: str) -> list[Case]:
    path = CASES_DIR / f"{shape_name}.trig"
    ds = Dataset()
    with warnings.catch_warnings():
        # rdflib's TriG parser uses its own deprecated ConjunctiveGraph internally: not ours to fix
        warnings.simplefilter("ignore", DeprecationWarning)
        ds.parse(data=prefixes() + path.read_text(encoding="utf-8"), format="trig")
    default = ds.default_graph
    names = {s for s in default.subjects(RDFS.comment, None)} | {
        g.identifier
        for g in ds.graphs()
        if isinstance(g.identifier, URIRef) and str(g.identifier).startswith(str(CASE))
    }
    cases = []
    for node in sorted(names):
        name = str(node)[len(str(CASE)) :]
        triples = Graph()
        for t in ds.graph(node):
            triples.add(t)
        comment = default.value(node, RDFS.comment)
        cases.append(Case(CSPSH[shape_name], name, str(comment or ""), triples, default, node))
    return cases


def all_cases() -> list[Case]:
    return [case for path in sorted(CASES_DIR.glob("*.trig")) for case in load_cases(path.stem)]


def run(case_triples: Graph) -> tuple[bool, Graph, str]:
    data = Graph()
    for g in (base_graph(), case_triples, ontology_graph()):
        for t in g:
            data.add(t)
    conforms, report, text = validate(data, shacl_graph=shapes_graph(), inference="none")
    return conforms, report, text


def results(report: Graph) -> list[dict]:
    out = []
    for r in report.subjects(RDF.type, SH.ValidationResult):
        out.append(
            {
                "shape": report.value(r, SH.sourceShape),
                "focus": report.value(r, SH.focusNode),
                "path": report.value(r, SH.resultPath),
                "severity": report.value(r, SH.resultSeverity),
                "message": report.value(r, SH.resultMessage),
            }
        )
    return out


# ------------------------------------------------------------------------------------------------------------
# inventory
# ------------------------------------------------------------------------------------------------------------


def test_every_shape_has_valid_and_invalid_cases():
    """A new shape in shapes.ttl must come with tests/shapes_cases/<Shape>.trig holding both kinds of case."""
    missing = []
    for shape in named_shapes():
        name = shape.split("#")[-1]
        if not (CASES_DIR / f"{name}.trig").exists():
            missing.append(f"{name}: no file tests/shapes_cases/{name}.trig")
            continue
        kinds = {c.valid for c in load_cases(name)}
        if kinds != {True, False}:
            missing.append(f"{name}: needs at least one valid... and one invalid... case")
    assert not missing, "\n".join(missing)


def test_every_case_file_names_a_shape():
    shapes = {s.split("#")[-1] for s in named_shapes()}
    stale = [p.name for p in CASES_DIR.glob("*.trig") if p.stem not in shapes]
    assert not stale, f"case files for shapes that shapes.ttl no longer has: {stale}"


def test_every_case_is_described():
    undescribed = [str(c) for c in all_cases() if not c.comment]
    assert not undescribed, f"give these cases an rdfs:comment in the default graph: {undescribed}"


def test_shapes_tell_a_person_what_to_do():
    """Every property shape has sh:name and sh:message; node shapes have a label and a comment; SPARQL too."""
    g = shapes_graph()
    problems = []
    property_shapes = set(g.objects(None, SH.property)) | set(g.subjects(RDF.type, SH.PropertyShape))
    for ps in property_shapes:
        path = path_key(g, g.value(ps, SH.path))
        if g.value(ps, SH.name) is None:
            problems.append(f"property shape on {path}: no sh:name")
        if g.value(ps, SH.message) is None:
            problems.append(f"property shape on {path}: no sh:message")
    for shape in named_shapes():
        for p in (RDFS.label, RDFS.comment):
            if g.value(shape, p) is None:
                problems.append(f"{shape}: no {p}")
    for constraint in g.objects(None, SH.sparql):
        if g.value(constraint, SH.message) is None:
            problems.append(f"SPARQL constraint {constraint}: no sh:message")
    node_level = (SH["or"], SH["and"], SH["not"], SH.xone, SH["class"], SH.datatype, SH.nodeKind, SH["in"])
    for shape in g.subjects(RDF.type, SH.NodeShape):
        if any(g.value(shape, p) is not None for p in node_level) and g.value(shape, SH.message) is None:
            problems.append(f"{shape}: has node-level constraints but no sh:message")
    assert not problems, "\n".join(sorted(problems))


# ------------------------------------------------------------------------------------------------------------
# the cases
# ------------------------------------------------------------------------------------------------------------


def test_base_graph_conforms():
    conforms, _, text = run(Graph())
    assert conforms, text


def test_vocabularies_conform_on_their_own():
    """The ontology files alone (harms, statuses, agency types, ONS groups) meet the vocabulary shapes."""
    conforms, _, text = validate(ontology_graph(), shacl_graph=shapes_graph(), inference="none")
    assert conforms, text


def focus_nodes(shape: URIRef, data: Graph) -> set:
    """Focus nodes of a shape's targets (SHACL 2.1.3): class (with subclasses), node, objects/subjects of."""
    g = shapes_graph()
    nodes: set = set()
    for cls in g.objects(shape, SH.targetClass):
        q = "SELECT ?x WHERE { ?x a/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?c }"
        nodes |= {row[0] for row in data.query(q, initBindings={"c": cls})}
    nodes |= set(g.objects(shape, SH.targetNode))
    for p in g.objects(shape, SH.targetObjectsOf):
        nodes |= set(data.objects(None, p))
    for p in g.objects(shape, SH.targetSubjectsOf):
        nodes |= set(data.subjects(p, None))
    return nodes


@pytest.mark.parametrize("case", all_cases(), ids=str)
def test_case(case: Case):
    conforms, report, text = run(case.triples)
    found = results(report)
    if case.valid:
        assert conforms, f"{case} ({case.comment}) should conform:\n{text}"
        data = base_graph() + case.triples + ontology_graph()
        assert focus_nodes(case.shape, data), f"{case} does not exercise {case.shape}: no focus node"
        return
    assert not conforms, f"{case} ({case.comment}) should not conform"
    owned = owned_shapes(case.shape)
    strangers = [r for r in found if r["shape"] not in owned]
    assert not strangers, f"{case} is also invalid for other shapes (make it minimal):\n{text}"
    for predicate, key in ((SH.resultPath, "path"), (SH.focusNode, "focus"), (SH.resultSeverity, "severity")):
        for expected in case.expect.objects(case.node, predicate):
            if key == "path":
                want = path_key(case.expect, expected)
                got = {path_key(report, r["path"]) for r in found if r["path"] is not None}
            else:
                want, got = expected, {r[key] for r in found}
            assert want in got, f"{case}: expected {key} {want} in the report, got {got}:\n{text}"
    if not list(case.expect.objects(case.node, SH.resultSeverity)):
        assert all(r["severity"] == SH.Violation for r in found), f"{case}: expected Violations:\n{text}"
    assert all(isinstance(r["message"], Literal) and str(r["message"]) for r in found), text


def test_warnings_alone_conform_when_allowed():
    """The build runs with allow_warnings=True: an initiative with no lead agency is reported but conforms."""
    (case,) = [c for c in load_cases("InitiativeLeadAgencyShape") if not c.valid]
    data = base_graph() + case.triples + ontology_graph()
    conforms, report, _ = validate(data, shacl_graph=shapes_graph(), inference="none", allow_warnings=True)
    assert conforms
    assert any(r["severity"] == SH.Warning for r in results(report))


def test_sparql_messages_name_the_values():
    """SHACL-SPARQL message templates ({?value}) are filled in, so the message names the offending node."""
    case = next(c for c in load_cases("InitiativeContinuesShape") if c.name == "invalid-later-year")
    _, report, _ = run(case.triples)
    messages = [str(r["message"]) for r in results(report)]
    assert any("initiative/test/2021-22/op-test" in m and "{?" not in m for m in messages), messages


def test_blank_node_paths_compare():
    """Self-check of the harness: inverse paths of the case file and of the report compare equal."""
    g = Graph()
    b = BNode()
    g.add((b, SH.inversePath, URIRef("urn:p")))
    assert path_key(g, b) == "^urn:p"
