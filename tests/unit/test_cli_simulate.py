"""``python -m grading simulate``: options, errors and an end-to-end run on a small store."""

from __future__ import annotations

import argparse
import json
import shutil

import pandas as pd
import pytest

from grading.cli import _common_options
from grading.commands import simulate_command
from grading.errors import ClientGradeError
from grading.importer import import_frames
from grading.simulation import Range, ScenarioError
from grading.db.store import Store

# Per month over 2024, the scoring window of an as-of date in January 2025: revenue, direct costs, hours.
BOOK = {
    "a1": ("A", 3_000.0, 200.0, 20.0, "managed", 25),
    "b1": ("B", 1_500.0, 0.0, 15.0, "break_fix", 10),
    "d1": ("D", 800.0, 0.0, 16.0, "managed", 5),
    "d2": ("D", 200.0, 0.0, 9.0, "break_fix", 2),
}


def parser() -> argparse.ArgumentParser:
    """The simulate command's parser alone, with the options every command shares."""
    common = _common_options()
    root = argparse.ArgumentParser(prog="python -m grading", parents=[common])
    simulate_command.register(root.add_subparsers(dest="command", required=True), common)
    return root


def run(argv: list[str]) -> int:
    """Parse and run like ``grading.cli.main`` does."""
    args = parser().parse_args(["simulate", *argv])
    args.db = getattr(args, "db", None)
    args.models = getattr(args, "models", None)
    return args.run(args)


@pytest.fixture(scope="module")
def book_made(empty_database_template, tmp_path_factory):
    """A store with four clients, twelve months of metrics each, and a manual grade per client.

    Imported once for the module and never written: tests get a copy (:func:`book_db`).
    """
    path = tmp_path_factory.mktemp("simulate-book") / "book.duckdb"
    shutil.copyfile(empty_database_template, path)
    clients = pd.DataFrame(
        {
            "client_id": list(BOOK),
            "name": [f"Client {cid}" for cid in BOOK],
            "service_model": [row[4] for row in BOOK.values()],
            "seats": [row[5] for row in BOOK.values()],
            "client_since": "2020-01-01",
        }
    )
    months = [f"2024-{month:02d}" for month in range(1, 13)]
    monthly = pd.DataFrame(
        [
            {"client_id": cid, "month": month, "revenue": row[1], "direct_costs": row[2], "labor_hours": row[3]}
            for cid, row in BOOK.items()
            for month in months
        ]
    )
    grades = pd.DataFrame(
        {
            "client_id": list(BOOK),
            "graded_on": "2024-12-01",
            "grade": [row[0] for row in BOOK.values()],
            "grader": "owner",
            "note": "",
        }
    )
    with Store(path) as store:
        import_frames(store, {"clients": clients, "monthly": monthly, "grades": grades})
    return path


@pytest.fixture
def book_db(book_made, tmp_path):
    """A private copy of :func:`book_made`, as a command may write to the book it runs on."""
    path = tmp_path / "book.duckdb"
    shutil.copyfile(book_made, path)
    return path


def test_help_lists_the_scenario_options(capsys):
    with pytest.raises(SystemExit) as exit_info:
        parser().parse_args(["simulate", "--help"])

    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for option in ("--fire-grade", "--fire", "--grade-source", "--redeploy-share", "--price-increase", "--pace",
                   "--notice-months", "--months", "--timeline", "--draws", "--seed", "--move-to-managed"):
        assert option in text


@pytest.mark.parametrize(
    "argv",
    [
        ["--fire-grade", "E"],
        ["--grade-source", "gut"],
        ["--redeploy-share", "half"],
        ["--redeploy-share", "0.6:0.2"],
        ["--price-increase", "D25"],
        ["--price-increase", "X=25"],
        ["--format", "xml"],
        ["--as-of", "15/01/2025"],
        ["--pace", "two"],
    ],
)
def test_malformed_options_are_refused_by_the_parser(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        parser().parse_args(["simulate", *argv])

    assert exit_info.value.code == 2
    assert "error" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--redeploy-share", "1.5"], "from 0 to 1"),
        (["--months", "36"], "12 to 24"),
        (["--pace", "0"], "at least 1 client per month"),
        (["--leave-chance", "D=30"], "no price increase for it"),
        (["--price-increase", "D=10", "D=20"], "more than once"),
        (["--draws", "0"], "at least 1 draw"),
    ],
)
def test_out_of_range_options_are_refused_before_the_database_is_opened(argv, message, tmp_path):
    with pytest.raises(ScenarioError, match=message):
        run(["--db", str(tmp_path / "never.duckdb"), *argv])

    assert not (tmp_path / "never.duckdb").exists()


