#!/usr/bin/env bash
# The main job on the bundled data, with the embedded store: set up, build and validate the graph, list and
# answer the saved questions, report the gaps, and write the offline explorer to site/ (open site/index.html).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cspgraph=.venv/bin/cspgraph
$cspgraph build
$cspgraph questions
$cspgraph ask pfcc-priority-coverage
$cspgraph gaps
$cspgraph explore --out site
echo "Open site/index.html in a browser (works offline), or run: $cspgraph explore --serve"
