"""The command line never writes a terminal control sequence it read from a file or the database (issue 15, 6)."""

from __future__ import annotations

from grading.cli import main
from grading.db.store import Store

HOSTILE = "\x1b]0;pwned\x07\x1b[2J Evil"


def _written(captured) -> str:
    return captured.out + captured.err


def test_import_error_lines_show_escape_sequences_as_text(tmp_path, capsys):
    clients = tmp_path / "clients.csv"
    clients.write_text(f"client_id,name,service_model,seats,client_since\nc1,x,managed,{HOSTILE},2020-01-01\n",
                       encoding="utf-8")
    status = main(["--db", str(tmp_path / "book.duckdb"), "import", "--clients", str(clients)])
    written = _written(capsys.readouterr())
    assert status == 1
    assert "\x1b" not in written and "\x07" not in written
    assert "\\x1b]0;pwned\\x07" in written


def test_grade_on_stdout_shows_escape_sequences_as_text(tmp_path, capsys):
    db = tmp_path / "book.duckdb"
    with Store(db) as store:
        store.execute("INSERT INTO clients VALUES ('c1', ?, 'managed', 20, '2020-01-01')", [HOSTILE])
    status = main(["--db", str(db), "grade", "--as-of", "2024-01-01"])
    written = _written(capsys.readouterr())
    assert status == 0
    assert "\x1b" not in written and "\x07" not in written
    assert "\\x1b[2J Evil" in written
