"""Importing a new partnership's plan (cspgraph.importer, `cspgraph import`, `cspgraph new-plan`).

Two invented plans of different shapes, under tests/fixtures/imports/:
- riverside-2021-22.csv + .meta.yaml: a CSV with a PFCC column under a 12-priority PFCC plan the metadata defines
  in full, a RAG/status column, a multi-line cell, a harms column filled on one row only;
- harbourside-2020-21.meta.yaml + an .xlsx the tests write with openpyxl (HARBOURSIDE_ROWS): the lead given per
  priority, no PFCC column, headers that differ from the template, a new place, an agency the register lacks.
Each is imported into a copy of the repository's data/ (never the real one). Expected values are read off the
fixture rows by hand; comments cite the fixture line (CSV line) or spreadsheet row.
"""

from __future__ import annotations

import datetime as dt
import re
import os
import shutil
from pathlib import Path

import openpyxl
import pytest
import yaml
from click.testing import CliRunner
from rdflib import Literal
from rdflib.namespace import RDF, RDFS

from cspgraph import namespaces as ns
from cspgraph.cli import cli
from cspgraph.errors import DataError, Location
from cspgraph.importer import (
    PlanImportError,
    harm_patterns,
    import_plan,
    infer_harms,
    new_plan_template,
    read_table,
)
from cspgraph.namespaces import CSP
from cspgraph.project import ProjectPaths

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "imports"
RIVERSIDE_CSV = FIXTURES / "riverside-2021-22.csv"
RIVERSIDE_META = FIXTURES / "riverside-2021-22.meta.yaml"
HARBOURSIDE_META = FIXTURES / "harbourside-2020-21.meta.yaml"

HARBOURSIDE_HEADER = ["Action", "Lead", "Theme", "What we will do", "Harms", "Places", "Start"]
HARBOURSIDE_ROWS = [  # spreadsheet rows 2-7 (row 1 is the header, row 6 is left empty)
    ["Pubwatch", None, 1, "Licensees share information about banned drinkers.", None, None, dt.datetime(2020, 6, 1)],
    ["Street Pastors patrols", "Harbourside Street Pastors", 1,
     "Volunteers help vulnerable people in the night-time economy.", None, "Harbourside Quay", None],
    ["Hoarding and fire risk visits", None, 2, "Home visits to residents who hoard.", None, None, None],
    ["Joint patrols", "Essex Police/HBC", "1 & 2", "Patrols at the quay.", "hate crime; ASB", "Harbourside Quay", None],
    [],
    ["Community safety newsletter", None, "1, 2", "A quarterly newsletter.", None, None, None],
]


@pytest.fixture
def project(tmp_path: Path) -> ProjectPaths:
    """A writable copy of the repository's data/, with the real ontology and queries."""
    root = tmp_path / "project"
    shutil.copytree(REPO / "data", root / "data")
    return ProjectPaths.at(root).with_overrides(ontology=REPO / "ontology", queries=REPO / "queries")


@pytest.fixture
def harbourside_xlsx(tmp_path: Path) -> Path:
    path = tmp_path / "harbourside-2020-21.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Action plan"
    sheet.append(HARBOURSIDE_HEADER)
    for row in HARBOURSIDE_ROWS:
        sheet.append(row)
    book.save(path)
    return path


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every file's bytes and every folder (None) under ``folder``: equal snapshots mean nothing changed."""
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None) for p in sorted(folder.rglob("*"))}


def _lakeside_meta(folder: Path) -> Path:
    """The metadata of an invented one-priority plan, for tables written in a test."""
    meta = folder / "lakeside.meta.yaml"
    meta.write_text("partnership: {id: lakeside-csp, name: Lakeside CSP}\nyear: '2021-22'\n"
                    "title: Lakeside CSP Plan 2021-22\npriorities:\n  - {number: 1, title: Safer streets}\n"
                    "pfcc: pfcc-essex-2016\n", encoding="utf-8")
    return meta


def run_import(paths: ProjectPaths, table: Path, meta: Path, **options):
    return import_plan(table, meta, paths.data, ontology_dir=paths.ontology, **options)


def initiatives_by_id(paths: ProjectPaths, partnership: str, year: str) -> dict[str, dict]:
    doc = yaml.safe_load((paths.data / "plans" / partnership / f"{year}.yaml").read_text(encoding="utf-8"))
    return {rec["id"]: rec for rec in doc["initiatives"]}


# ------------------------------------------------------------------------------------------------ the CSV plan


