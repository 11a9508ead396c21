"""Import of raw PSA exports as a whole process, against a bare DuckDB process reading the same files.

The issue's size: a 300-client MSP over five years with one million time entries, plus the tickets, invoices and
payments that go with them. The demo book at that size (:func:`grading.demo.generate_demo`, 300 clients x 60
months) is drawn as raw rows (:mod:`grading.demo.raw_book`, entries made short enough to number a million) and
written once as a ConnectWise PSA set, all CSV: time entries, tickets, invoices and payments, with generic
companies and costs. The files are kept in the benchmark cache (``benchmarks/.cache``, which git ignores), so a
second run starts at once.

Timed, each as a child process from start to exit (interpreter start and imports included):

- ``python -m grading import-raw`` of every file into a new database (read, map, convert, derive, write);
- the floor: a bare ``python`` that imports DuckDB alone and ``read_csv``'s the same files into tables of a new
  database file (:data:`FLOOR_SCRIPT`).

The target is at most 3x the floor (issue 13). The peak memory of both processes is reported beside.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from benchmarks.bench_cli import time_process
from benchmarks.config import Config
from benchmarks.measure import MIB
from benchmarks.report import Row, Target

GROUP = "Raw import (process)"
MEMORY_GROUP = "Raw import memory"
TARGET = Target(max_ratio=3)
CLIENTS = 300
MONTHS = 60
TIME_ENTRIES = 1_000_000
SEED = 8
# A fixed last month keeps the cached files valid whatever today's date.
END_MONTH = "2025-12"
TIMEZONE = "Europe/Berlin"
KINDS = ("time_entries", "tickets", "invoices", "payments", "companies", "costs")

FLOOR_SCRIPT = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
for index, path in enumerate(sys.argv[2:]):
    con.execute(f"CREATE TABLE file_{index} AS SELECT * FROM read_csv(?)", [path])
con.close()
"""


@dataclass(frozen=True)
class RawExports:
    """One generated set of raw export files on disk.

    Attributes
    ----------
    folder:
        Where the files are.
    files:
        ``(kind, preset, path)`` for each file, in the order :data:`KINDS` gives.
    rows:
        Data rows per kind.
    clients, months:
        The book's size.
    """

    folder: Path
    files: tuple[tuple[str, str, Path], ...]
    rows: dict[str, int]
    clients: int
    months: int

    def import_arguments(self) -> list[str]:
        """Return ``import-raw``'s file options: ``--time-entries connectwise:PATH`` ... for every file."""
        arguments: list[str] = []
        for kind, preset, path in self.files:
            arguments += [f"--{kind.replace('_', '-')}", f"{preset}:{path}"]
        return arguments

    @property
    def size(self) -> str:
        """The size in words, for the report."""
        return (
            f"{self.clients:,} clients x {self.months} months ({self.rows['time_entries']:,} time entries, "
            f"{self.rows['tickets']:,} tickets, {self.rows['invoices']:,} invoices, {self.rows['payments']:,} payments)"
        )


def scaled_clients(time_entries: int) -> int:
    """Return the clients a book needs for about ``time_entries`` entries: 300 at a million, fewer below."""
    return max(2, min(CLIENTS, round(CLIENTS * time_entries / TIME_ENTRIES)))


