"""The curated plan data (``data/``) against its sources: counts, sample rows, provenance, redaction, references.

Expected values are read off the source texts by hand; the comments give the line numbers in
``data/sources/scp-plan-2018-19.txt`` ("2018-19:L") and ``data/sources/scp-plan-2020-21.txt`` ("2020-21:L").
Only yaml, pathlib, re and the files are used, so these tests run without the package installed.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
ORIGINALS = ROOT.parent / "shared" / "sources"  # the unredacted extracts, beside the checkout when available

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
REDACTED_NAMES = ["[a person]", "[a person]", "[a person]", "[a person]", "[a person]", "[a person]"]

# the three tables of the 2020-21 plan: header line to last row line
TABLES_2020 = {1: (54, 67), 2: (73, 101), 3: (107, 169)}


# --------------------------------------------------------------------------------------------- helpers


_CACHE: dict[str, object] = {}  # files are read once per session (the tests never modify them)


def load(rel: str):
    if rel not in _CACHE:
        _CACHE[rel] = yaml.safe_load((DATA / rel).read_text(encoding="utf-8"))
    return _CACHE[rel]


def sources() -> dict[str, dict]:
    return {s["id"]: s for s in load("reference/sources.yaml")["sources"]}


def source_lines(source_id: str) -> list[str]:
    key = f"source:{source_id}"
    if key not in _CACHE:
        _CACHE[key] = (ROOT / sources()[source_id]["file"]).read_text(encoding="utf-8").split("\n")
    return _CACHE[key]


def plans() -> dict[str, dict]:
    return {str(p["plan"]["year"]): p for p in (load(f"plans/safer-colchester/{y}.yaml") for y in ("2018-19", "2020-21"))}


def plan(year: str) -> dict:
    return plans()[year]


def row(year: str, rid: str) -> dict:
    (found,) = [r for r in plan(year)["initiatives"] if r["id"] == rid]
    return found


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\uf0b7", "•")).strip().lower()


def span(year: str, lines: list[int]) -> tuple[str, str]:
    """The span's text, whole lines and first (tab) column only, whitespace-normalised and lower-cased."""
    text = source_lines(plan(year)["plan"]["source"])[lines[0] - 1 : lines[1]]
    return norm(" ".join(text)), norm(" ".join(t.split("\t")[0] for t in text))


def slug_lists() -> dict[str, set[str]]:
    """The fixed slug lists of docs/rdf-mapping.md (harms, statuses, agency types)."""
    doc = (ROOT / "docs" / "rdf-mapping.md").read_text(encoding="utf-8")
    found = {}
    for key, label in (("harms", r"harms \(groups first\)"), ("statuses", "statuses"), ("agency-types", "agency types")):
        m = re.search(rf"^- {label}:(.*?)(?=^- |\Z|^\s*$)", doc, re.M | re.S)
        assert m, f"no '{key}' list in docs/rdf-mapping.md"
        found[key] = {s for s in re.split(r"[,\s]+", m.group(1)) if s}
    return found


def all_initiatives():
    for year, p in plans().items():
        for r in p["initiatives"]:
            yield year, r


def in_table(r: dict, table: int) -> bool:
    first, last = TABLES_2020[table]
    return first <= r["lines"][0] <= last


# --------------------------------------------------------------------------------------------- counts


def test_count_2018_19():
    # 2018-19 table from line 70; rows (first line): Virtual Crew 82, Gangs line Professional Training 112,
    # Gangs line Assemblies 136, United Against Knife Crime 155, Essex Police Ops 177, Op Disc 184, Local Community
    # Meetings 189, Mate Crime / Cuckooing 236, Street Weeks 262, Premier League Kicks 345, Keep Safe 369, Nights of
    # Action 388, TCAP 399, Fire Fighters Delivering Differently 442, MAD Days 483, DRIVE 488, DA social media 522,
    # Observers 577, Crimestoppers 582, Youth ASB Hotspot 587, Taxi's CSE 596, Firebreak 601, Behind Closed Doors 655,
    # Reclaim the Night 697 = 24
    assert len(plan("2018-19")["initiatives"]) == 24


