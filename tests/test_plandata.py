"""Bad input gives one clear message naming file, line and field; good input loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from cspgraph.errors import DataError
from cspgraph.graph import build_graph

REPO = Path(__file__).resolve().parents[1]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture no longer contains {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


def _error(paths) -> DataError:
    with pytest.raises(DataError) as info:
        build_graph(paths)
    return info.value


def test_fixture_loads(mini_paths):
    built = build_graph(mini_paths)
    assert len(built.data.plans) == 1
    assert [i["id"] for i in built.data.plans[0]["initiatives"]] == ["op-example", "street-cleanup", "youth-boxing"]


def test_malformed_yaml_names_file_and_line(mini_paths):
    plan = mini_paths.data / "plans" / "mini-csp" / "2020-21.yaml"
    _edit(plan, "    name: Street Cleanup\n", "    name: [Street Cleanup\n")
    err = _error(mini_paths)
    assert str(plan) in str(err) and "malformed YAML" in str(err)
    assert err.location.line is not None and err.location.line >= _line_of(plan, "[Street Cleanup")


def test_unknown_priority_number(mini_paths):
    plan = mini_paths.data / "plans" / "mini-csp" / "2020-21.yaml"
    _edit(plan, 'pfcc: {cell: "2", values: [2]}', 'pfcc: {cell: "9", values: [9]}')
    err = _error(mini_paths)
    assert "unknown PFCC (pfcc-mini) priority number 9" in str(err)
    assert err.location.line == _line_of(plan, 'values: [9]') and err.location.field == "values"


def test_unknown_agency_suggests_close_match(mini_paths):
    plan = mini_paths.data / "plans" / "mini-csp" / "2020-21.yaml"
    _edit(plan, "agencies: [essex-police]}", "agencies: [essex-polise]}")
    err = _error(mini_paths)
    assert "unknown agency 'essex-polise'" in str(err) and "essex-police" in str(err.hint)
    assert err.location.line == _line_of(plan, "essex-polise") and err.location.field == "agencies"


def test_unknown_funding_recipient_on_an_initiative_row(mini_paths):
    # a recipient on a row's funding becomes a grant link like the plan's own: it was read unchecked
    plan = mini_paths.data / "plans" / "mini-csp" / "2020-21.yaml"
    _edit(plan, "    lines: [7, 7]\n",
          "    funding:\n      - {amount: 500, recipient: essex-polise, lines: [7, 7]}\n    lines: [7, 7]\n")
    err = _error(mini_paths)
    assert "unknown agency 'essex-polise'" in str(err) and "essex-police" in str(err.hint)
    assert err.location.line == _line_of(plan, "essex-polise") and err.location.field == "recipient"


def test_unknown_harm_on_a_pfcc_priority(mini_paths):
    pfcc = mini_paths.data / "reference" / "pfcc" / "pfcc-mini.yaml"
    _edit(pfcc, "    title: More local policing\n", "    title: More local policing\n    harms: [county-line]\n")
    err = _error(mini_paths)
    assert "unknown harm 'county-line'" in str(err) and "county-lines" in str(err.hint)
    assert str(err.location.file) == str(pfcc) and err.location.line == _line_of(pfcc, "county-line]")
    assert err.location.field == "harms"


def test_register_lines_name_a_known_source(mini_paths):
    agencies = mini_paths.data / "reference" / "agencies.yaml"
    text = agencies.read_text(encoding="utf-8")
    _edit(agencies, "  - id: essex-police\n", "  - id: essex-police\n    lines: {mini-plan-2021-22: [5, 5]}\n")
    err = _error(mini_paths)
    assert "unknown source 'mini-plan-2021-22'" in str(err) and "mini-plan-2020-21" in str(err.hint)
    assert err.location.line == _line_of(agencies, "mini-plan-2021-22") and err.location.field == "mini-plan-2021-22"
    # a known source, but a span past its end
    agencies.write_text(text.replace("  - id: essex-police\n",
                                     "  - id: essex-police\n    lines: {mini-plan-2020-21: [5, 500]}\n", 1))
    err = _error(mini_paths)
    assert "line 500 is past the end of source 'mini-plan-2020-21'" in str(err)


def test_register_lines_become_source_spans(mini_paths):
    from rdflib.namespace import PROV

    from cspgraph import namespaces as ns

    places = mini_paths.data / "reference" / "places.yaml"
    _edit(places, "  - id: mini-town\n", "  - id: mini-town\n    lines: {mini-plan-2020-21: [5, 5]}\n")
    graph = build_graph(mini_paths).graph
    assert (ns.place_iri("mini-town"), PROV.wasDerivedFrom, ns.span_iri("mini-plan-2020-21", 5, 5)) in graph


def test_register_notes_and_pfcc_plan_words_reach_the_graph(mini_paths):
    from rdflib import Literal
    from rdflib.namespace import DCTERMS, SKOS

    from cspgraph import namespaces as ns

    pfcc = mini_paths.data / "reference" / "pfcc" / "pfcc-mini.yaml"
    _edit(pfcc, "scheme: pfcc-mini\n", "scheme: pfcc-mini\nheading: Mini Priorities 2020\n"
          "description: The plan sets out the priorities.\nnote: read from the heading\n")
    places = mini_paths.data / "reference" / "places.yaml"
    _edit(places, "    type: town\n", "    type: town\n    note: the town centre only\n")
    graph = build_graph(mini_paths).graph
    scheme = ns.priority_scheme_iri("pfcc-mini")
    assert graph.value(scheme, DCTERMS.alternative) == Literal("Mini Priorities 2020")
    assert graph.value(scheme, DCTERMS.description) == Literal("The plan sets out the priorities.")
    assert graph.value(scheme, SKOS.editorialNote) == Literal("read from the heading")
    assert graph.value(ns.place_iri("mini-town"), SKOS.editorialNote) == Literal("the town centre only")


def test_duplicate_id(mini_paths):
    plan = mini_paths.data / "plans" / "mini-csp" / "2020-21.yaml"
    _edit(plan, "  - id: youth-boxing", "  - id: op-example")
    err = _error(mini_paths)
    assert "duplicate initiative id 'op-example'" in str(err)
    lines = [i for i, line in enumerate(plan.read_text().splitlines(), 1) if line == "  - id: op-example"]
    assert len(lines) == 2 and err.location.line == lines[1] and str(lines[0]) in str(err)


def test_duplicate_agency_in_register(mini_paths):
    reg = mini_paths.data / "reference" / "agencies.yaml"
    _edit(reg, "  - id: mini-borough-council", "  - id: essex-police")
    err = _error(mini_paths)
    assert "duplicate agency id 'essex-police'" in str(err) and str(reg) in str(err)


def test_missing_required_field(mini_paths):
    plan = mini_paths.data / "plans" / "mini-csp" / "2020-21.yaml"
    _edit(plan, "    name: Street Cleanup\n", "")
    err = _error(mini_paths)
    assert "missing required field 'name'" in str(err)
    assert err.location.line == _line_of(plan, "- id: street-cleanup")


def test_wrong_encoding(mini_paths):
    plan = mini_paths.data / "plans" / "mini-csp" / "2020-21.yaml"
    text = plan.read_text(encoding="utf-8").replace("Street Cleanup\n", "Street Cl\u00e9anup\n", 1)
    plan.write_bytes(text.encode("latin-1"))
    err = _error(mini_paths)
    assert "not UTF-8" in str(err) and str(plan) in str(err)
    assert err.location.line == text.splitlines().index("    name: Street Cl\u00e9anup") + 1


def test_line_reference_past_end_of_source(mini_paths):
    plan = mini_paths.data / "plans" / "mini-csp" / "2020-21.yaml"
    _edit(plan, "lines: [6, 6]", "lines: [6, 600]")
    err = _error(mini_paths)
    assert "past the end of source 'mini-plan-2020-21'" in str(err) and err.location.field == "lines"


def test_the_line_after_a_sources_last_is_past_its_end(mini_paths):
    """mini-plan.txt has 11 lines, the last ending with a line feed: line 12 used to be accepted, quoting
    nothing (the empty text after the last line feed counted as a line); line 11 is the last."""
    plan = mini_paths.data / "plans" / "mini-csp" / "2020-21.yaml"
    text = plan.read_text(encoding="utf-8")
    _edit(plan, "lines: [6, 6]", "lines: [11, 12]")
    err = _error(mini_paths)
    assert "line 12 is past the end of source 'mini-plan-2020-21' (11 lines)" in str(err)
    plan.write_text(text.replace("lines: [6, 6]", "lines: [11, 11]", 1), encoding="utf-8")
    assert build_graph(mini_paths).data.sources["mini-plan-2020-21"].quote(11, 11).endswith("organised crime")


def test_bad_date(mini_paths):
    plan = mini_paths.data / "plans" / "mini-csp" / "2020-21.yaml"
    _edit(plan, 'end: "2021-03"', 'end: "March 2021"')
    err = _error(mini_paths)
    assert "'March 2021' is not a date" in str(err) and err.location.field == "end"


def test_unknown_harm(mini_paths):
    plan = mini_paths.data / "plans" / "mini-csp" / "2020-21.yaml"
    _edit(plan, "harms: [anti-social-behaviour]\n    places", "harms: [antisocial]\n    places")
    err = _error(mini_paths)
    assert "unknown harm 'antisocial'" in str(err)


def test_continues_must_point_to_an_earlier_plan(mini_paths):
    plan = mini_paths.data / "plans" / "mini-csp" / "2020-21.yaml"
    _edit(plan, "    name: Youth Boxing\n", "    name: Youth Boxing\n    continues: mini-csp/2020-21/op-example\n")
    err = _error(mini_paths)
    assert "not from an earlier plan year" in str(err) and err.location.field == "continues"


def test_priority_number_listed_twice(mini_paths):
    plan = mini_paths.data / "plans" / "mini-csp" / "2020-21.yaml"
    _edit(plan, 'scp: {cell: "1 & 2", values: [1, 2]}', 'scp: {cell: "1 & 2\\n1 & 2", values: [1, 2, 1, 2]}')
    err = _error(mini_paths)
    assert "partnership priority number 1 is listed twice in values" in str(err)
    assert err.location.line == _line_of(plan, "values: [1, 2, 1, 2]") and err.location.field == "values"


def test_alt_local_names_a_known_partnership(mini_paths):
    reg = mini_paths.data / "reference" / "agencies.yaml"
    _edit(reg, "    alt: [EP]\n", "    alt: [EP]\n    alt_local: {mini-csp: [Police], mini-cps: [The Police]}\n")
    err = _error(mini_paths)
    assert "unknown partnership 'mini-cps'" in str(err) and "mini-csp" in str(err.hint)
    assert err.location.line == _line_of(reg, "alt_local:") and err.location.field == "mini-cps"


def test_alt_local_spellings_are_local_spellings_not_alt_labels(mini_paths):
    """"Police" names Essex Police only in mini-csp's plans: as a skos:altLabel it was its name everywhere (the
    ontology review found it so); it is a csp:LocalSpelling scoped to the partnership."""
    from rdflib import Literal
    from rdflib.namespace import RDF, SKOS

    from cspgraph import namespaces as ns

    reg = mini_paths.data / "reference" / "agencies.yaml"
    _edit(reg, "    alt: [EP]\n", "    alt: [EP]\n    alt_local: {mini-csp: [Police, The Police]}\n")
    graph = build_graph(mini_paths).graph
    police = ns.agency_iri("essex-police")
    assert set(graph.objects(police, SKOS.altLabel)) == {Literal("EP")}
    spellings = set(graph.objects(police, ns.CSP.localSpelling))
    assert spellings == {ns.ID["spelling/essex-police/mini-csp/1"], ns.ID["spelling/essex-police/mini-csp/2"]}
    assert {str(graph.value(s, ns.CSP.writtenAs)) for s in spellings} == {"Police", "The Police"}
    for s in spellings:
        assert (s, RDF.type, ns.CSP.LocalSpelling) in graph
        assert graph.value(s, ns.CSP.inPlansOf) == ns.partnership_iri("mini-csp")


def test_unquoted_yes_as_a_spelling_is_refused(mini_paths):
    reg = mini_paths.data / "reference" / "agencies.yaml"
    _edit(reg, "    alt: [MBC]\n", "    alt: [MBC, YES]\n")
    err = _error(mini_paths)
    assert "spelling True in 'alt' is not text" in str(err) and '"YES"' in str(err.hint)
    assert err.location.line == _line_of(reg, "alt: [MBC, YES]")


# ------------------------------------------------------------------ unknown keys: a typo is an error, not nothing


def test_unknown_key_on_an_initiative_suggests_the_allowed_key(mini_paths):
    plan = mini_paths.data / "plans" / "mini-csp" / "2020-21.yaml"
    _edit(plan, "    harms: [anti-social-behaviour]\n    places", "    harmz: [anti-social-behaviour]\n    places")
    err = _error(mini_paths)
    assert "unknown key 'harmz' in an initiative" in str(err) and err.hint == "did you mean harms?"
    assert err.location.file == plan and err.location.line == _line_of(plan, "harmz:")
    assert err.location.field == "harmz"


def test_unknown_key_exits_2_from_the_cli(mini_paths, tmp_path):
    from click.testing import CliRunner

    from cspgraph.cli import cli

    plan = mini_paths.data / "plans" / "mini-csp" / "2020-21.yaml"
    _edit(plan, "    harms: [anti-social-behaviour]\n    places", "    harmz: [anti-social-behaviour]\n    places")
    args = ["--root", str(mini_paths.root), "--ontology", str(mini_paths.ontology), "--queries", str(mini_paths.queries)]
    result = CliRunner().invoke(cli, [*args, "build", "--no-validate", "--out", str(tmp_path / "g.ttl")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"{plan}:{_line_of(plan, 'harmz:')}: field 'harmz': unknown key 'harmz'" in result.output
    assert "did you mean harms?" in result.output


def test_unknown_key_on_the_plan_header_comes_before_the_missing_field(mini_paths):
    # a misspelt required key is reported as itself, not as the required key missing
    plan = mini_paths.data / "plans" / "mini-csp" / "2020-21.yaml"
    _edit(plan, "  pfcc_scheme: pfcc-mini", "  pfcc_schema: pfcc-mini")
    err = _error(mini_paths)
    assert "unknown key 'pfcc_schema' in the plan header" in str(err) and "pfcc_scheme" in err.hint
    assert err.location.file == plan and err.location.line == _line_of(plan, "pfcc_schema:")
    assert err.location.field == "pfcc_schema"


def test_unknown_key_on_an_agency_in_the_register(mini_paths):
    reg = mini_paths.data / "reference" / "agencies.yaml"
    _edit(reg, "    alt: [MBC]\n", "    alts: [MBC]\n")
    err = _error(mini_paths)
    assert "unknown key 'alts' in an agency" in str(err) and err.hint == "did you mean alt?"
    assert err.location.file == reg and err.location.line == _line_of(reg, "alts:")
    assert err.location.field == "alts"


def test_unknown_key_on_a_figure(mini_paths):
    plan = mini_paths.data / "plans" / "mini-csp" / "2020-21.yaml"
    _edit(plan, "    lines: [7, 7]\n",
          "    lines: [7, 7]\n    figures:\n      - value: 12\n        unti: boxing sessions\n        lines: [7, 7]\n")
    err = _error(mini_paths)
    assert "unknown key 'unti' in a reported figure" in str(err) and err.hint == "did you mean unit?"
    assert err.location.file == plan and err.location.line == _line_of(plan, "unti:")
    assert err.location.field == "unti"


def test_unknown_key_in_a_flow_mapping_cell(mini_paths):
    plan = mini_paths.data / "plans" / "mini-csp" / "2020-21.yaml"
    _edit(plan, 'timing: {cell: "Mar 21", start: null, end: "2021-03"}', 'timing: {cell: "Mar 21", start: null, '
          'ned: "2021-03"}')
    err = _error(mini_paths)
    assert "unknown key 'ned' in an initiative's timing" in str(err) and err.hint == "did you mean end?"
    assert err.location.line == _line_of(plan, "ned:") and err.location.field == "ned"


def test_unknown_key_with_no_close_match_lists_the_allowed_keys(mini_paths):
    plan = mini_paths.data / "plans" / "mini-csp" / "2020-21.yaml"
    _edit(plan, "    status: ongoing\n", "    status: ongoing\n    colour: red\n")
    err = _error(mini_paths)
    assert "unknown key 'colour' in an initiative" in str(err)
    assert "the keys of an initiative are: contact_redacted, continues," in err.hint and "status_reason" in err.hint
    assert err.location.line == _line_of(plan, "colour:")


def test_a_note_inside_a_cell_is_sent_to_the_initiative(mini_paths):
    plan = mini_paths.data / "plans" / "mini-csp" / "2020-21.yaml"
    _edit(plan, 'scp: {cell: "2", values: [2]}', 'scp: {cell: "2", values: [2], note: read as 2}')
    err = _error(mini_paths)
    assert "unknown key 'note' in an initiative's scp cell" in str(err) and "initiative's own note" in err.hint


def test_generated_national_data_uses_only_allowed_keys(tmp_path):
    # benchmarks/generate.py writes the format too: every key it writes must load (scale 0.01: 3 partnerships)
    import json
    import subprocess
    import sys

    from cspgraph.graph import load_ontology
    from cspgraph.plandata import Vocabulary, load_plan_data

    out = tmp_path / "gen"
    subprocess.run([sys.executable, str(REPO / "benchmarks" / "generate.py"), "--scale", "0.01", "--out", str(out)],
                   check=True, capture_output=True)
    data = load_plan_data(out / "data", Vocabulary.from_graph(load_ontology(REPO / "ontology")))
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert len(data.plans) == manifest["partnerships"] * 5


def test_readme_lists_the_allowed_keys_of_every_record():
    # data/README.md "Allowed keys" is the curators' copy of RECORD_KEYS: one row a kind, its keys in backticks
    import re

    from cspgraph.plandata import RECORD_KEYS

    text = (REPO / "data" / "README.md").read_text(encoding="utf-8")
    section = text.split("## Allowed keys\n", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1:-1] for line in section.splitlines() if line.startswith("| ")]
    table = {cells[0].strip(): frozenset(re.findall(r"`([^`]+)`", cells[2])) for cells in rows[1:]}
    assert table == RECORD_KEYS


@pytest.mark.parametrize("second", ["2020-21-a.yaml", "2020-21-z.yaml"])
def test_a_plan_split_over_two_files_is_refused(mini_paths, second):
    """One file a plan (data/README.md): a second file with the same partnership and year is refused, whichever
    is read first, where the two used to merge into one plan without a word."""
    plans = mini_paths.data / "plans" / "mini-csp"
    text = (plans / "2020-21.yaml").read_text(encoding="utf-8")
    head = text.split("\ninitiatives:\n", 1)[0]
    (plans / second).write_text(head + """
