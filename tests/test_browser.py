"""The explorer in a real browser (Debian chromium driven by playwright), offline: every request that is not
``file:`` or ``data:`` is aborted and recorded. Pages must draw, filter and search with no script error, and
plan text that looks like markup must show as text and never run.

Chromium comes from the system (``apt-get install -y chromium``; ``scripts/setup.sh dev`` installs it), never
from ``playwright install``. A missing browser fails these tests: a skipped browser test would hide a broken
explorer.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import expect

from cspgraph.explorer import build_site
from cspgraph.graph import build_graph
from cspgraph.network import co_delivery_network
from cspgraph.store import OxigraphStore

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]
XSS_SCRIPT = "<script>window.__xss=1</script>"
XSS_IMG = '<img src=x onerror="window.__xss=1">'
XSS_HREF = '<a href="javascript:window.__xss=1">href</a>'


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: pip install -e '.[browser]'")
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"no chromium at {CHROMIUM}: run 'apt-get install -y chromium' (scripts/setup.sh dev does)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Tab:
    """A page that may only load file: and data: URLs, recording errors and every blocked request."""

    def __init__(self, browser) -> None:
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.errors: list[str] = []
        self.blocked: list[str] = []
        self.page.on("pageerror", lambda err: self.errors.append(f"pageerror: {err}"))
        self.page.on("console", lambda msg: self.errors.append(f"console: {msg.text}") if msg.type == "error" else None)
        self.page.route("**/*", self._route)

    def _route(self, route) -> None:
        if route.request.url.startswith(("file:", "data:")):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def open(self, path: Path, graph: bool = False):
        self.page.goto(path.as_uri())
        if graph:
            self.page.wait_for_selector("#network[data-ready=true]", timeout=30_000)
        return self.page

    def visible_nodes(self) -> int:
        return self.page.evaluate(
            "window.cspgraph.networks.network.nodes.get({filter: n => !n.hidden}).length")

    def visible_edges(self) -> int:
        return self.page.evaluate(
            "window.cspgraph.networks.network.edges.get({filter: e => !e.hidden}).length")

    def clean(self) -> None:
        assert self.errors == []
        assert self.blocked == []
        self.page.close()


@pytest.fixture(scope="module")
def repo_site(built, repo_paths, tmp_path_factory):
    store = OxigraphStore.from_graph(built.graph)
    return build_site(repo_paths, tmp_path_factory.mktemp("browser") / "site", store=store), store


def test_network_page_draws_the_whole_graph_with_a_legend(browser, repo_site):
    report, store = repo_site
    graph = co_delivery_network(store)
    tab = Tab(browser)
    page = tab.open(report.out_dir / "network.html", graph=True)
    assert tab.visible_nodes() == graph.number_of_nodes()
    assert tab.visible_edges() == graph.number_of_edges()
    assert page.locator("#legend").is_visible()
    assert "Police" in page.locator("#legend").inner_text()
    assert page.locator("canvas").count() == 1
    tab.clean()


def test_network_filters_show_the_same_network_as_the_library(browser, repo_site):
    report, store = repo_site
    total = co_delivery_network(store).number_of_nodes()
    tab = Tab(browser)
    page = tab.open(report.out_dir / "network.html", graph=True)
    # year: the 2018-19 plan's network (co_delivery_network(year=...)) is smaller than both plans together
    page.select_option("#filter-year", "2018-19")
    year_graph = co_delivery_network(store, year="2018-19")
    assert tab.visible_nodes() == year_graph.number_of_nodes() < total
    assert tab.visible_edges() == year_graph.number_of_edges()
    assert f"Showing {year_graph.number_of_nodes()} of {total}" in page.locator("#network-status").inner_text()
    # harm, on top of the year reset: county lines and its narrower harms
    page.select_option("#filter-year", "")
    page.select_option("#filter-harm", "county-lines")
    harm_graph = co_delivery_network(store, harm="county-lines")
    assert tab.visible_nodes() == harm_graph.number_of_nodes() < total
    # agency type: only police nodes
    page.select_option("#filter-harm", "")
    page.select_option("#filter-type", "police")
    police = [n for n, d in co_delivery_network(store).nodes(data=True) if d["type"] == "police"]
    assert tab.visible_nodes() == len(police) > 0
    page.click("button[type=reset]")
    # a Python-side wait: the page's CSP forbids the eval that a string predicate would need
    expect(page.locator("#network-filters")).to_have_attribute("data-visible-nodes", str(total))
    assert tab.visible_nodes() == total
    tab.clean()



def test_the_wheel_scrolls_the_page_until_the_picture_is_clicked(browser, repo_site):
    # vis-network zooms on every wheel event over its canvas: a reader scrolling down the network page to the
    # table below it zoomed the picture instead, and the page stopped scrolling
    report, _ = repo_site
    tab = Tab(browser)
    page = tab.open(report.out_dir / "network.html", graph=True)
    scale = "window.cspgraph.networks.network.network.getScale()"

    def over_the_picture() -> tuple[float, float]:
        box = page.locator("#network canvas").bounding_box()
        return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2

    def settled(expression: str, changed_from: float) -> float:
        for _ in range(50):  # a Python-side wait: the page's CSP forbids the eval of wait_for_function
            value = page.evaluate(expression)
            if value != changed_from:
                return value
            page.wait_for_timeout(50)
        return value

    before = page.evaluate(scale)
    page.mouse.move(*over_the_picture())
    page.mouse.wheel(0, 300)
    assert settled("window.scrollY", 0) > 0  # the page scrolled
    assert page.evaluate(scale) == before and page.locator("#network").get_attribute("data-zoom") == "off"
    page.evaluate("window.scrollTo(0, 0)")
    page.mouse.click(*over_the_picture())
    assert page.locator("#network").get_attribute("data-zoom") == "on"
    page.mouse.wheel(0, -300)
    assert settled(scale, before) > before and page.evaluate("window.scrollY") == 0  # zoomed in, not scrolled
    page.mouse.move(1, 1)  # the pointer leaves the picture: the wheel is the page's again
    assert page.locator("#network").get_attribute("data-zoom") == "off"
    tab.clean()

def test_question_pages_draw_and_their_menus_open_other_answers(browser, repo_site):
    report, _ = repo_site
    tab = Tab(browser)
    page = tab.open(report.out_dir / "questions" / "agency-pairs.html", graph=True)
    assert page.locator("table").count() >= 1 and page.locator("a[download]").count() == 1
    # choosing an option does not leave the page (a keyboard user arrowing through them would be taken to the
    # first they pass: WCAG 3.2.2); the button beside the menu does
    page.select_option("select.go-to[name=year]", "agency-pairs--year-2018-19.html")
    page.wait_for_timeout(300)
    assert page.url.endswith("/agency-pairs.html")
    page.click("button.go[data-for=go-to-year]")
    page.wait_for_url("**/agency-pairs--year-2018-19.html")
    page.wait_for_selector("#network[data-ready=true]")
    assert "2018-19" in page.title()
    tab.clean()


def test_search_finds_pages_offline(browser, repo_site):
    report, _ = repo_site
    tab = Tab(browser)
    page = tab.open(report.out_dir / "index.html")
    page.fill("#search", "sceptre")
    # scp-plan-2020-21.txt:64 lists Op Sceptre
    page.locator("#search-results a", has_text="Op Sceptre").first.click()
    page.wait_for_url("**/initiatives/*op-sceptre.html")
    assert page.locator("h1").inner_text() == "Op Sceptre"
    tab.clean()


# ------------------------------------------------------------------------------------------------ XSS


@pytest.fixture
def hostile_site(mini_paths, tmp_path):
    """The mini fixture with markup in an agency name, a partnership name, an initiative name and description."""
    data = mini_paths.data

    def edit(relative: str, change) -> None:
        path = data / relative
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(doc)
        path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")

    def agencies(doc):
        doc["agencies"][0]["name"] = f"Essex Police {XSS_SCRIPT}"
        doc["agencies"][1]["name"] = f"Mini Council {XSS_IMG} {XSS_HREF}"

    def partnerships(doc):
        doc["partnerships"][0]["name"] = f"Mini CSP {XSS_SCRIPT}"

    def plan(doc):
        doc["initiatives"][2]["name"] = f"Youth Boxing {XSS_IMG}"
        doc["initiatives"][2]["description"] = f"{XSS_SCRIPT} </script><!-- {XSS_HREF} {{{{ 7*7 }}}}"

    edit("reference/agencies.yaml", agencies)
    edit("reference/partnerships.yaml", partnerships)
    edit("plans/mini-csp/2020-21.yaml", plan)
    store = OxigraphStore.from_graph(build_graph(mini_paths).graph)
    return build_site(mini_paths, tmp_path / "site", store=store)


def _assert_inert(page, *payloads: str) -> None:
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    assert page.evaluate("""[...document.scripts].filter(s => s.type !== 'application/json'
                                                   && s.textContent.includes('__xss')).length""") == 0
    assert page.evaluate("[...document.querySelectorAll('a')].filter(a => a.href.startsWith('javascript')).length") == 0
    text = page.locator("body").inner_text()
    for payload in payloads:
        assert payload in text


def test_markup_in_plan_text_shows_as_text_and_never_runs(browser, hostile_site):
    out = hostile_site.out_dir
    essex = out / hostile_site.page_of["https://w3id.org/cspgraph/id/agency/essex-police"]
    council = out / hostile_site.page_of["https://w3id.org/cspgraph/id/agency/mini-borough-council"]
    boxing = out / hostile_site.page_of["https://w3id.org/cspgraph/id/initiative/mini-csp/2020-21/youth-boxing"]
    tab = Tab(browser)
    _assert_inert(tab.open(boxing), XSS_SCRIPT, XSS_IMG, XSS_HREF, "{{ 7*7 }}")
    _assert_inert(tab.open(essex), XSS_SCRIPT)
    _assert_inert(tab.open(council), XSS_IMG, XSS_HREF)
    _assert_inert(tab.open(out / "questions" / "initiatives-per-plan.html"), XSS_SCRIPT)
    page = tab.open(out / "network.html", graph=True)
    _assert_inert(page)
    # hover and click each node: the tooltip and the info panel show the names as text
    for node in page.evaluate("window.cspgraph.networks.network.nodes.getIds()"):
        x, y = page.evaluate(f"""(() => {{ const n = window.cspgraph.networks.network.network;
            const p = n.canvasToDOM(n.getPositions(['{node}'])['{node}']);
            const r = document.getElementById('network').getBoundingClientRect();
            return [r.left + p.x, r.top + p.y]; }})()""")
        page.mouse.move(x, y)
        page.mouse.click(x, y)
        page.wait_for_timeout(400)
    panel = page.locator("#graph-info").inner_text()
    tooltip = page.evaluate("(document.querySelector('.vis-tooltip') || {}).innerText || ''")
    assert any(p in panel + tooltip for p in (XSS_SCRIPT, XSS_IMG))
    _assert_inert(page)
    tab.clean()
