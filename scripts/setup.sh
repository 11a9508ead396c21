#!/usr/bin/env bash
# Creates the project's virtual environment in .venv (if missing) and installs the pinned requirements into it.
# Sourced by scripts/run and scripts/test; safe to run again (pip skips what is already there).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
