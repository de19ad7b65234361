"""``cspgraph check``'s OWL half: HermiT through owlready2 (``cspgraph.reasoning``), as a user meets it.

The reasoner's view of the ontology alone is tested in ``test_ontology.py``; here: the shipped data is
consistent, an inconsistent graph exits 1 and says so, and no Java runtime exits 2 with what to install.
HermiT needs Java: without it these tests are skipped on a developer's machine and fail in CI (``CI=true``),
where ``scripts/setup.sh dev`` installs it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cspgraph.cli import cli
from cspgraph.reasoning import check_consistency

REPO_ONTOLOGY = Path(__file__).resolve().parents[1] / "ontology"
IN_CI = os.environ.get("CI", "").lower() in ("true", "1")


@pytest.fixture(autouse=True)
def java():
    if shutil.which("java") is None:
        reason = "HermiT needs a Java runtime on PATH (apt-get install default-jre-headless)"
        if IN_CI:
            pytest.fail(f"{reason}; CI must run the reasoner tests")
        pytest.skip(reason)


def _check(*args: str):
    return CliRunner().invoke(cli, [*args, "check"], catch_exceptions=False)


def test_the_shipped_data_is_consistent_under_hermit():
    result = _check()
    assert result.exit_code == 0, result.output
    assert "SHACL (sparql): conforms" in result.output and "OWL (HermiT): consistent" in result.output


def test_an_inconsistent_graph_exits_1_and_says_so(mini_paths, tmp_path):
    """An axiom no SHACL shape sees: agencies declared disjoint from what every agency is (csp:Agency is an
    org:FormalOrganization), so each agency of the fixture is a contradiction only the reasoner finds."""
    ontology = tmp_path / "ontology"
    shutil.copytree(REPO_ONTOLOGY, ontology)
    with (ontology / "cspgraph.ttl").open("a", encoding="utf-8") as turtle:
        turtle.write("\n<https://w3id.org/cspgraph/ontology#Agency> <http://www.w3.org/2002/07/owl#disjointWith> "
                     "<http://www.w3.org/ns/org#FormalOrganization> .\n")
    result = _check("--root", str(mini_paths.root), "--ontology", str(ontology))
    assert result.exit_code == 1, result.output
    assert "SHACL (sparql): conforms" in result.output and "OWL (HermiT): INCONSISTENT" in result.output
    assert "Traceback" not in result.output


def test_without_java_check_exits_2_and_says_what_to_install(mini_paths, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no java on it
    result = CliRunner().invoke(cli, ["--root", str(mini_paths.root), "--ontology", str(mini_paths.ontology), "check"])
    assert result.exit_code == 2, result.output
    assert "no Java runtime on PATH" in result.output and "default-jre-headless" in result.output
    assert "Traceback" not in result.output


def test_check_consistency_answers_rather_than_raises(built):
    """An inconsistent graph is an answer (exit 1), not a fault: the library returns it, with HermiT's words."""
    from rdflib import RDF, URIRef

    graph = built.graph
    police = URIRef("https://w3id.org/cspgraph/id/agency/essex-police")
    # an agency typed as an initiative: the ontology's AllDisjointClasses keeps the two apart
    clash = (police, RDF.type, URIRef("https://w3id.org/cspgraph/ontology#Initiative"))
    assert check_consistency(graph).consistent
    graph.add(clash)
    try:
        result = check_consistency(graph)
    finally:
        graph.remove(clash)
    assert not result.consistent and result.explanation and result.reasoner == "HermiT"
