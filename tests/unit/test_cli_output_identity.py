"""``grade`` and ``simulate`` write the very bytes the way they replaced wrote, on the demo book and on its corners.

Issue 14's rule: a speed-up must not change a result. The references here are the ways the commands wrote before
they were made faster, kept only here:

- ``grade --format csv``: pandas ``to_csv`` of ``grade_portfolio(..., explain=True)`` with risky text cells
  quoted (:func:`tests.unit.test_export_identity.reference_csv_bytes`);
- ``grade --format json``: pandas ``to_json`` of the same frame (records, one space of indent, dates as days);
- ``simulate``: ``json.dumps(..., indent=2)`` of the churn story of the graded book.

Each is compared byte for byte with the command's output on the demo book (a trained model present, then absent)
and on the demo book with its corners added: clients with no hours, no revenue, no figures at all, an archived
client, manual grades, text that looks like a formula or holds quotes, commas and line breaks, and other settings
(currency, thresholds, the small-client rule).
"""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from grading.db.store import Store
from grading.scoring.portfolio import grade_portfolio
from grading.settings import load_settings, save_settings
from grading.db.export import write_safe_csv
from tests.cli_runner import run_cli
from tests.unit.test_export_identity import _corner_frame, reference_csv_bytes

_DATE_COLUMNS = ("client_since", "as_of", "window_start", "window_end", "assessed_on", "manual_graded_on")


def _as_of(db: Path) -> date:
    """The first day after the book's last month of figures: the scoring window is then full."""
    with Store(db) as store:
        last = store.scalar("SELECT max(month) FROM monthly_metrics")
    return (last.replace(day=28) + timedelta(days=4)).replace(day=1)


def _with_corners(db: Path) -> None:
    """Add to a demo book the clients and settings that take the rarer ways through scoring and writing."""
    as_of = _as_of(db)
    months = pd.date_range(end=as_of - timedelta(days=1), periods=12, freq="MS")
    with Store(db) as store:
        store.execute(
            "INSERT INTO clients VALUES "
            "('zz-no-hours', 'No Hours, \"Quoted\" Ltd', 'managed', 12, '2019-03-01'), "
            "('zz-no-revenue', '=HYPERLINK(\"x\")', 'break_fix', 4, NULL), "
            "('zz-nothing', '  -minus; two\nlines', 'project', NULL, '2015-01-01'), "
            "('zz-archived', 'Archived GmbH', 'hybrid', 8, '2018-01-01'), "
            "('zz-tiny', '@tiny', 'break_fix', 0, '2024-01-01'), "
            "('zz-joined', 'Joined late', 'managed', 30, ?)",
            [months[-3].date()],
        )
        rows = []
        for month in months:
            rows.append(("zz-no-hours", month, 4_000.0, 0.0, None, 3, 0, 1, 20.0, 0))
            rows.append(("zz-no-revenue", month, 0.0, 12.5, 50.0, 9, 4, 4, None, None))
            rows.append(("zz-archived", month, 2_000.0, 10.0, 100.0, 2, 1, 0, 30.0, 1))
            rows.append(("zz-tiny", month, 99.5, 2.0, 0.0, 1, 1, 1, 91.0, 2))
        for month in months[-2:]:
            # 44.996/h: just under the cost rate, which the words show in cents.
            rows.append(("zz-joined", month, 8_999.2, 200.0, 0.0, None, None, None, 10.0, 0))
        for row in rows:
            store.execute("INSERT INTO monthly_metrics VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", list(row))
        store.execute(
            "INSERT INTO assessments VALUES ('zz-no-hours', ?, 'a', 5, 5, 5, 5, 5, 'happy', ''), "
            "('zz-no-hours', ?, 'b', 1, 2, 3, 4, 5, 'dread', ''), ('zz-tiny', ?, '', 1, 1, 1, 1, 1, 'neutral', '')",
            [as_of - timedelta(days=40), as_of - timedelta(days=40), as_of],
        )
        store.execute("INSERT INTO archived_clients VALUES ('zz-archived', ?, '')", [as_of - timedelta(days=10)])
        store.execute(
            "INSERT INTO grade_events (client_id, graded_on, grade) VALUES ('zz-no-revenue', ?, 'D'), "
            "('zz-tiny', ?, 'A'), ('zz-tiny', ?, 'B'), ('zz-nothing', ?, 'C')",
            [as_of - timedelta(days=100), as_of - timedelta(days=5), as_of - timedelta(days=5),
             as_of + timedelta(days=1)],
        )
        save_settings(store, {"currency": "CHF", "labor_cost_rate": 45.0, "target_hourly_rate": 95.0,
                              "small_client_revenue": 1500.0, "tiny_client_revenue": 500.0,
                              "grade_b_min": 60.0})


@pytest.fixture(scope="module")
def books_made(demo_database_template, tmp_path_factory):
    """The demo book and the demo book with its corners added, each with its model folder, made once for the module.

    Never written: :func:`book` hands each test a copy (the commands store grades and suggestions in the book).
    """
    folder = tmp_path_factory.mktemp("identity-books")
    for kind in ("demo", "corners"):
        shutil.copytree(demo_database_template, folder / kind)
    _with_corners(folder / "corners" / "portfolio.duckdb")
    return folder


@pytest.fixture(scope="module")
def book_days(books_made) -> dict[str, date]:
    """Each book's as-of day (:func:`_as_of`), read once for the module from the books as made (a test's copy has
    the same figures)."""
    return {kind: _as_of(books_made / kind / "portfolio.duckdb") for kind in ("demo", "corners")}


