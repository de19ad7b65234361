"""Take the README's three explorer screenshots again, from the bundled plans, in the system Chromium.

Run after a change to the explorer's pages, so that the README shows the pages as they are:

    python scripts/screenshots.py            # -> docs/screenshots/explorer-{index,network,initiative}.png

Needs what the browser tests need (``scripts/setup.sh dev``: playwright and Debian's chromium). The site is
written into a temporary folder and opened from ``file://``, as a reader opens it; nothing is fetched.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from cspgraph.explorer import build_site
from cspgraph.project import find_project

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
INITIATIVE = "https://w3id.org/cspgraph/id/initiative/safer-colchester/2020-21/op-sceptre"
WIDTH = 1200  # wide enough for the network's filters beside the picture, narrow enough to read in a README


def main() -> int:
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        print(f"no chromium at {chromium}: run 'apt-get install -y chromium' (scripts/setup.sh dev does)",
              file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as scratch:
        site = build_site(find_project(), Path(scratch) / "site")
        OUT.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": WIDTH, "height": 900})
            # offline, as a reader opens it: anything but the site's own files is refused
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:"))
                       else route.abort())

            page.goto((site.out_dir / "index.html").as_uri())
            page.fill("input[type=search]", "knife")  # the search box at work
            page.screenshot(path=str(OUT / "explorer-index.png"), full_page=True)

            page.goto((site.out_dir / "network.html").as_uri())
            page.wait_for_selector("#network[data-ready=true]", timeout=30_000)  # laid out and still
            page.select_option("#filter-year", "2020-21")
            page.screenshot(path=str(OUT / "explorer-network.png"))

            page.goto((site.out_dir / site.page_of[INITIATIVE]).as_uri())
            page.screenshot(path=str(OUT / "explorer-initiative.png"), full_page=True)
            browser.close()
    for name in ("index", "network", "initiative"):
        print(OUT / f"explorer-{name}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
