"""The notebooks in notebooks/: they run top to bottom on the shipped data and print what the plans say.

They are executed here with nbclient, not only with ``pytest --nbmake notebooks/`` (which works too), for three
reasons: a plain ``pytest`` run covers them, with no plugin option to remember; nbmake only checks that no cell
raised, while these tests also check that key findings, worked out by hand from the source documents, are
printed, that the network pictures are inline and offline, and that a run writes nothing git would see; and the
kernel is pinned to this interpreter (see :func:`_kernel_manager`), so the notebooks run with the cspgraph being
tested whatever kernelspecs the machine has installed.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
NAMES = ("01-exploring-the-partnership.ipynb", "02-finding-gaps.ipynb", "03-comparing-years.ipynb")
#: seconds a single cell may take (each runs in 0.1-3 s on a 2-core machine)
CELL_TIMEOUT = 300


def _kernel_manager() -> KernelManager:
    """A ``python3`` kernel running this very interpreter.

    With no kernelspec folders to search, jupyter_client falls back to ipykernel's native spec, whose command is
    ``sys.executable``. A ``python3`` kernelspec installed elsewhere (``~/.local/share/jupyter`` from an
    earlier ``ipykernel install --user``) could otherwise point at another Python without cspgraph.
    """
    return KernelManager(kernel_name="python3", kernel_spec_manager=KernelSpecManager(kernel_dirs=[]))


def _git_status() -> set[str]:
    """Files git sees as new or changed (ignored files are not listed)."""
    done = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=REPO,
                          capture_output=True, text=True, check=True)
    return set(done.stdout.splitlines())


@pytest.fixture(scope="module")
def executed():
    """Every notebook executed once, in memory (the files on disk keep no outputs), and what git saw change."""
    before = _git_status()
    runs = {}
    for name in NAMES:
        notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
        client = NotebookClient(notebook, km=_kernel_manager(), timeout=CELL_TIMEOUT,
                                resources={"metadata": {"path": str(NOTEBOOKS)}})
        client.execute()  # raises CellExecutionError, quoting the cell and its traceback, if any cell fails
        runs[name] = notebook
    return runs, _git_status() - before


def _outputs(notebook, mime: str | None = None) -> list[str]:
    """Every printed text (mime None) or every rich output of one type, in cell order."""
    found = []
    for cell in notebook.cells:
        for out in cell.get("outputs", []):
            if mime is None and out.output_type == "stream" and out.name == "stdout":
                found.append(out.text)
            elif mime is not None and mime in out.get("data", {}):
                found.append(out.data[mime])
    return found


def _printed(notebook) -> str:
    return " ".join("".join(_outputs(notebook)).split())  # whitespace folded: sentences may wrap


# ------------------------------------------------------------------------------------------------ committed files


def test_the_three_notebooks_are_there():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == list(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_committed_notebooks_carry_no_outputs(name):
    """Outputs hold ~700 KB a network picture and change on every run: they stay out of git."""
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata.kernelspec.name == "python3"
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{name}: cell {index} has outputs; clear them before committing"
            assert cell.execution_count is None, f"{name}: cell {index} has an execution count"


# Markdown may cite years, source lines, sections of an Act and code; every other number is printed by code,
# so that no figure in the text can drift from the data.
_ALLOWED_NUMBERS = re.compile(
    r"`[^`]*`"  # code: file names, commands
    r"|COVID-19"
    r"|\b(?:19|20)\d\d(?:-\d\d(?:\d\d)?)?\b"  # years, plan years 2018-19, 2016-2020
    r"|\blines?\s+\d+(?:-\d+)?(?:(?:,|\s+and)\s+\d+(?:-\d+)?)*"  # source lines
    r"|\bsection\s+\d+"  # of the Crime and Disorder Act
)


@pytest.mark.parametrize("name", NAMES)
def test_markdown_states_no_computed_numbers(name):
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown":
            rest = _ALLOWED_NUMBERS.sub("", cell.source)
            assert not re.search(r"\d", rest), (
                f"{name}: markdown cell {index} states a number ({re.findall(r'.{0,30}[0-9].{0,30}', rest)[0]!r}); "
                "print it from a code cell instead")


@pytest.mark.parametrize("name", NAMES)
def test_notebooks_use_the_library_not_the_cli(name):
    """Notebooks call the same library functions as the CLI, never the CLI itself or raw SPARQL."""
    code = "\n".join(c.source for c in nbformat.read(NOTEBOOKS / name, as_version=4).cells if c.cell_type == "code")
    assert "find_project" in code and "open_store" in code
    assert "cspgraph.cli" not in code and "subprocess" not in code and "!cspgraph" not in code
    assert "SELECT" not in code and "rdflib" not in code


# ------------------------------------------------------------------------------------------------ executed


def test_running_them_writes_nothing_git_sees(executed):
    """Pictures go to notebooks/output/, which .gitignore lists; nothing else is written in the checkout."""
    _, changed = executed
    assert not changed, f"running the notebooks changed files git tracks or sees: {sorted(changed)}"
    for picture in ("network-2020-21.html", "network-2018-19.html"):
        path = NOTEBOOKS / "output" / picture
        assert path.is_file()
        ignored = subprocess.run(["git", "check-ignore", "-q", str(path)], cwd=REPO, check=False)
        assert ignored.returncode == 0, f"{path} is not git-ignored"


@pytest.mark.parametrize("name", NAMES)
def test_every_notebook_shows_tables(executed, name):
    notebook = executed[0][name]
    tables = [md for md in _outputs(notebook, "text/markdown") if md.startswith("| ")]
    assert len(tables) >= 3
    assert all("<" not in md for md in tables), "plan text in tables must be escaped"


@pytest.mark.parametrize("name, heading", [(NAMES[0], "Who works with whom, 2020-21"),
                                           (NAMES[2], "Who works with whom, 2018-19")])
def test_network_pictures_are_inline_and_offline(executed, name, heading):
    frames = [h for h in _outputs(executed[0][name], "text/html") if h.startswith("<iframe srcdoc=")]
    assert len(frames) == 1
    frame = frames[0]
    assert 'sandbox="allow-scripts"' in frame
    page = html.unescape(re.match(r'<iframe srcdoc="([^"]*)"', frame).group(1))
    assert f"<h1>{heading}</h1>" in page
    assert "vis.Network" in page  # vis-network inlined
    # nothing fetched: no external script, stylesheet or image; the page forbids any other source
    assert not re.search(r"<(?:script|link|img)[^>]+(?:src|href)=", page)
    assert 'http-equiv="Content-Security-Policy"' in page and "default-src 'none'" in html.unescape(page)


def test_network_pictures_draw_in_a_browser(executed, tmp_path):
    """Each inline picture draws in Chromium, inside a UTF-8 host page as Jupyter serves it, with nothing fetched.

    The page's inline scripts run only if their CSP hashes match, i.e. only if the iframe's ``srcdoc`` gives
    back the page character for character; a picture that is merely present in the output is not enough.
    Chromium comes from the system (``scripts/setup.sh dev``), as in tests/test_browser.py.
    """
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    assert Path(chromium).is_file(), f"no chromium at {chromium}: run 'apt-get install -y chromium'"
    frames = [h for name in (NAMES[0], NAMES[2]) for h in _outputs(executed[0][name], "text/html")
              if h.startswith("<iframe srcdoc=")]
    assert len(frames) == 2
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu",
                                                                    "--disable-background-networking"])
        try:
            for index, frame in enumerate(frames):
                host = tmp_path / f"output-{index}.html"
                host.write_text(f'<!doctype html><html><head><meta charset="utf-8"></head><body>{frame}</body></html>',
                                encoding="utf-8")
                page = browser.new_page()
                errors, fetched = [], []
                page.on("pageerror", lambda err, errors=errors: errors.append(str(err)))
                page.on("console", lambda msg, errors=errors: errors.append(msg.text) if msg.type == "error" else None)
                page.route("**/*", lambda route, fetched=fetched: route.continue_()
                           if route.request.url.startswith(("file:", "data:", "about:"))
                           else (fetched.append(route.request.url), route.abort()))
                page.goto(host.as_uri())
                page.frames[1].wait_for_selector("#network[data-ready=true]", timeout=30_000)
                assert errors == [] and fetched == []
                page.close()
        finally:
            browser.close()


def test_exploring_the_partnership(executed):
    text = _printed(executed[0][NAMES[0]])
    assert "Co-delivery network (year 2020-21): 61 initiatives" in text  # 11 + 23 + 27 rows (data/README.md)
    # County lines in 2020-21: Box Smart (scp-plan-2020-21.txt line 67, led by Colchester Borough Homes),
    # Observers (line 152, CBC Community Safety Team) and Op Enlightenment (line 167, Essex Police); none of the
    # three rows names a partner organisation ("in partnership with schools" names none), so no link.
    assert "harm county-lines): 3 initiatives, 3 agencies, 0 links" in text
    assert ("- Box Smart: led by Colchester Borough Homes; partners named: none. "
            "- Observers: led by Colchester Borough Council; partners named: none. "
            "- Op Enlightenment: led by Essex Police; partners named: none.") in text
    assert "county-lines: the saved question finds 0 pairs of agencies, the network has 0 links: they agree." in text
    assert "domestic-abuse: the saved question finds" in text and "DISAGREE" not in text
    # both plans cite the Police and Crime Plan 2016-2020 (data/plans/safer-colchester/*.yaml: pfcc_scheme)
    assert "Essex force area: 2 plans of Safer Colchester Partnership, 2018-19, 2020-21;" in text
    assert "2020-21: 1 plan of Safer Colchester Partnership, 2020-21 (" in text
    assert "The 2020-21 part's network is the whole graph's network of 2020-21: True" in text
    assert re.search(r"Its explorer: \d{3} pages in notebooks/output/site-2020-21", text)


def test_finding_gaps(executed):
    text = _printed(executed[0][NAMES[1]])
    # PFCC 7 "Improve safety on our roads" (scp-plan-2020-21.txt line 183): the only 2020-21 PFCC cell naming 7
    # is Nights of Action's "1, 2, 4, 6 & 7" (line 95), led by Essex Police; in 2018-19 only Essex Police Ops
    # ("1, 2, 3, 4, 5, 6, 7", scp-plan-2018-19.txt lines 177-181, lead EP).
    assert "Only one initiative delivers PFCC 7 (Improve safety on our roads): Nights of Action (Op Emblazen)." in text
    assert "Only one initiative delivers PFCC 7 (Improve safety on our roads): Essex Police Ops." in text
    assert "PFCC 7 (Improve safety on our roads) depends on Essex Police alone" in text
    # The risk matrix (scp-plan-2018-19.txt lines 9-12): no row of the 2018-19 table (from line 70) names violence
    # with injury, weapons offences or rape; drug trafficking is addressed through county lines (line 157) and
    # cuckooing (lines 236, 585).
    assert ("3 of the 4 risk-matrix offence types of 2018-19 are addressed by no 2018-19 initiative: "
            "Possession of weapons, Rape and Violence with injury.") in text
    # Statutory authorities, scp-plan-2020-21.txt lines 9-15; no lead cell of the 2020-21 tables names the
    # Rehabilitation Company, the Fire and Rescue Service or the CCG (they appear only on lines 11, 12, 15).
    # Nor Essex County Council (line 13 only): it is not among the three because its youth service, lead 'EYS'
    # of lines 59-60, is registered as its unit, a reading from reference knowledge (data/README.md).
    assert "Safer Colchester Partnership 2020-21 lists 7 statutory partners; 3 of them lead no initiative." in text
    tables = "".join(_outputs(executed[0][NAMES[1]], "text/markdown"))
    assert ("| Essex Community Rehabilitation Company | 0 |\n| Essex County Fire and Rescue Service | 0 |\n"
            "| NHS Clinical Commissioning Group | 0 |") in tables
    assert "The 2018-19 plan lists no members" in text  # its text names no members (lines 1-69)
    assert "agree on all 14 plan-and-priority counts" in text  # 7 PFCC priorities (lines 177-183) x 2 plans
    assert "finds the same partners" in text


def test_comparing_years(executed):
    text = _printed(executed[0][NAMES[2]])
    # six continues links, each with its evidence in data/plans/safer-colchester/2020-21.yaml (continues_note);
    # 24 rows in the 2018-19 table (data/README.md, "Counts")
    assert "6 of the 24 initiatives of 2018-19 (25%) carry on in 2020-21." in text
    assert "The saved question lists the same pairs." in text
    # COVID-19 as the reason for a change of status, scp-plan-2020-21.txt: cancelled: ASB Awareness Week (line 85),
    # Every Contact Counts (112), J9 Domestic Abuse Awareness (160); under review: Make a Difference Days (91);
    # postponed: Box Smart (67, sessions that 'will be held', dates under review); replaced: Virtual Crew (58);
    # moved online: Essex Youth Services (60); extended: Taxi Driver CCTV Consultation (145). Of these, Virtual
    # Crew and MAD Days continue 2018-19 schemes.
    assert ("2020-21: 8 of 61 initiatives record a change because of COVID-19: 3 cancelled, 1 extended, "
            "1 moved online, 1 postponed, 1 replaced, 1 under review.") in text
    assert ("2 of the 6 schemes carried on from 2018-19 were disrupted: Make a Difference Days (under review) "
            "and Virtual Crew (replaced).") in text
