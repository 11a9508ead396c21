"""Backups: a timestamped, consistent copy of the database, and a verified restore that brings it back exactly."""

from __future__ import annotations

from datetime import datetime

import pytest

from grading import cli
from grading.db import backup
from grading.grade_history import record_grade
from grading.db.store import Store

TABLES_COMPARED = ("clients", "monthly_metrics", "grade_events", "settings")


def _snapshot(store: Store) -> dict[str, list[tuple]]:
    """Every row of the compared tables, in a stable order."""
    return {table: store.rows(f"SELECT * FROM {table} ORDER BY ALL") for table in TABLES_COMPARED}


def _fill(store: Store, clients: int = 5) -> None:
    with store.transaction() as tx:
        tx.execute(
            "INSERT INTO clients (client_id, name, service_model, seats) "
            "SELECT 'c' || i, 'Client ' || i, 'managed', 10 + i FROM range(?) AS r(i)",
            [clients],
        )
        tx.execute(
            "INSERT INTO monthly_metrics (client_id, month, revenue, labor_hours) "
            "SELECT 'c' || i, DATE '2025-01-01' + INTERVAL (m) MONTH, 1000 + i * 10 + m, 5 + m "
            "FROM range(?) AS r(i), range(12) AS months(m)",
            [clients],
        )
        tx.execute("INSERT INTO settings (name, value_json) VALUES ('currency', '\"EUR\"')")
    for grade in "CBA":
        record_grade(store, "c0", grade, grader="owner", note=f"grade {grade}", graded_on="2025-06-01")


def _change_everything(store: Store) -> None:
    record_grade(store, "c1", "D", grader="owner", note="after the backup", graded_on="2025-07-01")
    store.execute("DELETE FROM monthly_metrics WHERE client_id = 'c2'")
    store.execute("UPDATE clients SET name = 'Renamed' WHERE client_id = 'c3'")
    store.execute("INSERT INTO clients (client_id, name) VALUES ('new', 'Added after the backup')")
    store.execute("UPDATE settings SET value_json = '\"USD\"' WHERE name = 'currency'")


def test_a_backup_is_a_timestamped_file_in_the_backups_folder_beside_the_database(store):
    _fill(store)
    info = backup.backup_database(store, now=datetime(2025, 6, 1, 14, 30, 12))
    assert info.path == store.path.parent / "backups" / "empty-20250601-143012.duckdb"
    assert info.table_rows["clients"] == 5 and info.table_rows["grade_events"] == 3
    assert [found.path for found in backup.list_backups(store.path.parent / "backups")] == [info.path]


def test_two_backups_in_the_same_second_both_survive(store):
    moment = datetime(2025, 6, 1, 9, 0, 0)
    first = backup.backup_database(store, now=moment)
    second = backup.backup_database(store, now=moment)
    assert first.path != second.path
    assert {found.path for found in backup.list_backups(first.path.parent)} == {first.path, second.path}
    assert not list(first.path.parent.glob("*.partial")), "no half-written file is left behind"


def test_a_backup_opens_as_a_database_of_its_own_with_the_same_rows(store):
    _fill(store)
    info = backup.backup_database(store)
    with Store(info.path) as copy:
        assert _snapshot(copy) == _snapshot(store)


def test_restoring_a_backup_brings_back_exactly_the_data_of_the_backup(store):
    _fill(store)
    before = _snapshot(store)
    info = backup.backup_database(store)
    _change_everything(store)
    assert _snapshot(store) != before
    report = backup.restore_database(store, info.path)
    assert _snapshot(store) == before
    assert report.table_rows["clients"] == 5
    assert report.safety_backup is not None and report.safety_backup.table_rows["clients"] == 6


def test_a_restore_can_be_undone_with_the_safety_backup_it_takes_first(store):
    _fill(store)
    info = backup.backup_database(store)
    _change_everything(store)
    changed = _snapshot(store)
    report = backup.restore_database(store, info.path)
    backup.restore_database(store, report.safety_backup.path, safety_backup=False)
    assert _snapshot(store) == changed


def test_a_restore_raises_the_revision_so_every_session_sees_the_restored_data(store):
    _fill(store)
    info = backup.backup_database(store)
    revision = store.revision()
    backup.restore_database(store, info.path, safety_backup=False)
    assert store.revision() > revision


