"""Run every benchmark and rewrite BENCHMARKS.md: ``python -m benchmarks.run [--sizes 1000,10000,100000] [--quick]``.

Groups, in order: import, grade, training, simulation, page reruns in AppTest, first render and peak memory in
headless Chromium, whole commands as processes, import-raw of a million raw time entries as a process, and the
comparison of 50 books. Each
figure stands beside its floor measured in the same run; targets print as met or not. Generated books are kept
in ``benchmarks/.cache`` (``--cache``), so a second run starts at once.
"""

from __future__ import annotations

import argparse
import os
import datetime as dt
import shlex
import sys
import tempfile
import time
import traceback
from pathlib import Path

from benchmarks import (
    bench_browser,
    bench_cli,
    bench_compare,
    bench_grade,
    bench_import,
    bench_pages,
    bench_raw_import,
    bench_simulation,
    bench_training,
)
from benchmarks.config import Config
from benchmarks.report import Row, RunInfo, console_line, machine, merge_report, render
from benchmarks.scale import DEFAULT_CACHE, REPO

GROUPS = {
    "import": bench_import,
    "grade": bench_grade,
    "training": bench_training,
    "simulation": bench_simulation,
    "pages": bench_pages,
    "browser": bench_browser,
    "cli": bench_cli,
    "raw_import": bench_raw_import,
    "compare": bench_compare,
}
DEFAULT_SIZES = [1_000, 10_000, 100_000]
#: Pages are benchmarked at the sizes the issue names; larger books are for the engines.
PAGE_SIZE_LIMIT = 10_000