def prepare_raw_exports(cache: Path, time_entries: int = TIME_ENTRIES, progress=print) -> RawExports:
    """Return the raw export files for about ``time_entries`` time entries, generating them once into ``cache``.

    The folder's ``manifest.json`` is written last, so a run stopped while writing leaves nothing that looks
    complete; the next run writes the set again.
    """
    from grading.demo import generate_demo
    from grading.demo.raw_book import draw_raw_book
    from grading.demo.raw_exports import write_connectwise_quickbooks

    clients = scaled_clients(time_entries)
    folder = cache / f"raw-exports-{clients}x{MONTHS}-{time_entries}-seed{SEED}-{END_MONTH}"
    manifest = folder / "manifest.json"
    if not manifest.exists():
        progress(f"generating raw exports: {clients} clients x {MONTHS} months, about {time_entries:,} time entries")
        shutil.rmtree(folder, ignore_errors=True)
        portfolio = generate_demo(clients, months=MONTHS, seed=SEED, end_month=END_MONTH)
        hours = float(portfolio.monthly["labor_hours"].sum())
        book = draw_raw_book(portfolio, hours_per_entry=hours / time_entries)
        written = write_connectwise_quickbooks(book, folder, billing="connectwise")
        files = [(kind, preset, path.name) for kind in KINDS for preset, path in written.files[kind]]
        rows = {kind: len(getattr(book, kind)) for kind in ("time_entries", "tickets", "invoices", "payments", "costs")}
        rows["companies"] = len(book.clients)
        manifest.write_text(json.dumps({"files": files, "rows": rows}), encoding="utf-8")
    saved = json.loads(manifest.read_text(encoding="utf-8"))
    return RawExports(
        folder=folder,
        files=tuple((kind, preset, folder / name) for kind, preset, name in saved["files"]),
        rows=saved["rows"],
        clients=clients,
        months=MONTHS,
    )


def _fresh(path: Path) -> Path:
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)
    return path


def run(config: Config) -> None:
    """Time import-raw and its floor on the raw export files; emit a time row and a memory row."""
    exports = prepare_raw_exports(config.cache, config.raw_time_entries, progress=config.say)
    scratch = config.scratch / "raw-import"
    scratch.mkdir(parents=True, exist_ok=True)
    database, floor_database = scratch / "imported.duckdb", scratch / "floor.duckdb"
    python = sys.executable
    paths = [str(path) for _, _, path in exports.files]
    import_argv = [python, "-m", "grading", "import-raw", "--db", str(database), "--timezone", TIMEZONE,
                   *exports.import_arguments()]
    floor_argv = [python, "-c", FLOOR_SCRIPT, str(floor_database), *paths]
    # Three counted runs and no warm-up: a warm-up costs as much as a run; the generation (or the first floor
    # run) has the files in the page cache already.
    repeats, warmup = (1, 0) if config.quick else (3, 0)
    config.say(f"import-raw of {exports.size}, {repeats} runs")
    load = os.getloadavg()[0]
    failed = ""
    try:
        figure, peak, cpu = time_process(lambda _: import_argv, repeats=repeats, warmup=warmup,
                                         setup=lambda: _fresh(database))
        value, peak_mib, counted = figure.median, peak / MIB, figure.repeats
    except RuntimeError as error:
        # A failing import is a finding to report beside the floor, not a reason to lose the run.
        value, peak_mib, counted, cpu = float("nan"), float("nan"), 0, float("nan")
        failed = f"; import-raw failed: {error}"
    floor, floor_peak, floor_cpu = time_process(lambda _: floor_argv, repeats=repeats, warmup=max(warmup, 1),
                                                setup=lambda: _fresh(floor_database))
    # On a shared machine wall time stretches with the load; CPU time much less, so both are given.
    note = (f"load average {load:.1f} on {os.cpu_count()} cores at the start; CPU time (user + system) {cpu:.1f} s "
            f"against the floor's {floor_cpu:.1f} s ({cpu / floor_cpu:.1f}x){failed}")
    what = ("import-raw of ConnectWise time entries, tickets, invoices and payments with generic companies and costs, "
            "into a new database (python -m grading import-raw, whole process)")
    config.emit(Row(GROUP, what, exports.size, value, repeats=counted,
                    floor_what="DuckDB read_csv of the same files into tables of a new database, bare process",
                    floor_value=floor.median, target=TARGET, note=note.replace("\n", " ")))
    config.emit(Row(MEMORY_GROUP, f"peak resident memory of: {what}", exports.size, peak_mib, unit="MiB",
                    repeats=counted, floor_what="the floor's process", floor_value=floor_peak / MIB))
    shutil.rmtree(scratch, ignore_errors=True)
