"""Books of any size for the benchmarks: the demo generator at 1,000 to 100,000 clients x 36 months.

A book is generated once per size and seed and kept in a cache folder (default ``benchmarks/.cache``, which git
ignores): the four import files as CSV, a database with everything imported (and a model trained, where the
model package can train one), and a database holding only the clients, the starting point for timing an import
of the monthly file. Each step is skipped when its output is already there, so a second run starts at once; the
last month of metrics is part of the cache key, so a book never goes stale against today's date.

Run ``python -m benchmarks.scale --sizes 1000,10000`` to build books ahead of a benchmark run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from grading.demo import generate_demo, last_complete_month
from grading.db.store import Store

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CACHE = REPO / "benchmarks" / ".cache"
DEFAULT_MONTHS = 36
DEFAULT_SEED = 8
#: Books up to this size train their own model; larger ones get this size's model (see :func:`_train`).
TRAIN_LIMIT = 10_000
FILE_KINDS = ("clients", "monthly", "assessments", "grades")
# The demo grades about 1.6 events per client; a little more headroom than that gives enough events to cut from.
_EVENTS_PER_CLIENT = 1.4

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    """Progress callback that says nothing."""


@dataclass(frozen=True)
class Book:
    """One generated book of clients on disk.

    Attributes
    ----------
    folder:
        Where its files are.
    n_clients, months, seed:
        What it was generated with.
    end_month:
        The last month with metrics (first day of that month).
    """

    folder: Path
    n_clients: int
    months: int
    seed: int
    end_month: dt.date

    def csv(self, kind: str) -> Path:
        """Return the CSV file of one import kind (``clients``, ``monthly``, ``assessments``, ``grades``)."""
        return self.folder / f"{kind}.csv"

    @property
    def database(self) -> Path:
        """The database with the whole book imported (and a model, where one could be trained)."""
        return self.folder / "portfolio.duckdb"

    @property
    def models(self) -> Path:
        """The model folder that belongs to :attr:`database`."""
        return self.folder / "models"

    @property
    def clients_only(self) -> Path:
        """A database with only the clients imported: where an import of the monthly file starts."""
        return self.folder / "clients_only.duckdb"

    @property
    def as_of(self) -> dt.date:
        """The day to grade on: the first day after the last month with metrics, so the window is full."""
        following = (self.end_month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return following

    def rows(self, kind: str = "monthly") -> int:
        """Return the number of data rows in one of the book's CSV files."""
        with open(self.csv(kind), "rb") as handle:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b"")) - 1


