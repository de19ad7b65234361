"""A part of the graph (cspgraph.scope): what those plans alone would have built, and the explorer of it."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from cspgraph import explorer
from cspgraph.build import run_build
from cspgraph.cli import cli
from cspgraph.errors import QueryError
from cspgraph.explorer import build_site
from rdflib.namespace import SKOS

from cspgraph.namespaces import CSP, ID, partnership_iri
from cspgraph.project import ProjectPaths
from cspgraph.questions import ask, load_questions, options
from cspgraph.gaps import gap_report
from cspgraph.network import co_delivery_network, delivery, network_report
from cspgraph.scope import INSTANCE_CLASSES, Scope, chosen_plans, delivery_part, part
from cspgraph.session import open_store
from cspgraph.shapequeries import compile_shapes, validate_store
from cspgraph.store import OxigraphStore
from cspgraph.validation import load_shapes

REPO = Path(__file__).resolve().parents[1]


def _generator():
    spec = importlib.util.spec_from_file_location("cspgraph_benchmarks_generate_scope", REPO / "benchmarks" /
                                                  "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """benchmarks/generate.py at 0.04: 2 force areas, 12 partnerships x 5 years, 6 initiatives a plan."""
    generate = _generator()
    root = tmp_path_factory.mktemp("scope") / "gen"
    manifest = generate.Generator(root, 0.04, 2024, initiatives_per_plan=6).run()
    assert manifest.force_areas == 2 and manifest.partnerships >= 4
    paths = ProjectPaths.at(root).with_overrides(ontology=REPO / "ontology", queries=REPO / "queries")
    assert run_build(paths).conforms
    return paths, manifest, OxigraphStore.from_file(paths.graph_file)


def generate_years() -> tuple[str, ...]:
    return _generator().YEARS


def _partnerships_with_plans(store: OxigraphStore) -> list[str]:
    return sorted({q.object.value.rsplit("/", 1)[-1]
                   for q in store.oxigraph.quads_for_pattern(None, ox.NamedNode(str(CSP.ofPartnership)), None)})


def _triples(store: OxigraphStore) -> set[str]:
    """The triples as N-Triples lines; blank nodes (only the ontology's OWL lists) counted apart."""
    return {str(q.triple) for q in store.oxigraph if not isinstance(q.subject, ox.BlankNode)
            and not isinstance(q.object, ox.BlankNode)}


def _blank(store: OxigraphStore) -> int:
    return sum(1 for q in store.oxigraph if isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode))


def _rows(answer) -> list[str]:
    """An answer's rows in a comparable form: GROUP_CONCAT lists ("a; b") come in the engine's order."""
    def cell(value):
        return "; ".join(sorted(value.split("; "))) if isinstance(value, str) else value
    return sorted(repr(tuple(cell(v) for v in row)) for row in answer.rows())


def _build_only(paths: ProjectPaths, partnerships: list[str], where: Path) -> OxigraphStore:
    """The graph built from a folder holding only these partnerships' plans (the registers whole)."""
    root = where / "only"
    (root / "data" / "plans").mkdir(parents=True)
    shutil.copytree(paths.data / "reference", root / "data" / "reference")
    shutil.copytree(paths.data / "sources", root / "data" / "sources")
    for slug in partnerships:
        shutil.copytree(paths.data / "plans" / slug, root / "data" / "plans" / slug)
    only = ProjectPaths.at(root).with_overrides(ontology=paths.ontology, queries=paths.queries)
    run_build(only, validate=False)
    return OxigraphStore.from_file(only.graph_file)