def test_counts_2020_21_per_table():
    rows = plan("2020-21")["initiatives"]
    # Priority One (2020-21:54-67): lines 55, 56, 57, 58, 59, 60(+62), 63, 64, 65, 66, 67 = 11
    assert sum(in_table(r, 1) for r in rows) == 11
    # Priority Two (2020-21:73-101): lines 75, 76, 77, 78, 79(+81), 82, 83, 84, 85, 86, 87, 88, 90, 91, 92, 93, 94,
    # 95, 96, 98, 99, 100, 101 = 23
    assert sum(in_table(r, 2) for r in rows) == 23
    # Priority Three (2020-21:107-169): split rows 110, 113, 125, 130, 135; then 142, 143, 144, 145, 146, 147(+149),
    # 150, 151, 152, 153, 154, 155, 157 (Sanctuary Scheme, 157-158), 159, 160, 161, 162(+164), 165, 166, 167, 168,
    # 169 = 27
    assert sum(in_table(r, 3) for r in rows) == 27
    assert len(rows) == 11 + 23 + 27


def test_every_table_line_belongs_to_a_row():
    """No row left out: every non-blank line of the tables lies in some initiative's span."""
    skip = {
        # 2018-19: the column header (70-80) and the mailto: link of the page (183), between two rows
        "2018-19": set(range(70, 81)) | {183},
        # 2020-21: headings and narratives between tables, table headers (73-74, 107) and the bullet line (108)
        "2020-21": set(range(68, 75)) | set(range(102, 109)),
    }
    ranges = {"2018-19": (70, 711), "2020-21": (55, 169)}
    for year, (first, last) in ranges.items():
        text = source_lines(plan(year)["plan"]["source"])
        covered = {n for r in plan(year)["initiatives"] for n in range(r["lines"][0], r["lines"][1] + 1)}
        missing = [n for n in range(first, last + 1) if text[n - 1].strip() and n not in covered and n not in skip[year]]
        assert not missing, f"{year}: lines {missing} are in no row"


# --------------------------------------------------------------------------------------------- sample rows 2018-19


def test_row_virtual_crew_pilot():
    r = row("2018-19", "virtual-crew-pilot")
    assert r["name"] == "Virtual Crew (Year 6 pupils) Pilot"  # 2018-19:82
    assert r["lines"] == [82, 110]
    # 2018-19:110 "June 18 CBC 1, 4 6"
    assert r["timing"] == {"cell": "June 18", "start": None, "end": "2018-06"}
    assert r["lead"] == {"cell": "CBC", "agencies": ["colchester-borough-council"]}
    assert r["scp"] == {"cell": "1, 4", "values": [1, 4]}
    assert r["pfcc"] == {"cell": "6", "values": [6]}
    # 2018-19:98-99 "1006 pupils registered for Virtual Crew from 34 primary schools"
    figures = {f["value"]: f for f in r["figures"]}
    assert figures[1006]["lines"] == [98, 99] and figures[34]["lines"] == [98, 99]
    # 2018-19:94-96 The Community Safety Team, Essex Police, CBH ASB Team, the Children's Society
    assert {"essex-police", "colchester-borough-homes/asb-team", "the-childrens-society"} <= set(r["partners"])


def test_row_united_against_knife_crime_single_priority_cell():
    r = row("2018-19", "united-against-knife-crime")
    # 2018-19:169-173 "April 2019 Colchester United Football Club", 2018-19:175 "2" (one priority cell only)
    assert r["timing"]["cell"] == "April 2019" and r["timing"]["end"] == "2019-04"
    assert r["lead"]["agencies"] == ["colchester-united-football-club"]
    assert r["scp"]["values"] == [2] and r["pfcc"]["values"] == []
    assert "single priority cell" in r["note"]
    # 2018-19:158-159 "over 10,000 young people"
    assert [f["value"] for f in r["figures"]] == [10000]
    assert set(r["places"]) == {"colchester", "tendring"}  # 2018-19:159-160


def test_row_op_disc():
    r = row("2018-19", "op-disc")
    assert r["operation"] is True and r["lines"] == [184, 187]  # 2018-19:184 " Op Disc Aug 2018 / Sept 2018"
    # 2018-19:187 "Multi agency to tackle town centre issues a/a Mar 19 EP 2,3,4 1, 2, 4"
    assert r["timing"]["end"] == "2019-03" and r["lead"]["agencies"] == ["essex-police"]
    assert r["scp"] == {"cell": "2,3,4", "values": [2, 3, 4]}
    assert r["pfcc"] == {"cell": "1, 2, 4", "values": [1, 2, 4]}