def test_csv_plan_with_new_pfcc_scheme_and_rag_column(project):
    report = run_import(project, RIVERSIDE_CSV, RIVERSIDE_META)
    assert (report.partnership, report.year, report.initiatives) == ("safer-riverside", "2021-22", 6)  # CSV lines 2-8
    assert report.operations == 1  # line 2: "Op Riverside Nightjar"
    assert report.new_pfcc_scheme == "pfcc-essex-2021" and report.new_partnership
    assert set(report.added_agencies) == {"riverside-district-council", "riverside-womens-aid", "riverside-boxing-club"}

    pfcc = yaml.safe_load((project.data / "reference" / "pfcc" / "pfcc-essex-2021.yaml").read_text())
    assert [p["number"] for p in pfcc["priorities"]] == list(range(1, 13))  # meta: 12 priorities
    assert pfcc["priorities"][7]["title"] == "Preventing business crime, fraud and cyber crime"

    rows = initiatives_by_id(project, "safer-riverside", "2021-22")
    nightjar = rows["op-riverside-nightjar"]  # line 2
    assert nightjar["operation"] is True
    assert nightjar["lead"] == {"cell": "Essex Police", "agencies": ["essex-police"]}
    assert nightjar["timing"] == {"cell": "Apr 2021 - Mar 2022", "start": "2021-04", "end": "2022-03"}
    assert nightjar["pfcc"] == {"cell": "2, 3", "values": [2, 3]}
    assert (nightjar["rag"], nightjar["status_cell"], nightjar.get("status")) == ("green", "Green", None)
    assert nightjar["lines"] == [2, 2]
    visits = rows["fire-safety-and-cuckooing-visits"]  # line 4: "... Fire and Rescue Service & Essex Police", "3 & 11"
    assert visits["lead"]["agencies"] == ["essex-county-fire-and-rescue-service", "essex-police"]
    assert visits["pfcc"]["values"] == [3, 11]
    assert visits["status"] == "ongoing" and "rag" not in visits
    week = rows["domestic-abuse-awareness-week"]  # lines 5-6: a quoted cell over two lines
    assert week["lines"] == [5, 6]
    assert (week["status"], week["status_reason"]) == ("cancelled", "COVID-19")  # "Cancelled due to COVID-19"
    assert week["partners"] == ["essex-police"]
    assert rows["hate-crime-reporting-centres"]["status"] == "completed"  # line 8
    assert "pfcc" not in rows["youth-diversion-boxing"]  # line 7: PFCC cell empty

    # provenance: the table is the source; its rows' lines quote the CSV lines
    source = (project.data / "sources" / "safer-riverside-plan-2021-22.txt").read_text(encoding="utf-8").split("\n")
    assert source[:8] == RIVERSIDE_CSV.read_text(encoding="utf-8").split("\n")[:8]
    doc = yaml.safe_load((project.data / "plans" / "safer-riverside" / "2021-22.yaml").read_text())
    first, _ = doc["priorities"][2]["lines"]
    assert source[first - 1] == "Priority 3 - Protect people from hidden harms"  # restated from the metadata


def test_harms_inferred_from_the_text_and_recorded_in_the_note(project):
    run_import(project, RIVERSIDE_CSV, RIVERSIDE_META)
    rows = initiatives_by_id(project, "safer-riverside", "2021-22")
    # line 2: "... to tackle knife crime and county lines." ("knife crime" wins over the shorter label "knife")
    assert rows["op-riverside-nightjar"]["harms"] == ["knife-crime", "county-lines"]
    assert "harms inferred" in rows["op-riverside-nightjar"]["note"]
    # line 3: "where ASB is reported" (an acronym label, matched case-sensitively)
    assert rows["safe-streets-cctv-bid"]["harms"] == ["anti-social-behaviour"]
    # lines 5-6: "Domestic abuse awareness week" ... "domestic abuse and stalking"
    assert rows["domestic-abuse-awareness-week"]["harms"] == ["domestic-abuse", "stalking"]
    # line 8: the harms cell says "hate crime": taken as given, nothing inferred
    assert rows["hate-crime-reporting-centres"]["harms"] == ["hate-crime"]
    assert "harms inferred" not in rows["hate-crime-reporting-centres"].get("note", "")


def test_harm_matching_respects_word_boundaries_acronym_case_and_longest_match():
    from cspgraph.graph import load_ontology
    from cspgraph.plandata import Vocabulary

    patterns = harm_patterns(Vocabulary.from_graph(load_ontology(REPO / "ontology")).harm_labels)
    assert infer_harms("GASBAG", patterns) == []  # ASB only as a word
    assert infer_harms("asb", patterns) == []  # an all-capitals label matches case-sensitively
    assert infer_harms("Tackling ASB.", patterns) == [("anti-social-behaviour", "ASB")]
    assert infer_harms("Knife Crime talks", patterns) == [("knife-crime", "Knife Crime")]  # not also "knife"
    assert infer_harms("antisocial behaviour", patterns) == [("anti-social-behaviour", "antisocial behaviour")]


# ------------------------------------------------------------------------------------------------ the .xlsx plan