@pytest.mark.parametrize("which", ["partnership", "force area"])
def test_a_part_is_what_those_plans_alone_build_with_the_registers_trimmed(which, generated, tmp_path):
    paths, manifest, whole = generated
    if which == "partnership":
        slugs, scope = [manifest.sample_partnership], Scope(partnerships=(manifest.sample_partnership,))
    else:  # the generator's own record of the force area: its partnerships and its Police and Crime Plan
        slugs, scope = manifest.sample_force_partnerships, Scope(pfcc_plans=(manifest.sample_pfcc_scheme,))
        assert 2 <= len(slugs) < manifest.partnerships  # a force area: some partnerships, not all
    cut = part(whole, chosen_plans(whole, scope))
    alone = _build_only(paths, slugs, tmp_path)
    # the same registers, trimmed the same way: this shows that nothing of the other plans leaks into the part
    # (what trimming leaves out is checked without part() in the next test)
    trimmed = part(alone, chosen_plans(alone, Scope()))
    assert sorted(cut.plans) == sorted(f"{ID}plan/{p}/{y}" for p in slugs for y in generate_years())
    assert _triples(cut.store) == _triples(trimmed.store)
    assert _blank(cut.store) == _blank(whole) > 0  # the ontology whole
    # the registers were trimmed: the whole graph names agencies these plans never do
    agencies = {q.subject for q in whole.oxigraph.quads_for_pattern(None, None, ox.NamedNode(str(CSP.Agency)))}
    kept = {q.subject for q in cut.store.oxigraph.quads_for_pattern(None, None, ox.NamedNode(str(CSP.Agency)))}
    assert kept < agencies
    assert cut.triples + cut.left_out == len(whole.oxigraph)


def test_trimming_leaves_out_only_register_entries_that_no_kept_thing_names(generated, tmp_path):
    """Checked without part()'s own walk: on a build of one force area's plans alone, the part of all of them
    keeps every triple about the plans and their contents, and leaves out register entries nobody names."""
    paths, manifest, _whole = generated
    alone = _build_only(paths, manifest.sample_force_partnerships, tmp_path)
    cut = part(alone, chosen_plans(alone, Scope()))
    registers = (CSP.Partnership, CSP.Agency, CSP.AgencyUnit, CSP.Place, CSP.PoliceAndCrimePlan, CSP.PFCCPriority,
                 CSP.SourceDocument, CSP.SourceSpan)
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    register = {q.subject for cls in registers
                for q in alone.oxigraph.quads_for_pattern(None, rdf_type, ox.NamedNode(str(cls)))}
    kept = set(cut.store.oxigraph)
    lost = [q for q in alone.oxigraph if q not in kept]
    assert lost and all(q.subject in register or q.object in register for q in lost)
    left_out = {q.subject for q in lost if q.subject in register} - {q.subject for q in kept}
    assert left_out  # the national registers name agencies of other force areas
    assert not any(q.object in left_out for q in kept)
    # every priority of the force area's Police and Crime Plan stays, the undelivered ones too (generate.py)
    force_scheme = {q.object for q in alone.oxigraph.quads_for_pattern(None, ox.NamedNode(str(CSP.pfccPlan)), None)}
    for q in alone.oxigraph.quads_for_pattern(None, ox.NamedNode(str(SKOS.inScheme)), None):
        if q.object in force_scheme:
            assert q in kept
    undelivered = [ox.NamedNode(str(ID[f"priority/{u}"])) for u in manifest.undelivered]
    assert any(q.subject in undelivered for q in kept)


def test_a_part_never_points_at_what_it_left_out_and_conforms_to_the_shapes(generated):
    _paths, manifest, whole = generated
    cut = part(whole, chosen_plans(whole, Scope(partnerships=(manifest.sample_partnership,), years=("2020-21",))))
    assert len(cut.plans) == 1
    instances = {q.subject for cls in INSTANCE_CLASSES
                 for q in whole.oxigraph.quads_for_pattern(None, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                                                           ox.NamedNode(str(cls)))}
    subjects = {q.subject for q in cut.store.oxigraph}
    dangling = {q.object for q in cut.store.oxigraph if q.object in instances and q.object not in subjects}
    assert dangling == set()
    # the generator links initiatives to earlier years': those links went with the earlier plan
    continues = list(cut.store.oxigraph.quads_for_pattern(None, ox.NamedNode(str(CSP.continues)), None))
    assert continues == []
    assert list(whole.oxigraph.quads_for_pattern(None, ox.NamedNode(str(CSP.continues)), None))
    results = validate_store(cut.store.oxigraph, compile_shapes(load_shapes(REPO / "ontology" / "shapes.ttl")))
    assert [r for r in results if r.severity.endswith("Violation")] == []


