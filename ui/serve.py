"""The app's server: ``streamlit run`` in a process that warms itself while the port is already open.

``python -m grading serve`` (and so ``scripts/run``) starts the app through this file: ``python ui/serve.py
app.py [streamlit options]``. It starts :func:`ui.warmup.start_warming` in a background thread, then hands the
process to Streamlit's own command line exactly as ``streamlit run app.py [options]`` would.
"""

from __future__ import annotations

import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    """Warm in the background and run ``streamlit run`` with ``argv`` (default: this process's arguments)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    # Run as a file, this script's own folder is on the path rather than the app's: put the app's there, as
    # `streamlit run app.py` does, so that `ui` and `grading` import.
    root = str(Path(__file__).resolve().parents[1])
    if root not in sys.path:
        sys.path.insert(0, root)
    from streamlit.web.cli import main as streamlit_main

    from ui.warmup import start_warming

    start_warming()
    sys.argv = ["streamlit", "run", *arguments]
    return streamlit_main(prog_name="streamlit")


if __name__ == "__main__":
    raise SystemExit(main())
