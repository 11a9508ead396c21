"""``demo-exports``: the demo book as ConnectWise + QuickBooks and Autotask files that derive the demo's metrics.

The files are read back here with plain pandas (not the importer) into SOURCES.md's canonical fields, and the
monthly metrics computed by the independent reference (:mod:`tests.raw_reference`) must equal the demo book's,
every client-month, except what :data:`grading.demo.raw_book.NOT_ROUND_TRIPPED` names. The demo book, its files
and the ConnectWise + QuickBooks set read back are made once per module; each test gets its own copy of the frames.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from grading.demo import generate_demo
from grading.demo.raw_book import DEMO_TIMEZONE, NOT_ROUND_TRIPPED, draw_raw_book
from grading.demo.raw_exports import (
    AUTOTASK_ROWS_PER_FILE,
    AUTOTASK_SET,
    CONNECTWISE_SET,
    autotask_company_ids,
    write_demo_exports,
)
from grading.db.store import Store
from tests import cli_runner
from tests.raw_reference import Settings, derive_monthly

END_MONTH = "2025-12"
N_CLIENTS = 24
SEED = 11
AUTOTASK_PRIORITY_LABELS = {1: "High", 2: "Medium", 3: "Low", 4: "Critical"}
SUMMED = ("revenue", "labor_hours", "tickets", "emergency_tickets", "after_hours_tickets", "days_to_pay")


@pytest.fixture(scope="module")
def portfolio():
    return generate_demo(N_CLIENTS, seed=SEED, end_month=END_MONTH)


@pytest.fixture(scope="module")
def written(portfolio, tmp_path_factory):
    out = tmp_path_factory.mktemp("demo-exports")
    return out, write_demo_exports(draw_raw_book(portfolio), out)


@pytest.fixture(scope="module")
def connectwise_read_once(written):
    out, _ = written
    return read_connectwise_quickbooks(out / CONNECTWISE_SET)


@pytest.fixture
def connectwise_frames(connectwise_read_once):
    """The library's ConnectWise + QuickBooks set read back with pandas (about 0.1 s, once per module): a copy."""
    return {kind: frame.copy() for kind, frame in connectwise_read_once.items()}


@pytest.fixture(scope="module")
def cli_written(tmp_path_factory):
    """The same book written by the command, as a user runs it: its folder and what it printed."""
    out = tmp_path_factory.mktemp("cli-exports")
    result = run_cli("demo-exports", "--out", str(out), "--clients", str(N_CLIENTS), "--seed", str(SEED),
                     "--end-month", END_MONTH)
    return out, result.stdout


# ---- the files read back with plain pandas, into canonical fields ---------------------------------------------------


def read_quickbooks_report(path: Path) -> pd.DataFrame:
    """Read an Excel report: the header is the row starting with 'Id'; the 'TOTAL' row below the data is dropped."""
    raw = pd.read_excel(path, header=None, engine="calamine")
    header = raw.index[raw[0].astype("str") == "Id"][0]
    frame = raw.iloc[header + 1 :].set_axis(raw.iloc[header].tolist(), axis=1)
    return frame[frame["Id"].astype("str") != "TOTAL"].reset_index(drop=True)


def read_connectwise_quickbooks(folder: Path) -> dict[str, pd.DataFrame]:
    time = pd.read_csv(folder / "time_entries.csv")
    tickets = pd.read_csv(folder / "tickets.csv")
    companies = pd.read_csv(folder / "companies.csv")
    invoices = read_quickbooks_report(folder / "invoices.xlsx")
    payments = pd.read_csv(folder / "payments.csv")
    costs = pd.read_csv(folder / "costs.csv")
    by_name = companies.set_index("name")["client"]
    return {
        "time_entries": pd.DataFrame(
            {
                "client": time["company/identifier"],
                "ticket": time["chargeToId"].where(time["chargeToType"] == "ServiceTicket"),
                "date": pd.to_datetime(time["timeStart"], utc=True),
                "start": pd.to_datetime(time["timeStart"], utc=True),
                "hours": time["actualHours"],
                "work_type": time["workType/name"],
            }
        ),
        "tickets": pd.DataFrame(
            {
                "ticket": tickets["id"],
                "client": tickets["company/identifier"],
                "opened": pd.to_datetime(tickets["dateEntered"], utc=True),
                "priority": tickets["priority/name"],
            }
        ),
        "invoices": pd.DataFrame(
            {
                "invoice": invoices["Id"].astype(np.int64),
                "client": invoices["CustomerRef.name"].map(by_name),
                "date": pd.to_datetime(invoices["TxnDate"]),
                "total": invoices["TotalAmt"].astype(float),
                "tax": invoices["TxnTaxDetail.TotalTax"].astype(float),
            }
        ),
        "payments": pd.DataFrame(
            {
                "invoice": payments["LinkedTxn.TxnId"],
                "date": pd.to_datetime(payments["TxnDate"]),
                "amount": payments["TotalAmt"],
            }
        ),
        "costs": costs.assign(date=pd.to_datetime(costs["date"]))[["client", "date", "amount"]],
    }


