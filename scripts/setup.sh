#!/usr/bin/env bash
# Creates the project's virtual environment in .venv (if missing) and installs the pinned requirements into it,
# and the Debian packages the project needs that the machine lacks: the meeting pack's font (fonts-dejavu-core:
# DejaVu Sans prints the euro sign, accents and other scripts; without it the PDF falls back to Helvetica, which
# prints Western European text only), and any package named as an argument (scripts/test names chromium when the
# machine has none). Run by scripts/run and scripts/test; safe to run again: what is there already is skipped.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

debian_packages=("$@")
if [ -z "${CLIENTGRADE_PDF_FONT:-}" ] && [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then
    debian_packages+=(fonts-dejavu-core)
fi
if [ "${#debian_packages[@]}" -gt 0 ]; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
        echo "Installing Debian's ${debian_packages[*]}..."
        # One update and one install for all of them: a fresh machine's package lists are empty.
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${debian_packages[@]}" >/dev/null
    else
        echo "note: not root (or no apt-get), so Debian's ${debian_packages[*]} was not installed." >&2
    fi
fi

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