def test_row_street_weeks_figures():
    r = row("2018-19", "street-weeks")
    # 2018-19:265 "Highwood's 4th – 11th June 2018. Mar 19 SCP 1, 2, 3, 4 1, 2"
    assert r["lead"] == {"cell": "SCP", "agencies": ["safer-colchester-partnership"]}
    assert r["scp"]["values"] == [1, 2, 3, 4] and r["pfcc"]["values"] == [1, 2]
    figures = {(f["value"], f["lines"][0]) for f in r["figures"]}
    # 2018-19:324-325 over 500 spoken to, 275 military families; 2018-19:335 "50+ new NHW members"
    assert {(500, 324), (275, 325), (50, 335)} <= figures
    # 2018-19:316-320 partners of the St Michael's Street Weeks
    assert {"colchester-garrison", "royal-military-police", "amey-defence", "british-forces-broadcasting-service"} <= set(
        r["partners"]
    )
    assert {"highwoods", "st-michaels-estate", "greenstead"} <= set(r["places"])


def test_row_firebreak_no_timing_cell():
    r = row("2018-19", "firebreak")
    # 2018-19:621 " ECFRS / SCP 4": lead and one priority cell; 2018-19:601 "February 2019" opens the outcomes
    assert r["lead"] == {"cell": "ECFRS / SCP", "agencies": ["essex-county-fire-and-rescue-service", "safer-colchester-partnership"]}
    assert r["timing"] == {"cell": None, "start": None, "end": None}
    assert r["scp"]["values"] == [4] and r["pfcc"]["values"] == []
    # 2018-19:605-609 "funding for £4000 from CBH for the Colchester Youth Project"
    assert r["funding"] == [
        {"amount": 4000, "funder": "colchester-borough-homes",
         "quote": "CBC Zone 6 have been successful in gaining funding for £4000 from CBH for the Colchester Youth Project",
         "lines": [605, 609]}
    ]


def test_row_reclaim_the_night():
    r = row("2018-19", "reclaim-the-night-awareness-walk")
    # 2018-19:708-711 "Nov 18 CARA / CS team" "1, 3"
    assert r["timing"]["end"] == "2018-11" and r["lead"]["cell"] == "CARA / CS team"
    assert r["lead"]["agencies"] == ["cara", "colchester-borough-council/community-safety-team"]
    assert r["scp"]["values"] == [1, 3]
    assert r["figures"][0]["value"] == 200  # 2018-19:697 "over 200 people"


def test_plan_2018_19_risk_matrix_and_funding_table():
    p = plan("2018-19")
    # 2018-19:9-12
    assert [(e["rank"], e["offence"], e["harm"]) for e in p["risk_matrix"]] == [
        (1, "Violence with Injury", "violence-with-injury"),
        (2, "Possession of weapons offences", "possession-of-weapons"),
        (3, "Rape", "rape"),
        (4, "Trafficking Drugs", "drug-trafficking"),
    ]
    # 2018-19:717-722 Open Road £360, Pub watch committee £115
    assert [(f["recipient"], f["amount"]) for f in p["funding"]] == [("open-road", 360), ("pub-watch-committee", 115)]
    assert [pr["number"] for pr in p["priorities"]] == [1, 2, 3, 4]  # 2018-19:37, 45, 55, 62


# --------------------------------------------------------------------------------------------- sample rows 2020-21


def test_row_mac_panel():
    r = row("2020-21", "mac-panel")
    # 2020-21:55 "MAC Panel Essex Police October 2019 - Ongoing <tab> ... <tab> 1 & 2 <tab> 4, 5 & 6"
    assert r["lead"] == {"cell": "Essex Police", "agencies": ["essex-police"]}
    assert r["timing"] == {"cell": "October 2019 - Ongoing", "start": "2019-10", "end": None}
    assert r["scp"]["values"] == [1, 2] and r["pfcc"]["values"] == [4, 5, 6]
    assert r["status"] == "ongoing"