def test_every_question_about_a_partnership_answers_the_same_on_its_part(generated):
    """A question asked on the whole graph for one partnership, and on that partnership's part for all."""
    _paths, manifest, whole = generated
    slug = manifest.sample_partnership
    cut = part(whole, chosen_plans(whole, Scope(partnerships=(slug,))))
    lead = next(iter(cut.store.oxigraph.quads_for_pattern(None, ox.NamedNode(str(CSP.leadAgency)), None))).object.value
    compared = 0
    for q in load_questions(REPO / "queries").values():
        if "partnership" not in {p.name for p in q.params}:
            continue
        extra = {}
        if "agency" in {p.name for p in q.params}:  # its default (Essex Police) is the bundled plans' agency
            extra["agency"] = lead
        on_whole = _rows(ask(q, whole, {"partnership": slug, **extra}))
        on_part = _rows(ask(q, cut.store, extra))
        assert on_part == on_whole, q.id
        compared += bool(on_whole)
    assert compared >= 12  # most questions have rows for one partnership; an empty == empty proves little


def test_the_part_of_every_plan_answers_every_question_as_the_whole_graph(built, real_store):
    cut = part(real_store, chosen_plans(real_store, Scope()))
    for q in load_questions(REPO / "queries").values():
        assert _rows(ask(q, cut.store)) == _rows(ask(q, real_store)), q.id


def test_a_pfcc_plan_chooses_its_force_areas_plans_and_names_are_resolved(generated):
    _paths, manifest, whole = generated
    scheme = manifest.undelivered[0].split("/")[0]  # "pfcc-<force>/<n>"
    plans = chosen_plans(whole, Scope(pfcc_plans=(scheme,)))
    serving = {q.subject.value for q in whole.oxigraph.quads_for_pattern(
        None, ox.NamedNode(str(CSP.pfccPlan)), ox.NamedNode(str(ID[f"scheme/{scheme}"])))}
    assert set(plans) == serving and plans
    by_label = chosen_plans(whole, Scope(partnerships=(
        next(q.object.value for q in whole.oxigraph.quads_for_pattern(
            ox.NamedNode(str(partnership_iri(manifest.sample_partnership))),
            ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), None)).upper(),)))
    assert by_label == chosen_plans(whole, Scope(partnerships=(manifest.sample_partnership,)))
    other = next(p for p in _partnerships_with_plans(whole) if f"plan/{p}/" not in " ".join(plans))
    alone = chosen_plans(whole, Scope(partnerships=(other,)))
    both = chosen_plans(whole, Scope(partnerships=(other,), pfcc_plans=(scheme,)))
    assert set(both) == set(plans) | set(alone) and len(alone) == 5  # partnerships and PFCC plans add up
    narrowed = chosen_plans(whole, Scope(partnerships=(other,), pfcc_plans=(scheme,), years=("2020-21", "2021-22")))
    assert set(narrowed) == {p for p in both if p.endswith(("/2020-21", "/2021-22"))}  # years narrow


@pytest.mark.parametrize("scope, message", [
    (Scope(partnerships=("safer-colchestr",)), "no partnership 'safer-colchestr' in the graph\n  -> did you mean safer-colchester?"),
    (Scope(pfcc_plans=("pfcc-kent",)), "no Police and Crime Plan 'pfcc-kent' in the graph\n  -> did you mean pfcc-essex-2016?"),
    (Scope(years=("2019-20",)), "no plan year '2019-20' in the graph\n  -> known years: 2018-19, 2020-21"),
])
def test_a_scope_naming_what_is_not_there_is_refused(scope, message, real_store):
    with pytest.raises(QueryError) as err:
        chosen_plans(real_store, scope)
    assert str(err.value).startswith(message)