def test_xlsx_plan_with_lead_per_priority_and_no_pfcc_column(project, harbourside_xlsx):
    report = run_import(project, harbourside_xlsx, HARBOURSIDE_META, add_agencies="charity")
    assert report.initiatives == 5  # rows 2-5 and 7
    assert report.added_places == ("harbourside-quay",)
    assert set(report.added_agencies) == {"harbourside-borough-council", "harbourside-street-pastors"}
    rows = initiatives_by_id(project, "harbourside-csp", "2020-21")
    # row 2: lead empty, theme 1 -> priority 1's lead (meta: "lead: Essex Police"); "Licensees" -> night-time economy
    pubwatch = rows["pubwatch"]
    assert pubwatch["lead"] == {"cell": None, "agencies": ["essex-police"]}
    assert "default lead of priority 1" in pubwatch["note"]
    assert pubwatch["harms"] == ["night-time-economy"]
    assert pubwatch["timing"]["start"] == "2020-06-01"  # a date cell
    # row 3: an organisation the register lacks, added as a charity (--add-agencies charity)
    assert rows["street-pastors-patrols"]["lead"]["agencies"] == ["harbourside-street-pastors"]
    assert rows["street-pastors-patrols"]["places"] == ["harbourside-quay"]
    # row 4: lead empty, theme 2 -> priority 2's lead
    assert rows["hoarding-and-fire-risk-visits"]["lead"]["agencies"] == ["harbourside-borough-council"]
    # row 5: "Essex Police/HBC" (HBC an acronym declared in the metadata); harms given: "hate crime; ASB"
    assert rows["joint-patrols"]["lead"]["agencies"] == ["essex-police", "harbourside-borough-council"]
    assert rows["joint-patrols"]["harms"] == ["hate-crime", "anti-social-behaviour"]
    assert all("pfcc" not in r for r in rows.values())  # no PFCC column
    # row 7: no lead, priorities 1 and 2 have different default leads: none chosen, a warning names the row
    assert "lead" not in rows["community-safety-newsletter"]
    assert any(w.row and w.row.startswith("row 7") and w.column == "Lead" for w in report.warnings)
    # provenance: the sheet rendered as CSV, row 7 on line 7 (the empty row 6 keeps its line)
    assert rows["community-safety-newsletter"]["lines"] == [7, 7]
    agencies = yaml.safe_load((project.data / "reference" / "agencies.yaml").read_text())["agencies"]
    added = next(a for a in agencies if a["id"] == "harbourside-street-pastors")
    assert (added["name"], added["type"]) == ("Harbourside Street Pastors", "charity")


def test_read_table_maps_headers_and_warns_on_unknown_columns(tmp_path):
    path = tmp_path / "plan.csv"
    path.write_text("Project;Lead Agency;Budget\nOp Test;Essex Police;£5\n", encoding="utf-8")
    table, warnings = read_table(path)
    assert table.headers == {"name": "Project", "lead": "Lead Agency"}
    assert table.rows[0].cells == {"name": "Op Test", "lead": "Essex Police"}
    assert [(w.row, w.column) for w in warnings] == [("line 1", "Budget")]


def _lakeside_with_document(tmp_path: Path, fourth_line: str) -> Path:
    """A one-row plan table citing lines 3-4 of its own plan document (plan.txt); the metadata file's path."""
    (tmp_path / "plan.txt").write_text(
        "Lakeside CSP Plan 2021-22\n"             # line 1
        "Priority 1 - Safer streets\n"            # line 2
        "Street lighting survey, Essex Police\n"  # line 3
        f"{fourth_line}\n",                       # line 4
        encoding="utf-8")
    (tmp_path / "plan.csv").write_text("name,lead agency,partnership priorities,source lines\n"
                                       "Street lighting survey,Essex Police,1,3-4\n", encoding="utf-8")
    meta = tmp_path / "meta.yaml"
    meta.write_text("partnership: {id: lakeside-csp, name: Lakeside CSP}\nyear: '2021-22'\n"
                    "title: Lakeside CSP Plan 2021-22\nlines: [1, 1]\nsource: {file: plan.txt}\n"
                    "priorities:\n  - {number: 1, title: Safer streets, lines: [2, 2]}\npfcc: pfcc-essex-2016\n",
                    encoding="utf-8")
    return meta


def test_a_source_document_gives_the_lines(project, tmp_path):
    meta = _lakeside_with_document(tmp_path, "Survey of lighting in alleys.")
    run_import(project, tmp_path / "plan.csv", meta)
    rows = initiatives_by_id(project, "lakeside-csp", "2021-22")
    assert rows["street-lighting-survey"]["lines"] == [3, 4]  # the "source lines" cell
    copied = project.data / "sources" / "lakeside-csp-plan-2021-22.txt"
    assert copied.read_bytes() == (tmp_path / "plan.txt").read_bytes()  # copied as it is, no trailer

    (tmp_path / "plan.csv").write_text("name,lead agency,partnership priorities,source lines\n"
                                       "Street lighting survey,Essex Police,1,\n", encoding="utf-8")
    with pytest.raises(PlanImportError) as caught:
        run_import(project, tmp_path / "plan.csv", meta, replace=True)
    assert [(i.row, i.column, i.message) for i in caught.value.issues] == [("line 2", "source lines", "no source lines")]


def test_contact_details_are_redacted_in_the_data_and_the_source_copy(project, tmp_path):
    table = tmp_path / "plan.csv"
    table.write_text("name,lead agency,description,partnership priorities\n"
                     "Knife talks,Essex Police,Book via jo.bloggs@example.org or 01206 282222 today.,1\n",
                     encoding="utf-8")
    report = run_import(project, table, RIVERSIDE_META)
    row = initiatives_by_id(project, "safer-riverside", "2021-22")["knife-talks"]
    assert row["description"] == "Book via [e-mail redacted] or [phone number redacted] today."
    assert row["contact_redacted"] is True
    source = (project.data / "sources" / "safer-riverside-plan-2021-22.txt").read_text(encoding="utf-8")
    assert "example.org" not in source and "282222" not in source
    assert "[e-mail redacted] or [phone number redacted]" in source
    assert [w.message for w in report.warnings if w.row == "line 2" and "personal data" in w.message] == [
        "an e-mail address and a telephone number withheld (personal data); check the row for private names too"]