def read_autotask_grid(folder: Path, kind: str) -> pd.DataFrame:
    parts = sorted(folder.glob(f"{kind}_*.csv"), key=lambda path: int(path.stem.rsplit("_", 1)[1]))
    return pd.concat(
        [pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig") for path in parts], ignore_index=True
    )


def _day_first(values: pd.Series, with_time: bool) -> pd.Series:
    return pd.to_datetime(values, format="%d/%m/%Y %H:%M" if with_time else "%d/%m/%Y")


def read_autotask(folder: Path) -> dict[str, pd.DataFrame]:
    time = read_autotask_grid(folder, "time_entries")
    tickets = read_autotask_grid(folder, "tickets")
    invoices = read_autotask_grid(folder, "invoices")
    costs = pd.read_csv(folder / "costs.csv")
    return {
        "time_entries": pd.DataFrame(
            {
                "ticket": time["TicketID"],
                "date": _day_first(time["DateWorked"], with_time=False),
                "start": _day_first(time["StartDateTime"], with_time=True),
                "hours": time["HoursWorked"],
            }
        ),
        "tickets": pd.DataFrame(
            {
                "ticket": tickets["id"],
                "client": tickets["CompanyID"],
                "opened": _day_first(tickets["CreateDate"], with_time=True),
                "priority": tickets["Priority"].map(AUTOTASK_PRIORITY_LABELS),
            }
        ),
        "invoices": pd.DataFrame(
            {
                "invoice": invoices["InvoiceNumber"],
                "client": invoices["CompanyID"],
                "date": _day_first(invoices["InvoiceDateTime"], with_time=False),
                "total": invoices["InvoiceTotal"],
                "tax": invoices["TotalTaxValue"],
                "paid_date": _day_first(invoices["PaidDate"], with_time=False),
                "voided": invoices["IsVoided"].astype("str") == "True",
            }
        ),
        "costs": costs.assign(date=pd.to_datetime(costs["date"]))[["client", "date", "amount"]],
    }


def expected(portfolio) -> pd.DataFrame:
    return portfolio.monthly.rename(columns={"client_id": "client"}).sort_values(["client", "month"], ignore_index=True)


def assert_round_trips(derived: pd.DataFrame, portfolio) -> None:
    """Every client-month of the demo comes back, with the same metrics, except what cannot (NOT_ROUND_TRIPPED)."""
    want = expected(portfolio)
    assert derived[["client", "month"]].astype({"month": "datetime64[s]"}).equals(
        want[["client", "month"]].astype({"month": "datetime64[s]"})
    )
    for metric in SUMMED:
        np.testing.assert_allclose(derived[metric], want[metric], atol=1e-6, err_msg=metric)
    costs_known = want["direct_costs"].notna()
    np.testing.assert_allclose(derived.loc[costs_known, "direct_costs"], want.loc[costs_known, "direct_costs"],
                               atol=1e-6)
    # The client the demo leaves without costs has no cost rows; the disputes have no column to live in.
    assert (derived.loc[~costs_known, "direct_costs"] == 0).all()
    assert derived["disputed_invoices"].isna().all()


# ---- round trips ----------------------------------------------------------------------------------------------------


def test_the_connectwise_quickbooks_set_derives_the_demo_books_metrics(portfolio, connectwise_frames):
    derived = derive_monthly(**connectwise_frames, settings=Settings(timezone=DEMO_TIMEZONE))
    assert_round_trips(derived, portfolio)


def test_the_autotask_set_derives_the_demo_books_metrics(portfolio, written):
    out, _ = written
    frames = read_autotask(out / AUTOTASK_SET)
    derived = derive_monthly(**frames, settings=Settings(timezone=DEMO_TIMEZONE))
    company_ids = autotask_company_ids(draw_raw_book(portfolio))
    client_id = pd.Series(company_ids.index, index=company_ids.to_numpy())
    derived["client"] = derived["client"].map(client_id)
    assert_round_trips(derived.sort_values(["client", "month"], ignore_index=True), portfolio)


@pytest.mark.parametrize(
    ("timezone", "start", "end"),
    [
        ("UTC", dt.time(8), dt.time(18)),
        (DEMO_TIMEZONE, dt.time(8), dt.time(18)),
        (DEMO_TIMEZONE, dt.time(10), dt.time(15)),
        (DEMO_TIMEZONE, dt.time(7), dt.time(20)),
    ],
)
def test_after_hours_tickets_do_not_hinge_on_the_exact_business_hours_or_a_utc_reading(
    portfolio, connectwise_frames, timezone, start, end
):
    settings = Settings(timezone=timezone, business_start=start, business_end=end)
    derived = derive_monthly(**connectwise_frames, settings=settings)
    np.testing.assert_array_equal(derived["after_hours_tickets"], expected(portfolio)["after_hours_tickets"])


def test_demo_exports_import_raw_into_an_empty_database_grade_and_give_back_the_demo_metrics(tmp_path, cli_written,
                                                                                           portfolio):
    """The whole path a user tries: demo-exports, then the printed import-raw command, then grade."""
    (out, printed), db = cli_written, tmp_path / "portfolio.duckdb"
    command = next(line.split() for line in printed.splitlines() if "import-raw" in line and " quickbooks:" in line)
    imported = run_cli(*command[3:], "--db", str(db))
    assert "client-months written: 575 new" in imported.stdout, imported.stdout
    graded = run_cli("grade", "--db", str(db), "--models", str(tmp_path / "models"), "--format", "csv",
                     "--out", str(tmp_path / "graded.csv"))
    grades = pd.read_csv(tmp_path / "graded.csv")
    assert len(grades) == N_CLIENTS and grades["rule_grade"].isin(list("ABCD")).all(), graded.stderr

    with Store(db) as store:
        stored = store.query("SELECT * FROM monthly_metrics ORDER BY client_id, month")
        clients = store.query("SELECT * FROM clients ORDER BY client_id")
    reference = derive_monthly(**read_connectwise_quickbooks(out / CONNECTWISE_SET),
                               settings=Settings(timezone=DEMO_TIMEZONE))
    stored = stored.rename(columns={"client_id": "client"})
    assert_round_trips(stored.astype({"disputed_invoices": "float64"}), portfolio)
    for metric in ("revenue", "labor_hours", "direct_costs", "tickets", "emergency_tickets", "after_hours_tickets",
                   "days_to_pay", "disputed_invoices"):
        np.testing.assert_allclose(stored[metric].astype("float64"), reference[metric].astype("float64"),
                                   atol=1e-6, err_msg=metric)
    want = portfolio.clients.sort_values("client_id", ignore_index=True)
    assert clients[["client_id", "name", "service_model", "seats"]].equals(
        want[["client_id", "name", "service_model", "seats"]].astype(clients[["client_id", "name", "service_model",
                                                                              "seats"]].dtypes.to_dict()))


def test_the_printed_autotask_command_imports_the_split_grid_exports_and_gives_back_the_demo_metrics(
    tmp_path, cli_written, portfolio
):
    (_, printed), db = cli_written, tmp_path / "portfolio.duckdb"
    command = next(line.split() for line in printed.splitlines() if "import-raw" in line and " autotask:" in line)
    assert sum(argument.startswith("autotask:") and "tickets_" in argument for argument in command) > 1
    run_cli(*command[3:], "--db", str(db))
    with Store(db) as store:
        stored = store.query("SELECT * FROM monthly_metrics")
        names = store.query("SELECT client_id, name FROM clients")
    # Autotask numbers its companies: back to the demo's ids through the names.
    demo_id = dict(zip(portfolio.clients["name"], portfolio.clients["client_id"]))
    stored["client"] = stored["client_id"].map(dict(zip(names["client_id"], names["name"]))).map(demo_id)
    stored = stored.sort_values(["client", "month"], ignore_index=True)
    assert_round_trips(stored.astype({"disputed_invoices": "float64"}), portfolio)


# ---- the files look like each system's exports ----------------------------------------------------------------------


def test_connectwise_times_are_utc_iso_8601_with_a_z(written):
    out, _ = written
    time = pd.read_csv(out / CONNECTWISE_SET / "time_entries.csv", dtype="str")
    tickets = pd.read_csv(out / CONNECTWISE_SET / "tickets.csv", dtype="str")
    pattern = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"
    for column in (time["timeStart"], time["timeEnd"], tickets["dateEntered"], tickets["closedDate"]):
        assert column.str.match(pattern).all()
    assert tickets["priority/name"].eq("Priority 1 - Emergency Response").any()
    assert time["workType/name"].eq("After Hours").any()


def test_the_quickbooks_invoice_report_has_title_rows_above_and_a_total_row_below(written):
    out, _ = written
    raw = pd.read_excel(out / CONNECTWISE_SET / "invoices.xlsx", header=None, engine="calamine")
    header = raw.index[raw[0].astype("str") == "Id"][0]
    assert header > 0
    assert raw.iloc[header].tolist() == [
        "Id", "DocNumber", "CustomerRef.name", "TxnDate", "DueDate", "TotalAmt", "TxnTaxDetail.TotalTax", "Balance"
    ]
    assert raw.iloc[-1, 0] == "TOTAL"
    body = raw.iloc[header + 1 : -1]
    assert raw.iloc[-1, 5] == pytest.approx(body[5].astype(float).sum(), abs=0.01)


def test_autotask_grids_come_in_files_of_at_most_5000_rows_day_first_with_decimal_commas(written):
    out, sets = written
    time_files = sets[AUTOTASK_SET].files["time_entries"]
    assert len(time_files) > 1
    for _, path in time_files:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
        assert len(lines) - 1 <= AUTOTASK_ROWS_PER_FILE
        assert lines[0].split(";")[:4] == ["id", "TicketID", "ResourceID", "DateWorked"]
    grid = read_autotask_grid(out / AUTOTASK_SET, "time_entries")
    raw = pd.concat([pd.read_csv(path, sep=";", dtype="str", encoding="utf-8-sig") for _, path in time_files])
    assert raw["HoursWorked"].str.contains(",").any()
    assert raw["StartDateTime"].str.match(r"^\d\d/\d\d/\d{4} \d\d:\d\d$").all()
    assert "company" not in " ".join(grid.columns).lower()
    tickets = read_autotask_grid(out / AUTOTASK_SET, "tickets")
    assert set(tickets["Priority"]) <= {1, 2, 3, 4}


def test_the_same_seed_writes_the_same_bytes_from_the_library_and_from_the_command(written, cli_written):
    (out, sets), (cli_out, _) = written, cli_written
    for name, written_set in sets.items():
        for kind, files in written_set.files.items():
            if kind == "invoices" and name == CONNECTWISE_SET:
                continue  # an .xlsx holds its creation time; its cells are compared in the round trip
            for _, path in files:
                again = cli_out / path.relative_to(out)
                assert path.read_bytes() == again.read_bytes(), path.name


def test_every_metric_that_cannot_round_trip_is_named_with_a_reason():
    assert {"disputed_invoices", "direct_costs"} <= set(NOT_ROUND_TRIPPED)
    assert all(len(reason) > 40 for reason in NOT_ROUND_TRIPPED.values())


# ---- the command ----------------------------------------------------------------------------------------------------


def run_cli(*arguments: str) -> cli_runner.CliResult:
    """Run ``python -m grading *arguments`` (in this process) and check that it succeeded."""
    result = cli_runner.run_cli(*arguments)
    assert result.returncode == 0, result.stderr
    return result


def test_the_command_writes_both_sets_and_prints_how_to_import_them(tmp_path):
    result = cli_runner.run_cli("demo-exports", "--out", str(tmp_path), "--clients", "3", "--end-month", END_MONTH)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / CONNECTWISE_SET / "invoices.xlsx").is_file()
    assert (tmp_path / AUTOTASK_SET / "time_entries_1.csv").is_file()
    assert "import-raw --timezone Europe/Berlin" in result.stdout
    assert f"quickbooks:{tmp_path / CONNECTWISE_SET / 'invoices.xlsx'}" in result.stdout


@pytest.mark.parametrize(
    ("arguments", "message"),
    [(["--clients", "0"], "at least 1 client"), (["--end-month", "soon"], "end_month must be a date")],
)
def test_the_command_refuses_bad_values_with_one_line_and_writes_nothing(tmp_path, arguments, message):
    out = tmp_path / "out"
    result = cli_runner.run_cli("demo-exports", "--out", str(out), *arguments)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()
