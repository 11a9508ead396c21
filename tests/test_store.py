"""The store: one door to DuckDB, transactions all-or-nothing, clear errors, versioned schema."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from grading import schema
from grading.errors import DatabaseLockedError, StoreError
from grading.store import Store


def test_a_new_store_has_every_table_at_the_latest_schema_version(store):
    assert {"clients", "monthly_metrics", "assessments", "grade_events", "settings", "model_registry"} <= set(
        store.table_names()
    )
    assert schema.current_version(store) == max(step.version for step in schema.MIGRATIONS)


def test_a_failed_transaction_writes_nothing(store):
    with pytest.raises(RuntimeError):
        with store.transaction() as tx:
            tx.execute("INSERT INTO clients (client_id, name) VALUES (?, ?)", ["c1", "Acme"])
            raise RuntimeError("boom")
    assert store.scalar("SELECT count(*) FROM clients") == 0


def test_a_database_error_inside_a_transaction_becomes_a_store_error_and_rolls_back(store):
    with pytest.raises(StoreError, match="refused"):
        with store.transaction() as tx:
            tx.execute("INSERT INTO clients (client_id, name) VALUES (?, ?)", ["c1", "Acme"])
            tx.execute("INSERT INTO clients (client_id, name) VALUES (?, ?)", ["c1", "Acme again"])
    assert store.scalar("SELECT count(*) FROM clients") == 0


def test_values_are_passed_as_parameters_not_formatted_into_sql(store):
    hostile = "x'); DROP TABLE clients; --"
    store.execute("INSERT INTO clients (client_id, name) VALUES (?, ?)", ["c1", hostile])
    assert store.scalar("SELECT name FROM clients WHERE client_id = ?", ["c1"]) == hostile


def test_every_committed_write_raises_the_revision_and_a_write_that_changes_nothing_does_not(store):
    before = store.revision()
    store.execute("INSERT INTO clients (client_id, name) VALUES (?, ?)", ["c1", "Acme"])
    assert store.revision() == before + 1
    store.execute("INSERT INTO clients (client_id, name) SELECT 'c1', 'Acme' WHERE false")
    store.execute("DELETE FROM clients WHERE client_id = ?", ["nobody"])
    with store.transaction() as tx:
        tx.scalar("SELECT count(*) FROM clients")
    assert store.revision() == before + 1
    with store.transaction() as tx:
        tx.scalar("INSERT INTO clients (client_id, name) VALUES ('c2', 'Beta') RETURNING client_id")
    assert store.revision() == before + 2


def test_work_on_a_temporary_table_does_not_count_as_a_change_and_reports_its_rows(store):
    revision = store.revision()
    with store.transaction() as tx:
        assert tx.scratch("CREATE TEMP TABLE staging AS SELECT * FROM range(3) AS t(n)") == 3
        assert tx.scalar("SELECT sum(n) FROM staging") == 3
        assert tx.scratch("DROP TABLE staging") is None
    assert store.revision() == revision
    with pytest.raises(StoreError, match="refused"):
        with store.transaction() as tx:
            tx.scratch("SELECT * FROM no_such_table")


def test_the_current_grade_is_the_latest_event_and_events_are_kept(store):
    with store.transaction() as tx:
        tx.execute("INSERT INTO clients (client_id, name) VALUES ('c1', 'Acme')")
        for graded_on, grade in [("2025-01-10", "C"), ("2025-06-01", "B"), ("2025-03-01", "D")]:
            tx.execute("INSERT INTO grade_events (client_id, graded_on, grade) VALUES ('c1', ?, ?)", [graded_on, grade])
    assert store.scalar("SELECT grade FROM current_grades WHERE client_id = 'c1'") == "B"
    assert store.scalar("SELECT count(*) FROM grade_events") == 3


def test_a_database_from_a_newer_clientgrade_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / "newer.duckdb"
    with Store(path) as newer:
        newer.execute("INSERT INTO schema_migrations (version, name) VALUES (999, 'from the future')")
    with pytest.raises(StoreError, match="newer than this ClientGrade"):
        Store(path)


def test_a_migration_carries_existing_rows_forward_and_a_failed_one_rolls_back(tmp_path):
    path = tmp_path / "old.duckdb"
    with Store(path) as old:
        old.execute("INSERT INTO clients (client_id, name) VALUES ('c1', 'Acme')")
    next_version = max(step.version for step in schema.MIGRATIONS) + 1
    broken = schema.MIGRATIONS + (
        schema.Migration(next_version, "half done", ("ALTER TABLE clients ADD COLUMN region VARCHAR", "NOT SQL")),
    )
    with Store(path, migrate=False) as reopened:
        with pytest.raises(StoreError):
            schema.migrate(reopened, broken)
        assert schema.current_version(reopened) == next_version - 1
        assert "region" not in set(reopened.query("SELECT * FROM clients").columns)
        working = schema.MIGRATIONS + (
            schema.Migration(next_version, "region", ("ALTER TABLE clients ADD COLUMN region VARCHAR",)),
        )
        assert schema.migrate(reopened, working) == next_version
        assert reopened.scalar("SELECT name FROM clients WHERE client_id = 'c1'") == "Acme"


def test_a_file_held_by_another_process_gives_one_clear_sentence(tmp_path):
    path = tmp_path / "held.duckdb"
    Store(path).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time, duckdb
            con = duckdb.connect({str(path)!r})
            print("ready", flush=True)
            time.sleep(30)
        """)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(DatabaseLockedError) as caught:
            Store(path)
        message = str(caught.value)
        assert str(path) in message and "in use by another program" in message
        assert "Traceback" not in message
    finally:
        holder.kill()
        holder.wait()
