"""The SPARQL validator (cspgraph.shapequeries) against pySHACL, the reference: the same results, case by case.

A result is compared on everything SHACL 1.0 §3.6.2 gives it: focus node, path, value, severity, source shape,
constraint component and message. Literal values are compared as values ("-115.0" and "-115" are one
xsd:decimal: Oxigraph writes the canonical form).
"""

from __future__ import annotations

import re
import threading

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib import namespace
from rdflib.namespace import RDF, SH

from cspgraph import cli as cli_module
from cspgraph.cli import cli
from cspgraph.errors import ShapeError
from cspgraph.graph import build_graph
from cspgraph.shapequeries import compile_shapes
from cspgraph.validation import VALIDATORS, load_shapes, validate_graph
from test_shapes import Case, all_cases, base_graph, ontology_graph, path_key, shapes_graph

CSP = Namespace("https://w3id.org/cspgraph/ontology#")


def _value(v):
    return (v.datatype, v.language, v.toPython()) if isinstance(v, Literal) else v


def comparable(report: Graph) -> set[tuple]:
    out = set()
    for r in report.subjects(RDF.type, SH.ValidationResult):
        path = report.value(r, SH.resultPath)
        out.add((
            report.value(r, SH.focusNode), path_key(report, path) if path is not None else None,
            report.value(r, SH.sourceShape), report.value(r, SH.resultSeverity),
            report.value(r, SH.sourceConstraintComponent), _value(report.value(r, SH.value)),
            str(report.value(r, SH.resultMessage)),
        ))
    return out


def both(data: Graph) -> tuple[set, set]:
    shapes = shapes_graph()
    reference = validate_graph(data, shapes, "pyshacl")
    ours = validate_graph(data, shapes, "sparql")
    assert (reference.conforms, reference.violations, reference.warnings) == (
        ours.conforms, ours.violations, ours.warnings)
    return comparable(reference.report_graph), comparable(ours.report_graph)


def case_data(case: Case) -> Graph:
    """The case's data graph, as tests/test_shapes.py makes it."""
    return base_graph() + case.triples + ontology_graph()


def editable_shapes() -> Graph:
    """A copy of the shipped shapes, to add a feature to."""
    return Graph() + shapes_graph()


@pytest.mark.parametrize("case", all_cases(), ids=str)
def test_same_results_as_pyshacl(case: Case):
    reference, ours = both(case_data(case))
    assert ours == reference, f"{case}: pySHACL only {reference - ours}\nSPARQL only {ours - reference}"


def test_same_results_on_the_bundled_data(repo_paths, built):
    paths = repo_paths
    shapes = load_shapes(paths.ontology / "shapes.ttl")
    ours = validate_graph(built, shapes)  # as the build runs it: from the N-Triples, no rdflib graph
    reference = validate_graph(built.graph, shapes, "pyshacl")
    assert ours.validator == "sparql" and reference.validator == "pyshacl"
    assert comparable(ours.report_graph) == comparable(reference.report_graph)
    # no warning: the three 2020-21 rows without a lead agency (Refugee Action, National Stalking Awareness Week,
    # Hate Crime Awareness - Website Information: 2020-21 lines 169, 155, 151) have no lead cell in the plan
    # (cell: null, and a note saying so), so the lead warning, which checks lead cells, has nothing to say
    assert (ours.conforms, ours.violations, ours.warnings) == (True, 0, 0)
    assert ours.messages == reference.messages


def _ground(store: ox.Store) -> tuple[set[tuple[str, str, str]], int]:
    """A store's triples without blank nodes (their labels are per load), and how many have one."""
    ground, blank = set(), 0
    for quad in store:
        if isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode):
            blank += 1
        else:
            ground.add((str(quad.subject), str(quad.predicate), str(quad.object)))
    return ground, blank


