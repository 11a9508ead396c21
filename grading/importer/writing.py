"""Writing checked files to the database: one transaction for the whole import, all files or nothing.

Each file is written with one ``INSERT ... SELECT`` over the checked rows, a registered frame (the careful way) or
a staging table (the express way, :mod:`grading.importer.express`), with no per-row Python:

- clients, monthly metrics and assessments: a row whose key is stored already replaces the stored row's values in
  the columns the file has (a column the file leaves out keeps what is stored; an empty cell clears it); rows that
  are stored already with the same values are not written again;
- grades are appended to ``grade_events``; a row identical to a stored event (same client, date, grade, grader and
  note) is skipped, so importing the same file twice adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from grading.importer.contract import FileContract
from grading.db.store import Store, Transaction

if TYPE_CHECKING:
    # The careful way's files (pandas frames); the express way writes from staging tables without them.
    from grading.importer.validation import CheckedFile


@dataclass(frozen=True)
class WriteCounts:
    """What writing one file did (or, counted before writing, would do)."""

    new: int
    replaced: int
    unchanged: int


def _quoted(name: str) -> str:
    # Column and table names come from the contract, never from a file; quoting keeps reserved words safe.
    return '"' + name.replace('"', '""') + '"'


def _columns(contract: FileContract, file: CheckedFile) -> list[str]:
    return [name for name in contract.column_names if name in file.values.columns]


def _incoming(contract: FileContract, columns: list[str], relation: str) -> str:
    """SQL for the checked rows with the table's types, and (for appends) ``source_row`` to keep the file's order."""
    casts = [f"CAST({_quoted(name)} AS {contract.column(name).sql_type}) AS {_quoted(name)}" for name in columns]
    return f"SELECT {', '.join(casts)}{', source_row' if contract.appends else ''} FROM {relation}"


def _same_key(contract: FileContract, left: str, right: str) -> str:
    return " AND ".join(f"{left}.{_quoted(name)} = {right}.{_quoted(name)}" for name in contract.key)


def _same_values(contract: FileContract, columns: list[str], left: str, right: str) -> str:
    others = [name for name in columns if name not in contract.key]
    if not others:
        return "TRUE"
    return " AND ".join(f"{left}.{_quoted(name)} IS NOT DISTINCT FROM {right}.{_quoted(name)}" for name in others)


def count_changes(tx: Transaction, file: CheckedFile, frame_name: str) -> WriteCounts:
    """Count how many of the file's rows are new, would replace a stored row, or are stored already as they are."""
    contract = file.cells.contract
    return count_row_changes(tx, contract, _columns(contract, file), frame_name)


def count_row_changes(tx: Transaction, contract: FileContract, columns: list[str], relation: str) -> WriteCounts:
    """Count how many checked rows of ``relation`` are new, would replace a stored row, or are stored as they are.

    ``relation`` is a registered frame or a staging table holding ``columns`` (and ``source_row`` for appends).
    """
    table = _quoted(contract.table)
    first_key = _quoted(contract.key[0])
    # Appended rows (grades) meet each stored key once, however many stored rows carry it.
    stored = (f"(SELECT DISTINCT {', '.join(_quoted(name) for name in contract.key)} FROM {table})"
              if contract.appends else table)
    # One list of three counts: a scalar, so no frame (and no pandas) is made for it.
    new, replaced, unchanged = tx.scalar(
        f"""
        WITH incoming AS ({_incoming(contract, columns, relation)})
        SELECT [
            count(*) FILTER (WHERE stored.{first_key} IS NULL),
            count(*) FILTER (WHERE stored.{first_key} IS NOT NULL
                             AND NOT ({_same_values(contract, columns, 'incoming', 'stored')})),
            count(*) FILTER (WHERE stored.{first_key} IS NOT NULL
                             AND ({_same_values(contract, columns, 'incoming', 'stored')}))]
        FROM incoming LEFT JOIN {stored} AS stored ON {_same_key(contract, 'incoming', 'stored')}
        """
    )
    return WriteCounts(int(new), int(replaced), int(unchanged))