def test_a_source_document_is_copied_without_its_contact_details(project, tmp_path):
    """The document given as the plan's source is quoted in the graph and the explorer: its contact details are
    withheld in the copy, line for line, as the table's are (a review found them published in clear)."""
    meta = _lakeside_with_document(tmp_path, "Contact PC Bloggs on 07700 900456 or jo@example.org.")
    report = run_import(project, tmp_path / "plan.csv", meta)
    copied = (project.data / "sources" / "lakeside-csp-plan-2021-22.txt").read_text(encoding="utf-8")
    assert copied.split("\n")[3] == "Contact PC Bloggs on [phone number redacted] or [e-mail redacted]."
    assert copied.count("\n") == 4  # line for line: the cited lines still say what they said
    assert [(w.file, w.message) for w in report.warnings if "personal data" in w.message] == [
        ("plan.txt", "an e-mail address and a telephone number withheld (personal data) in the copy kept in "
                     "data/sources")]


def _refused_metadata(project: ProjectPaths, meta: Path, old: str, new: str) -> DataError:
    """Import the Riverside table with its metadata edited (``old`` -> ``new``) into ``meta``: the error it
    raises, once it is checked that nothing was written."""
    text = RIVERSIDE_META.read_text(encoding="utf-8")
    assert old in text
    meta.write_text(text.replace(old, new, 1), encoding="utf-8")
    before = snapshot(project.data)
    with pytest.raises(DataError) as caught:
        run_import(project, RIVERSIDE_CSV, meta)
    assert snapshot(project.data) == before  # nothing written
    return caught.value


def test_a_contact_detail_in_the_metadata_is_refused_where_it_is(project, tmp_path):
    meta = tmp_path / "meta.yaml"
    error = _refused_metadata(project, meta, "title: ", "title: 'Call 01206 282222' # ")
    assert error.location.file == meta and error.location.field == "title"
    assert "a telephone number" in error.message


@pytest.mark.parametrize("old, new, field, message", [
    # a misspelt key used to be dropped without a word, and the narrative or source with it
    ("    narrative: Raise", "    narative: Raise", "narative", "unknown key 'narative' in a priority"),
    ("source:\n", "soruce:\n", "soruce", "unknown key 'soruce' in the metadata"),
    ("  publisher: nobody", "  publsher: nobody", "publsher", "unknown key 'publsher' in source:"),
    # 'alt: SRP' was read letter by letter: S, R and P became spellings of the partnership
    ("  alt: [SRP]", "  alt: SRP", "alt", "alt: must be a list of spellings"),
    ("title: Safer Riverside Partnership Plan 2021-22 (invented test fixture)\n", "title: [Plan, 2021-22]\n", "title",
     "title: must be text"),
    ("  - number: 2\n", "  - number: [2]\n", "number", "is not a whole number from 1"),
    ("  - number: 2\n", "  - number: 1\n", "number", "priority number 1 is given twice"),
    # was found only once written to data/reference/sources.yaml, and named there
    ('  date: "2021"', "  date: June 2021", "date", "'June 2021' is not a date"),
])
def test_a_metadata_mistake_is_refused_at_its_line_and_field(project, tmp_path, old, new, field, message):
    meta = tmp_path / "meta.yaml"
    error = _refused_metadata(project, meta, old, new)
    assert error.location.file == meta and error.location.field == field
    assert error.location.line is not None and message in error.message


def test_a_source_document_outside_the_metadata_folder_is_refused(project, tmp_path):
    """It is copied into data/ and published: /etc/passwd, or /proc/self/environ and the secrets in it, were
    copied as readily as the plan."""
    folder = tmp_path / "plan"
    folder.mkdir()
    error = _refused_metadata(project, folder / "meta.yaml", "  date: \"2021\"\n",
                              "  date: \"2021\"\n  file: ../../../../../../etc/hostname\n")
    assert error.location.field == "file" and "outside the metadata's folder" in error.message


def test_a_quote_left_open_is_refused_at_its_line(project, tmp_path):
    """The reader took the rest of the file into one cell: three rows imported as one initiative, exit 0."""
    table = tmp_path / "plan.csv"
    lines = RIVERSIDE_CSV.read_text(encoding="utf-8").splitlines()
    lines[2] = '"' + lines[2]
    table.write_text("\n".join(lines[:4]) + "\n", encoding="utf-8")  # no other quote below it
    with pytest.raises(DataError) as caught:
        run_import(project, table, RIVERSIDE_META)
    assert caught.value.location.line == 3 and "the quote opened on line 3 is never closed" in caught.value.message
    table.write_text("\n".join(lines) + "\n", encoding="utf-8")  # line 5 quotes a cell: the open one ends there
    with pytest.raises(DataError) as caught:
        run_import(project, table, RIVERSIDE_META)
    assert caught.value.location.line == 3 and "a quoted cell from line 3 does not end" in caught.value.message


