"""Where the time goes: pyinstrument profiles of the benchmarked work, for a target that is not met.

``python -m benchmarks.profiling page pages/overview.py --clients 1000`` profiles reruns of one page in AppTest;
``grade --clients 100000`` one ``grade_portfolio``; ``import --clients 100000`` one import of the monthly file.
pyinstrument is a development tool, not a dependency of the app: ``pip install pyinstrument`` first.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from benchmarks.scale import DEFAULT_CACHE, prepare_book, scratch_copy


def _profiler():
    try:
        from pyinstrument import Profiler
    except ModuleNotFoundError as error:
        raise SystemExit("pyinstrument is not installed: pip install pyinstrument") from error
    return Profiler(interval=0.001)


def profile_page(page: str, n_clients: int, reruns: int, cache: Path, show_all: bool = False) -> str:
    """Return the text profile of ``reruns`` reruns of ``page`` (after its first run) on a book of ``n_clients``.

    AppTest runs the script in a thread of its own, which a profiler started here would not see; the profiler is
    started inside the script runner instead, around each rerun.
    """
    from streamlit.runtime.scriptrunner import script_runner

    from benchmarks.bench_pages import _open, app_environment, reruns_through_app_py

    book = prepare_book(n_clients, cache=cache)
    profiler = _profiler()
    original = script_runner.ScriptRunner._run_script
    profiling = {"on": False}

    def profiled(self, rerun_data):
        if not profiling["on"]:
            return original(self, rerun_data)
        profiler.start()
        try:
            return original(self, rerun_data)
        finally:
            profiler.stop()

    script_runner.ScriptRunner._run_script = profiled
    try:
        with tempfile.TemporaryDirectory() as scratch, reruns_through_app_py():
            database = scratch_copy(book, Path(scratch))
            with app_environment(database, Path(scratch) / "models"):
                at = _open(page)
                profiling["on"] = True
                for _ in range(reruns):
                    at.run()
    finally:
        script_runner.ScriptRunner._run_script = original
    return profiler.output_text(unicode=True, color=False, show_all=show_all)


def profile_grade(n_clients: int, cache: Path) -> str:
    """Return the text profile of one ``grade_portfolio`` on a book of ``n_clients`` (after one warm-up)."""
    from grading.scoring.portfolio import grade_portfolio
    from grading.db.store import Store

    book = prepare_book(n_clients, cache=cache)
    with Store(book.database) as store:
        # As the Grade benchmark times it: without the reason texts, which pages write for the rows they show.
        grade_portfolio(store, book.as_of, models_dir=book.models, explain=False)
        profiler = _profiler()
        profiler.start()
        grade_portfolio(store, book.as_of, models_dir=book.models, explain=False)
        profiler.stop()
    return profiler.output_text(unicode=True, color=False, show_all=False)


def profile_import(n_clients: int, cache: Path) -> str:
    """Return the text profile of one import of the monthly file into a database holding only the clients."""
    from benchmarks.bench_import import MAX_UPLOAD_MB
    from grading.importer import import_files
    from grading.db.store import Store

    book = prepare_book(n_clients, cache=cache, train=False)
    with tempfile.TemporaryDirectory() as scratch:
        target = Path(scratch) / "portfolio.duckdb"
        shutil.copyfile(book.clients_only, target)
        with Store(target) as store:
            profiler = _profiler()
            profiler.start()
            import_files(store, {"monthly": book.csv("monthly")}, max_upload_mb=MAX_UPLOAD_MB)
            profiler.stop()
    return profiler.output_text(unicode=True, color=False, show_all=False)


def main(argv: list[str] | None = None) -> int:
    """Print a profile (``python -m benchmarks.profiling {page,grade,import} ...``)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profiling", description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("page", "grade", "import"))
    parser.add_argument("page", nargs="?", default="pages/overview.py", help="for 'page': the page file")
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--reruns", type=int, default=5)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--all", action="store_true", help="for 'page': show Streamlit's own frames too")
    args = parser.parse_args(argv)
    if args.what == "page":
        print(profile_page(args.page, args.clients, args.reruns, args.cache, show_all=args.all))
    elif args.what == "grade":
        print(profile_grade(args.clients, args.cache))
    else:
        print(profile_import(args.clients, args.cache))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
