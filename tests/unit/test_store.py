"""The store: one door to DuckDB, transactions all-or-nothing, clear errors, versioned schema."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from grading.db import schema
from grading.errors import DatabaseLockedError, StoreError
from grading.db.store import Store
from tests.held_database import held_by_another_process


def test_a_new_store_has_every_table_at_the_latest_schema_version(store):
    assert {"clients", "monthly_metrics", "assessments", "grade_events", "settings", "model_registry"} <= set(
        store.table_names()
    )
    assert schema.current_version(store) == max(step.version for step in schema.MIGRATIONS)


def test_a_table_or_view_is_found_by_name_and_a_missing_name_is_not(store):
    assert store.has_table("clients") and store.has_table("schema_migrations")
    assert store.has_table("current_grades"), "a view counts, as the migrations' own check counted it"
    assert not store.has_table("no_such_table")
    assert not store.has_table('a "quoted" name')


def test_a_store_opened_without_migrating_counts_revisions_only_where_the_table_is(tmp_path):
    path = tmp_path / "book.duckdb"
    Store(path).close()
    with Store(path, migrate=False) as existing:
        before = existing.revision()
        existing.execute("INSERT INTO clients (client_id, name) VALUES ('c1', 'Acme')")
        assert existing.revision() == before + 1
    with Store(":memory:", migrate=False) as scratch:
        scratch.execute("CREATE TABLE t (n INTEGER)")
        scratch.execute("INSERT INTO t VALUES (1)")
        assert scratch.revision() == 0 and scratch.table_names() == ["t"]
    with Store(tmp_path / "plain.duckdb", migrate=False) as plain:
        assert plain.table_names() == [] and plain.revision() == 0


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


def test_a_write_through_another_store_on_the_same_file_shows_in_the_revision(tmp_path):
    # The revision is remembered per file, not read from DuckDB on every call: every Store of the process on that
    # file must still see every write.
    path = tmp_path / "portfolio.duckdb"
    with Store(path) as app_store, Store(path) as other:
        before = app_store.revision()
        assert app_store.revision() == before
        other.execute("INSERT INTO settings (name, value_json, updated_at) VALUES ('currency', '\"USD\"', now())")
        assert app_store.revision() == before + 1
        assert other.revision() == before + 1


def test_a_file_another_program_wrote_while_it_was_closed_shows_its_new_revision_when_opened_again(tmp_path):
    path = tmp_path / "portfolio.duckdb"
    with Store(path) as first:
        seen = first.revision()
    # Another program (the command line, say) can only write while no Store here holds the file.
    subprocess.run(
        [sys.executable, "-c", textwrap.dedent(f"""
            import duckdb
            con = duckdb.connect({str(path)!r})
            con.execute("UPDATE store_revision SET revision = revision + 40")
            con.close()
        """)],
        check=True,
    )
    with Store(path) as again:
        assert again.revision() == seen + 40


def test_a_revision_read_before_a_commit_is_not_remembered_after_it():
    from grading.db.store import _KnownRevisions

    known = _KnownRevisions()

    def read_while_a_commit_lands():
        known.forget("file")  # the commit lands between the read and the remembering
        return 7

    assert known.read("file", read_while_a_commit_lands) == 7
    assert known.read("file", lambda: 8) == 8, "the stale 7 was not kept"
    assert known.read("file", lambda: 9) == 8, "an undisturbed read is kept"


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
    with held_by_another_process(path), pytest.raises(DatabaseLockedError) as caught:
        Store(path)
    message = str(caught.value)
    assert str(path) in message and "in use by another program" in message
    assert "Traceback" not in message