@pytest.fixture(scope="module")
def book_settings(books_made) -> dict[str, dict]:
    """Each book's settings, read once for the module from the books as made (a test's copy has the same)."""
    settings = {}
    for kind in ("demo", "corners"):
        with Store(books_made / kind / "portfolio.duckdb") as store:
            settings[kind] = dict(load_settings(store))
    return settings


@pytest.fixture(scope="module")
def references(books_made, book_days, tmp_path_factory):
    """The graded frame each book gives, made once per book and model folder for the module's references.

    As in a test that grades its own copy after the command ran: the frame is graded on a copy of the book
    that was graded once before (with a model, the second grading reads back the suggestions the first stored).
    Without a model a grading writes nothing to the book, so the first grading is the frame. Tests get a copy.
    """
    made: dict[str, pd.DataFrame] = {}

    def graded(param: str) -> pd.DataFrame:
        if param not in made:
            folder = tmp_path_factory.mktemp("identity-reference")
            shutil.copytree(books_made / param.split(",")[0], folder / "book")
            db = folder / "book" / "portfolio.duckdb"
            models = folder / "book" / "models" if param.endswith(", model") else folder / "no-models"
            as_of = book_days[param.split(",")[0]]
            if param.endswith(", model"):
                _graded(db, models, as_of)  # stores the suggestions the command's own grading leaves
            made[param] = _graded(db, models, as_of)
        return made[param].copy()

    return graded


@pytest.fixture(params=["demo, model", "demo, no model", "corners, model", "corners, no model"])
def book(request, books_made, book_days, book_settings, references, tmp_path):
    """A copy of the demo book (with its corners added, or not), the model folder to grade with, the as-of day,
    the graded frame the book gives (:func:`references`) and the book's settings."""
    kind = request.param.split(",")[0]
    folder = tmp_path / "book"
    shutil.copytree(books_made / kind, folder)
    db = folder / "portfolio.duckdb"
    models = folder / "models" if request.param.endswith(", model") else tmp_path / "no-models"
    return db, models, book_days[kind], references(request.param), dict(book_settings[kind])


def _graded(db: Path, models: Path, as_of: date) -> pd.DataFrame:
    with Store(db) as store:
        return grade_portfolio(store, as_of, models_dir=models, explain=True)


def _reference_json(frame: pd.DataFrame) -> bytes:
    """The replaced JSON writer: pandas ``to_json`` of the records, dates as days, then a line end."""
    days = {column: pd.to_datetime(frame[column]).dt.strftime("%Y-%m-%d")
            for column in _DATE_COLUMNS if column in frame.columns}
    text = frame.assign(**days).to_json(orient="records", force_ascii=False, indent=1)
    return (text + "\n").encode("utf-8")


def test_grade_csv_is_the_replaced_writers_bytes(book, tmp_path):
    db, models, as_of, graded, _ = book
    out = tmp_path / "graded.csv"
    assert run_cli("grade", "--db", str(db), "--models", str(models), "--as-of", as_of.isoformat(),
                   "--out", str(out)).returncode == 0
    expected = reference_csv_bytes(graded)
    assert out.read_bytes() == expected


def test_grade_json_is_the_replaced_writers_bytes(book, tmp_path):
    db, models, as_of, graded, _ = book
    out = tmp_path / "graded.json"
    assert run_cli("grade", "--db", str(db), "--models", str(models), "--as-of", as_of.isoformat(),
                   "--format", "json", "--out", str(out)).returncode == 0
    expected = _reference_json(graded)
    assert out.read_bytes() == expected


@pytest.mark.parametrize("source", ["effective", "rule"])
def test_simulate_json_is_the_replaced_writers_text(book, source):
    from grading.simulation.story import churn_story
    from grading.cli import build_parser
    from grading.commands.simulate_command import scenario_from_args

    db, models, as_of, portfolio, settings = book
    arguments = ["simulate", "--db", str(db), "--models", str(models), "--as-of", as_of.isoformat(),
                 "--fire-grade", "D", "--grade-source", source]
    done = run_cli(*arguments)
    assert done.returncode == 0
    written = done.stdout

    args = build_parser("simulate").parse_args(arguments)
    portfolio = portfolio.assign(months_in_window=int(settings["scoring_window_months"]))
    story = churn_story(portfolio, scenario_from_args(args), labor_cost_rate=settings["labor_cost_rate"],
                        window_months=int(settings["scoring_window_months"]), currency=settings["currency"])
    expected = {
        "as_of": as_of.isoformat(),
        **story.scenario.to_dict(),
        "story": story.sentence,
        "break_even_hours_per_month": story.break_even.hours_per_month,
        "break_even_rate": story.break_even.rate,
        "freed_hours_per_month": story.break_even.freed_hours_per_month,
    }
    assert written == json.dumps(expected, indent=2, allow_nan=False) + "\n"


def test_pieces_of_many_record_batches_written_through_one_scratch_database_are_the_whole_files_bytes():
    # Over 8,192 rows a piece reaches DuckDB as several record batches, turned into text on several threads.
    frame = _corner_frame(30_000, seed=14)
    written: list[bytes] = []
    with Store(":memory:", migrate=False) as scratch:
        for number, start in enumerate(range(0, len(frame), 12_000)):
            write_safe_csv(frame.iloc[start : start + 12_000], written.append, header=number == 0, scratch=scratch)
    assert b"".join(written) == reference_csv_bytes(frame)
