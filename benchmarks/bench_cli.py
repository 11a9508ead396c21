"""Whole commands as processes, as a user meets them, each beside a bare DuckDB process doing the least alike work.

A user waits on ``python -m grading ...`` from the moment it starts until it exits: interpreter start, imports,
the work and the writing of the output all count. Each command is timed as a child process and so is its floor,
a bare ``python`` process that imports DuckDB alone and does the least equivalent work in SQL:

- ``import`` of the four files into a new database, against ``read_csv`` of the same files into tables of a new
  database file;
- ``grade --format csv --out F`` (with every reason text) and ``grade --format json --out F``, against one
  aggregate per client over the scoring window's months, fetched into the process;
- ``simulate --fire-grade D``, against the same aggregate;
- ``export --out DIR``, against DuckDB's own ``COPY`` of every table to CSV files.

The books are 12 months of metrics (the scoring window; the issue's sizes), generated once into the benchmark
cache. The peak resident memory of each command is taken from its own ``wait4`` usage figures.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.bench_grade import BARE_AGGREGATE, window
from benchmarks.config import Config
from benchmarks.measure import MIB, Timing
from benchmarks.report import Row, Target
from benchmarks.scale import FILE_KINDS, REPO, Book, prepare_book

GROUP = "Command (process)"
MEMORY_GROUP = "Command memory"
#: The million-client rows are groups of their own, so that either size can be rerun and merged alone.
MILLION_GROUP = "Command, a million clients (process)"
MILLION_MEMORY_GROUP = "Command memory, a million clients"
MONTHS = 12
#: The issue's sizes: the targets hold at 100,000 clients; a million is run with ``--million``.
TARGET_CLIENTS = (100_000, 1_000_000)
#: What each command must reach against its floor, at the sizes above.
TARGETS = {
    "import": Target(max_ratio=2),
    "grade_csv": Target(max_ratio=5),
    "grade_json": Target(max_ratio=5),
    "simulate": Target(max_ratio=5),
    "export": Target(max_ratio=3),
}
MILLION = 1_000_000
MILLION_TARGETS = {"import": Target(max_ratio=5), "grade_csv": Target(max_ratio=5), "simulate": Target(max_ratio=5)}
MEMORY_TARGET = Target(max_value=4096)
#: Which commands run at a million clients (the issue's list).
MILLION_COMMANDS = ("import", "grade_csv", "simulate")
TIMEOUT_SECONDS = 3600

_FLOOR_IMPORT = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
for kind, path in zip(sys.argv[2::2], sys.argv[3::2]):
    con.execute(f"CREATE TABLE {kind} AS SELECT * FROM read_csv(?)", [path])
con.close()
"""

_FLOOR_AGGREGATE = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
rows = con.execute(sys.argv[2], [sys.argv[3], sys.argv[4]]).fetchall()
assert rows
con.close()
"""

_FLOOR_COPY = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
for (table,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall():
    con.execute(f"COPY \\"{table}\\" TO '{sys.argv[2]}/{table}.csv' (HEADER)")
con.close()
"""


#: Each part of ``grade`` (and of ``simulate``'s own work) one after the other in one process, so that the
#: figures say what costs what: wall and CPU seconds per part, printed as JSON. The parts run without the overlap
#: the command itself has (it writes one piece of text while it makes the next piece's words).
_PARTS = """
import json, resource, sys, time
def clock():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return time.perf_counter(), usage.ru_utime + usage.ru_stime
parts, last = {}, clock()
def mark(name):
    global last
    now = clock()
    parts[name] = (now[0] - last[0], now[1] - last[1])
    last = now
from grading.commands import grade_command
from grading.db.export import write_safe_csv
from grading.db.store import Store
from grading.scoring.portfolio import grade_portfolio
from grading.settings import load_settings
from grading.simulation.story import churn_story
from grading.commands.simulate_command import scenario_from_args
from grading.commands.json_text import dumps_indented
from grading.cli import build_parser
mark("imports")
with Store(sys.argv[1]) as store:
    settings = load_settings(store)
    graded = grade_portfolio(store, sys.argv[2], models_dir=sys.argv[3], settings=settings, explain=False)
mark("grade")
pieces = list(grade_command.pieces(graded))
mark("words")
with open(sys.argv[4], "wb") as handle, Store(":memory:", migrate=False) as scratch:
    for number, piece in enumerate(pieces):
        write_safe_csv(piece, handle.write, header=number == 0, scratch=scratch)
mark("csv")
with open(sys.argv[4], "wb") as handle:
    grade_command.write_json(pieces, handle.write)
mark("json")
args = build_parser("simulate").parse_args(["simulate", "--as-of", sys.argv[2], "--fire-grade", "D"])
book = graded.assign(months_in_window=int(settings["scoring_window_months"]))
story = churn_story(book, scenario_from_args(args), labor_cost_rate=settings["labor_cost_rate"],
                    window_months=int(settings["scoring_window_months"]), currency=settings["currency"])
dumps_indented(story.scenario.to_dict(), 2)
mark("story")
print(json.dumps(parts))
"""