def test_row_essex_youth_services_twice():
    a, b = row("2020-21", "essex-youth-services-funding"), row("2020-21", "essex-youth-services-online-activities")
    assert a["name"] == b["name"] == "Essex Youth Services"  # 2020-21:59, 60
    assert a["funding"][0]["amount"] == 46000  # 2020-21:59 "£46,000 funding available"
    # 2020-21:62 "April 2020 – ongoing" is the second row's shifted timing cell
    assert b["lines"] == [60, 62] and b["timing"]["start"] == "2020-04"
    assert a["pfcc"]["values"] == b["pfcc"]["values"] == []


def test_row_asb_awareness_week_cancelled():
    r = row("2020-21", "asb-awareness-week")
    # 2020-21:85 "ASB Awareness Week Essex Police & CBC 30 March – 5 April 2020 ... cancelled due to COVID-19 outbreak"
    assert r["lead"]["agencies"] == ["essex-police", "colchester-borough-council"]
    assert (r["timing"]["start"], r["timing"]["end"]) == ("2020-03-30", "2020-04-05")
    assert (r["status"], r["status_reason"]) == ("cancelled", "COVID-19 outbreak")
    assert set(r["places"]) == {"greenstead", "stanway"}


def test_row_every_contact_counts_garbled_cell():
    r = row("2020-21", "every-contact-counts")
    assert r["lines"] == [110, 112]
    assert r["lead"]["cell"] == "CBC, PFCC, CYP First"  # 2020-21:111
    assert r["timing"] == {"cell": "223, 11 23, 211 1", "start": None, "end": None}  # 2020-21:112, garbled
    assert r["scp"]["values"] == [3]  # 2020-21:110 third column
    assert r["status"] == "cancelled" and r["figures"][0]["value"] == 3


def test_row_together_we_can_funding():
    r = row("2020-21", "together-we-can-project")
    # 2020-21:125-129
    assert r["lead"]["cell"] == "CBC Community Safety/Next Chapter/LA Partners"
    assert (r["timing"]["start"], r["timing"]["end"]) == ("2020-04", "2021-03")
    assert r["funding"][0]["amount"] == 500000
    assert r["funding"][0]["funder"] == "ministry-of-housing-communities-and-local-government"


def test_row_suicide_prevention_campaign_split_name():
    r = row("2020-21", "suicide-prevention-training-options-campaign")
    assert r["name"] == "Suicide prevention Training OPtions Campaign"  # 2020-21:135-137
    assert r["lines"] == [135, 140]
    assert "1.09001 2020" in r["timing"]["cell"]  # 2020-21:140, garbled
    assert r["lead"]["agencies"] == ["colchester-borough-council", "livewell"]  # 2020-21:138 "CBC / Livewell"


def test_row_sanctuary_scheme_garbled_pfcc():
    r = row("2020-21", "sanctuary-scheme")
    assert r["lines"] == [157, 158]
    # 2020-21:157 "2 & 3 / 3, 4 & 6"; 2020-21:158 "2 & 3 / 5, 4 & 0" (no PFCC priority 0)
    assert r["pfcc"]["cell"] == "3, 4 & 6\n5, 4 & 0" and r["pfcc"]["values"] == [3, 4, 6]
    assert r["lead"]["agencies"] == ["colchester-borough-homes"]


def test_row_op_pegasi():
    r = row("2020-21", "op-pegasi")
    # 2020-21:168 "Op Pegasi Essex Police Ongoing <tab> ... Greenstead and the Hythe. <tab> 1 & 3" (no PFCC column)
    assert r["operation"] is True and r["status"] == "ongoing"
    assert r["scp"]["values"] == [1, 3] and r["pfcc"]["cell"] is None
    assert set(r["places"]) == {"greenstead", "the-hythe"} and r["harms"] == ["knife-crime"]


def test_op_enlightenment_twice_distinct_ids():
    ids = [r["id"] for r in plan("2020-21")["initiatives"] if r["name"] == "Op Enlightenment"]
    assert ids == ["op-enlightenment", "op-enlightenment-p3"]  # 2020-21:66 and 2020-21:167


