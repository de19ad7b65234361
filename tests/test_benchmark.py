"""The national-scale benchmark, run small: the generator writes valid data of the promised shape, and every
saved question gives the same answer on the shipped engine, raw pyoxigraph and rdflib. No timing assertions:
the numbers belong in benchmarks/results/, not in a test that runs on a shared machine.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path

import pytest

from cspgraph.build import summarise
from cspgraph.graph import build_graph
from cspgraph.project import ProjectPaths
from cspgraph.questions import load_questions

REPO = Path(__file__).resolve().parents[1]
SCALE = 0.005  # 300 x 0.005 = 1.5, rounded to 2 partnerships, in max(1, round(40 x 0.005)) = 1 force area


def _module(name: str):
    spec = importlib.util.spec_from_file_location(f"cspgraph_benchmarks_{name}", REPO / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


generate = _module("generate")
bench = _module("bench")


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    root = tmp_path_factory.mktemp("national") / "gen"
    manifest = generate.generate(root, scale=SCALE, seed=2024)
    return root, manifest


def _paths(root: Path) -> ProjectPaths:
    return ProjectPaths.at(root).with_overrides(ontology=REPO / "ontology", queries=REPO / "queries")


def test_generated_data_loads_with_the_promised_shape(small):
    root, manifest = small
    built = build_graph(_paths(root))  # raises DataError on anything the loader would refuse
    data = built.data
    # the shape promised by benchmarks/generate.py: 5 plan years a partnership, 60 initiatives a plan
    assert manifest.partnerships == 2 and manifest.force_areas == 1
    assert len(data.partnerships) == 2
    assert len(data.plans) == 2 * 5
    initiatives = [i for plan in data.plans for i in plan["initiatives"]]
    assert len(initiatives) == 2 * 5 * 60
    assert {str(plan["plan"]["year"]) for plan in data.plans} == {"2018-19", "2019-20", "2020-21", "2021-22",
                                                                    "2022-23"}
    summary = summarise(built)
    assert summary.plans == 10 and summary.initiatives == 600
    assert summary.operations == sum(1 for i in initiatives if i.get("operation"))
    assert summary.agencies == len(data.agencies) and summary.agency_units == len(data.units)
    # agencies shared across partnerships: the force's police, fire, health and PFCC office, and national bodies
    leads = {a.split("/")[0] for i in initiatives for a in i["lead"]["agencies"]}
    force = manifest.sample_force
    assert f"{force}-police" in data.agencies and any(a.startswith(f"{force}-") for a in leads)
    # continuity links point back one year, from the second year on
    links = [i["continues"] for i in initiatives if "continues" in i]
    assert links and len(links) == manifest.continuity_links
    assert all(link.split("/")[1] in ("2018-19", "2019-20", "2020-21", "2021-22") for link in links)
    # the deliberately undelivered PFCC priorities exist, and no initiative cites them
    assert manifest.undelivered
    cited = {f"{plan['plan']['pfcc_scheme']}/{n}" for plan in data.plans for i in plan["initiatives"]
             for n in (i.get("pfcc") or {}).get("values", [])}
    numbers = {f"{scheme}/{p['number']}" for scheme, doc in data.pfcc_schemes.items() for p in doc["priorities"]}
    assert set(manifest.undelivered) <= numbers
    assert not set(manifest.undelivered) & cited
    # harms are real slugs of ontology/harms.ttl (the loader checked), and descriptions are ~300 characters
    lengths = [len(i["description"]) for i in initiatives]
    assert 250 <= sum(lengths) / len(lengths) <= 450


def test_generator_is_deterministic(small, tmp_path):
    root, _ = small
    again = tmp_path / "again"
    generate.generate(again, scale=SCALE, seed=2024)

    def digest(folder: Path) -> dict[str, str]:
        return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(folder.rglob("*")) if p.is_file()}

    assert digest(root / "data") == digest(again / "data")


def test_bench_runs_and_three_engines_agree(small):
    root, _ = small
    options = bench.Options(scale=SCALE, work=root, out=None, repeat=1, reuse=True, validate="yes",
                            rdflib_timeout=120, browser=False, site=True, quiet=True)
    runner = bench.Bench(options)
    results = runner.run()
    names = {step["name"] for step in results["steps"]}
    assert {"load + check data (YAML)", "build RDF", "load store (OxigraphStore.from_file)",
            "SHACL validation (SPARQL on Oxigraph)", bench.TABLE_READ, bench.TABLE_SAVE} <= names
    assert results["shacl"]["sparql"]["table_s"] > 0  # the table read after validation, as cspgraph build does
    # the generated data is well formed, as the build's default validator finds it
    assert results["shacl"]["sparql"]["conforms"] and results["shacl"]["sparql"]["violations"] == 0
    assert results["store_triples"] == results["triples"]
    questions = load_questions(REPO / "queries")
    assert [a["id"] for a in runner.answers] == list(questions)
    for answer in runner.answers:
        assert "error" not in answer, answer
        assert "rdflib_rows" in answer, answer.get("rdflib_note") or answer.get("rdflib_error")
        assert answer["oxigraph_rows"] == answer["raw_rows"], answer["id"]
        assert answer["oxigraph_rows"] == answer["rdflib_rows"], answer["id"]
        # a question that can be narrowed is also timed narrowed: the everyday question of a partnership lead
        narrowable = {p.name for p in questions[answer["id"]].params} & {"partnership", "year"}
        assert {label.split(" (")[0] for label in answer["scoped"]} == {
            {"partnership": "one partnership", "year": "one year"}[name] for name in narrowable}, answer["id"]
    # every analysis ran, the saved-table ones (as every 'cspgraph gaps/network/diff' after a build) included;
    # the table the build worker saved is the one the benchmark's store gives
    from cspgraph import deliverycache
    from cspgraph.network import delivery
    from cspgraph.store import OxigraphStore

    turtle = root / "build" / "cspgraph.ttl"
    saved_table, read_table = deliverycache.load(turtle), delivery(OxigraphStore.from_file(turtle))
    assert saved_table is not None and saved_table.initiatives == read_table.initiatives
    assert saved_table.priorities == read_table.priorities and saved_table.agencies == read_table.agencies
    analyses = results["analyses"]
    assert not [name for name, a in analyses.items() if "error" in a], analyses
    saved = [name for name in analyses if "(from the saved table)" in name]
    assert len(saved) == 4 and "delivery table, read back from the saved file" in analyses, sorted(analyses)
    assert analyses["co-delivery network, all years (from the saved table)"]["edges"] == \
        analyses["co-delivery network, all years (from store)"]["edges"] == \
        analyses["co-delivery network, all years (from open_store: the table saved beside the graph)"]["edges"]
    assert len([name for name in analyses if "(from open_store: " in name]) == 4, sorted(analyses)
    assert results["open_store_has_table"] is True  # those four read the saved table, not the store
    # the explorer sites, cut from the graph as 'cspgraph explore --pfcc-plan / --partnership' do
    manifest = results["manifest"]
    sites = results["site"]
    assert [what.split(" ")[0] for what in sites] == ["force", "partnership"], sites
    force, partnership = sites.values()
    assert "error" not in force and "error" not in partnership, sites
    assert partnership["plans"] == 5 and force["plans"] == 5 * len(manifest["sample_force_partnerships"])
    assert force["pages"] > partnership["pages"] > 0 and force["triples"] > partnership["triples"]
    # the markdown report renders from the results, narrowed questions and their verdicts included
    report = bench.markdown(results)
    assert "## Explorer sites, cut from the national graph" in report
    assert "| question |" in report
    assert "asked for one partnership" in report and "## Saved questions, asked for one partnership" in report


def test_the_results_files_carry_the_command_given(tmp_path, monkeypatch):
    """The command is in the results when they are written (it once came after, and every file said
    '--scale 1.0' only). The run itself is not what this checks: Bench.run is replaced by a stand-in."""
    written = []
    monkeypatch.setattr(bench.Bench, "run", lambda self: {"scale": self.o.scale})
    monkeypatch.setattr(bench, "write_results", lambda results, out: written.append(dict(results)) or [])
    monkeypatch.setattr(bench, "markdown", lambda results: "")
    bench.main(["--scale", "0.01", "--no-rdflib", "--out", str(tmp_path), "--work", str(tmp_path), "--reuse"])
    assert [r.get("command") for r in written] == ["python benchmarks/bench.py --scale 0.01 --no-rdflib"]