def test_the_store_loaded_while_building_holds_the_built_triples(repo_paths, built):
    """build_graph(preload=True) fills the validator's store block by block, on a second thread, as it builds:
    the same triples as the build's N-Triples loaded in one go, and the same validation results."""
    preloaded = build_graph(repo_paths, preload=True)
    assert preloaded.store is not None and built.store is None
    whole = ox.Store()
    whole.load(input=built.ntriples(), format=ox.RdfFormat.N_TRIPLES)
    assert len(preloaded.store) == len(whole) == built.triple_count
    assert _ground(preloaded.store) == _ground(whole)
    # blocks load one at a time: a blank node in the plan data would be split in two, so there must be none
    assert not any(re.search(rb"(^|\s)_:", chunk, re.MULTILINE) for chunk in preloaded.chunks)
    shapes = load_shapes(repo_paths.ontology / "shapes.ttl")
    assert validate_graph(preloaded, shapes).messages == validate_graph(built, shapes).messages


def test_a_violation_is_found_in_the_preloaded_store(mini_paths):
    """The store made while building is the one validated (not a fresh load that would hide a bug in it)."""
    plan = mini_paths.data / "plans" / "mini-csp" / "2020-21.yaml"
    text = plan.read_text(encoding="utf-8")
    preloaded = build_graph(mini_paths, preload=True)
    initiative = next(q.subject for q in preloaded.store.quads_for_pattern(None, ox.NamedNode(str(RDF.type)),
                                                                            ox.NamedNode(str(CSP.Initiative))))
    preloaded.store.remove(next(iter(preloaded.store.quads_for_pattern(initiative, ox.NamedNode(str(CSP.inPlan)),
                                                                        None))))
    result = validate_graph(preloaded, load_shapes(mini_paths.ontology / "shapes.ttl"))
    assert not result.conforms
    assert any(initiative.value in m and "inPlan" in m for m in result.messages), result.messages
    assert plan.read_text(encoding="utf-8") == text


def test_a_failed_build_stops_the_loader(mini_paths, monkeypatch):
    """A build that fails half-way leaves no loader thread behind."""
    from cspgraph import graph as graph_module

    def fail(self, *args):
        raise RuntimeError("builder failed")

    monkeypatch.setattr(graph_module._Builder, "plan", fail)
    with pytest.raises(RuntimeError, match="builder failed"):
        build_graph(mini_paths, preload=True)
    assert not [t for t in threading.enumerate() if t.name == "cspgraph-store-loader"]


def _ill_typed_data() -> tuple[Graph, URIRef, URIRef]:
    data = case_data(Case(CSP.x, "x", "", Graph(), Graph(), URIRef("urn:x")))
    initiative = next(data.subjects(RDF.type, CSP.Operation))  # an initiative by subclass (_base.ttl)
    entry = next(data.subjects(RDF.type, CSP.RiskMatrixEntry))
    data.set((initiative, CSP.startDate, Literal("2018-02-30", datatype=namespace.XSD.date)))
    data.set((entry, CSP.rank, Literal("abc", datatype=namespace.XSD.integer)))
    return data, initiative, entry


def test_ill_typed_literals_fail_their_datatype():
    """"2018-02-30"^^xsd:date and "abc"^^xsd:integer carry the right datatype IRI but no value (SHACL 1.0
    §4.2.2): both validators report them, through sh:datatype and through an sh:or of datatypes."""
    data, initiative, entry = _ill_typed_data()
    reference, ours = both(data)
    assert ours == reference
    components = {(r[0], r[4]) for r in ours}
    assert (initiative, SH.OrConstraintComponent) in components
    assert (entry, SH.DatatypeConstraintComponent) in components
    assert (entry, SH.MinInclusiveConstraintComponent) in components  # "abc" cannot be compared with 1