def test_single_line_rows_2020_21_match_their_line():
    """A one-line row of 2020-21 is 'name lead timing <tab> about <tab> SCP <tab> PFCC': check the cells."""
    text = source_lines("scp-plan-2020-21")
    checked = 0
    for r in plan("2020-21")["initiatives"]:
        if r["lines"][0] != r["lines"][1]:
            continue
        cells = text[r["lines"][0] - 1].split("\t")
        first = " ".join(c for c in (r["name"], r["lead"]["cell"], r["timing"]["cell"]) if c)
        assert norm(cells[0]) == norm(first), r["id"]
        assert (r["scp"]["cell"] or "") == cells[2].strip(), r["id"]
        assert r["pfcc"]["cell"] == (cells[3].strip() if len(cells) > 3 else None), r["id"]
        checked += 1
    assert checked >= 40


def test_plan_2020_21_members():
    members = plan("2020-21")["members"]
    # statutory 2020-21:9-15 (7), non-statutory 2020-21:19-30 (12)
    assert [m["lines"][0] for m in members if m["role"] == "statutory"] == list(range(9, 16))
    assert [m["lines"][0] for m in members if m["role"] == "non-statutory"] == list(range(19, 31))


def test_pfcc_scheme():
    pfcc = load("reference/pfcc/pfcc-essex-2016.yaml")
    assert pfcc["lines"] == [171, 183]  # 2020-21:171 heading, 177-183 the priorities
    assert [(p["number"], p["lines"][0]) for p in pfcc["priorities"]] == [(n, 176 + n) for n in range(1, 8)]
    assert pfcc["priorities"][6]["title"] == "Improve safety on our roads"  # 2020-21:183


# --------------------------------------------------------------------------------------------- provenance


def test_each_span_contains_the_name():
    for year, r in all_initiatives():
        whole, first_col = span(year, r["lines"])
        name = norm(r["name"])
        assert name in whole or name in first_col, f"{year} {r['id']}: '{r['name']}' not in lines {r['lines']}"
        # the first line holds (the start of) the name
        head, _ = span(year, [r["lines"][0], r["lines"][0]])
        assert head.startswith(name.split()[0]), f"{year} {r['id']}: line {r['lines'][0]} does not start the name"


def test_quotes_are_in_their_lines():
    for year, r in all_initiatives():
        for item in r.get("figures", []) + r.get("funding", []):
            whole, _first_col = span(year, item["lines"])
            cols = " ".join(t.split("\t")[1] if "\t" in t else t for t in
                            source_lines(plan(year)["plan"]["source"])[item["lines"][0] - 1 : item["lines"][1]])
            assert norm(item["quote"]) in whole or norm(item["quote"]) in norm(cols), (year, r["id"], item["quote"])


def _line_refs():
    """(label, source id, [first, last]) for every line reference in the data."""
    for year, p in plans().items():
        sid = p["plan"]["source"]
        yield f"{year} plan", sid, p["plan"]["lines"]
        for key in ("priorities", "risk_matrix", "members", "funding"):
            for rec in p.get(key) or []:
                yield f"{year} {key}", sid, rec["lines"]
        for r in p["initiatives"]:
            yield f"{year} {r['id']}", sid, r["lines"]
            for item in r.get("figures", []) + r.get("funding", []):
                yield f"{year} {r['id']} figure/funding", sid, item["lines"]
    pfcc = load("reference/pfcc/pfcc-essex-2016.yaml")
    yield "pfcc", pfcc["source"], pfcc["lines"]
    for p in pfcc["priorities"]:
        yield f"pfcc {p['number']}", pfcc["source"], p["lines"]
    registers = [load("reference/agencies.yaml")["agencies"], load("reference/places.yaml")["places"],
                 load("reference/partnerships.yaml")["partnerships"]]
    for records in registers:
        for rec in records:
            for unit in [rec] + rec.get("units", []):
                for sid, lines in (unit.get("lines") or {}).items():
                    yield unit["id"], sid, lines


def test_line_references_are_within_the_files():
    lengths = {sid: len(source_lines(sid)) for sid in sources()}
    for label, sid, lines in _line_refs():
        assert sid in lengths, f"{label}: unknown source {sid}"
        first, last = lines
        assert 1 <= first <= last <= lengths[sid], f"{label}: {lines} outside {sid} ({lengths[sid]} lines)"


# --------------------------------------------------------------------------------------------- redaction


def test_redacted_sources_keep_the_line_count():
    for sid, rec in sources().items():
        redacted = source_lines(sid)
        assert len(redacted) == rec["line_count"], sid
        original = ORIGINALS / rec["original_file"]
        if ORIGINALS.is_dir():
            assert len(original.read_text(encoding="utf-8").split("\n")) == len(redacted), sid