def test_replace_never_overwrites_a_plan_curated_by_hand(project):
    """--replace re-imports what an import wrote; the Safer Colchester plans, read by hand with their notes, are
    not replaced by a table (a review lost 943 of their 956 lines that way)."""
    before = snapshot(project.data)
    with pytest.raises(DataError) as caught:
        run_import(project, RIVERSIDE_CSV, RIVERSIDE_META, partnership="safer-colchester", year="2020-21",
                   replace=True)
    assert "not written by 'cspgraph import'" in caught.value.message
    assert caught.value.location.file == project.data / "plans" / "safer-colchester" / "2020-21.yaml"
    assert snapshot(project.data) == before
    run_import(project, RIVERSIDE_CSV, RIVERSIDE_META)  # an imported plan is replaced, as before
    assert run_import(project, RIVERSIDE_CSV, RIVERSIDE_META, replace=True).files


def test_add_agencies_adds_names_only(project, tmp_path):
    """--add-agencies made agencies of 'TBD', 'Various', 'etc.', 'Essex Police (tbc)' and 'Lead: ...' (a review
    found them in the register, Essex Police (tbc) as a charity). A name with its acronym in brackets is added."""
    table = tmp_path / "lakeside.csv"
    table.write_text("name,lead agency,partners,partnership priorities\n"
                     "Street patrols,Essex Police,Various; TBD,1\n"                   # line 2
                     "Alley gating,Lead: Lakeside Council,,1\n"                       # line 3
                     "Knife talks,Essex Police,Essex Police (tbc),1\n"                # line 4
                     "Youth club,Lakeside Youth Trust (LYT),\"Essex Police, etc.\",1\n",  # line 5
                     encoding="utf-8")
    meta = _lakeside_meta(tmp_path)
    before = snapshot(project.data)
    with pytest.raises(PlanImportError) as caught:
        run_import(project, table, meta, add_agencies="charity")
    refused = sorted((i.row, i.message) for i in caught.value.issues)
    assert refused == [
        ("line 2", "cannot add agency 'TBD' names no organisation"),
        ("line 2", "cannot add agency 'Various' names no organisation"),
        ("line 3", "cannot add agency 'Lead: Lakeside Council' holds a mark or a label beside the name"),
        ("line 4", "cannot add agency 'Essex Police (tbc)' holds a comment in brackets beside the name"),
        ("line 5", "cannot add agency 'etc.' names no organisation"),
    ]
    assert snapshot(project.data) == before