def test_values_that_cannot_be_compared_break_less_than_or_equals():
    """SHACL 1.0 §4.5.4: a pair "where the two values cannot be compared" is a result. A first line of 1
    against a last line of "abc"^^xsd:integer is one. (pySHACL 0.x does not report this pair: the one place
    the two validators were seen to differ, and the SPARQL validator follows the specification.)"""
    data = case_data(Case(CSP.x, "x", "", Graph(), Graph(), URIRef("urn:x")))
    span = next(data.subjects(RDF.type, CSP.SourceSpan))
    data.set((span, CSP.lastLine, Literal("abc", datatype=namespace.XSD.integer)))
    result = validate_graph(data, shapes_graph(), "sparql")
    found = {(r[0], r[1], r[4]) for r in comparable(result.report_graph)}
    assert (span, str(CSP.firstLine), SH.LessThanOrEqualsConstraintComponent) in found
    assert (span, str(CSP.lastLine), SH.DatatypeConstraintComponent) in found


def test_sparql_messages_name_the_values():
    case = next(c for c in all_cases() if str(c) == "InitiativeContinuesShape:invalid-later-year")
    result = validate_graph(case_data(case), shapes_graph(), "sparql")
    assert any("initiative/test/2021-22/op-test" in m and "{?" not in m for m in result.messages), result.messages


@pytest.mark.parametrize("feature", [SH.xone, SH.qualifiedValueShape, SH.uniqueLang, SH.node])
def test_a_feature_it_does_not_compile_is_refused_by_name(feature):
    """A constraint the validator cannot run must stop it, never pass unchecked."""
    shapes = editable_shapes()
    prop = next(shapes.objects(URIRef("https://w3id.org/cspgraph/shapes#PlanShape"), SH.property))
    shapes.add((prop, feature, BNode()))
    with pytest.raises(ShapeError, match=str(feature).split("#")[1]):
        compile_shapes(shapes)


def test_a_sparql_constraint_on_a_property_shape_is_refused():
    shapes = editable_shapes()
    prop = next(shapes.objects(URIRef("https://w3id.org/cspgraph/shapes#PlanShape"), SH.property))
    shapes.add((prop, SH.sparql, BNode()))
    with pytest.raises(ShapeError, match="sparql in a property shape"):
        compile_shapes(shapes)


def test_unknown_validator():
    with pytest.raises(ShapeError, match="unknown validator 'fast'"):
        validate_graph(Graph(), shapes_graph(), "fast")


def test_cli_names_of_validators_match_the_library():
    assert cli_module.VALIDATORS == VALIDATORS


@pytest.mark.parametrize("validator", VALIDATORS)
def test_check_and_build_take_the_validator(tmp_path, repo_paths, validator):
    runner = CliRunner()
    root = ["--root", str(repo_paths.root)]
    out = runner.invoke(cli, [*root, "build", "--out", str(tmp_path / "g.ttl"), "--validator", validator])
    assert out.exit_code == 0, out.output
    assert f"SHACL ({validator}): conforms (0 violations, 0 warnings)" in out.output
    bad = runner.invoke(cli, [*root, "build", "--out", str(tmp_path / "g.ttl"), "--validator", "fast"])
    assert bad.exit_code == 2 and "fast" in bad.output


def test_shapes_pyshacl_refuses_raise_a_shape_error():
    """SHACL 1.0 §5.2.1 forbids MINUS in a SPARQL constraint: pySHACL returns a failure instead of a report."""
    shapes = editable_shapes()
    select = next(o for o in shapes.objects(None, SH.select) if "csp:continues" in str(o))
    shapes.remove((None, SH.select, select))
    constraint = next(s for s in shapes.subjects(SH.message, None) if (s, RDF.type, SH.SPARQLConstraint) in shapes
                      and (s, SH.select, None) not in shapes)
    shapes.add((constraint, SH.select, Literal(str(select).replace("FILTER (", "MINUS { $this csp:status ?value } FILTER (", 1))))
    with pytest.raises(ShapeError, match="pySHACL cannot run the shapes"):
        validate_graph(case_data(all_cases()[0]), shapes, "pyshacl")


