"""The migrations: a new database made in one go ends exactly as one carried forward step by step."""

from __future__ import annotations

import pytest

from grading.db import schema
from grading.db.store import Store
from grading.errors import StoreError

LATEST = max(step.version for step in schema.MIGRATIONS)

# Every catalog table function of DuckDB that describes what a migration makes, without the columns that name the
# database (a file's name, or "memory") or number its objects (oids differ with the order things were made in).
_CATALOG = {
    "tables": "duckdb_tables()",
    "columns": "duckdb_columns()",
    "constraints": "duckdb_constraints()",
    "indexes": "duckdb_indexes()",
    "views": "duckdb_views()",
    "sequences": "duckdb_sequences()",
}


def catalog_of(store: Store) -> dict[str, list[tuple]]:
    """Return the store's catalog and stored rows in a form two databases can be compared by."""
    described = {}
    for kind, function in _CATALOG.items():
        frame = store.query(
            f"SELECT * FROM {function} WHERE database_name = current_database() AND schema_name = 'main'"
        )
        frame = frame.drop(columns=[c for c in frame.columns if c == "database_name" or c.endswith("_oid")])
        described[kind] = sorted(tuple(str(value) for value in row) for row in frame.itertuples(index=False))
    described["rows per table"] = [
        (table, store.scalar(f'SELECT count(*) FROM "{table}"')) for table in store.table_names()
    ]
    described["store_revision"] = store.rows("SELECT * FROM store_revision")
    described["schema_migrations"] = store.rows("SELECT version, name FROM schema_migrations ORDER BY version")
    return described


def migrated_step_by_step(path, from_version: int) -> None:
    """Leave a file at ``from_version`` (0: a DuckDB file with no tables), as an older ClientGrade left it."""
    with Store(path, migrate=False) as old:
        if from_version:
            schema.migrate(old, schema.MIGRATIONS[:from_version])
        assert schema.current_version(old) == from_version


@pytest.fixture(scope="module")
def new_in_memory_catalog():
    with Store(":memory:") as new:
        return catalog_of(new)


def test_a_new_store_records_every_step_by_version_and_name(new_in_memory_catalog):
    assert new_in_memory_catalog["schema_migrations"] == [(step.version, step.name) for step in schema.MIGRATIONS]
    assert new_in_memory_catalog["store_revision"] == [(0,)]


@pytest.mark.parametrize("from_version", range(LATEST))
def test_a_book_carried_forward_from_any_older_version_ends_as_a_new_store_begins(
    tmp_path, new_in_memory_catalog, from_version
):
    path = tmp_path / f"from-{from_version}.duckdb"
    migrated_step_by_step(path, from_version)
    with Store(path) as carried_forward:
        assert catalog_of(carried_forward) == new_in_memory_catalog


def test_a_new_file_ends_as_a_new_in_memory_store(tmp_path, new_in_memory_catalog):
    with Store(tmp_path / "new.duckdb") as new_file:
        assert catalog_of(new_file) == new_in_memory_catalog
    with Store(tmp_path / "new.duckdb") as reopened:
        assert catalog_of(reopened) == new_in_memory_catalog, "opening a current file changes nothing"


def test_a_new_database_gets_every_step_in_one_transaction(tmp_path):
    # DuckDB stamps current_timestamp with the start of the transaction: one stamp means one transaction.
    for path in (":memory:", tmp_path / "new.duckdb"):
        with Store(path) as new:
            assert new.scalar("SELECT count(DISTINCT applied_at) FROM schema_migrations") == 1


def test_a_database_said_to_be_new_that_is_not_is_migrated_as_any_other(tmp_path):
    path = tmp_path / "older.duckdb"
    migrated_step_by_step(path, 2)
    with Store(path, migrate=False) as older:
        older.execute("INSERT INTO clients (client_id, name) VALUES ('c1', 'Acme')")
        assert schema.migrate(older, new_database=True) == LATEST
        assert older.rows("SELECT version FROM schema_migrations ORDER BY version") == [
            (step.version,) for step in schema.MIGRATIONS
        ]
        assert older.rows("SELECT client_id, alias_number FROM client_aliases") == [("c1", 1)]
        assert schema.migrate(older, new_database=True) == LATEST, "a current database is left as it is"
        assert older.scalar("SELECT count(*) FROM schema_migrations") == LATEST


def test_a_book_carried_forward_keeps_its_rows_in_the_tables_a_new_store_leaves_empty(tmp_path):
    path = tmp_path / "older.duckdb"
    migrated_step_by_step(path, 2)
    with Store(path, migrate=False) as older:
        older.execute("INSERT INTO clients (client_id, name) VALUES ('b', 'Demo B'), ('a', 'Own A')")
        older.execute(
            "INSERT INTO grade_events (client_id, graded_on, grade, source) "
            "VALUES ('b', DATE '2025-01-01', 'B', 'demo'), ('a', DATE '2025-01-01', 'A', 'import')"
        )
    with Store(path) as carried_forward:
        assert carried_forward.rows("SELECT * FROM client_aliases ORDER BY client_id") == [("a", 1), ("b", 2)]
        assert carried_forward.rows("SELECT * FROM demo_clients") == [("b",)]


def test_only_statements_that_fill_rows_are_left_out_of_a_new_database():
    carried = [s for step in schema.MIGRATIONS for s in step.statements if isinstance(s, schema.CarriesRowsForward)]
    assert carried, "the steps that carry rows forward are marked"
    assert all(statement.split()[:2] == ["INSERT", "INTO"] for statement in carried)


def test_a_new_store_counts_revisions_from_zero(tmp_path):
    for path in (":memory:", tmp_path / "new.duckdb"):
        with Store(path) as new:
            assert new.revision() == 0
            new.execute("INSERT INTO clients (client_id, name) VALUES ('c1', 'Acme')")
            assert new.revision() == 1


def test_a_file_that_is_not_a_database_is_refused_with_a_store_error(tmp_path):
    path = tmp_path / "notes.duckdb"
    path.write_bytes(b"these are my notes, not a database" * 200)
    with pytest.raises(StoreError, match=str(path.name)):
        Store(path)
    assert path.read_bytes().startswith(b"these are my notes"), "the file is left as it was"
