#!/usr/bin/env bash
# Set up everything the tests need (dev extras, Java, Chromium) and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev
.venv/bin/python -m pytest "$@"