# ------------------------------------------------------------------------------------------------------------
# small shapes beyond ours: SHACL forms the compiler must get right, or refuse (after an independent review)
# ------------------------------------------------------------------------------------------------------------

PREFIXES = """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <urn:ex:> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def tiny(shapes_ttl: str, data_ttl: str) -> tuple[set, set]:
    shapes = Graph().parse(data=PREFIXES + shapes_ttl, format="turtle")
    data = Graph().parse(data=PREFIXES + data_ttl, format="turtle")
    reference = comparable(validate_graph(data, shapes, "pyshacl").report_graph)
    return reference, comparable(validate_graph(data, shapes, "sparql").report_graph)


def test_this_only_in_a_filter_is_bound_by_the_targets():
    """$this pre-bound (SHACL 1.0 §5.3.1) is bound before the query's own FILTER NOT EXISTS reads it."""
    reference, ours = tiny("""ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:sparql [ a sh:SPARQLConstraint ;
        sh:message "no label" ; sh:select "SELECT $this WHERE { FILTER NOT EXISTS { $this <http://www.w3.org/2000/01/rdf-schema#label> ?l } }" ] .""",
                           """ex:a a ex:C . ex:b a ex:C ; rdfs:label "b" .""")
    assert ours == reference and {r[0] for r in ours} == {URIRef("urn:ex:a")}


def test_a_sparql_constraint_must_select_this():
    shapes = Graph().parse(data=PREFIXES + """ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:sparql [
        a sh:SPARQLConstraint ; sh:message "m" ; sh:select "SELECT ?value WHERE { $this ex:p ?value }" ] .""")
    with pytest.raises(ShapeError, match=r"needs \$this selected"):
        compile_shapes(shapes)


def test_a_false_looking_value_is_kept():
    """0, "" and false are values: the result names them, not the focus node."""
    reference, ours = tiny("""ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:sparql [ a sh:SPARQLConstraint ;
        sh:message "zero" ; sh:select "SELECT $this ?value WHERE { $this <urn:ex:n> ?value FILTER (?value = 0) }" ] .""",
                           """ex:a a ex:C ; ex:n 0 .""")
    assert ours == reference and {r[5] for r in ours} == {(namespace.XSD.integer, None, 0)}


def test_a_shape_inside_sh_not_still_checks_its_own_targets():
    reference, ours = tiny("""ex:A a sh:NodeShape ; sh:targetClass ex:C ; sh:class ex:D ; sh:message "not a D" .
        ex:B a sh:NodeShape ; sh:targetClass ex:E ; sh:not ex:A ; sh:message "an A" .""",
                           """ex:a a ex:C . ex:e a ex:E .""")
    assert ours == reference and (URIRef("urn:ex:a"), SH.ClassConstraintComponent) in {(r[0], r[4]) for r in ours}


def test_min_count_above_max_count_breaks_both():
    reference, ours = tiny("""ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ;
        sh:minCount 3 ; sh:maxCount 1 ; sh:message "m" ] .""", """ex:a a ex:C ; ex:p 1, 2 .""")
    assert ours == reference
    assert {r[4] for r in ours} == {SH.MinCountConstraintComponent, SH.MaxCountConstraintComponent}


def test_a_message_is_made_when_the_shape_gives_none():
    shapes = Graph().parse(data=PREFIXES + """ex:S a sh:NodeShape ; sh:targetClass ex:C ;
        sh:property [ sh:path ex:p ; sh:minCount 1 ] .""")
    result = validate_graph(Graph().parse(data=PREFIXES + "ex:a a ex:C .", format="turtle"), shapes, "sparql")
    assert result.messages == ["violation: urn:ex:a (ex:p): MinCount constraint not met"]


