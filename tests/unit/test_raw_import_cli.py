"""``python -m grading import-raw``: ConnectWise time and tickets with QuickBooks invoices and payments, end to end.

Small hand-written files whose every metric can be worked out by hand; the command is run through its ``main``
(the CLI tests of ``import`` do the same through a subprocess; one test here does too).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from grading.cli import main
from grading.db.store import Store
from tests.unit.raw_handmade import CW_TIME, write_exports

REPO = Path(__file__).resolve().parents[2]

@pytest.fixture
def exports(tmp_path):
    """The ConnectWise and QuickBooks files of March and April 2026."""
    return write_exports(tmp_path)


def arguments(folder: Path, db: Path, *extra: str) -> list[str]:
    return [
        "import-raw", "--db", str(db), "--time-entries", str(folder / "cw_time.csv"),
        "--tickets", str(folder / "cw_tickets.csv"), "--invoices", f"quickbooks:{folder / 'qb_invoices.xlsx'}",
        "--payments", str(folder / "qb_payments.csv"), "--timezone", "America/New_York", *extra,
    ]


def months(db: Path) -> pd.DataFrame:
    with Store(db) as store:
        return store.query("SELECT * FROM monthly_metrics ORDER BY client_id, month")


def test_connectwise_and_quickbooks_files_derive_every_metric_by_the_definitions(exports, capsys):
    db = exports / "book.duckdb"
    assert main(arguments(exports, db)) == 0
    out = capsys.readouterr().out
    assert "cw_time.csv (time entries): preset connectwise (recognised" in out
    assert "qb_invoices.xlsx (invoices): preset quickbooks (named with the file" in out
    assert "left out: row 8: a total row" in out
    assert "Import done." in out
    table = months(db).set_index(["client_id", "month"])
    harbour = table.loc[("HARB", pd.Timestamp("2026-03-01"))]
    assert harbour["revenue"] == 1000.0  # 1190 less 190 tax
    assert harbour["labor_hours"] == 2.5
    assert harbour["tickets"] == 2
    assert harbour["emergency_tickets"] == 1
    assert harbour["after_hours_tickets"] == 1  # ticket 101, through its after-hours work type
    assert harbour["days_to_pay"] == 20.0  # the payment of 20 April completes the 1190
    miller = table.loc[("MILL", pd.Timestamp("2026-03-01"))]
    assert (miller["revenue"], miller["labor_hours"], miller["tickets"]) == (500.0, 2.0, 1)
    assert miller["after_hours_tickets"] == 1  # opened 03:30 in New York
    assert miller["days_to_pay"] == 5.0
    april = table.loc[("MILL", pd.Timestamp("2026-04-01"))]
    assert (april["revenue"], april["labor_hours"]) == (100.0, 1.0)
    assert pd.isna(april["tickets"]), "the tickets file does not cover April: no ticket count is made up"
    with Store(db) as store:
        clients = store.query("SELECT client_id, name, client_since FROM clients ORDER BY client_id")
    assert clients["client_id"].tolist() == ["HARB", "MILL"]
    assert clients["name"].tolist() == ["Harbour Dental", "Miller Logistics"]


def test_importing_the_same_files_again_changes_nothing(exports, capsys):
    db = exports / "book.duckdb"
    assert main(arguments(exports, db)) == 0
    with Store(db) as store:
        revision = store.revision()
    before = months(db)
    assert main(arguments(exports, db)) == 0
    assert "client-months written: 0 new, 0 replaced, 3 unchanged" in capsys.readouterr().out
    pd.testing.assert_frame_equal(months(db), before)
    with Store(db) as store:
        assert store.revision() == revision


def test_check_writes_nothing_and_json_reports_per_file_and_per_metric(exports, capsys):
    db = exports / "book.duckdb"
    assert main(arguments(exports, db, "--check", "--format", "json")) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True and report["written"] is False
    assert [file["preset"] for file in report["files"]] == ["connectwise", "connectwise", "quickbooks", "quickbooks"]
    assert report["files"][0]["first_date"] == "2026-03-02" and report["files"][0]["last_date"] == "2026-04-01"
    assert report["metrics"]["revenue"] == "invoices: qb_invoices.xlsx"
    assert report["months_written"] == {"new": 3, "replaced": 0, "unchanged": 0}
    assert months(db).empty


def test_the_command_runs_as_a_subprocess_and_a_bad_file_exits_1_with_one_message(exports):
    (exports / "cw_time.csv").write_text(CW_TIME.replace(",1.5,", ",-1.5,"), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "grading", *arguments(exports, exports / "book.duckdb")],
                            cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "cw_time.csv, row 2, column 'actualHours': negative hours (-1.5)" in result.stderr
    assert "nothing was written" in result.stderr
    assert "Traceback" not in result.stderr
