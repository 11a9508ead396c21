"""Run ``python -m grading ...`` inside the test process: the one way the tests drive the command line.

:func:`run_cli` calls :func:`grading.cli.main` with the arguments, as ``python -m grading`` does, and gives back what
``subprocess.run(..., capture_output=True, text=True)`` would: the exit status and the text written to stdout and
stderr (through the same terminal-safe streams). An argparse refusal or ``--help`` (``SystemExit``) gives its exit
status as a process would. A Python process takes 2-3 s to start on the shared test machine; this takes none, and the
command's modules load once per test session.

The command reads ``CLIENTGRADE_DB`` and ``CLIENTGRADE_MODELS`` from the environment, which the autouse fixture
``isolated_paths`` (tests/conftest.py) points at the test's own folder through ``monkeypatch``; a test that needs
other values sets them with ``monkeypatch.setenv`` too, so nothing leaks into the next test. The command line keeps
no other state between runs: it builds its parser on every call, and the only process-wide caches below it are
keyed by content (the loaded models, by the hash of their bytes).

A real ``python -m grading`` process is still started where the process itself is what a test is about:

- ``tests/unit/test_raw_import_cli.py``: the module entry point runs and its exit status reaches the shell;
- ``tests/unit/test_cli_locked.py``: one command, start to exit, on a database another process holds (every
  command's one sentence is checked in-process);
- ``tests/unit/test_startup_checks.py``: ``serve --check-only`` on a held database exits before Streamlit starts;
- ``tests/unit/test_export_identity.py``: grading without a model never imports scikit-learn (lazy imports need a
  fresh interpreter);
- ``tests/unit/test_house_rules.py``: every module imports without Streamlit;
- ``tests/unit/test_crash_safety.py`` and ``tests/unit/test_backup_leftovers.py``: a process killed mid-write.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class CliResult:
    """What a run of the command line gave: the same three fields as :class:`subprocess.CompletedProcess`."""

    returncode: int
    stdout: str
    stderr: str


def _text(stream: io.TextIOWrapper) -> str:
    stream.flush()
    # As subprocess.run(text=True) reads a pipe: universal newlines.
    return stream.buffer.getvalue().decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


def run_cli(*arguments: str, stdin: str = "") -> CliResult:
    """Run ``python -m grading *arguments`` in this process; return its exit status, stdout and stderr.

    Parameters
    ----------
    arguments:
        The command line after ``python -m grading``, e.g. ``("import", "--db", path, "--clients", file)``.
    stdin:
        What the command reads from standard input (``hash-password --stdin``).

    Returns
    -------
    CliResult
        ``returncode`` (0, 1, 2 for a usage error, ...), and everything written to ``stdout`` and ``stderr``.
        An exception the command does not turn into an exit status is raised, so the test fails on it, as a
        traceback on stderr would make it fail; so is :class:`ReplacedProcessError` where the command would
        ``os.exec*`` another program (``serve`` past its checks), which would otherwise replace the test run.
    """
    from grading.cli import main

    # Binary buffers underneath, as a real pipe has: the grade and compare commands write bytes to stdout.buffer.
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), _stdin(io.StringIO(stdin)), \
            _no_exec():
        try:
            status = main(list(arguments))
        except SystemExit as exit_:  # argparse: --help, or a usage error
            code = exit_.code
            status = code if isinstance(code, int) else (0 if code is None else 1)
            if isinstance(code, str):
                print(code, file=err)
    return CliResult(int(status), _text(out), _text(err))


class ReplacedProcessError(AssertionError):
    """The command tried to replace the process (``serve`` without ``--check-only`` execs Streamlit)."""


@contextlib.contextmanager
def _no_exec():
    """Fail, instead of replacing the test process, where a command would ``os.exec*`` (``serve`` starts the app)."""
    names = [name for name in dir(os) if name.startswith("exec") and callable(getattr(os, name))]
    saved = {name: getattr(os, name) for name in names}

    def refuse(*arguments, **keywords):
        raise ReplacedProcessError(f"the command tried to replace the process: {arguments[:2]}")

    for name in names:
        setattr(os, name, refuse)
    try:
        yield
    finally:
        for name, function in saved.items():
            setattr(os, name, function)


@contextlib.contextmanager
def _stdin(stream: io.StringIO):
    before = sys.stdin
    sys.stdin = stream
    try:
        yield
    finally:
        sys.stdin = before