def test_a_folder_that_cannot_be_written_is_an_error_and_every_file_is_put_back(project, monkeypatch):
    """A read-only folder or a full disk was a PermissionError traceback (the files were put back); it is now
    an error that says so. The second rename fails: the first file, already renamed, is put back too."""
    import cspgraph.importer as importer

    real, calls = os.replace, []

    def failing(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise PermissionError(13, "Permission denied", str(dst))
        return real(src, dst)

    before = snapshot(project.data)
    monkeypatch.setattr(importer.os, "replace", failing)
    with pytest.raises(DataError) as caught:
        run_import(project, RIVERSIDE_CSV, RIVERSIDE_META)
    assert "cannot write the import: Permission denied" in caught.value.message and len(calls) == 2
    assert caught.value.location is not None and str(caught.value.location.file) == str(calls[1])
    monkeypatch.setattr(importer.os, "replace", real)
    assert snapshot(project.data) == before


def test_an_error_in_the_scratch_copy_names_the_real_files(tmp_path):
    """The whole-data check runs on a scratch copy that is gone by the time the error is read: neither its
    location nor its message may name it (a review met '(first defined at /tmp/cspgraph-import-...)')."""
    from cspgraph.importer import _unstaged

    stage, data = tmp_path / "cspgraph-import-x" / "data", tmp_path / "project" / "data"
    (data / "plans" / "a").mkdir(parents=True)
    (data / "plans" / "a" / "2020-21.yaml").write_text("one line\n", encoding="utf-8")
    err = DataError(f"duplicate id 'p' (first defined at {stage}/plans/a/2020-21.yaml:1)",
                    Location(stage / "plans" / "a" / "2020-21.yaml", 7, "id"), f"see {stage}/plans/a/2020-21.yaml")
    real = _unstaged(err, stage, data)
    assert str(stage) not in str(real) and f"first defined at {data}/plans/a/2020-21.yaml:1" in real.message
    assert real.location == Location(data / "plans" / "a" / "2020-21.yaml", 7, "id")
    assert "(in the file the import would write" in real.message  # line 7 of a one-line file: the import's


def test_a_second_plan_under_the_same_new_pfcc_plan_reuses_it(project):
    run_import(project, RIVERSIDE_CSV, RIVERSIDE_META)
    report = run_import(project, RIVERSIDE_CSV, RIVERSIDE_META, year="2022-23")
    assert report.new_pfcc_scheme is None and not report.new_partnership
    assert report.source_id == "safer-riverside-plan-2022-23"
    assert (project.data / "plans" / "safer-riverside" / "2022-23.yaml").is_file()


# ------------------------------------------------------------------------------------------------ side by side


def test_two_new_partnerships_build_with_one_essex_police_node(project, harbourside_xlsx):
    from cspgraph.build import run_build
    from cspgraph.questions import ask, get_question
    from cspgraph.store import OxigraphStore

    run_import(project, RIVERSIDE_CSV, RIVERSIDE_META)  # SHACL runs once, in the build below
    run_import(project, harbourside_xlsx, HARBOURSIDE_META, add_agencies="charity")
    report = run_build(project)
    assert report.conforms, report.validation.report_text
    graph = report.built.graph
    police = ns.agency_iri("essex-police")
    assert set(graph.subjects(RDFS.label, Literal("Essex Police"))) == {police}
    led = {graph.value(graph.value(i, CSP.inPlan), CSP.ofPartnership) for i in graph.subjects(CSP.leadAgency, police)}
    # Colchester 2020-21 line 55 "MAC Panel Essex Police"; Riverside CSV line 2; Harbourside row 2 (priority lead)
    assert {ns.partnership_iri(p) for p in ("safer-colchester", "safer-riverside", "harbourside-csp")} <= led
    assert len(set(graph.subjects(RDF.type, CSP.Partnership))) == 3
    assert (ns.priority_iri("pfcc-essex-2021", 11), RDF.type, CSP.PFCCPriority) in graph

    answer = ask(get_question(project.queries, "initiatives-per-plan"), OxigraphStore.from_graph(graph))
    counts = {(r["partnership"], r["year"]): r["initiatives"] for r in answer.records()}
    assert counts[("Safer Riverside Partnership", "2021-22")] == 6
    assert counts[("Harbourside Community Safety Partnership", "2020-21")] == 5
    assert ("Safer Colchester Partnership", "2020-21") in counts


# ------------------------------------------------------------------------------------------------ errors, atomicity


def test_unknown_agency_is_an_error_naming_row_column_and_suggestion(project, tmp_path):
    bad = tmp_path / "riverside-2021-22.csv"
    bad.write_text(RIVERSIDE_CSV.read_text(encoding="utf-8").replace(
        "Op Riverside Nightjar,Essex Police,", "Op Riverside Nightjar,Essex Polise,"), encoding="utf-8")
    before = snapshot(project.data)
    with pytest.raises(PlanImportError) as caught:
        run_import(project, bad, RIVERSIDE_META)
    issue = next(i for i in caught.value.issues if "Essex Polise" in i.message)
    assert (issue.file, issue.row, issue.column) == ("riverside-2021-22.csv", "line 2", "Lead Agency")
    assert "did you mean Essex Police (essex-police)" in issue.hint
    assert snapshot(project.data) == before


def test_generic_word_of_another_partnership_is_not_resolved_to_a_colchester_agency(project, tmp_path):
    """'Police' and 'The Council' mean Essex Police and CBC only in Safer Colchester's plans (agencies.yaml
    alt_local): in another partnership's table they are errors with suggestions, never matched or added."""
    table = tmp_path / "lakeside.csv"
    table.write_text("name,lead agency,partners,partnership priorities\n"
                     "Street patrols,Police,,1\n"                 # line 2
                     "Alley gating,The Council,,1\n"              # line 3
                     "Knife talks,Essex Police,Council,1\n"       # line 4: full name fine; a generic partner is not
                     "Graffiti removal,CBC,,1\n",                 # line 5: Colchester's acronym, local to its plans
                     encoding="utf-8")
    meta = _lakeside_meta(tmp_path)
    before = snapshot(project.data)
    with pytest.raises(PlanImportError) as caught:
        run_import(project, table, meta, add_agencies="charity")  # even so: a generic word is never a new agency
    issues = {(i.row, i.column): i for i in caught.value.issues}
    assert set(issues) == {("line 2", "lead agency"), ("line 3", "lead agency"), ("line 4", "partners"),
                           ("line 5", "lead agency")}
    police, council = issues[("line 2", "lead agency")], issues[("line 3", "lead agency")]
    assert police.message == "'Police' is only a generic word: it does not say which organisation"
    assert "did you mean Essex Police (essex-police)" in police.hint
    assert "In safer-colchester's plans 'Police' means Essex Police (essex-police)" in police.hint
    assert council.message == "'The Council' is only a generic word: it does not say which organisation"
    assert "Colchester Borough Council (colchester-borough-council)" in council.hint
    assert "Essex County Council (essex-county-council)" in council.hint
    cbc = issues[("line 5", "lead agency")]
    assert cbc.message.startswith("'CBC' names an agency only in other partnerships' plans (alt_local)")
    assert "In safer-colchester's plans 'CBC' means Colchester Borough Council" in cbc.hint
    assert snapshot(project.data) == before


def test_generic_word_in_the_partnerships_own_plan_resolves_with_a_warning(project, tmp_path):
    table = tmp_path / "colchester.csv"
    table.write_text("name,lead agency,partnership priorities\nStreet patrols,The Police,1\n", encoding="utf-8")
    meta = tmp_path / "colchester.meta.yaml"
    meta.write_text("partnership: safer-colchester\nyear: '2021-22'\ntitle: A later Safer Colchester plan\n"
                    "priorities:\n  - {number: 1, title: Safer streets}\npfcc: pfcc-essex-2016\n", encoding="utf-8")
    report = run_import(project, table, meta)
    row = initiatives_by_id(project, "safer-colchester", "2021-22")["street-patrols"]
    # agencies.yaml: essex-police alt_local {safer-colchester: [Police, The Police]}
    assert row["lead"] == {"cell": "The Police", "agencies": ["essex-police"]}
    assert "'The Police' -> essex-police" in row["note"]
    assert any(w.row == "line 2" and "'The Police' is only a generic word; read as essex-police" in w.message
               for w in report.warnings)


def test_a_declared_generic_spelling_stays_local_to_its_partnership(project, harbourside_xlsx, tmp_path):
    meta = tmp_path / "harbourside.meta.yaml"
    meta.write_text(HARBOURSIDE_META.read_text(encoding="utf-8").replace("alt: [HBC]", "alt: [HBC, The Council]"),
                    encoding="utf-8")
    run_import(project, harbourside_xlsx, meta, add_agencies="charity")
    agencies = yaml.safe_load((project.data / "reference" / "agencies.yaml").read_text())["agencies"]
    added = next(a for a in agencies if a["id"] == "harbourside-borough-council")
    assert added["alt"] == ["HBC"] and added["alt_local"] == {"harbourside-csp": ["The Council"]}


def test_dry_run_writes_nothing(project):
    before = snapshot(project.data)
    report = run_import(project, RIVERSIDE_CSV, RIVERSIDE_META, dry_run=True)
    assert report.dry_run and report.initiatives == 6
    assert project.data / "plans" / "safer-riverside" / "2021-22.yaml" in report.files
    assert snapshot(project.data) == before


def test_failure_while_writing_restores_the_data_dir_byte_for_byte(project, monkeypatch):
    from cspgraph import importer

    before = snapshot(project.data)
    real_replace, calls = importer.os.replace, []

    def failing_replace(src, dst):
        calls.append(dst)
        if len(calls) == 3:  # two files already renamed into place, then the disk "fails"
            raise OSError("disk full")
        real_replace(src, dst)

    monkeypatch.setattr(importer.os, "replace", failing_replace)
    with pytest.raises(DataError, match="cannot write the import: disk full"):
        run_import(project, RIVERSIDE_CSV, RIVERSIDE_META)
    assert snapshot(project.data) == before


def test_data_that_would_not_load_is_refused_and_nothing_written(project, tmp_path):
    meta = tmp_path / "meta.yaml"
    text = RIVERSIDE_META.read_text(encoding="utf-8")
    meta.write_text(text.replace("type: sport}", "type: sport}\nplaces:\n  - {id: quayside, name: Quayside, "
                                 "type: venue, within: atlantis}"), encoding="utf-8")
    before = snapshot(project.data)
    with pytest.raises(DataError, match="unknown place 'atlantis'"):
        run_import(project, RIVERSIDE_CSV, meta)
    assert snapshot(project.data) == before


def test_data_that_would_not_conform_to_the_shapes_is_refused(project, tmp_path):
    # the loader accepts any place type; PlaceShape (ontology/shapes.ttl) allows ward, estate, venue, ... only
    meta = tmp_path / "meta.yaml"
    meta.write_text(RIVERSIDE_META.read_text(encoding="utf-8") + "places:\n  - {id: riverside-village, "
                    "name: Riverside Village, type: village}\n", encoding="utf-8")
    before = snapshot(project.data)
    with pytest.raises(DataError, match="not conform to the shapes") as caught:
        run_import(project, RIVERSIDE_CSV, meta, shapes=project.ontology / "shapes.ttl")
    assert "place/riverside-village" in str(caught.value)
    assert snapshot(project.data) == before


def test_reimport_needs_replace(project):
    run_import(project, RIVERSIDE_CSV, RIVERSIDE_META)
    with pytest.raises(DataError, match="already in the data"):
        run_import(project, RIVERSIDE_CSV, RIVERSIDE_META)
    report = run_import(project, RIVERSIDE_CSV, RIVERSIDE_META, replace=True)
    assert report.initiatives == 6 and not report.new_partnership


# ------------------------------------------------------------------------------------------------ CLI and template


def test_cli_import_validates_with_shacl_and_writes(project):
    runner = CliRunner()
    root = ["--root", str(project.root), "--ontology", str(project.ontology), "--queries", str(project.queries)]
    result = runner.invoke(cli, [*root, "import", str(RIVERSIDE_CSV), "--meta", str(RIVERSIDE_META)])
    assert result.exit_code == 0, result.output
    assert "safer-riverside (new)" in result.output and "wrote" in result.output
    assert re.search(r"SHACL\s+conforms", result.output)  # the new plan's nodes were validated
    assert "column 'About the project'" not in result.output  # a template alias, not an unknown column
    assert (project.data / "plans" / "safer-riverside" / "2021-22.yaml").is_file()


def test_cli_import_error_exits_2_and_writes_nothing(project, harbourside_xlsx):
    before = snapshot(project.data)
    result = CliRunner().invoke(cli, ["--root", str(project.root), "--ontology", str(project.ontology),
                                      "import", str(harbourside_xlsx), "--meta", str(HARBOURSIDE_META)])
    assert result.exit_code == 2
    # row 3 names an organisation the register lacks and no --add-agencies was given
    assert "row 3 (sheet 'Action plan'), column 'Lead': unknown agency 'Harbourside Street Pastors'" in result.output
    assert "Traceback" not in result.output
    assert snapshot(project.data) == before


def test_cli_dry_run_and_bad_agency_type(project, harbourside_xlsx):
    runner = CliRunner()
    root = ["--root", str(project.root), "--ontology", str(project.ontology)]
    result = runner.invoke(cli, [*root, "import", str(harbourside_xlsx), "--meta", str(HARBOURSIDE_META),
                                 "--add-agencies", "charity", "--dry-run", "--no-validate"])
    assert result.exit_code == 0, result.output
    assert "would write" in result.output
    result = runner.invoke(cli, [*root, "import", str(harbourside_xlsx), "--meta", str(HARBOURSIDE_META),
                                 "--add-agencies", "charities"])
    assert result.exit_code == 2 and "'charities' is not an agency type" in result.output


def test_cli_new_plan_writes_templates_that_import(project, tmp_path):
    out = tmp_path / "templates"
    result = CliRunner().invoke(cli, ["new-plan", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "lead agency" in result.output
    table, meta = out / "plan-template.csv", out / "plan-meta.yaml"
    assert table.read_text(encoding="utf-8").startswith("name,lead agency,partners,timing,")
    # fill the template in as a user would: one row; the metadata as written names pfcc-essex-2016
    with table.open("a", encoding="utf-8") as handle:
        handle.write("Knife crime talks,Essex Police,,,,,Talks in schools.,1,,,,,,,,\n")
    report = run_import(project, table, meta)
    assert report.initiatives == 1 and report.partnership == "safer-example"
    again = CliRunner().invoke(cli, ["new-plan", "--out", str(out)])
    assert again.exit_code == 2 and "already exists" in again.output


def test_new_plan_template_never_overwrites(tmp_path):
    new_plan_template(tmp_path)
    with pytest.raises(DataError, match="already exists"):
        new_plan_template(tmp_path)


def test_cells_beyond_the_header_and_a_reversed_timing_are_warned_about(project, tmp_path):
    """Both used to be dropped without a word (a review found them so): an extra cell is most often an unquoted
    comma, and a range that ends before it starts gives no dates."""
    table = tmp_path / "plan.csv"
    table.write_text("name,lead agency,timing,partnership priorities\n"
                     "Knife talks,Essex Police,May 2022 - Jan 2020,1,EXTRA\n"   # line 2
                     "Street patrols,Essex Police,May 2021 - May 2022,1\n",    # line 3: fine
                     encoding="utf-8")
    report = run_import(project, table, RIVERSIDE_META)
    warned = {(w.row, w.column, w.message) for w in report.warnings if w.row in ("line 2", "line 3")}
    assert ("line 2", None, "1 cell(s) beyond the header's last column ignored: 'EXTRA'") in warned
    assert ("line 2", "timing", "'May 2022 - Jan 2020' ends before it starts: kept as written, no dates read") in warned
    assert not [w for w in warned if w[0] == "line 3"]
    rows = initiatives_by_id(project, "safer-riverside", "2021-22")
    assert rows["knife-talks"]["timing"] == {"cell": "May 2022 - Jan 2020", "start": None, "end": None}
    assert rows["street-patrols"]["timing"]["start"] == "2021-05"


def test_two_rows_of_one_name_get_two_ids_and_a_warning(project, tmp_path):
    """A plan may list one name twice for two pieces of work (Safer Colchester 2020-21 lists "Op
    Enlightenment" at lines 66 and 167), or a row may have been pasted twice: the second gets '-2', and the
    import says so, in its report and beside the row, where it was silent before."""
    table = tmp_path / "plan.csv"
    table.write_text("name,lead agency,partnership priorities\n"
                     "Knife talks,Essex Police,1\n"            # line 2
                     "Street patrols,Essex Police,1\n"         # line 3
                     "Knife talks,Essex Police,1\n",           # line 4: the name of line 2
                     encoding="utf-8")
    report = run_import(project, table, RIVERSIDE_META)
    warned = [(w.row, w.column, w.message) for w in report.warnings if "knife-talks" in w.message]
    assert warned == [("line 4", "name", "id 'knife-talks' is the row's at line 2, so this one is 'knife-talks-2'; "
                                        "check the two are not one initiative")]
    rows = initiatives_by_id(project, "safer-riverside", "2021-22")
    assert rows["knife-talks"]["name"] == rows["knife-talks-2"]["name"] == "Knife talks"
    assert "id 'knife-talks' is the row's at line 2" in rows["knife-talks-2"]["note"]
    assert "note" not in rows["street-patrols"] or "is the row's" not in rows["street-patrols"]["note"]


def test_an_error_in_the_file_the_import_would_write_says_so(project, tmp_path):
    """The loader checks the plan file the import would write; that file does not exist, so the message says
    whose value it is (a review found it naming a file the user had never seen, without a word)."""
    meta = _lakeside_with_document(tmp_path, "Survey of lighting in alleys.")
    (tmp_path / "plan.csv").write_text("name,lead agency,partnership priorities,source lines\n"
                                       "Street lighting survey,Essex Police,1,99\n", encoding="utf-8")  # 4 lines
    before = snapshot(project.data)
    with pytest.raises(DataError) as caught:
        run_import(project, tmp_path / "plan.csv", meta)
    message = str(caught.value)
    assert "(in the file the import would write: the value comes from your table or metadata)" in message
    assert "line 99 is past the end" in message and str(project.data / "plans" / "lakeside-csp") in message
    assert snapshot(project.data) == before