def test_the_explorer_of_a_year_shows_that_years_plan_only(built, repo_paths, tmp_path):
    # data/plans/safer-colchester/2020-21.yaml and 2018-19.yaml: two plans; the part keeps 2020-21
    report = build_site(repo_paths, tmp_path / "site", scope=Scope(years=("2020-21",)))
    whole = build_site(repo_paths, tmp_path / "whole")
    assert report.covers == "1 plan of Safer Colchester Partnership, 2020-21"
    assert [p for p in report.pages if p.startswith("plans/")] == ["plans/safer-colchester--2020-21.html"]
    assert sorted(p for p in whole.pages if p.startswith("plans/")) == [
        "plans/safer-colchester--2018-19.html", "plans/safer-colchester--2020-21.html"]
    assert not any("/2018-19/" in iri for iri in report.page_of if "/initiative/" in iri)
    # the network and the gaps are the part's: 2020-21's initiatives, and its plan only
    network = (tmp_path / "site" / "network.html").read_text(encoding="utf-8")
    data = json.loads(re.search(r'<script type="application/json" id="graph-data">(.*?)</script>', network, re.S)[1])
    assert {i["year"] for i in data["initiatives"]} == {"2020-21"} and len(data["initiatives"]) > 50
    gaps = (tmp_path / "site" / "gaps.html").read_text(encoding="utf-8")
    assert "2020-21" in gaps and "2018-19" not in gaps
    assert "2018-19" in (tmp_path / "whole" / "gaps.html").read_text(encoding="utf-8")
    assert any("/2018-19/" in iri for iri in whole.page_of if "/initiative/" in iri)
    assert len(report.pages) < len(whole.pages)
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "This site shows part of the graph:</b> 1 plan of Safer Colchester Partnership, 2020-21" in index
    assert "This site shows part of the graph" not in (tmp_path / "whole" / "index.html").read_text(encoding="utf-8")
    assert whole.covers == ""


def test_a_whole_site_of_a_large_graph_is_announced_and_a_part_is_not(built, repo_paths, tmp_path, monkeypatch):
    # the bundled plans' 85 initiatives, 14 of them police operations: data/plans/safer-colchester/*.yaml
    monkeypatch.setattr(explorer, "LARGE_SITE", 10)
    heard: list[str] = []
    build_site(repo_paths, tmp_path / "a", notify=heard.append)
    assert len(heard) == 1 and "writing the site of all 85 initiatives" in heard[0] and "--pfcc-plan" in heard[0]
    build_site(repo_paths, tmp_path / "b", scope=Scope(partnerships=("safer-colchester",)), notify=heard.append)
    assert len(heard) == 1


def test_explore_takes_a_scope_and_refuses_a_wrong_one_without_writing(built, repo_paths, tmp_path):
    runner = CliRunner()
    out = tmp_path / "site"
    result = runner.invoke(cli, ["--root", str(repo_paths.root), "explore", "--out", str(out),
                                 "--pfcc-plan", "pfcc-essex-2016", "--year", "2018-19"])
    assert result.exit_code == 0, result.output
    assert "1 plan of Safer Colchester Partnership, 2018-19" in result.output
    assert (out / "index.html").is_file()
    bad = tmp_path / "bad"
    result = runner.invoke(cli, ["--root", str(repo_paths.root), "explore", "--out", str(bad),
                                 "--partnership", "safer-colchester", "--year", "2021-22"])
    assert result.exit_code != 0
    assert "no plan year '2021-22' in the graph" in result.output and "Traceback" not in result.output
    assert not bad.exists()


def test_a_part_leaves_the_whole_store_as_it_was(real_store):
    before = len(real_store.oxigraph)
    cut = part(real_store, chosen_plans(real_store, Scope(years=("2018-19",))))
    assert len(real_store.oxigraph) == before and cut.triples < before