#: The parts of :data:`_PARTS`, as the report names them.
PARTS = {
    "imports": "part of grade: importing the grading modules (pandas, NumPy, DuckDB, pyarrow)",
    "grade": "part of grade: the graded book without words (features query, scorecard, flags, manual grades)",
    "words": "part of grade: the words of every client (reasons, flags, notes), 20,000 at a time",
    "csv": "part of grade: the CSV text of the graded book and its words (DuckDB, the bytes pandas to_csv wrote)",
    "json": "part of grade: the JSON text of the graded book and its words (pandas to_json)",
    "story": "part of simulate: the churn story of firing the D clients and its JSON, from the graded book",
}
PARTS_GROUP = "Command parts (one process)"


@dataclass(frozen=True)
class ProcessRun:
    """One child process's wall-clock seconds, CPU seconds (user and system) and peak resident memory (bytes)."""

    seconds: float
    peak_bytes: int
    cpu_seconds: float = 0.0


def run_process(argv: Sequence[str], *, env: dict[str, str] | None = None) -> ProcessRun:
    """Run ``argv`` from the repository, wait for it and return its wall time and its own peak memory.

    The peak comes from ``os.wait4`` of this very child (``ru_maxrss``), not from the summed children of this
    process. Its standard output is discarded (a command writing to stdout still writes it all).

    Raises
    ------
    RuntimeError
        The process exited with a non-zero status (its stderr's end is in the message).
    """
    started = time.perf_counter()
    with open(os.devnull, "wb") as sink, subprocess.Popen(
        list(argv), cwd=REPO, env={**os.environ, **(env or {})}, stdout=sink, stderr=subprocess.PIPE
    ) as child:
        # Drain stderr while the child runs (progress lines of a long import would otherwise fill the pipe).
        err = child.stderr.read()
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, argv))} exited {child.returncode}: {err.decode()[-800:]}")
    return ProcessRun(elapsed, usage.ru_maxrss * 1024, usage.ru_utime + usage.ru_stime)


def time_process(
    make_argv, *, repeats: int, warmup: int, setup=None
) -> tuple[Timing, int, float]:
    """Time a process ``repeats`` times after ``warmup`` runs.

    ``make_argv(prepared)`` builds the command line from what ``setup()`` returned (untimed, before each run).

    Returns
    -------
    tuple
        The wall-clock timing, the largest peak memory (bytes) and the median CPU seconds (user and system).
    """
    runs, peak, cpu = [], 0, []
    for index in range(warmup + repeats):
        prepared = setup() if setup is not None else None
        done = run_process(make_argv(prepared))
        if index >= warmup:
            runs.append(done.seconds)
            cpu.append(done.cpu_seconds)
            peak = max(peak, done.peak_bytes)
    return Timing(tuple(runs)), peak, statistics.median(cpu)