def write_file(tx: Transaction, file: CheckedFile, *, grade_source: str = "import") -> WriteCounts:
    """Write one checked file inside ``tx``; return what was new, replaced and left unchanged.

    Parameters
    ----------
    tx:
        The import's transaction.
    file:
        A file that passed every check.
    grade_source:
        ``source`` recorded on appended grade events (``import`` for files, ``demo`` for the demo portfolio).
    """
    contract = file.cells.contract
    with tx.frame(file.values) as frame_name:
        return write_rows(
            tx, contract, _columns(contract, file), frame_name, len(file.values), grade_source=grade_source
        )


def write_rows(
    tx: Transaction, contract: FileContract, columns: list[str], relation: str, n_rows: int, *, grade_source: str
) -> WriteCounts:
    """Write the checked rows of ``relation`` (a registered frame or a staging table) to the contract's table.

    Parameters
    ----------
    tx:
        The import's transaction.
    contract:
        The file's contract.
    columns:
        The contract columns ``relation`` holds, in contract order (key columns always among them).
    relation:
        Name of the frame or table holding the rows (and ``source_row`` for appends).
    n_rows:
        How many rows ``relation`` holds.
    grade_source:
        ``source`` recorded on appended grade events.

    Returns
    -------
    WriteCounts
        What was new, replaced and left unchanged.
    """
    table = _quoted(contract.table)
    names = ", ".join(_quoted(name) for name in columns)
    counts = count_row_changes(tx, contract, columns, relation)
    if contract.table == "clients":
        note_clients(tx, f"SELECT client_id FROM ({_incoming(contract, columns, relation)})", grade_source)
    if not counts.new and not counts.replaced:
        return counts
    if counts.new == n_rows:
        # No key of the file is stored (a first import): nothing to compare or replace, and a plain insert
        # costs DuckDB half of one that looks up every row and is ready for conflicts.
        tx.execute(
            f"""
            INSERT INTO {table} ({names}{', source' if contract.appends else ''})
            WITH incoming AS ({_incoming(contract, columns, relation)})
            SELECT {names}{', ?' if contract.appends else ''} FROM incoming
            {'ORDER BY source_row' if contract.appends else ''}
            """,
            [grade_source] if contract.appends else None,
        )
        return counts
    if contract.appends:
        tx.execute(
            f"""
            INSERT INTO {table} ({names}, source)
            WITH incoming AS ({_incoming(contract, columns, relation)})
            SELECT {names}, ? FROM incoming
            WHERE NOT EXISTS (SELECT 1 FROM {table} AS stored WHERE {_same_key(contract, 'stored', 'incoming')})
            ORDER BY source_row
            """,
            [grade_source],
        )
        return counts
    updates = [name for name in columns if name not in contract.key]
    on_conflict = (
        "DO UPDATE SET " + ", ".join(f"{_quoted(name)} = excluded.{_quoted(name)}" for name in updates)
        if updates
        else "DO NOTHING"
    )
    tx.execute(
        f"""
        INSERT INTO {table} ({names})
        WITH incoming AS ({_incoming(contract, columns, relation)})
        SELECT {names} FROM incoming
        WHERE NOT EXISTS (
            SELECT 1 FROM {table} AS stored
            WHERE {_same_key(contract, 'stored', 'incoming')}
            AND {_same_values(contract, columns, 'stored', 'incoming')}
        )
        ON CONFLICT ({', '.join(_quoted(name) for name in contract.key)}) {on_conflict}
        """
    )
    return counts


def note_clients(tx: Transaction, client_ids_sql: str, source: str) -> None:
    """Give new clients their alias (in file order) and note which came with the demo, in the import's transaction.

    A demo client that the owner imports under the same id is the owner's from then on.
    """
    from grading import anonymize
    from grading.db import book_admin

    anonymize.assign_aliases(tx, client_ids_sql)
    book_admin.note_origin(tx, client_ids_sql, from_demo=source == "demo")


def write_files(store: Store, files: list[CheckedFile], *, grade_source: str = "import") -> dict[str, WriteCounts]:
    """Write every checked file in one transaction (clients first); return the counts by kind.

    Raises
    ------
    StoreError
        The database refused the write; the transaction is rolled back and nothing is written.
    """
    counts: dict[str, WriteCounts] = {}
    with store.transaction() as tx:
        for file in files:
            counts[file.cells.contract.kind] = write_file(tx, file, grade_source=grade_source)
    return counts
