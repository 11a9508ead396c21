"""``python -m grading grade``: one row per client as CSV or JSON, with reasons and flags as columns."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from grading.cli import main
from grading.db.store import Store

REQUIRED = ["client_id", "name", "rule_score", "rule_grade", "suggested_grade", "suggested_confidence",
            "manual_grade", "effective_grade", "revenue", "labor_hours", "effective_hourly_rate", "reasons", "flags"]


@pytest.fixture(autouse=True)
def only_the_grade_command(monkeypatch):
    """Build the CLI with the grade command alone, so these tests do not wait on other commands' modules."""
    monkeypatch.setattr("grading.cli.COMMANDS", ("grade",))


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "book.duckdb"
    with Store(path) as store:
        store.execute(
            "INSERT INTO clients VALUES ('c1', 'Acme', 'managed', 20, '2020-01-01'), "
            "('c2', '=HYPERLINK(\"x\")', 'break_fix', 3, '2021-06-01')"
        )
        months = pd.DataFrame({"month": pd.date_range("2023-07-01", periods=12, freq="MS")})
        monthly = pd.concat(
            [months.assign(client_id="c1", revenue=5000.0, labor_hours=35.0, days_to_pay=12.0),
             months.assign(client_id="c2", revenue=300.0, labor_hours=9.0, days_to_pay=80.0)]
        )
        with store.transaction() as tx, tx.frame(monthly) as name:
            tx.execute(f"INSERT INTO monthly_metrics BY NAME SELECT * FROM {name}")  # noqa: S608 - a frame name
        store.execute("INSERT INTO grade_events (client_id, graded_on, grade) VALUES ('c2', '2024-05-01', 'D')")
    return path


def test_grade_writes_csv_with_the_columns_product_md_names(db, tmp_path):
    out = tmp_path / "grades.csv"
    assert main(["grade", "--db", str(db), "--as-of", "2024-07-01", "--out", str(out)]) == 0
    frame = pd.read_csv(out)
    assert list(frame["client_id"]) == ["c1", "c2"]
    assert set(REQUIRED) <= set(frame.columns)
    assert frame.set_index("client_id").loc["c2", "manual_grade"] == "D"
    assert frame.set_index("client_id").loc["c2", "effective_grade"] == "D"
    assert frame.set_index("client_id").loc["c1", "revenue"] == pytest.approx(60000.0)


def test_csv_cells_a_spreadsheet_would_run_are_neutralized(db, tmp_path):
    out = tmp_path / "grades.csv"
    main(["grade", "--db", str(db), "--as-of", "2024-07-01", "--out", str(out)])
    names = pd.read_csv(out)["name"].tolist()
    assert names == ["Acme", "'=HYPERLINK(\"x\")"]


def test_grade_writes_json_records_with_dates_and_nulls(db, capsys):
    assert main(["grade", "--db", str(db), "--as-of", "2024-07-01", "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert [record["client_id"] for record in records] == ["c1", "c2"]
    assert set(REQUIRED) <= set(records[0])
    assert records[1]["manual_graded_on"] == "2024-05-01"
    assert records[0]["manual_grade"] is None
    assert records[0]["as_of"] == "2024-07-01"
    assert records[1]["rule_grade"] == "D" and "Small client" in records[1]["reasons"]


def test_as_of_decides_which_manual_grades_are_known(db, capsys):
    main(["grade", "--db", str(db), "--as-of", "2024-04-30", "--format", "json"])
    assert json.loads(capsys.readouterr().out)[1]["manual_grade"] is None


def test_a_missing_database_is_an_error_not_a_new_file(tmp_path, capsys):
    missing = tmp_path / "nowhere.duckdb"
    assert main(["grade", "--db", str(missing)]) == 1
    assert "python -m grading init" in capsys.readouterr().err
    assert not missing.exists()


def test_an_unreadable_as_of_is_an_error(db, capsys):
    assert main(["grade", "--db", str(db), "--as-of", "31/12/2024"]) == 1
    assert "YYYY-MM-DD" in capsys.readouterr().err