def test_part_refuses_what_is_not_a_plan(real_store):
    with pytest.raises(QueryError, match="not a plan in the graph"):
        part(real_store, [str(ID["agency/essex-police"])])


def test_open_store_and_a_part_of_it_are_separate(repo_paths, built):
    whole = open_store(repo_paths)
    before = len(whole.oxigraph)
    cut = part(whole, chosen_plans(whole, Scope(years=("2020-21",))))
    assert 0 < len(cut.store.oxigraph) < before
    cut.store.oxigraph.clear()
    assert len(whole.oxigraph) == before


def _tiny() -> OxigraphStore:
    """Two plans by hand: the first's initiative is led by a team (its agency reached only through
    org:unitOf) in a place (its county reached only through csp:within), and continues the second's."""
    text = """
    @prefix csp: <https://w3id.org/cspgraph/ontology#> . @prefix id: <https://w3id.org/cspgraph/id/> .
    @prefix org: <http://www.w3.org/ns/org#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    id:partnership/a a csp:Partnership ; rdfs:label "A" .  id:partnership/b a csp:Partnership ; rdfs:label "B" .
    id:plan/a/2020-21 a csp:Plan ; csp:ofPartnership id:partnership/a ; csp:planYear "2020-21" .
    id:plan/b/2020-21 a csp:Plan ; csp:ofPartnership id:partnership/b ; csp:planYear "2020-21" .
    id:initiative/a/2020-21/x a csp:Initiative ; csp:inPlan id:plan/a/2020-21 ; csp:leadAgency id:agency/c/team ;
        csp:location id:place/town ; csp:continues id:initiative/b/2020-21/y .
    id:initiative/b/2020-21/y a csp:Initiative ; csp:inPlan id:plan/b/2020-21 ; csp:leadAgency id:agency/d ;
        csp:location id:place/village .
    id:agency/c/team a csp:AgencyUnit ; org:unitOf id:agency/c .  id:agency/c a csp:Agency ; rdfs:label "C" .
    id:agency/d a csp:Agency ; rdfs:label "D" .
    id:place/town a csp:Place ; csp:within id:place/county .  id:place/county a csp:Place .
    id:place/village a csp:Place ; csp:within id:place/county .
    """
    text = re.sub(r"\bid:([\w/.-]+)", lambda m: f"<{ID}{m[1]}>", text)  # Turtle's prefixed names cannot hold "/"
    store = ox.Store()
    store.load(text.encode(), format=ox.RdfFormat.TURTLE)
    return OxigraphStore.from_oxigraph(store)


def test_a_part_follows_teams_to_their_agency_and_places_to_where_they_lie():
    tiny = _tiny()
    cut = part(tiny, [str(ID["plan/a/2020-21"])])
    subjects = {q.subject.value.removeprefix(str(ID)) for q in cut.store.oxigraph}
    assert subjects == {"partnership/a", "plan/a/2020-21", "initiative/a/2020-21/x", "agency/c/team", "agency/c",
                        "place/town", "place/county"}
    assert not list(cut.store.oxigraph.quads_for_pattern(None, ox.NamedNode(str(CSP.continues)), None))
    assert cut.summary == "1 plan of A, 2020-21" and cut.left_out == len(tiny.oxigraph) - cut.triples


def test_a_scope_reads_one_name_as_one_and_names_its_folder():
    assert Scope(partnerships="safer-colchester") == Scope(partnerships=("safer-colchester",))
    assert Scope(years=["2020-21"]).years == ("2020-21",)
    assert Scope(partnerships=("Safer Colchester Partnership",), years=("2020-21",)).folder == \
        "site-safer-colchester-partnership-2020-21"
    assert Scope(pfcc_plans=("../..",)).folder == "site-part"  # never a path out of the project
    assert not Scope() and Scope(years=("2020-21",))


def test_part_of_no_plan_is_refused(real_store):
    with pytest.raises(QueryError, match="no plan chosen"):
        part(real_store, [])


