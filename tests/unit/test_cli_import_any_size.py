"""``python -m grading import`` takes files of any size (the upload limit is the app's) and says how far it got."""

from __future__ import annotations

from grading.cli import main
from grading.commands import import_command
from grading.settings import save_settings
from grading.db.store import Store

CLIENTS = "client_id,name,service_model,seats,client_since\n" + "".join(
    f"c{i:04d},Client {i},managed,{i % 40 + 1},2020-01-01\n" for i in range(3000)
)


def _database_with_a_tiny_upload_limit(tmp_path):
    database = tmp_path / "book.duckdb"
    with Store(database) as store:
        save_settings(store, {"max_upload_mb": 0.1})
    return database


def test_a_file_over_the_upload_limit_imports_from_the_command_line(tmp_path, capsys):
    database = _database_with_a_tiny_upload_limit(tmp_path)
    source = tmp_path / "clients.csv"
    source.write_text(CLIENTS, encoding="utf-8")
    assert source.stat().st_size > 0.1 * 1024 * 1024
    assert main(["--db", str(database), "import", "--clients", str(source)]) == 0
    assert main(["--db", str(database), "import", "--check", "--clients", str(source)]) == 0
    with Store(database) as store:
        assert store.scalar("SELECT count(*) FROM clients") == 3000
    assert "more than the" not in capsys.readouterr().err


def test_a_large_import_says_each_step_on_stderr(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(import_command, "PROGRESS_FROM_MB", 0)
    source = tmp_path / "clients.csv"
    source.write_text(CLIENTS, encoding="utf-8")
    assert main(["--db", str(tmp_path / "book.duckdb"), "import", "--clients", str(source)]) == 0
    written = capsys.readouterr()
    assert "importing 0 MB in 1 file(s)" in written.err
    assert "checking clients with DuckDB, writing in one transaction" in written.err
    assert "Import done." in written.out and "checking" not in written.out


def test_a_small_import_says_nothing_but_its_summary(tmp_path, capsys):
    source = tmp_path / "clients.csv"
    source.write_text(CLIENTS, encoding="utf-8")
    assert main(["--db", str(tmp_path / "book.duckdb"), "import", "--clients", str(source)]) == 0
    assert capsys.readouterr().err == ""
