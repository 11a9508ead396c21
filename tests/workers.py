"""How many pytest-xdist workers a run starts when its command line names none (tests/conftest.py asks).

A plain ``pytest tests/unit`` runs a whole layer on every core, the slow tests handed to whichever worker is free
(``-n auto --dist worksteal``); a run of one file or of chosen tests stays in this process, which starts at once
(two workers each import and collect the whole selection first), and so does any run that can reach the browser
layer, whose Streamlit servers and Chromium must not compete with other tests for the cores. ``-n N`` on the
command line decides for itself, ``-n 0`` or ``-p no:xdist`` runs in this process.

The defaults are set in a hook rather than in pytest.ini's ``addopts``: pytest refuses ``-n`` in ``addopts`` once
``-p no:xdist`` has removed the option.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from _pytest.mark.expression import Expression  # what ``-m`` compiles to; pytest does not export it

BROWSER_LAYER = Path(__file__).resolve().parent / "browser"


def _path_of(arg: str, invocation_dir: Path) -> Path:
    """Return the file or folder a command-line argument names (a node id ``file.py::test`` names its file)."""
    return (invocation_dir / arg.split("::", 1)[0]).resolve()


def _reaches(path: Path, folder: Path) -> bool:
    """Whether collecting ``path`` can collect a test inside ``folder``."""
    return path == folder or folder in path.parents or path in folder.parents


def _mark_selects_browser_tests(markexpr: str) -> bool:
    """Whether ``-m markexpr`` keeps a test marked ``browser`` (and nothing else); no expression keeps all."""
    if not markexpr.strip():
        return True
    return Expression.compile(markexpr).evaluate(lambda name, **kwargs: name == "browser")


def runs_in_process(args: Sequence[str], markexpr: str, invocation_dir: Path) -> bool:
    """Return whether a run without ``-n`` should start no workers.

    Parameters
    ----------
    args:
        The files, folders and node ids the run collects (pytest's ``config.args``: the command line's, else
        ``testpaths``).
    markexpr:
        The ``-m`` expression ("" when none).
    invocation_dir:
        The folder pytest was started in, which relative arguments are read against.

    Returns
    -------
    bool
        True when no argument is a folder (one file, a few files, chosen tests), or when the run can reach a
        browser test: a folder argument that is, holds or lies inside tests/browser, unless ``-m`` leaves the
        browser tests out.
    """
    paths = [_path_of(arg, invocation_dir) for arg in args]
    if not any(path.is_dir() for path in paths):
        return True
    reaches_browser = any(_reaches(path, BROWSER_LAYER) for path in paths)
    return reaches_browser and _mark_selects_browser_tests(markexpr)