initiatives:
  - id: litter-pick
    name: Litter Pick
    lead: {cell: Mini Borough Council, agencies: [mini-borough-council]}
    lines: [6, 6]
""", encoding="utf-8")
    first, later = sorted([plans / "2020-21.yaml", plans / second])  # files are read in name order
    err = _error(mini_paths)
    assert err.location.file == later and f"is also in {first}:" in str(err)


def test_priorities_are_written_under_their_kind_too(built):
    """csp:supportsPartnershipPriority and csp:supportsPfccPriority (derived) split csp:supportsPriority by
    the column the number came from: SCP numbers are the plan's own priorities, PFCC numbers its PFCC plan's."""
    from rdflib import RDF, URIRef
    from rdflib.namespace import SKOS

    from cspgraph.namespaces import CSP, ID

    g = built.graph
    # 2018-19:187 "Multi agency to tackle town centre issues a/a Mar 19 EP 2,3,4 1, 2, 4": Op Disc's SCP cell
    # names priorities 2, 3 and 4, its PFCC cell 1, 2 and 4
    op_disc = URIRef(f"{ID}initiative/safer-colchester/2018-19/op-disc")
    plan = g.value(op_disc, CSP.inPlan)
    scp = set(g.objects(op_disc, CSP.supportsPartnershipPriority))
    pfcc = set(g.objects(op_disc, CSP.supportsPfccPriority))
    assert {str(g.value(p, SKOS.notation)) for p in scp} == {"2", "3", "4"}
    assert {str(g.value(p, SKOS.notation)) for p in pfcc} == {"1", "2", "4"}
    assert {g.value(p, SKOS.inScheme) for p in scp} == {g.value(plan, CSP.partnershipPriorities)}
    assert {g.value(p, SKOS.inScheme) for p in pfcc} == {g.value(plan, CSP.pfccPlan)}
    # every initiative of the bundled plans: the two sub-properties are its priorities, split by class
    initiatives = set(g.subjects(RDF.type, CSP.Initiative))
    assert len(initiatives) > 50
    for initiative in initiatives:
        supported = set(g.objects(initiative, CSP.supportsPriority))
        for kind, cls in ((CSP.supportsPartnershipPriority, CSP.PartnershipPriority),
                          (CSP.supportsPfccPriority, CSP.PFCCPriority)):
            assert set(g.objects(initiative, kind)) == {p for p in supported if (p, RDF.type, cls) in g}, initiative


def test_a_plan_year_of_two_years_is_refused_at_its_line(mini_paths):
    """'2020-22' has the shape of a year but is not one: refused as the plan file is read, at its line, not
    later by the shapes with no line (a review found it so)."""
    plan = mini_paths.data / "plans" / "mini-csp" / "2020-21.yaml"
    _edit(plan, 'year: "2020-21"', 'year: "2020-22"')
    err = _error(mini_paths)
    assert "plan year '2020-22' is not one year" in str(err) and "2020-21" in str(err.hint)
    assert (err.location.file, err.location.line, err.location.field) == (plan, _line_of(plan, "2020-22"), "year")


def test_a_plan_copied_with_its_year_unchanged_is_refused(mini_paths):
    """Copying this year's file for next year and forgetting its year: the two files would silently merge into
    one plan (a review found it so). Refused at the copy, naming the first."""
    plan = mini_paths.data / "plans" / "mini-csp" / "2020-21.yaml"
    copy = plan.with_name("2021-22.yaml")
    copy.write_text(plan.read_text(encoding="utf-8"), encoding="utf-8")
    err = _error(mini_paths)
    assert err.location.file == copy and err.location.field == "year"
    assert f"the plan of 'mini-csp' for 2020-21 is also in {plan}:" in str(err)


@pytest.mark.parametrize("content, found", [
    ("", "found nothing (an empty file or an empty value)"),
    ("- plan\n- initiatives\n", "found a list"),
])
def test_a_plan_file_that_is_not_a_mapping_says_so_in_plain_words(mini_paths, content, found):
    """Python's type names ("NoneType", "LocatedList") mean nothing to an analyst (a review found them shown)."""
    plan = mini_paths.data / "plans" / "mini-csp" / "2020-21.yaml"
    plan.write_text(content, encoding="utf-8")
    err = _error(mini_paths)
    assert f"expected a mapping for a plan file, {found}" in str(err) and err.location.file == plan
    assert "NoneType" not in str(err) and "Located" not in str(err)