def test_a_registered_partnership_or_pcc_plan_without_plans_chooses_none(generated, tmp_path):
    paths, manifest, _whole = generated
    alone = _build_only(paths, manifest.sample_force_partnerships, tmp_path)  # the registers hold every force
    other_force = next(u.split("/")[0] for u in manifest.undelivered if not u.startswith(manifest.sample_pfcc_scheme))
    for scope in (Scope(pfcc_plans=(other_force,)),
                  Scope(partnerships=(next(p for p in _partnerships_with_plans(_whole)
                                           if p not in manifest.sample_force_partnerships),))):
        with pytest.raises(QueryError) as err:
            chosen_plans(alone, scope)
        assert str(err.value).startswith("no plan in the graph is of those partnerships or serves those Police "
                                         "and Crime Plans"), str(err.value)


def test_a_part_given_to_build_site_is_named_on_its_home_page(real_store, repo_paths, built, tmp_path):
    cut = part(real_store, chosen_plans(real_store, Scope(years=("2018-19",))))
    report = build_site(repo_paths, tmp_path / "site", cut)
    assert report.covers == cut.summary == "1 plan of Safer Colchester Partnership, 2018-19"
    assert "This site shows part of the graph" in (tmp_path / "site" / "index.html").read_text(encoding="utf-8")


def test_a_default_the_part_lacks_is_stood_in_for_and_said(generated, repo_paths, tmp_path):
    """initiatives-of-agency defaults to essex-police (the bundled plans'): a generated force area has none."""
    paths, manifest, whole = generated
    cut = part(whole, chosen_plans(whole, Scope(partnerships=(manifest.sample_partnership,))))
    report = build_site(paths, tmp_path / "site", cut)
    assert report.warnings == ()
    page = (tmp_path / "site" / "questions" / "initiatives-of-agency.html").read_text(encoding="utf-8")
    assert "the question&#39;s default, essex-police, is not in these plans" in page
    assert "could not be answered" not in page
    first = options(load_questions(REPO / "queries")["initiatives-of-agency"], "agency", cut.store)[0]
    assert f"Agency: {first[1]}" in page


def test_explore_writes_a_part_beside_the_whole_site_not_over_it(built, tmp_path):
    root = tmp_path / "project"
    shutil.copytree(REPO, root, ignore=shutil.ignore_patterns(".git", ".venv", "site*", "build", "__pycache__"))
    runner = CliRunner()
    assert runner.invoke(cli, ["--root", str(root), "explore"]).exit_code == 0
    whole = sorted(p.name for p in (root / "site" / "plans").iterdir())
    result = runner.invoke(cli, ["--root", str(root), "explore", "--partnership", "safer-colchester",
                                 "--year", "2020-21"])
    assert result.exit_code == 0, result.output
    assert "this site shows 1 plan of Safer Colchester Partnership, 2020-21" in result.output
    assert sorted(p.name for p in (root / "site" / "plans").iterdir()) == whole and len(whole) == 2
    assert [p.name for p in (root / "site-safer-colchester-2020-21" / "plans").iterdir()] == [
        "safer-colchester--2020-21.html"]


def _report_text(report) -> list:
    """A gap report as what the CLI prints: its summary and every section's rows."""
    return [report.summary(), [(s.title, s.rows()) for s in report.sections()]]