@pytest.mark.parametrize("shape, refused", [
    ("ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:or ([ sh:class ex:D ; sh:property [ sh:path ex:p ; "
     "sh:minCount 1 ] ]) .", "property inside sh:or"),
    ("ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:minCount 1 .", "minCount in a node shape"),
    ("ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:property [ sh:path ex:q ; "
     "sh:minCount 1 ] ] .", "property in a property shape"),
    ("ex:S a sh:NodeShape, rdfs:Class ; sh:class ex:D .", "implicit class target"),
    ('ex:S a sh:NodeShape ; sh:targetNode "abc"^^xsd:integer ; sh:datatype xsd:integer .', "literal sh:targetNode"),
])
def test_what_is_not_compiled_is_refused_not_skipped(shape, refused):
    with pytest.raises(ShapeError, match=refused):
        compile_shapes(Graph().parse(data=PREFIXES + shape, format="turtle"))


@pytest.mark.parametrize("path", ["[ sh:zeroOrMorePath ex:p ]", "[ sh:zeroOrOnePath ex:p ]",
                                  "( [ sh:zeroOrMorePath ex:p ] [ sh:zeroOrOnePath ex:q ] )"])
def test_a_path_of_length_zero_always_has_the_focus_node(path):
    """minCount 1 holds on a path that may be empty: the focus node is its own value, even one that is in no
    triple of the data (a target node); a query over the graph would not find it there."""
    reference, ours = tiny(f"""ex:S a sh:NodeShape ; sh:targetNode ex:absent, ex:a ; sh:property [ sh:path {path} ;
        sh:minCount 1 ; sh:message "m" ] .""", """ex:a ex:r 1 .""")
    assert ours == reference == set()


@pytest.mark.parametrize("bounds, broken", [
    ("sh:minCount 1", {("urn:ex:b", SH.MinCountConstraintComponent)}),
    ("sh:maxCount 1", {("urn:ex:a", SH.MaxCountConstraintComponent)}),
    ("sh:minCount 1 ; sh:maxCount 1", {("urn:ex:a", SH.MaxCountConstraintComponent),
                                       ("urn:ex:b", SH.MinCountConstraintComponent)}),
    ("sh:minCount 2", {("urn:ex:b", SH.MinCountConstraintComponent), ("urn:ex:c", SH.MinCountConstraintComponent)}),
])
@pytest.mark.parametrize("path", ["ex:p", "[ sh:inversePath ex:q ]", "( ex:p ex:r )", "[ sh:alternativePath ( ex:p ex:p2 ) ]"])
def test_each_form_of_count_agrees_with_pyshacl(bounds, broken, path):
    """A lone minCount 1 is a MINUS, a lone maxCount 1 a self-join, the rest a grouped count: each finds the
    same focus nodes as pySHACL, on plain, inverse, sequence and alternative paths, values counted as a set."""
    data = """ex:a a ex:C ; ex:p ex:x, ex:y ; ex:p2 ex:x . ex:b a ex:C . ex:c a ex:C ; ex:p ex:x ; ex:p2 ex:x .
        ex:x ex:q ex:a, ex:c ; ex:r ex:z . ex:y ex:q ex:a ; ex:r ex:w . ex:d a ex:D ; ex:p ex:x, ex:y ."""
    reference, ours = tiny(f"""ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path {path} ;
        {bounds} ; sh:message "m" ] .""", data)
    assert ours == reference
    if path in ("ex:p", "( ex:p ex:r )"):  # the plain and sequence paths reach ex:a's two values, ex:c's one
        assert {(str(r[0]), r[4]) for r in ours} == broken


@pytest.mark.parametrize("validator", VALIDATORS)
def test_the_build_lets_its_store_go_and_keeps_its_rdflib_graph(repo_paths, tmp_path, validator):
    """cspgraph build drops the plan data once built (0.3 GB nationally) and the validator's store once used
    (1.1 GB), and only then copies the BuiltGraph: with pySHACL the rdflib graph it made (100 s nationally)
    stays with the report."""
    from cspgraph.build import run_build

    report = run_build(repo_paths, output=tmp_path / "g.ttl", validator=validator)
    assert report.conforms and report.built.store is None and report.built.data is None
    assert ("graph" in vars(report.built)) == (validator == "pyshacl")
