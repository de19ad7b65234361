#!/usr/bin/env bash
# The main job on the bundled data, with the embedded store: set up, build and validate the graph,
# answer the saved questions, report gaps, and write the offline explorer to site/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/cspgraph build
for step in "questions" "gaps" "explore --out site"; do
  if .venv/bin/cspgraph ${step%% *} --help >/dev/null 2>&1; then .venv/bin/cspgraph $step; fi
done
