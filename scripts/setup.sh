#!/usr/bin/env bash
# Set up a fresh machine for cspgraph: system packages (a Java runtime for the HermiT reasoner; Chromium for
# the browser tests when asked), a virtual environment in .venv, and the package with the extras named.
# Usage: scripts/setup.sh [EXTRAS]   e.g. scripts/setup.sh dev   (default: no extras)
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"

if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "setup: cspgraph needs Python 3.11 or newer; found $(python3 --version 2>&1)" >&2
  exit 2
fi

need_apt=()
# the HermiT reasoner behind 'cspgraph check' is a Java program
command -v java >/dev/null 2>&1 || need_apt+=(default-jre-headless)
# Debian ships venv's pip bootstrap separately
python3 -c 'import ensurepip' 2>/dev/null || need_apt+=(python3-venv)
if [[ "$extras" == *dev* || "$extras" == *browser* ]]; then
  command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
fi
if [[ "$extras" == *dev* ]]; then
  # a second, very different SPARQL server for the remote-endpoint tests (tests/test_virtuoso.py)
  command -v virtuoso-t >/dev/null 2>&1 || need_apt+=(virtuoso-opensource)
fi
if ((${#need_apt[@]})); then
  if [[ $(id -u) -eq 0 ]]; then SUDO=""; else SUDO="sudo"; fi
  echo "setup: installing system packages: ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

if [[ ! -x .venv/bin/python ]]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
if [[ -n "$extras" ]]; then
  .venv/bin/python -m pip install -q -e ".[${extras}]"
else
  .venv/bin/python -m pip install -q -e .
fi