def _book_folder(cache: Path, label: str, n_clients: int, months: int, seed: int, end_month: dt.date) -> Path:
    return cache / f"{label}-{n_clients}c-{months}m-seed{seed}-to{end_month:%Y-%m}"


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` as a PSA export would: ISO dates, comma separated; atomically, so a crash leaves no half."""
    partial = path.with_suffix(".partial")
    frame.to_csv(partial, index=False, date_format="%Y-%m-%d")
    os.replace(partial, path)


def _write_database(path: Path, frames: dict[str, pd.DataFrame]) -> None:
    """Import ``frames`` into a new database at ``path`` through the importer; atomically."""
    from grading.importer import import_frames

    partial = path.with_name(path.name + ".partial")
    for leftover in (partial, partial.with_name(partial.name + ".wal")):
        leftover.unlink(missing_ok=True)
    if "grades" in frames:
        # At a million clients the demo generator draws a few grade events twice, to the day and the note (3 in
        # 1.6 million), which the importer rightly refuses as repeated rows: the benchmark book keeps one of each.
        frames = {**frames, "grades": frames["grades"].drop_duplicates(ignore_index=True)}
    with Store(partial) as store:
        import_frames(store, frames, source="demo")
        store.checkpoint()
    os.replace(partial, path)


def training_available() -> bool:
    """Return True when the model package can train (``grading.model.training`` exists)."""
    import importlib.util

    return importlib.util.find_spec("grading.model.training") is not None


def _train(book: Book, cache: Path, progress: Progress) -> bool:
    """Give the book an active model, once; returns whether it has one.

    Up to :data:`TRAIN_LIMIT` clients the model is trained on the book's own grade history. A larger book gets the
    model trained on the :data:`TRAIN_LIMIT`-client book of the same seed (the same kind of data), saved into it:
    training on 160,000 grade events is not what the grade and page benchmarks measure, and the training
    benchmark times training at the sizes the issue names.
    """
    marker = book.folder / "model.done"
    if marker.exists():
        return True
    if not training_available():
        return False
    if book.n_clients > TRAIN_LIMIT:
        from grading.model.persistence import load_active_model, save_model

        donor = prepare_book(TRAIN_LIMIT, months=book.months, seed=book.seed, cache=cache, progress=progress)
        with Store(donor.database) as donor_store:
            loaded = load_active_model(donor_store, donor.models)
        if loaded is None:
            return False
        model, card = loaded
        card = {key: value for key, value in card.items() if key not in {"model_id", "file_name", "content_hash"}}
        with Store(book.database) as store:
            save_model(store, book.models, model, card | {"benchmark_note": f"trained on the {TRAIN_LIMIT}-client book"})
            store.checkpoint()
    else:
        from grading.model.training import train_if_possible

        with Store(book.database) as store:
            train_if_possible(store, book.models)
            store.checkpoint()
    marker.write_text(dt.datetime.now().isoformat())
    return True


def prepare_book(
    n_clients: int,
    *,
    months: int = DEFAULT_MONTHS,
    seed: int = DEFAULT_SEED,
    cache: Path | str = DEFAULT_CACHE,
    train: bool = True,
    progress: Progress = _quiet,
) -> Book:
    """Return a book of ``n_clients`` clients x ``months`` months on disk, generating what the cache lacks.

    Parameters
    ----------
    n_clients, months, seed:
        As for :func:`grading.demo.generate_demo`; the last month is the last complete month before today.
    cache:
        The cache folder (created if missing).
    train:
        Also train and activate a model on the book's manual grades, when the model package can.
    progress:
        Called with a short sentence before each slow step.

    Returns
    -------
    Book
    """
    end_month = last_complete_month()
    folder = _book_folder(Path(cache), "book", n_clients, months, seed, end_month)
    folder.mkdir(parents=True, exist_ok=True)
    book = Book(folder, n_clients, months, seed, end_month)
    outputs = [book.csv(kind) for kind in FILE_KINDS] + [book.database, book.clients_only]
    if not all(path.exists() for path in outputs):
        progress(f"generating {n_clients:,} clients x {months} months")
        demo = generate_demo(n_clients, months=months, seed=seed, end_month=end_month)
        frames = demo.frames()
        for kind in FILE_KINDS:
            if not book.csv(kind).exists():
                progress(f"writing {kind}.csv ({len(frames[kind]):,} rows)")
                _write_csv(frames[kind], book.csv(kind))
        if not book.clients_only.exists():
            _write_database(book.clients_only, {"clients": frames["clients"]})
        if not book.database.exists():
            progress(f"importing the {n_clients:,}-client book into DuckDB")
            _write_database(book.database, frames)
    if train:
        if not (book.folder / "model.done").exists():
            progress(f"giving the {n_clients:,}-client book a model (once per book)")
        _train(book, Path(cache), progress)
    return book


def prepare_training_book(
    grade_events: int,
    *,
    months: int = 24,
    seed: int = DEFAULT_SEED,
    cache: Path | str = DEFAULT_CACHE,
    progress: Progress = _quiet,
) -> Book:
    """Return a database whose manual grade history holds exactly ``grade_events`` events (no model trained).

    The demo book is drawn a little larger than needed and its grade events cut at random (seeded) to the count,
    so the training set is the demo's kind of data at the size asked for.

    Parameters
    ----------
    grade_events:
        Number of manual grade events (at least 1).
    months, seed, cache, progress:
        As for :func:`prepare_book`.

    Returns
    -------
    Book
        Only :attr:`Book.database` and :attr:`Book.models` are filled (no CSV files).
    """
    end_month = last_complete_month()
    n_clients = max(12, int(np.ceil(grade_events / _EVENTS_PER_CLIENT)))
    folder = _book_folder(Path(cache), f"train{grade_events}", n_clients, months, seed, end_month)
    folder.mkdir(parents=True, exist_ok=True)
    book = Book(folder, n_clients, months, seed, end_month)
    if book.database.exists():
        return book
    progress(f"generating a book with {grade_events:,} grade events")
    frames = generate_demo(n_clients, months=months, seed=seed, end_month=end_month).frames()
    while len(frames["grades"]) < grade_events:
        # Small books vary around the average number of events per client: draw a larger one.
        n_clients = int(n_clients * 1.5) + 1
        frames = generate_demo(n_clients, months=months, seed=seed, end_month=end_month).frames()
    chosen = np.sort(np.random.default_rng(seed).choice(len(frames["grades"]), grade_events, replace=False))
    frames["grades"] = frames["grades"].iloc[chosen].reset_index(drop=True)
    _write_database(book.database, frames)
    return book


def scratch_copy(book: Book, target: Path, *, database: Path | None = None) -> Path:
    """Copy a book's database (default :attr:`Book.database`) and its models into ``target``; return the copy.

    The app and the trainer write to their database (settings, model registry): they get a copy, so the cached
    book stays as generated.
    """
    target.mkdir(parents=True, exist_ok=True)
    source = database or book.database
    copy = target / "portfolio.duckdb"
    shutil.copyfile(source, copy)
    if book.models.exists() and source == book.database:
        shutil.copytree(book.models, target / "models", dirs_exist_ok=True)
    return copy


def _sizes(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",") if part.strip()]


def main(argv: list[str] | None = None) -> int:
    """Build the books for the given sizes into the cache (``python -m benchmarks.scale``)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scale", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=_sizes, default=[1000, 10000, 100000], help="comma-separated client counts")
    parser.add_argument("--months", type=int, default=DEFAULT_MONTHS)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args(argv)
    for size in args.sizes:
        book = prepare_book(size, months=args.months, cache=args.cache, progress=lambda text: print(text, flush=True))
        print(f"{size:,} clients: {book.folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
