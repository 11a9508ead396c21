"""A database held by another process: every command that opens it exits 1 with one sentence, no traceback.

Every command runs in this process (:func:`tests.cli_runner.run_cli`) against the file another process holds; one
of them also runs as a real ``python -m grading`` process, start to exit.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from grading import cli
from grading.db.store import Store
from tests.cli_runner import run_cli
from tests.held_database import held_by_another_process

REPO = Path(__file__).resolve().parents[2]
# Commands that never open the --db database (compare reads the books of a folder, and leaves out a held one with a
# note: tests/unit/test_compare.py).
NO_DATABASE = {"hash_password", "demo_exports", "compare"}


def _arguments(command: str, folder: Path) -> list[str]:
    """The command line for ``command``, with whatever it needs to get as far as opening the database."""
    clients = folder / "clients.csv"
    clients.write_text("client_id,name\nc1,Acme\n")
    backup_file = folder / "some-backup.duckdb"
    Store(backup_file).close()
    extra = {
        "import": ["--clients", str(clients)],
        "export": ["--out", str(folder / "export")],
        "restore": [str(backup_file)],
        "report": ["--out", str(folder / "pack.pdf")],
    }
    return [command.replace("_", "-"), *extra.get(command, [])]


@pytest.fixture(scope="module")
def held_database(tmp_path_factory):
    """A database file that another process holds open for writing, for the whole module."""
    folder = tmp_path_factory.mktemp("held")
    path = folder / "portfolio.duckdb"
    Store(path).close()
    with held_by_another_process(path):
        yield path


def _assert_one_sentence_naming_the_file(result, held_database) -> None:
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert str(held_database) in lines[0] and "in use by another program" in lines[0]
    assert "--db" in lines[0], "it says what to do"


@pytest.mark.parametrize("command", [name for name in cli.COMMANDS if name not in NO_DATABASE])
def test_every_command_on_a_held_database_exits_1_with_one_sentence(held_database, tmp_path, command):
    result = run_cli(*_arguments(command, tmp_path), "--db", str(held_database), "--models", str(tmp_path / "models"))
    _assert_one_sentence_naming_the_file(result, held_database)


def test_a_command_process_on_a_held_database_exits_1_with_one_sentence(held_database, tmp_path):
    # The process itself, start to exit: the status reaches the shell and nothing else reaches stderr.
    result = subprocess.run(
        [sys.executable, "-m", "grading", *_arguments("import", tmp_path), "--db", str(held_database),
         "--models", str(tmp_path / "models")],
        cwd=REPO, capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    _assert_one_sentence_naming_the_file(result, held_database)


def test_making_a_password_hash_works_while_the_database_is_held(held_database):
    result = run_cli("hash-password", "--stdin", "--db", str(held_database), stdin="a long enough password\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("scrypt$")