def test_new_grades_after_restoring_another_books_backup_get_fresh_ids(tmp_path, store):
    with Store(tmp_path / "other.duckdb") as other:
        _fill(other)
        for _ in range(20):
            record_grade(other, "c0", "B", grader="other", graded_on="2025-06-02")
        other_backup = backup.backup_database(other)
    backup.restore_database(store, other_backup.path, safety_backup=False)
    highest = store.scalar("SELECT max(event_id) FROM grade_events")
    new_id = record_grade(store, "c1", "A", grader="owner", graded_on="2025-08-01")
    assert new_id > highest
    assert store.scalar("SELECT count(*) FROM grade_events") == 24


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no backup file"),
        (b"not a database at all", "not a ClientGrade backup"),
    ],
    ids=["missing file", "not a database"],
)
def test_a_file_that_is_not_a_backup_is_refused_and_nothing_changes(store, tmp_path, content, message):
    _fill(store)
    before = _snapshot(store)
    bogus = tmp_path / "bogus.duckdb"
    if content is not None:
        bogus.write_bytes(content)
    with pytest.raises(backup.BackupError, match=message):
        backup.restore_database(store, bogus)
    assert _snapshot(store) == before


def test_a_duckdb_file_that_is_not_a_clientgrade_database_is_refused(store, tmp_path):
    foreign = tmp_path / "foreign.duckdb"
    with Store(foreign, migrate=False) as other:
        other.execute("CREATE TABLE something (x INTEGER)")
    with pytest.raises(backup.BackupError, match="not a ClientGrade database"):
        backup.restore_database(store, foreign)


def test_a_backup_from_a_newer_clientgrade_is_refused_and_nothing_changes(store, tmp_path):
    _fill(store)
    before = _snapshot(store)
    newer = backup.backup_database(store)
    with Store(newer.path) as future:
        future.execute("INSERT INTO schema_migrations (version, name) VALUES (999, 'from the future')")
    store.execute("INSERT INTO clients (client_id, name) VALUES ('x', 'after')")
    with pytest.raises(backup.BackupError, match="newer than this ClientGrade"):
        backup.restore_database(store, newer.path)
    assert store.scalar("SELECT count(*) FROM clients") == len(before["clients"]) + 1


def test_restoring_the_database_onto_itself_is_refused(store):
    with pytest.raises(backup.BackupError, match="the database itself"):
        backup.restore_database(store, store.path)


def test_the_backup_and_restore_commands_round_trip(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cli, "COMMANDS", ("backup", "restore"))
    db = tmp_path / "book" / "portfolio.duckdb"
    with Store(db) as book:
        _fill(book)
        before = _snapshot(book)
    assert cli.main(["backup", "--db", str(db)]) == 0
    written = capsys.readouterr().out
    [made] = backup.list_backups(db.parent / "backups")
    assert str(made.path) in written and "5 clients" in written
    with Store(db) as book:
        _change_everything(book)
    assert cli.main(["restore", str(made.path), "--db", str(db)]) == 0
    assert "Restored" in capsys.readouterr().out
    with Store(db) as book:
        assert _snapshot(book) == before
    assert cli.main(["backup", "--list", "--db", str(db)]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 2, "the backup and the safety backup are listed"


def test_restore_latest_takes_the_newest_backup(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cli, "COMMANDS", ("restore",))
    db = tmp_path / "portfolio.duckdb"
    with Store(db) as book:
        _fill(book, clients=2)
        backup.backup_database(book, now=datetime(2025, 1, 1))
        book.execute("INSERT INTO clients (client_id, name) VALUES ('x', 'X')")
        backup.backup_database(book, now=datetime(2025, 2, 1))
        book.execute("DELETE FROM clients")
    assert cli.main(["restore", "--latest", "--no-safety-backup", "--db", str(db)]) == 0
    with Store(db) as book:
        assert book.scalar("SELECT count(*) FROM clients") == 3


def test_restore_without_a_file_says_what_to_give(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cli, "COMMANDS", ("restore",))
    assert cli.main(["restore", "--db", str(tmp_path / "p.duckdb")]) == 1
    assert "give the backup FILE" in capsys.readouterr().err