def test_no_personal_data_in_sources_or_data():
    files = [ROOT / s["file"] for s in sources().values()] + sorted(DATA.glob("**/*.yaml"))
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert not EMAIL.search(text), f"{path}: e-mail address {EMAIL.search(text).group()}"
        for name in REDACTED_NAMES:
            assert name not in text, f"{path}: names {name}"


def test_contact_redacted_flags_rows_with_redactions():
    """contact_redacted is true exactly where the row's own text had a name or address withheld."""
    flagged = set()
    for year, r in all_initiatives():
        redacted = "[name redacted]" in r["description"] or "[e-mail redacted]" in r["description"]
        assert r["contact_redacted"] == redacted, f"{year} {r['id']}"
        if redacted:
            flagged.add(r["lines"][0])
    # 2018-19:118 (MP), 147-148 (school contact), 255 (trainer), 529 (Refuge worker), 655 (coordinator)
    assert flagged == {112, 136, 236, 522, 655}


# --------------------------------------------------------------------------------------------- references


def test_slugs_exist():
    fixed = slug_lists()
    agencies = load("reference/agencies.yaml")["agencies"]
    orgs = {a["id"] for a in agencies} | {f"{a['id']}/{u['id']}" for a in agencies for u in a.get("units", [])}
    places = {p["id"] for p in load("reference/places.yaml")["places"]}
    for a in agencies:
        assert a["type"] in fixed["agency-types"], a["id"]
    for p in load("reference/places.yaml")["places"]:
        assert p.get("within") is None or p["within"] in places, p["id"]
    for year, p in plans().items():
        for pr in p["priorities"]:
            assert set(pr.get("harms", [])) <= fixed["harms"], (year, pr["number"])
        for e in p.get("risk_matrix", []):
            assert e["harm"] in fixed["harms"]
        for m in p.get("members", []):
            assert m["agency"] in orgs, m
        for f in p.get("funding", []):
            assert f["recipient"] in orgs, f
        for r in p["initiatives"]:
            used = r["lead"]["agencies"] + r["partners"] + [f["funder"] for f in r.get("funding", []) if f["funder"]]
            assert set(used) <= orgs, (year, r["id"], set(used) - orgs)
            assert set(r["harms"]) <= fixed["harms"], (year, r["id"], set(r["harms"]) - fixed["harms"])
            assert set(r["places"]) <= places, (year, r["id"], set(r["places"]) - places)
            assert r["status"] is None or r["status"] in fixed["statuses"], (year, r["id"])


def test_ids_are_unique():
    for year, p in plans().items():
        ids = [r["id"] for r in p["initiatives"]]
        assert len(ids) == len(set(ids)), year
    agencies = load("reference/agencies.yaml")["agencies"]
    ids = [a["id"] for a in agencies] + [f"{a['id']}/{u['id']}" for a in agencies for u in a.get("units", [])]
    assert len(ids) == len(set(ids))
    places = [p["id"] for p in load("reference/places.yaml")["places"]]
    assert len(places) == len(set(places))


def test_continues_targets_exist_in_an_earlier_year():
    index = {(str(p["plan"]["year"]), r["id"]) for p in plans().values() for r in p["initiatives"]}
    links = [(year, r) for year, r in all_initiatives() if r.get("continues")]
    for year, r in links:
        partnership, target_year, slug = r["continues"].split("/")
        assert partnership == "safer-colchester" and (target_year, slug) in index, r["continues"]
        assert target_year < year, r["continues"]
        assert r.get("continues_note"), r["id"]
    # Virtual Crew, TCAP, MAD Days, Nights of Action, Observers, Keep Safe (2020-21:58, 90, 91, 95, 152, 153)
    assert sorted(r["lines"][0] for _, r in links) == [58, 90, 91, 95, 152, 153]


def test_plan_year_and_dates_are_strings():
    for year, r in all_initiatives():
        for key in ("start", "end"):
            value = r["timing"][key]
            assert value is None or (isinstance(value, str) and re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value)), (
                year, r["id"], key, value)
    assert all(isinstance(p["plan"]["year"], str) for p in plans().values())
