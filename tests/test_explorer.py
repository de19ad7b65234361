"""The offline explorer: every page exists and has a title, nothing is fetched from the network, plan text is
escaped, contacts are withheld, and a site is written all at once or not at all."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import socket
import struct
import sys
import threading
import time
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib.namespace import RDF, RDFS

from cspgraph import explorer
from cspgraph.cli import cli
from cspgraph.errors import CspgraphError
from cspgraph.explorer import MARKER, build_site, spreadsheet_csv
from cspgraph.graph import build_graph
from cspgraph.namespaces import CSP
from cspgraph.questions import ask, load_questions
from cspgraph.store import OxigraphStore

# attributes that make a browser fetch (or navigate to) a URL
URL_ATTRIBUTES = {"src", "href", "action", "formaction", "poster", "data", "srcset", "background", "xlink:href",
                  "manifest", "ping", "codebase", "cite", "longdesc", "usemap", "icon"}
REMOTE = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)
CSS_REMOTE = re.compile(r"url\(\s*['\"]?\s*(https?:)?//|@import", re.IGNORECASE)
JS_REMOTE = re.compile(r"""(\bsrc|\bhref|\burl)\s*[=:(]\s*['"`]\s*(https?:)?//""", re.IGNORECASE)


class _Page(HTMLParser):
    """Collects a page's title, URL-bearing attributes, inline styles and visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title, self.urls, self.styles, self.text, self.tags = "", [], [], [], []
        self._stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        self._stack.append(tag)
        self.tags.append(tag)
        for name, value in attrs:
            if name in URL_ATTRIBUTES and value is not None:
                self.urls.append((tag, name, value))
            if name == "style" and value:
                self.styles.append(value)
            if tag == "meta" and name == "content" and value and "url=" in value.lower():
                self.urls.append((tag, name, value.split("=", 1)[1]))

    def handle_endtag(self, tag):
        if tag in self._stack:
            while self._stack and self._stack.pop() != tag:
                pass

    def handle_data(self, data):
        where = self._stack[-1] if self._stack else ""
        if where == "title":
            self.title += data
        elif where == "style":
            self.styles.append(data)
        elif where != "script":
            self.text.append(data)


def parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


@pytest.fixture(scope="module")
def site(built, repo_paths, tmp_path_factory):
    """The explorer of the shipped plans, written once for this module."""
    out = tmp_path_factory.mktemp("explorer") / "site"
    report = build_site(repo_paths, out, store=OxigraphStore.from_graph(built.graph))
    return report


@pytest.fixture
def mini_site(mini_paths, tmp_path):
    store = OxigraphStore.from_graph(build_graph(mini_paths).graph)
    return build_site(mini_paths, tmp_path / "site", store=store)


# ------------------------------------------------------------------------------------------------ offline


def test_no_file_fetches_anything_from_the_network(site):
    """No src/href/action attribute, CSS url()/@import or script URL points off the site (http:, https:, //)."""
    files = [p for p in site.out_dir.rglob("*") if p.suffix in (".html", ".js", ".css")]
    assert files
    offending, text_mentions = [], 0
    for path in files:
        body = path.read_text(encoding="utf-8")
        if path.suffix == ".html":
            page = parse(path)
            offending += [(path.name, t, a, v) for t, a, v in page.urls if REMOTE.match(v)]
            offending += [(path.name, "style", m.group(0)) for s in page.styles for m in CSS_REMOTE.finditer(s)]
            offending += [(path.name, "script", m.group(0)) for m in JS_REMOTE.finditer(body)]
            text_mentions += sum(len(re.findall(r"https?://", t)) for t in page.text)
            assert "<base" not in body.lower() and "<iframe" not in body.lower(), path
        elif path.suffix == ".css":
            offending += [(path.name, "css", m.group(0)) for m in CSS_REMOTE.finditer(body)]
        else:
            offending += [(path.name, "js", m.group(0)) for m in JS_REMOTE.finditer(body)]
    assert offending == []
    # URLs quoted from the plans stay as text, e.g. data/sources/scp-plan-2018-19.txt:267
    # "https://www.safercolchester.co.uk/local-community-meetings/": allowed, and not turned into links
    assert text_mentions > 0


def test_every_page_has_a_title_and_links_stay_inside_the_site(site):
    html = sorted(p for p in site.out_dir.rglob("*.html"))
    assert {str(p.relative_to(site.out_dir)) for p in html} == set(site.pages)
    for path in html:
        page = parse(path)
        assert page.title.strip(), path
        for _tag, _attr, value in page.urls:
            assert not value.startswith(("/", "file:", "javascript:")), (path, value)
            target = value.split("#")[0]
            if target:  # relative links resolve to files that exist: the site works from file://
                assert (path.parent / target).resolve().is_file(), (path, value)


def test_pages_carry_a_content_security_policy_that_forbids_fetching(site):
    body = (site.out_dir / "network.html").read_text(encoding="utf-8")
    policy = html.unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', body).group(1))
    assert "default-src 'none'" in policy and "connect-src 'none'" in policy
    assert "unsafe-eval" not in policy and "https:" not in policy


def test_static_files_are_written_once(site):
    static = {p.name for p in (site.out_dir / "static").iterdir()}
    assert {"site.css", "site.js", "graph.js", "network.js", "vis-network.min.js", "vis-network.css"} <= static
    assert not list(site.out_dir.rglob("lib"))  # pyvis's 'local' mode would have written lib/


# ------------------------------------------------------------------------------------------------ coverage


def test_every_question_has_a_page_and_a_csv(site, repo_paths, built):
    store = OxigraphStore.from_graph(built.graph)
    for qid, question in load_questions(repo_paths.queries).items():
        page = site.out_dir / "questions" / f"{qid}.html"
        assert page.is_file(), qid
        assert question.title in parse(page).title
        rows = list(csv.reader(io.StringIO((site.out_dir / "questions" / f"{qid}.csv").read_text(encoding="utf-8-sig"))))
        answer = ask(question, store)
        assert rows[0] == answer.columns and len(rows) == len(answer.rows()) + 1, qid


def test_every_agency_and_initiative_has_a_page(site, built):
    graph = built.graph
    for cls in (CSP.Agency, CSP.AgencyUnit, CSP.Initiative):
        subjects = set(graph.subjects(RDF.type, cls))
        assert subjects, cls
        for iri in subjects:
            path = site.page_of.get(str(iri))
            assert path and (site.out_dir / path).is_file(), iri
            label = str(graph.value(iri, RDFS.label))
            assert parse(site.out_dir / path).title.startswith(label), iri


def test_initiative_page_shows_fields_and_quoted_source(site):
    page = site.out_dir / site.page_of["https://w3id.org/cspgraph/id/initiative/safer-colchester/2020-21/op-sceptre"]
    text = " ".join(parse(page).text)
    # scp-plan-2020-21.txt:64 "Op Sceptre Essex Police Various Dates ... 1, 2 & 3  1, 4, 5 & 6"
    assert "Essex Police" in text and "Various Dates" in text
    assert "1, 2 & 3" in text and "1, 4, 5 & 6" in text
    assert "Op Sceptre a National operation to tackle knife crime" in text
    assert "line 64" in text


def _link_texts(page: Path) -> dict[str, str]:
    """href -> link text of a page's <a> elements (the last one wins: enough to tell two pages apart)."""
    html = page.read_text(encoding="utf-8")
    return {href: re.sub(r"<[^>]+>", "", text) for href, text in re.findall(r'<a href="([^"]+)"[^>]*>(.*?)</a>', html)}


def test_initiatives_of_one_plan_with_one_name_are_told_apart_by_their_line(site):
    # scp-plan-2020-21.txt lists "Op Enlightenment" twice, for different work: line 66 ("Partnership with
    # schools ...") and line 167 ("Working in partnership with schools to spot the signs of CSE"); and
    # "Essex Youth Services" twice, lines 59 (funding) and 60 (online activities)
    base = "https://w3id.org/cspgraph/id/initiative/safer-colchester/2020-21/"
    expected = {"op-enlightenment": "Op Enlightenment (line 66)", "op-enlightenment-p3": "Op Enlightenment (line 167)",
                "essex-youth-services-funding": "Essex Youth Services (line 59)",
                "essex-youth-services-online-activities": "Essex Youth Services (line 60)"}
    plan_page = site.out_dir / site.page_of["https://w3id.org/cspgraph/id/plan/safer-colchester/2020-21"]
    links = _link_texts(plan_page)
    for slug, name in expected.items():
        path = site.page_of[base + slug]
        assert parse(site.out_dir / path).title.startswith(name), slug
        assert links["../" + path] == name, slug
    # a name used once keeps its label alone
    assert links["../" + site.page_of[base + "op-sceptre"]] == "Op Sceptre"
    home = (site.out_dir / "index.html").read_text(encoding="utf-8")  # the search index is embedded in it
    assert "Op Enlightenment (line 66)" in home and "Op Enlightenment (line 167)" in home


def test_contacts_are_withheld(site):
    # scp-plan-2018-19 lines 147-148 named a schools contact with an e-mail address (redacted in data/)
    page = site.out_dir / site.page_of[
        "https://w3id.org/cspgraph/id/initiative/safer-colchester/2018-19/gangs-line-assemblies-workshops"]
    assert "A point of contact exists (withheld)." in " ".join(parse(page).text)
    email = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z0-9.-]+")
    for path in site.out_dir.rglob("*"):
        if path.suffix in (".html", ".csv", ".js"):
            assert not email.search(path.read_text(encoding="utf-8")), path


def test_agency_page_lists_initiatives_by_year_and_partners(site):
    page = site.out_dir / site.page_of["https://w3id.org/cspgraph/id/agency/essex-police"]
    parsed = parse(page)
    text = " ".join(parsed.text)
    # agencies.yaml: alt [EP, ExPol] anywhere; "Police", "The Police" only in Safer Colchester's plans
    assert "EP, ExPol" in text and "Police, The Police (Safer Colchester Partnership's plans)" in text
    # scp-plan-2020-21.txt:64: Essex Police leads Op Sceptre in 2020-21
    assert "Op Sceptre" in text and "2020-21" in text and "Works with" in text
    assert any(v.endswith("op-sceptre.html") for _, _, v in parsed.urls)


def test_network_page_data_matches_the_networkx_graph(site, built):
    from cspgraph.network import co_delivery_network

    body = (site.out_dir / "network.html").read_text(encoding="utf-8")
    data = json.loads(re.search(r'id="graph-data">(.*?)</script>', body, re.DOTALL).group(1))
    graph = co_delivery_network(OxigraphStore.from_graph(built.graph))
    assert len(data["nodes"]) == graph.number_of_nodes() == site.network_nodes
    assert len(data["edges"]) == graph.number_of_edges()
    assert all(re.fullmatch(r"n[0-9]+", n["id"]) for n in data["nodes"])  # opaque ids, never IRIs or names


def test_the_network_picture_has_its_facts_as_a_table(site, built):
    """A text alternative to the picture (WCAG 1.1.1, an accessibility review found none): every organisation
    of the network, its initiatives and whom it works with most, with the shared initiatives of each link."""
    from cspgraph.network import co_delivery_network

    graph = co_delivery_network(OxigraphStore.from_graph(built.graph))
    body = (site.out_dir / "network.html").read_text(encoding="utf-8")
    assert 'aria-describedby="network-as-table"' in body
    table = body[body.index('<details class="as-table" id="network-as-table">'):]
    table = table[:table.index("</details>")]
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.DOTALL)[1:]
    assert len(rows) == graph.number_of_nodes() == site.network_nodes
    # the organisation names its row: a row header (WCAG 1.3.1)
    police = next(r for r in rows if re.search(r'<th scope="row" class="rowname"><a [^>]*>Essex Police</a></th>', r))
    cbc = "https://w3id.org/cspgraph/id/agency/colchester-borough-council"
    police_iri = "https://w3id.org/cspgraph/id/agency/essex-police"
    shared = graph.edges[police_iri, cbc]["weight"]
    assert f">Colchester Borough Council ({shared})</a>" in police
    assert re.search(r"and \d+ more", police)  # Essex Police works with more than eight organisations


def test_pages_can_be_used_from_the_keyboard_and_on_a_phone(site):
    """From the accessibility review: a skip link to the content, the current section marked, a visible focus
    on white, tables that scroll on their own on a narrow screen, bars hidden from screen readers (the answer
    table below says the same), and the home page's title said once."""
    gaps = (site.out_dir / "gaps.html").read_text(encoding="utf-8")
    assert '<a class="skip" href="#content">Skip to content</a>' in gaps and '<main id="content"' in gaps
    assert '<a href="gaps.html" aria-current="page">Gaps</a>' in gaps and gaps.count('aria-current="page"') == 1
    assert gaps.count('<div class="table-scroll" role="region" tabindex="0"') == gaps.count("<table>")
    css = (site.out_dir / "static" / "site.css").read_text(encoding="utf-8")
    assert ":focus-visible { outline: 3px solid var(--ink)" in css and ".table-scroll { overflow-x: auto; }" in css
    home = (site.out_dir / "index.html").read_text(encoding="utf-8")
    assert "<title>Community Safety Partnership plans explorer</title>" in home
    bars = (site.out_dir / "questions" / "initiatives-per-agency.html").read_text(encoding="utf-8")
    assert '<table aria-hidden="true">' in bars and 'aria-label="Bar chart"' not in bars


def test_question_tables_are_headed_in_words_and_their_csv_keeps_the_names(site):
    """A strategic lead read `initiativeNames` and `matrixYear` over the tables (a review found it); programs
    reading the CSV keep the SPARQL names."""
    for qid, headings in (("agency-pairs", ["agency 1", "agency 2", "initiatives", "initiative names"]),
                          ("risk-matrix-coverage", ["partnership", "matrix year", "rank", "offence", "harm", "year",
                                                    "initiatives", "initiative names"])):
        page = (site.out_dir / "questions" / f"{qid}.html").read_text(encoding="utf-8")
        head = re.search(r"<thead><tr>(.*?)</tr></thead>", page).group(1)
        assert re.findall(r"<th[^>]*>([^<]*)</th>", head) == headings, qid
        csv_head = (site.out_dir / "questions" / f"{qid}.csv").read_text(encoding="utf-8-sig").splitlines()[0]
        assert "initiativeNames" in csv_head.split(","), qid


def test_the_priority_filter_lists_pfcc_then_each_years_scp_priorities_by_number(site):
    """Plan by plan, each by number (it used to interleave PFCC 1, SCP 2018-19 1, SCP 2020-21 1, ...): the PFCC
    plan's 7 priorities (scp-plan-2020-21.txt lines 171-183), then 2018-19's four SCP priorities and
    2020-21's three (scp-plan-2018-19.txt 37-69, scp-plan-2020-21.txt 32-46)."""
    body = (site.out_dir / "network.html").read_text(encoding="utf-8")
    select = re.search(r'<select name="priority" id="filter-priority">(.*?)</select>', body, re.DOTALL).group(1)
    names = [re.match(r"(PFCC|SCP \d{4}-\d{2}) (\d+):", text).groups()
             for text in re.findall(r"<option[^>]*>([^<]*)</option>", select)[1:]]
    assert names == ([("PFCC", str(n)) for n in range(1, 8)] + [("SCP 2018-19", str(n)) for n in range(1, 5)]
                     + [("SCP 2020-21", str(n)) for n in range(1, 4)])


# ------------------------------------------------------------------------------------------------ safety


def test_mini_site_question_csv_counts_the_fixture(mini_site):
    rows = list(csv.DictReader(io.StringIO(
        (mini_site.out_dir / "questions" / "initiatives-per-plan.csv").read_text(encoding="utf-8-sig"))))
    # tests/fixtures/mini/data/sources/mini-plan.txt lines 5-7: three initiatives, one an operation (Op Example)
    assert [(r["year"], r["initiatives"], r["operations"]) for r in rows] == [("2020-21", "3", "1")]


def test_the_site_csv_opens_in_excel_as_utf8(mini_site):
    """A byte-order mark first, so that Excel reads the plans' ’ and – as written; CRLF line ends."""
    raw = (mini_site.out_dir / "questions" / "initiatives-per-plan.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfplan,year,") and raw.count(b"\r\n") == raw.count(b"\n")


def test_csv_neutralises_spreadsheet_formulas():
    text = spreadsheet_csv(["name", "n"], [("=HYPERLINK(\"x\")", -3), ("+1", 2), ("-2", 1), ("plain", None)])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1] == ["'=HYPERLINK(\"x\")", "-3"] and rows[2][0] == "'+1"
    assert rows[3][0] == "-2" and rows[4] == ["plain", ""]