def _counts(text: str) -> list[int]:
    try:
        counts = [int(part.strip().replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"expected comma-separated whole numbers, got {text!r}") from error
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError(f"expected comma-separated whole numbers of at least 1, got {text!r}")
    return counts


def _groups(text: str) -> tuple[str, ...]:
    chosen = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [name for name in chosen if name not in GROUPS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown group(s) {', '.join(unknown)}; choose from {', '.join(GROUPS)}")
    return chosen


def parser() -> argparse.ArgumentParser:
    """Return the command's argument parser."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=_counts, default=DEFAULT_SIZES,
                        help="client counts for import and grade (default 1000,10000,100000)")
    parser.add_argument("--page-sizes", type=_counts, default=None,
                        help="client counts for the page and browser benchmarks (default: the sizes up to 10,000)")
    parser.add_argument("--training-events", type=_counts, default=[500, 5_000],
                        help="grade-event counts to train on (default 500,5000)")
    parser.add_argument("--simulation-clients", type=int, default=1_000,
                        help="clients in the simulation's book (default 1000)")
    parser.add_argument("--draws", type=int, default=10_000, help="Monte Carlo draws (default 10000)")
    parser.add_argument("--months", type=int, default=36, help="months of metrics per book (default 36)")
    parser.add_argument("--cli-sizes", type=_counts, default=[100_000],
                        help="client counts for the whole commands timed as processes, 12 months (default 100000)")
    parser.add_argument("--million", action="store_true",
                        help="also time import, grade and simulate as processes on 1,000,000 clients x 12 months "
                        "(about N minutes; needs about M GB of disk in the cache)")
    parser.add_argument("--raw-time-entries", type=int, default=bench_raw_import.TIME_ENTRIES,
                        help="time entries in the raw exports import-raw reads (default 1000000: 300 clients x 60 "
                        "months; fewer clients below)")
    parser.add_argument("--quick", action="store_true", help="one run per figure, no warm-up: a first look")
    parser.add_argument("--only", type=_groups, default=(), help=f"run only these groups: {','.join(GROUPS)}")
    parser.add_argument("--merge", action="store_true",
                        help="keep the rows of the groups not run from the existing report (with --only)")
    parser.add_argument("--out", type=Path, default=REPO / "BENCHMARKS.md", help="the report to write")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where generated books are kept")
    return parser


def run(argv: list[str] | None = None) -> tuple[list[Row], RunInfo]:
    """Run the benchmarks the arguments ask for, write the report, and return its rows and the run's notes.

    A group that fails is reported on stderr and in the report's notes; the other groups still run, and the
    command's exit status says so (see :func:`main`).
    """
    args = parser().parse_args(argv)
    page_sizes = args.page_sizes or [size for size in args.sizes if size <= PAGE_SIZE_LIMIT] or [min(args.sizes)]
    rows: list[Row] = []
    shown = " ".join(shlex.quote(part) for part in (argv if argv is not None else sys.argv[1:]))
    info = RunInfo(command=f"python -m benchmarks.run {shown}".strip(), sizes=args.sizes, quick=args.quick,
                   started=dt.datetime.now(dt.timezone.utc))

    def emit(row: Row) -> None:
        rows.append(row)
        print(console_line(row), flush=True)

    def say(text: str) -> None:
        print(f"  ... {text}", flush=True)

    load_at_start = os.getloadavg()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="clientgrade-bench-") as scratch:
        config = Config(
            sizes=args.sizes,
            page_sizes=page_sizes,
            training_events=args.training_events,
            simulation_clients=args.simulation_clients,
            draws=args.draws,
            quick=args.quick,
            cache=args.cache,
            scratch=Path(scratch),
            months=args.months,
            cli_sizes=sorted(set(args.cli_sizes) | ({bench_cli.MILLION} if args.million else set())),
            raw_time_entries=args.raw_time_entries,
            groups=args.only or tuple(GROUPS),
            emit=emit,
            say=say,
        )
        for name in config.groups:
            print(f"== {name}", flush=True)
            try:
                GROUPS[name].run(config)
            except Exception as error:  # noqa: BLE001 - one group's failure must not lose the others' figures
                traceback.print_exc()
                info.failed.append(name)
                info.notes.append(f"The {name} group failed: {type(error).__name__}: {error}".replace("\n", " "))
    info.seconds = time.perf_counter() - started
    for name in config.groups:
        # A group may say what its figures rest on, or what they mean: its notes(config) returns sentences.
        info.notes.extend(getattr(GROUPS[name], "notes", lambda _config: [])(config))
    info.notes.insert(0, _repeats_note(args.quick))
    info.notes.insert(1, _load_note(load_at_start, os.getloadavg()))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    report = render(rows, info, machine())
    if args.merge and args.out.exists():
        report = merge_report(args.out.read_text(encoding="utf-8"), report, {row.group for row in rows})
    args.out.write_text(report, encoding="utf-8")
    print(f"wrote {args.out} ({len(rows)} figures, {info.seconds / 60:.1f} minutes)", flush=True)
    return rows, info


def _load_note(at_start: tuple[float, ...], at_end: tuple[float, ...]) -> str:
    cores = os.cpu_count() or 1
    return (
        f"Load average (1, 5, 15 minutes) at the start {', '.join(f'{v:.1f}' for v in at_start)}, at the end "
        f"{', '.join(f'{v:.1f}' for v in at_end)}, on {cores} cores: above {cores}, other work shared the CPU "
        "and every figure is slower than on a quiet machine (ratios suffer less, as floors are measured alongside)."
    )


def _repeats_note(quick: bool) -> str:
    if quick:
        return "Quick run (--quick): one counted run per figure and no warm-up; figures are rough."
    return (
        "Runs per figure: 5 after one warm-up up to 50,000 clients; 3 without a warm-up above (a warm-up there "
        "costs as much as a counted run; the modules are imported beforehand instead); training 3 runs without a "
        "warm-up; browser sessions 3 after one warm-up; first visits and first sessions are one run each by nature."
    )


def main(argv: list[str] | None = None) -> int:
    """Entry point; exit status 0 when every group ran, 1 when one failed (the report is written either way)."""
    _, info = run(argv)
    return 1 if info.failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