def test_percentages_and_ranges_become_fractions_in_the_scenario():
    args = parser().parse_args(
        ["simulate", "--price-increase", "c=10", "D=25", "--leave-chance", "D=20:40", "--redeploy-share", "0.2:0.5",
         "--as-of", "2025-01-15"]
    )
    scenario = simulate_command.scenario_from_args(args)

    assert scenario.repricing.price_increase == {"C": 0.10, "D": 0.25}
    assert scenario.repricing.leave_probability["D"] == Range(0.2, 0.4)
    assert scenario.redeployment.share == Range(0.2, 0.5)
    assert scenario.start_month == "2025-01"


def test_a_missing_database_is_reported_not_created(tmp_path):
    with pytest.raises(ClientGradeError, match="no database"):
        run(["--db", str(tmp_path / "absent.duckdb"), "--fire-grade", "D"])

    assert not (tmp_path / "absent.duckdb").exists()


def test_firing_the_d_clients_prints_the_static_impact_as_json(book_db, capsys):
    status = run(["--db", str(book_db), "--as-of", "2025-01-15", "--grade-source", "manual", "--fire-grade", "D"])

    assert status == 0
    result = json.loads(capsys.readouterr().out)
    assert result["revenue_before"] == pytest.approx(12 * 5_500.0)
    assert result["revenue_after"] == pytest.approx(12 * 4_500.0)
    assert result["labor_hours_before"] == pytest.approx(12 * 60.0)
    assert result["labor_hours_after"] == pytest.approx(12 * 35.0)
    assert result["effective_hourly_rate_after"] == pytest.approx((4_500.0 - 200.0) / 35.0)
    assert result["gross_profit_before"] == pytest.approx(12 * (5_500.0 - 200.0 - 60.0 * 45.0))
    # The freed 25 hours a month are the owner's time, still paid for: gross profit loses the D clients' 1,000.
    assert result["gross_profit_after"] == pytest.approx(12 * (4_500.0 - 200.0 - 60.0 * 45.0))
    assert result["break_even_hours_per_month"] == pytest.approx(1_000.0 / result["break_even_rate"])
    assert result["story"].startswith("Firing the 2 D clients loses 18% of revenue")
    assert result["clients_fired"] == ["d2", "d1"]
    assert "timeline" not in result


def test_the_timeline_and_bands_come_with_their_options(book_db, capsys):
    status = run(
        ["--db", str(book_db), "--as-of", "2025-01-15", "--grade-source", "manual", "--fire-grade", "D", "--pace", "1",
         "--notice-months", "1", "--redeploy-share", "0.3:0.6", "--ramp-months", "2", "--months", "18", "--timeline",
         "--draws", "200", "--seed", "4"]
    )

    assert status == 0
    result = json.loads(capsys.readouterr().out)
    assert [row["month"] for row in result["timeline"]] == list(range(1, 19))
    assert result["timeline"][0]["calendar_month"] == "2025-01"
    assert [row["clients"] for row in result["timeline"][:4]] == [4.0, 3.0, 2.0, 2.0]
    assert len(result["bands"]) == 3 * 18
    assert all(row["p10"] <= row["p50"] <= row["p90"] for row in result["bands"])


def test_the_same_seed_prints_the_same_bands(book_db, capsys):
    argv = ["--db", str(book_db), "--as-of", "2025-01-15", "--grade-source", "manual", "--fire-grade", "D",
            "--redeploy-share", "0:1", "--draws", "100", "--seed", "7"]
    run(argv)
    first = json.loads(capsys.readouterr().out)["bands"]
    run(argv)
    second = json.loads(capsys.readouterr().out)["bands"]

    assert first == second


def test_an_unknown_client_id_is_an_error_that_names_it(book_db):
    with pytest.raises(ScenarioError, match="No client with id zz9"):
        run(["--db", str(book_db), "--as-of", "2025-01-15", "--fire", "d1", "zz9"])


def test_the_text_format_reads_as_a_report(book_db, capsys):
    status = run(
        ["--db", str(book_db), "--as-of", "2025-01-15", "--grade-source", "manual", "--fire", "d2", "--format", "text"]
    )

    assert status == 0
    text = capsys.readouterr().out
    assert text.splitlines()[0].startswith("Firing the one D client loses")
    assert text.splitlines()[3].startswith("gross_profit")
    assert "Clients fired (1, worst first): d2" in text
    assert "Hours freed 108.0" in text