def test_a_foreign_folder_is_never_replaced(mini_paths, tmp_path):
    out = tmp_path / "documents"
    out.mkdir()
    (out / "report.docx").write_text("keep me")
    with pytest.raises(CspgraphError, match="not written by 'cspgraph explore'"):
        build_site(mini_paths, out)
    assert (out / "report.docx").read_text() == "keep me"


def test_rebuild_replaces_an_earlier_site_and_a_failed_build_keeps_it(mini_paths, tmp_path, monkeypatch):
    out = tmp_path / "site"
    build_site(mini_paths, out)
    (out / "stale.html").write_text("old")
    build_site(mini_paths, out)
    assert (out / MARKER).is_file() and not (out / "stale.html").exists()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    before = sorted(p.name for p in out.rglob("*"))
    monkeypatch.setattr(explorer, "_index_page", broken)
    with pytest.raises(RuntimeError):
        build_site(mini_paths, out)
    assert sorted(p.name for p in out.rglob("*")) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mini", "site"]  # no staging folder left behind


# ------------------------------------------------------------------------------------------------ CLI


def _mini_args(mini_paths) -> list[str]:
    return ["--root", str(mini_paths.root), "--ontology", str(mini_paths.ontology),
            "--queries", str(mini_paths.queries)]


def test_cli_explore_writes_the_site(mini_paths, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, [*_mini_args(mini_paths), "explore", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "index.html").is_file() and "index.html" in result.output
    assert re.search(r"pages\s+\d+", result.output)


def test_cli_explore_refuses_a_foreign_folder(mini_paths, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    result = CliRunner().invoke(cli, [*_mini_args(mini_paths), "explore", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "not written by 'cspgraph explore'" in result.output and "Traceback" not in result.output
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_serve_refuses_a_folder_without_a_site(tmp_path):
    with pytest.raises(CspgraphError, match="no explorer site"):
        explorer.serve(tmp_path, 8000)


def test_the_server_serves_the_site_and_shrugs_off_a_dropped_connection(tmp_path, capfd):
    """A browser that drops a connection mid-answer (a reload, a closed tab) gets no traceback printed in the
    user's terminal, and the server goes on serving."""
    (tmp_path / "index.html").write_text("<p>explorer</p>", encoding="utf-8")
    (tmp_path / "big.json").write_bytes(b"0" * (32 << 20))  # more than the sockets' buffers can hold
    server = explorer.site_server(tmp_path, 0)
    port = server.server_address[1]
    met, handle_error = [], server.handle_error

    def noting(request, client_address):  # what the server was handed: the test is about that case
        met.append(sys.exc_info()[0])
        handle_error(request, client_address)

    server.handle_error = noting
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    try:
        url = f"http://127.0.0.1:{port}/index.html"
        assert urllib.request.urlopen(url, timeout=10).read() == b"<p>explorer</p>"
        with socket.create_connection(("127.0.0.1", port), timeout=10) as browser:
            browser.sendall(b"GET /big.json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert browser.recv(1024).startswith(b"HTTP/1.0 200")
            # close at once with a reset (SO_LINGER 0), as a browser dropping the page does
            browser.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        for _ in range(200):  # the request's thread meets the reset when it next writes, and ends
            if not [t for t in threading.enumerate() if "process_request_thread" in t.name]:
                break
            time.sleep(0.05)
        else:
            pytest.fail("the request's thread never ended")
        assert urllib.request.urlopen(url, timeout=10).read() == b"<p>explorer</p>"  # still serving
    finally:
        server.shutdown()
        server.server_close()
        serving.join(10)
    err = capfd.readouterr().err
    assert met and all(issubclass(kind, ConnectionError) for kind in met), met  # the browser's drop, met
    assert "GET /big.json" in err  # the request was served, and logged as the server logs every request
    assert "Traceback" not in err and "Exception occurred" not in err and "failed" not in err, err


# ------------------------------------------------------------------------------------------------ large answers


def _site_files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_long_answers_asked_again_give_the_same_pages(repo_paths, built, tmp_path, monkeypatch):
    """Answers longer than KEEP_ROWS are not kept between working out the menus and writing the page, but
    asked again: the pages must be the same as with every answer kept."""
    store = OxigraphStore.from_graph(built.graph)
    kept = build_site(repo_paths, tmp_path / "kept", store=store)
    asked = []
    real_ask = explorer.ask

    def counted(q, st, values=None):
        asked.append(q.id)
        return real_ask(q, st, values)

    monkeypatch.setattr(explorer, "KEEP_ROWS", 0)
    monkeypatch.setattr(explorer, "ask", counted)
    again = build_site(repo_paths, tmp_path / "again", store=store)
    assert len(asked) > len(load_questions(repo_paths.queries))  # the pages' answers were asked a second time
    assert _site_files(kept.out_dir) == _site_files(again.out_dir)


def test_a_long_answer_shows_its_first_rows_and_the_csv_has_all(repo_paths, built, tmp_path, monkeypatch):
    monkeypatch.setattr(explorer, "MAX_TABLE_ROWS", 3)
    report = build_site(repo_paths, tmp_path / "site", store=OxigraphStore.from_graph(built.graph))
    page = (report.out_dir / "questions" / "initiatives-per-plan.html").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO((report.out_dir / "questions" / "initiatives-per-plan.csv")
                                       .read_text(encoding="utf-8-sig"))))
    assert len(rows) - 1 == 2  # one row a plan: 2018-19 and 2020-21, not over the cap
    matrix_page = (report.out_dir / "questions" / "scp-pfcc-matrix.html").read_text(encoding="utf-8")
    matrix_rows = list(csv.reader(io.StringIO((report.out_dir / "questions" / "scp-pfcc-matrix.csv")
                                              .read_text(encoding="utf-8-sig"))))
    total = len(matrix_rows) - 1
    assert total > 3
    answer = matrix_page.split("<h2>Answer</h2>", 1)[1]
    assert answer.count("<tr>") == 1 + 3  # the header, then the first three rows
    assert f"({total} rows)" in answer and f"The first 3 of {total} rows: the CSV has them all." in answer
    assert "The first" not in page.split("<h2>Answer</h2>", 1)[1]


def test_a_matrix_too_large_to_show_says_so(repo_paths, built, tmp_path, monkeypatch):
    store = OxigraphStore.from_graph(built.graph)
    shown = build_site(repo_paths, tmp_path / "shown", store=store)
    page = (shown.out_dir / "questions" / "scp-pfcc-matrix--year-2020-21.html").read_text(encoding="utf-8")
    assert "<h2>As a matrix</h2>\n<table>" in page
    monkeypatch.setattr(explorer, "MAX_MATRIX_CELLS", 1)
    capped = build_site(repo_paths, tmp_path / "capped", store=store)
    page = (capped.out_dir / "questions" / "scp-pfcc-matrix--year-2020-21.html").read_text(encoding="utf-8")
    assert "<h2>As a matrix</h2>\n<table>" not in page
    assert re.search(r"\d+ rows by \d+ columns is too large to show as a matrix here", page)


def test_a_matrix_of_several_plans_is_not_drawn_as_one(repo_paths, built, tmp_path):
    """Each plan has its own SCP priorities: 2018-19's four and 2020-21's three in one matrix read as seven rows
    of one list (a review found it so). The default answer (both years) sends the reader to one plan's; each
    year's answer is one plan's matrix: 2020-21 has SCP 1-3 (2020-21 lines 36-46) in rows, PFCC 1-7 in columns."""
    site = build_site(repo_paths, tmp_path / "site", store=OxigraphStore.from_graph(built.graph))
    both = (site.out_dir / "questions" / "scp-pfcc-matrix.html").read_text(encoding="utf-8")
    assert "<h2>As a matrix</h2>\n<table>" not in both
    assert "This answer covers 2 plans, each with its own priorities" in both
    one = (site.out_dir / "questions" / "scp-pfcc-matrix--year-2020-21.html").read_text(encoding="utf-8")
    matrix = one.split("<h2>As a matrix</h2>", 1)[1].split("</table>", 1)[0]
    assert matrix.count('<th scope="row">') == 3 and matrix.count('<th scope="col">') == 7


def test_the_site_is_the_same_whatever_the_hash_seed(repo_paths, tmp_path):
    """Sets have no order, and Python's string hashing differs from one run to the next: where two things
    sort alike (an initiative and a police operation of one name, two quotes from one line), the IRI decides."""
    import subprocess
    import sys

    script = ("import sys; from pathlib import Path; from cspgraph.explorer import build_site; "
              "from cspgraph.project import ProjectPaths; build_site(ProjectPaths.at(Path(sys.argv[1])), Path(sys.argv[2]))")
    for seed in ("1", "2"):
        subprocess.run([sys.executable, "-c", script, str(repo_paths.root), str(tmp_path / seed)], check=True,
                       env={**__import__("os").environ, "PYTHONHASHSEED": seed}, timeout=300)
    assert _site_files(tmp_path / "1") == _site_files(tmp_path / "2")



def _facts_as_triples(facts: explorer.Facts) -> set[tuple[str, str, str, bool]]:
    """What a Facts holds, read back from its three indexes as (subject, predicate, object, is an IRI)."""
    def each(index):
        for predicate, found in index.items():
            for key, values in found.items():
                for value in ([values] if isinstance(values, str) else values):
                    yield predicate, key, value
    out = {(s, p, o, True) for p, s, o in each(facts.out)}
    assert out == {(s, p, o, True) for p, o, s in each(facts.inv)}  # the inverse index says the same
    return out | {(s, p, o, False) for p, s, o in each(facts.lit)}


def test_facts_hold_every_triple_about_an_instance_on_either_engine(built):
    """Facts walks Oxigraph triple by triple and asks rdflib (or an endpoint) one SELECT: both must give every
    triple whose subject is an id: IRI, and nothing else."""
    from rdflib import Literal, URIRef

    from cspgraph.namespaces import ID
    from cspgraph.store import RdflibStore

    expected = {(str(s), str(p), str(o), isinstance(o, URIRef)) for s, p, o in built.graph
                if isinstance(s, URIRef) and str(s).startswith(str(ID)) and isinstance(o, (URIRef, Literal))}
    assert len(expected) > 5_000
    assert _facts_as_triples(explorer.Facts(OxigraphStore.from_graph(built.graph))) == expected
    assert _facts_as_triples(explorer.Facts(RdflibStore(built.graph))) == expected


def test_facts_keep_one_value_bare_and_give_several_sorted():
    from rdflib import BNode, Graph, Literal, URIRef

    from cspgraph.namespaces import ID

    a, b, c = (URIRef(f"{ID}test/{x}") for x in "abc")
    outside = URIRef("https://example.org/outside")
    g = Graph()
    g.add((a, RDFS.label, Literal("second")))
    g.add((a, RDFS.label, Literal("first")))
    g.add((a, RDF.type, CSP.Initiative))
    g.add((a, CSP.leadAgency, c))
    g.add((a, CSP.leadAgency, b))
    g.add((a, CSP.partnerAgency, BNode()))  # neither an IRI nor a literal: not a fact a page shows
    g.add((outside, CSP.leadAgency, b))  # not an instance: left out
    facts = explorer.Facts(OxigraphStore.from_graph(g))
    a, b, c, outside = (str(x) for x in (a, b, c, outside))  # the pages ask with plain text
    assert facts.out[str(RDF.type)][a] == str(CSP.Initiative)  # one value: kept bare, not in a list
    assert facts.texts(a, RDFS.label) == ["first", "second"]
    assert facts.iris(a, CSP.leadAgency) == sorted([b, c])
    assert facts.iris(a, CSP.partnerAgency) == []
    assert facts.subjects(CSP.leadAgency, b) == [a]
    assert facts.of_type(CSP.Initiative) == [a] and facts.has_type(a, CSP.Initiative)
    assert facts.knows(a) and not facts.knows(outside) and not facts.knows(b)


def test_a_question_page_leads_with_the_plain_question_and_folds_the_analysts_description(site, repo_paths):
    """The question in plain words first; the description (columns, IRIs, counting rules) inside a <details>,
    for those who want it (a review found non-programmers met 'agency1 < agency2 by IRI' first)."""
    question = load_questions(repo_paths.queries)["agency-pairs"]
    page = (site.out_dir / "questions" / "agency-pairs.html").read_text(encoding="utf-8")
    lead = page.index('<p class="lead">')
    folded = page.index("<summary>How it is counted, and what each column holds</summary>")
    assert lead < folded and page.index("by IRI", folded) > folded
    assert "by IRI" not in page[:folded] and question.question.split()[0] in page[lead:folded]


def test_the_gaps_page_links_what_it_reports_to_its_page(site):
    """A gap names a plan, a priority, a harm, an agency or an initiative: each is a link to its page (a review
    found the page a dead end), and every link resolves."""
    html = (site.out_dir / "gaps.html").read_text(encoding="utf-8")
    links = dict((text, href) for href, text in re.findall(r'<a href="([^"]+)">([^<]+)</a>', html))
    assert links["Safer Colchester Partnership 2020-21"] == "plans/safer-colchester--2020-21.html"
    # statutory members that lead nothing in 2020-21 (cspgraph gaps --year 2020-21: 3 of 7)
    for agency in ("Essex Community Rehabilitation Company", "Essex County Fire and Rescue Service",
                   "NHS Clinical Commissioning Group"):
        assert links[agency].startswith("agencies/"), agency
    assert links["Drug trafficking"] == "harms/drug-trafficking.html"
    assert links["Behind Closed Doors Conference"].startswith("initiatives/")  # names no PFCC priority
    assert {href.split("/")[0] for href in links.values()} >= {"plans", "priorities", "harms", "agencies",
                                                              "initiatives"}
    # headings keep the plans' acronyms (str.capitalize made them "Scp x pfcc"); a plan that lists no members
    # says its statutory partners cannot be checked rather than "None."
    assert "<h3>SCP x PFCC priorities (initiatives serving both)</h3>" in html
    assert "<h3>Initiatives with no PFCC priority</h3>" in html and "Scp x pfcc" not in html
    assert html.count("The plan lists no members: its statutory partners cannot be checked.") == 1
    for tag, _attribute, url in parse(site.out_dir / "gaps.html").urls:
        if tag == "a" and not url.startswith("#"):
            assert (site.out_dir / url.split("#")[0]).is_file(), url


def test_a_table_row_is_headed_by_the_cell_that_names_it(site):
    """A screen reader reads each cell with its row's name: the priority, harm or initiative after the year
    (WCAG 1.3.1; a review found the gap tables' rows unnamed). Amounts and question answers name no row."""
    gaps = (site.out_dir / "gaps.html").read_text(encoding="utf-8")
    # every table there: (year, priority | harm | agency | initiative, ...), or the SCP x PFCC matrix's
    # (SCP priority, a count a PFCC priority)
    body = [r for r in re.findall(r"<tr>(.*?)</tr>", gaps, re.DOTALL) if "<td" in r]
    heads = [re.match(r'\s*(<td class="nowrap">20\d\d-\d\d</td>)?<th scope="row" class="rowname">', r) for r in body]
    assert body and all(heads), [r for r, h in zip(body, heads) if not h][:2]
    assert any(h and h.group(1) is None for h in heads)  # the matrix: headed by its SCP priority
    plan = (site.out_dir / site.page_of["https://w3id.org/cspgraph/id/plan/safer-colchester/2020-21"]).read_text(
        encoding="utf-8")
    assert '<th scope="row" class="rowname"><a href="../initiatives/' in plan  # initiatives: year, then its name
    question = (site.out_dir / "questions" / "initiatives-per-plan.html").read_text(encoding="utf-8")
    assert "rowname" not in question


def test_the_home_and_gaps_pages_say_what_scp_pfcc_and_the_risk_matrix_are(site):
    """The reader is not expected to know the acronyms (a review found them never spelled out)."""
    for page in ("index.html", "gaps.html"):
        text = " ".join(" ".join(parse(site.out_dir / page).text).split())
        assert "SCP priorities are the partnership's own" in text, page
        assert "Police, Fire and Crime Commissioner's plan" in text and "A risk matrix ranks" in text, page