def test_a_force_areas_table_gives_the_gaps_and_network_of_its_part(generated):
    """delivery_part (from the saved table) against the graph's part: the same gap report and network."""
    _paths, manifest, whole = generated
    scope = Scope(pfcc_plans=(manifest.sample_pfcc_scheme,))
    cut = part(whole, chosen_plans(whole, scope))
    table = delivery_part(delivery(whole), scope)
    assert sorted(p for p in table.plans) == sorted(cut.plans)
    assert {i.partnership.rsplit("/", 1)[-1] for i in table.initiatives} == set(manifest.sample_force_partnerships)
    assert _report_text(gap_report(table)) == _report_text(gap_report(cut.store))
    assert _report_text(gap_report(table, year="2021-22")) == _report_text(gap_report(cut.store, year="2021-22"))
    ours, theirs = co_delivery_network(table), co_delivery_network(cut.store)
    assert sorted(ours.edges(data="weight")) == sorted(theirs.edges(data="weight")) and ours.number_of_edges() > 10
    assert dict(ours.nodes(data="label")) == dict(theirs.nodes(data="label"))
    # the undelivered PFCC priorities of the force area (generate.py) are in its gap report
    text = " ".join(map(str, gap_report(table).summary()))
    assert "no initiative" in text.lower()
    with pytest.raises(QueryError, match="no Police and Crime Plan \\(by its slug\\) 'pfcc-nowhere' in the graph"):
        delivery_part(delivery(whole), Scope(pfcc_plans=("pfcc-nowhere",)))
    # a priority filter: the force area's own priorities, and another force area's, which the part does not hold
    other = next(u.split("/")[0] for u in manifest.undelivered if not u.startswith(manifest.sample_pfcc_scheme))
    most = max(int(q.notation) for q in delivery(whole).priorities.values() if q.kind == "pfcc")
    for priority in ("pfcc:1", "scp:2", f"{manifest.sample_pfcc_scheme}/2", f"{other}/1", f"pfcc:{most}"):
        try:
            expected = sorted(co_delivery_network(cut.store, priority=priority).edges(data="weight"))
        except QueryError:
            with pytest.raises(QueryError):
                co_delivery_network(table, priority=priority)
            continue
        assert sorted(co_delivery_network(table, priority=priority).edges(data="weight")) == expected, priority
    # reports and errors say which plans the table holds
    assert network_report(table).summary.startswith(f"Co-delivery network (plans serving {manifest.sample_pfcc_scheme}):")
    outside = next(p for p in _partnerships_with_plans(whole) if p not in manifest.sample_force_partnerships)
    with pytest.raises(QueryError, match=f"no partnership '{outside}' among the plans serving"):
        gap_report(table, partnership=outside)
    # a table read for one partnership holds no other's initiatives: narrowing it elsewhere is refused
    with pytest.raises(QueryError, match="was read into this table"):
        delivery_part(delivery(whole, partnership=outside), scope)


def test_gaps_and_network_take_a_pfcc_plan(generated, tmp_path):
    paths, manifest, whole = generated
    runner = CliRunner()
    base = ["--root", str(paths.root), "--ontology", str(paths.ontology), "--queries", str(paths.queries)]
    scheme = manifest.sample_pfcc_scheme
    result = runner.invoke(cli, [*base, "gaps", "--pfcc-plan", scheme, "--format", "json"])
    assert result.exit_code == 0, result.output
    named = {slug for slug in _partnerships_with_plans(whole) if slug.split("-", 1)[1].replace("-", " ") in
             result.output.lower()}
    assert named and named <= set(manifest.sample_force_partnerships)
    picture = tmp_path / "force.html"
    result = runner.invoke(cli, [*base, "network", "--pfcc-plan", scheme, "--html", str(picture)])
    assert result.exit_code == 0, result.output
    cut = part(whole, chosen_plans(whole, Scope(pfcc_plans=(scheme,))))
    agencies = co_delivery_network(cut.store).number_of_nodes()
    assert f"{agencies} agencies" in result.output and picture.is_file()
    assert f"Co-delivery network (plans serving {scheme}):" in result.output
    assert f"Co-delivery network (plans serving {scheme}):" in picture.read_text(encoding="utf-8")
    result = runner.invoke(cli, [*base, "network", "--pfcc-plan", "pfcc-nowhere"])
    assert result.exit_code == 2 and "no Police and Crime Plan (by its slug) 'pfcc-nowhere'" in result.output
    result = runner.invoke(cli, [*base, "gaps", "--pfcc-plan", f"id:scheme/{scheme}", "--year", "2030-31"])
    assert result.exit_code == 2 and f"no plan year '2030-31' among the plans serving {scheme}" in result.output
