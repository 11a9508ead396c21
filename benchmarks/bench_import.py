"""Import of the monthly CSV, validation included, against DuckDB's bare ``read_csv`` of the same file.

Each run imports ``monthly.csv`` into its own copy of a database that holds only the book's clients (the state
an owner is in after importing ``clients.csv``), so every run writes every row, as a first import does.

A second row, for information, loads the same file into the same keyed table with no check at all (one
``INSERT ... SELECT`` from ``read_csv`` and the commit): what writing alone costs, primary key included, beside the
same floor. The import cannot be cheaper than that row.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from benchmarks.config import Config
from benchmarks.measure import time_median
from benchmarks.report import Row, Target
from benchmarks.scale import prepare_book
from grading.importer import import_files
from grading.db.store import Store

GROUP = "Import"
TARGET = Target(max_ratio=3)
# Large enough for any benchmark book: the setting's default (50 MB) guards uploads in the app, not this.
MAX_UPLOAD_MB = 100_000
BARE_READ = "SELECT count(*) FROM read_csv(?)"
KEYED_LOAD = "INSERT INTO monthly_metrics SELECT * FROM read_csv(?)"
# The bare floor counts rows, which DuckDB can do without converting a single value; this parses every column.
PARSED_READ = "CREATE OR REPLACE TEMP TABLE parsed AS SELECT * FROM read_csv(?)"


def run(config: Config) -> None:
    """Time the import of each size's monthly file and the bare read, and emit one row per size."""
    for n_clients in config.sizes:
        book = prepare_book(n_clients, months=config.months, cache=config.cache, train=False, progress=config.say)
        monthly = book.csv("monthly")
        rows = book.rows("monthly")
        scratch = config.scratch / f"import-{n_clients}"
        scratch.mkdir(parents=True, exist_ok=True)
        repeats, warmup = config.repeats(n_clients)
        config.say(f"import of monthly.csv at {n_clients:,} clients ({rows:,} rows), {repeats} runs")

        def fresh_store() -> Store:
            target = scratch / "portfolio.duckdb"
            for leftover in (target, target.with_name(target.name + ".wal")):
                leftover.unlink(missing_ok=True)
            shutil.copyfile(book.clients_only, target)
            return Store(target)

        def import_monthly(store: Store) -> None:
            report = import_files(store, {"monthly": monthly}, max_upload_mb=MAX_UPLOAD_MB)
            if not report.ok:
                raise RuntimeError(f"the benchmark's monthly file did not import: {report.issues[:3]}")

        imported = time_median(
            import_monthly, repeats=repeats, warmup=warmup, setup=fresh_store, teardown=lambda store: store.close()
        )
        with Store(":memory:", migrate=False) as bare:
            floor = time_median(
                lambda _: _bare_read(bare, monthly, rows), repeats=repeats, warmup=max(warmup, 1)
            )
            parsed = time_median(
                lambda _: bare.execute(PARSED_READ, [str(monthly)]), repeats=repeats, warmup=max(warmup, 1)
            )
        loaded = time_median(
            lambda store: _keyed_load(store, monthly, rows), repeats=repeats, warmup=warmup, setup=fresh_store,
            teardown=lambda store: store.close(),
        )
        for what, figure, target in (
            ("import monthly.csv (read, validate, write)", imported, TARGET),
            ("reference: read_csv with every column parsed, into memory (no checks, no key, not saved)",
             parsed, None),
            ("reference: load monthly.csv into the keyed table, no checks (INSERT from read_csv, commit)",
             loaded, None),
        ):
            config.emit(
                Row(
                    group=GROUP,
                    what=what,
                    size=f"{config.size_label(n_clients)} ({rows:,} rows)",
                    value=figure.median,
                    repeats=figure.repeats,
                    floor_what="DuckDB read_csv, bare",
                    floor_value=floor.median,
                    target=target,
                )
            )
        shutil.rmtree(scratch, ignore_errors=True)


def _bare_read(store: Store, path: Path, rows: int) -> None:
    counted = store.scalar(BARE_READ, [str(path)])
    if counted != rows:
        raise RuntimeError(f"read_csv counted {counted} rows in {path}, expected {rows}")


def _keyed_load(store: Store, path: Path, rows: int) -> None:
    with store.transaction() as tx:
        tx.execute(KEYED_LOAD, [str(path)])
    counted = store.scalar("SELECT count(*) FROM monthly_metrics")
    if counted != rows:
        raise RuntimeError(f"the keyed load wrote {counted} rows from {path}, expected {rows}")
