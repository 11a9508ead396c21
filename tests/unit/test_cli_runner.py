"""The in-process command line of the tests (tests/cli_runner.py) gives what a real ``python -m grading`` gives."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_runner import ReplacedProcessError, run_cli

REPO = Path(__file__).resolve().parents[2]


def _process(*arguments: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grading", *arguments], cwd=REPO, capture_output=True, text=True,
                          input=stdin, timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)})


def test_exit_status_stdout_and_stderr_are_what_the_process_gives(tmp_path):
    clients = tmp_path / "clients.csv"
    clients.write_text("client_id,name\nC1,Acme\nC1,Acme again\n", encoding="utf-8")
    runs = [
        ("import", "--db", str(tmp_path / "a.duckdb"), "--clients", str(clients)),  # refused: exit 1, stderr
        ("hash-password", "--stdin"),  # too short a password, read from stdin
    ]
    for arguments in runs:
        inside, outside = run_cli(*arguments, stdin="short\n"), _process(*arguments, stdin="short\n")
        assert (inside.returncode, inside.stdout, inside.stderr) == (
            outside.returncode, outside.stdout, outside.stderr), arguments
        assert inside.returncode == 1 and inside.stderr.startswith("error: "), arguments


def test_argparse_help_and_refusals_exit_as_a_process_does():
    shown = run_cli("export", "--help")
    assert (shown.returncode, shown.stderr) == (0, "") and "--out" in shown.stdout
    refused = run_cli("import", "--no-such-option")
    assert refused.returncode == 2 and "unrecognized arguments: --no-such-option" in refused.stderr
    assert refused.stdout == ""


def test_bytes_a_command_writes_to_stdout_arrive_as_text(tmp_path, demo_db):
    result = run_cli("grade", "--as-of", "2026-01-01", "--format", "csv")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("client_id,name,")


def test_a_command_that_would_replace_the_process_fails_instead(empty_db):
    with pytest.raises(ReplacedProcessError, match="replace the process"):
        run_cli("serve", "--db", str(empty_db))
    assert os.execvpe.__name__ == "execvpe", "os.exec* are given back"