def time_in_turn(
    make_argv, make_floor_argv, *, repeats: int, warmup: int, setup=None
) -> tuple[tuple[Timing, int, float], tuple[Timing, int, float]]:
    """Time a command and its floor in turn (command, floor, command, floor...), as :func:`time_process` times one.

    On a shared machine the load drifts over minutes; run in turn, a command and its floor meet the same load,
    where all the command's runs and then all the floor's could meet two different ones.

    Returns
    -------
    tuple
        For the command, then for the floor: the wall-clock timing, the largest peak memory (bytes) and the median
        CPU seconds.

    Raises
    ------
    RuntimeError
        The command (or the floor) exited with a non-zero status.
    """
    taken: dict[str, list[ProcessRun]] = {"command": [], "floor": []}
    for index in range(warmup + repeats):
        prepared = setup() if setup is not None else None
        done = {"command": run_process(make_argv(prepared)), "floor": run_process(make_floor_argv(None))}
        if index >= warmup:
            for side, run in done.items():
                taken[side].append(run)
    return tuple(
        (Timing(tuple(run.seconds for run in runs)), max(run.peak_bytes for run in runs),
         statistics.median(run.cpu_seconds for run in runs))
        for runs in (taken["command"], taken["floor"])
    )


def _fresh(path: Path) -> Path:
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)
    return path


def _fresh_folder(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


#: The files imported at a million clients: the clients and the monthly file, which is the one that grows (12
#: million rows). (Until session 4 the assessments or the grades sent the import the careful way, which holds every
#: cell in memory and refuses a file of more than 100 million cells, as this monthly file is; now all four go express.)
MILLION_IMPORT = ("clients", "monthly")


def commands(book: Book, scratch: Path, import_kinds: Sequence[str] = FILE_KINDS) -> dict[str, dict]:
    """Return, per command: its label, its command line, its floor's label and command line, and a setup."""
    py = sys.executable
    database = scratch / "portfolio.duckdb"
    models = scratch / "models"
    shutil.copyfile(book.database, _fresh(database))
    new_database = scratch / "imported.duckdb"
    as_of = book.as_of.isoformat()
    start, end = (day.isoformat() for day in window(book.as_of))
    common = ["--db", str(database), "--models", str(models)]
    files = [item for kind in import_kinds for item in (f"--{kind}", str(book.csv(kind)))]
    named = " and ".join(", ".join(import_kinds).rsplit(", ", 1))
    aggregate_floor = ("DuckDB aggregate per client over the window, bare process",
                       lambda _: [py, "-c", _FLOOR_AGGREGATE, str(database), BARE_AGGREGATE, start, end])
    return {
        "import": dict(
            what=f"import {named} into a new database (python -m grading import)",
            argv=lambda _: [py, "-m", "grading", "import", "--db", str(new_database), "--models", str(models), *files],
            setup=lambda: _fresh(new_database),
            floor=("DuckDB read_csv of the same files into tables of a new database, bare process",
                   lambda _: [py, "-c", _FLOOR_IMPORT, str(_fresh(scratch / "floor.duckdb")),
                              *[item for kind in import_kinds for item in (kind, str(book.csv(kind)))]]),
        ),
        "grade_csv": dict(
            what="grade --format csv --out F, every reason text (python -m grading grade)",
            argv=lambda _: [py, "-m", "grading", "grade", *common, "--as-of", as_of, "--format", "csv",
                            "--out", str(scratch / "graded.csv")],
            floor=aggregate_floor,
        ),
        "grade_json": dict(
            what="grade --format json --out F, every reason text (python -m grading grade)",
            argv=lambda _: [py, "-m", "grading", "grade", *common, "--as-of", as_of, "--format", "json",
                            "--out", str(scratch / "graded.json")],
            floor=aggregate_floor,
        ),
        "simulate": dict(
            what="simulate --fire-grade D, JSON on stdout (python -m grading simulate)",
            argv=lambda _: [py, "-m", "grading", "simulate", *common, "--as-of", as_of, "--fire-grade", "D"],
            floor=aggregate_floor,
        ),
        "export": dict(
            what="export --out DIR, every table as CSV (python -m grading export)",
            argv=lambda _: [py, "-m", "grading", "export", *common, "--out",
                            str(_fresh_folder(scratch / "export"))],
            floor=("DuckDB COPY of every table to CSV, bare process",
                   lambda _: [py, "-c", _FLOOR_COPY, str(database), str(_fresh_folder(scratch / "copied"))]),
        ),
    }


def run(config: Config) -> None:
    """Time every command and its floor at each size the run asks for, and emit a row per command."""
    for n_clients in config.cli_sizes:
        book = prepare_book(n_clients, months=MONTHS, cache=config.cache, train=False, progress=config.say)
        scratch = _fresh_folder(config.scratch / f"cli-{n_clients}")
        million = n_clients >= MILLION
        repeats, warmup = (1, 0) if config.quick or million else (3, 1)
        chosen = MILLION_COMMANDS if million else tuple(TARGETS)
        rows = book.rows("monthly")
        size = f"{config.size_label(n_clients)} x {MONTHS} months ({rows:,} monthly rows)"
        for name, spec in commands(book, scratch, MILLION_IMPORT if million else FILE_KINDS).items():
            if name not in chosen:
                continue
            config.say(f"{name} at {n_clients:,} clients, {repeats} runs")
            load = os.getloadavg()[0]
            floor_what, floor_argv = spec["floor"]
            try:
                (figure, peak, cpu), (floor, floor_peak, floor_cpu) = time_in_turn(
                    spec["argv"], floor_argv, repeats=repeats, warmup=warmup, setup=spec.get("setup"))
                value, peak_mib, counted = figure.median, peak / MIB, figure.repeats
            except RuntimeError as error:
                # A command that fails is a finding, not a reason to lose the other figures.
                value, peak_mib, counted, cpu = float("nan"), float("nan"), 0, float("nan")
                failed = f"; the command failed: {error}"
                floor, floor_peak, floor_cpu = time_process(floor_argv, repeats=repeats, warmup=warmup)
            else:
                failed = ""
            # On a shared machine wall time stretches with the load; CPU time much less, so both are given.
            note = (f"load average {load:.1f} on {os.cpu_count()} cores at the start; CPU time (user + system) "
                    f"{cpu:.2f} s against the floor's {floor_cpu:.2f} s ({cpu / floor_cpu:.1f}x){failed}")
            targets = MILLION_TARGETS if million else TARGETS
            config.emit(
                Row(MILLION_GROUP if million else GROUP, spec["what"], size, value, repeats=counted, floor_what=floor_what,
                    floor_value=floor.median, target=targets.get(name) if n_clients in TARGET_CLIENTS else None,
                    note=note.replace("\n", " "))
            )
            config.emit(
                Row(MILLION_MEMORY_GROUP if million else MEMORY_GROUP, f"peak resident memory of: {spec['what']}", size, peak_mib, unit="MiB",
                    repeats=counted, floor_what="the floor's process", floor_value=floor_peak / MIB,
                    target=MEMORY_TARGET if million else None)
            )
        if not million:
            _time_parts(config, book, scratch, size, repeats)
        shutil.rmtree(scratch, ignore_errors=True)


def _time_parts(config: Config, book: Book, scratch: Path, size: str, repeats: int) -> None:
    """Run :data:`_PARTS` ``repeats`` times and emit each part's median wall time beside the aggregate floor."""
    import json

    config.say(f"the parts of grade and simulate, {repeats} runs")
    database = scratch / "portfolio.duckdb"
    start, end = (day.isoformat() for day in window(book.as_of))
    load = os.getloadavg()[0]
    runs = []
    for _ in range(repeats):
        done = subprocess.run([sys.executable, "-c", _PARTS, str(database), book.as_of.isoformat(),
                               str(scratch / "models"), str(scratch / "parts.out")],
                              cwd=REPO, capture_output=True, text=True, check=True)
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    floor, _, floor_cpu = time_process(
        lambda _: [sys.executable, "-c", _FLOOR_AGGREGATE, str(database), BARE_AGGREGATE, start, end],
        repeats=repeats, warmup=0)
    for name, what in PARTS.items():
        wall = statistics.median(run[name][0] for run in runs)
        cpu = statistics.median(run[name][1] for run in runs)
        config.emit(Row(PARTS_GROUP, what, size, wall, repeats=repeats,
                        floor_what="DuckDB aggregate per client over the window, bare process (whole process)",
                        floor_value=floor.median,
                        note=f"load average {load:.1f} at the start; CPU time {cpu:.2f} s against the floor "
                             f"process's {floor_cpu:.2f} s ({cpu / floor_cpu:.1f}x)"))


def notes(config: Config) -> list[str]:
    """What the command figures rest on, and (with a million clients) what gives way first beyond them."""
    said = [
        "Commands as processes: each figure is the wall time of `python -m grading ...` from start to exit "
        "(interpreter, imports, work, output), beside a bare `python -c` process importing DuckDB alone and doing "
        "the least alike work in SQL, the two run in turn so that both meet the same load; the peak memory is the "
        "child's own (wait4). The machine is shared: each row's "
        "note gives the load average and the CPU time (user + system) of command and floor, which a busy machine "
        "stretches far less than wall time.",
    ]
    if any(size < MILLION for size in config.cli_sizes):
        said.append(PARTS_NOTE)
    if any(size >= MILLION for size in config.cli_sizes):
        said.append(MILLION_NOTE)
    return said


#: What the parts rows show, and what was measured and not kept (issue 14, session 3).
PARTS_NOTE = (
    "Command parts: the rows of grade's parts say where its time goes, each against the whole floor process. The "
    "output must stay byte for byte what it was (issue 14's rule), and that sets floors of its own, measured at "
    "100,000 clients: the CSV holds 8.1 million numbers written as Python writes them, which DuckDB's cast does in "
    "about 1.0 s of CPU (pyarrow's cast 1.2 s, and it writes them differently), over three times the floor "
    "process's whole CPU time; the features query behind every grade (exact decimal sums, the latest assessment, "
    "the first month of newer clients) takes about 1.1 s of CPU against the floor's four sums in 0.3 s. Tried and "
    "not kept: the JSON text made in SQL, each number rounded as pandas' writer rounds it, took 4.8 s of CPU "
    "against pandas' 2.4 to 2.9 s; glibc keeping freed memory (MALLOC_MMAP_THRESHOLD_) saved 0.4 s of system time "
    "on the JSON for 270 MiB more memory. Measured in session 4 and not kept, at 100,000 clients: the features "
    "query's sums as DECIMAL(18,8) rather than (38,8) (0.85 s of CPU either way: its cost is the two dozen "
    "aggregates over 1.2 million month rows and the joins of the points, not the width of the decimals; the "
    "floor's four sums take 0.07 s of CPU inside its process), the latest assessment by a GROUP BY and a join "
    "rather than a window (no difference), the query on one DuckDB thread (0.15 s less CPU, more wall time on a "
    "quiet machine); one piece's JSON text made in a thread while the next piece's words are made (pandas' JSON "
    "writer holds the interpreter lock: 1.09 s against 1.10 s one after the other). Kept: simulate works out the "
    "owner's impact once when the scenario is the firing alone (it was worked out twice over the whole book), and "
    "its JSON's fired clients are checked and converted a column at a time."
)


#: What gives way first beyond a million clients, and where DuckDB's out-of-core execution carries the work.
MILLION_NOTE = (
    "Beyond a million clients: the SQL parts are carried by DuckDB, which streams read_csv into the tables and "
    "aggregates the scoring window over its own storage, spilling to disk past its memory limit (80% of RAM by "
    "default), so the import of the monthly file and the features query grow with the disk, not with memory. What "
    "gives way first is what Python holds whole: the graded book is one pandas frame of about 100 columns per "
    "client (every number, grade and flag; the words are made 20,000 clients at a time) and the simulation works "
    "on it, so `grade` and `simulate` grow linearly in memory with the clients (see their peak memory rows: about "
    "2.6 GiB at a million since the scorecard works in blocks of 100,000 clients, 3.1 GiB before) and would pass "
    "4 GiB at roughly 1.5 million; the CSV and JSON are written in pieces and add little. The import's "
    "careful way (taken when a file has a problem or a cell not in its usual form) holds every cell of a file in "
    "memory and refuses a file of more than 100 million cells (a monthly file of about 840,000 clients x 12 "
    "months); the express way (the four files in their usual form) has no such bound. To go further, the scoring "
    "would run in SQL over DuckDB's tables and the words be written per batch of clients, as the CSV writer "
    "already is."
)
