"""Crash safety: an import killed with SIGKILL in the middle of its transaction leaves the database as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from grading.importer import import_files
from grading.db.store import Store

REPO = Path(__file__).resolve().parents[2]
BIG_CLIENTS = 12_000
BIG_MONTHS = 12

# Runs the import in a child process; once the big monthly insert has run inside the still-open transaction it
# says so and waits to be killed, so the kill always lands mid-transaction with rows already written.
CHILD = textwrap.dedent(
    """
    import sys, time
    from grading.db import store as store_module
    from grading.importer import import_files

    original = store_module.Transaction.execute

    def execute(self, sql, params=None):
        original(self, sql, params)
        if "INSERT INTO" in sql and "monthly_metrics" in sql:
            print("inside the transaction", flush=True)
            time.sleep(120)

    store_module.Transaction.execute = execute
    with store_module.Store(sys.argv[1]) as store:
        import_files(store, {"clients": sys.argv[2], "monthly": sys.argv[3]}, max_upload_mb=500)
    print("committed", flush=True)
    """
)


def _write_big_files(folder: Path) -> tuple[Path, Path]:
    rng = np.random.default_rng(9)
    ids = [f"big{i:05d}" for i in range(BIG_CLIENTS)]
    clients = pd.DataFrame({"client_id": ids, "name": [f"Big client {i}" for i in range(BIG_CLIENTS)],
                            "service_model": "managed", "seats": rng.integers(1, 200, BIG_CLIENTS)})
    months = pd.period_range("2024-01", periods=BIG_MONTHS, freq="M").astype(str)
    monthly = pd.MultiIndex.from_product([ids, months], names=["client_id", "month"]).to_frame(index=False)
    monthly["revenue"] = rng.uniform(100, 9000, len(monthly)).round(2)
    monthly["labor_hours"] = rng.uniform(0, 80, len(monthly)).round(1)
    clients_path, monthly_path = folder / "clients.csv", folder / "monthly.csv"
    clients.to_csv(clients_path, index=False)
    monthly.to_csv(monthly_path, index=False)
    return clients_path, monthly_path


@pytest.fixture(scope="module")
def big_files(tmp_path_factory) -> tuple[Path, Path]:
    """The big clients and monthly files, written once for the module: both tests only read them."""
    return _write_big_files(tmp_path_factory.mktemp("big-import"))


def _everything(store: Store) -> dict[str, list[tuple]]:
    return {table: store.rows(f"SELECT * FROM {table} ORDER BY ALL") for table in store.table_names()}


def _existing_book(db: Path, folder: Path) -> None:
    clients = folder / "few-clients.csv"
    monthly = folder / "few-monthly.csv"
    clients.write_text("client_id,name,service_model,seats\nc1,Acme,managed,12\nc2,Beta,break_fix,3\n")
    monthly.write_text("client_id,month,revenue,labor_hours\nc1,2024-01,2000,10\nc2,2024-01,300,9\n")
    with Store(db) as store:
        import_files(store, {"clients": clients, "monthly": monthly})


def test_an_import_killed_mid_transaction_leaves_the_database_as_it_was(tmp_path, big_files):
    db = tmp_path / "portfolio.duckdb"
    _existing_book(db, tmp_path)
    with Store(db) as store:
        before = _everything(store)
    clients_csv, monthly_csv = big_files
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db), str(clients_csv), str(monthly_csv)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        line = child.stdout.readline().strip()
        assert line == "inside the transaction", child.stderr.read()
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    with Store(db) as reopened:
        assert _everything(reopened) == before
        assert reopened.scalar("SELECT count(*) FROM clients") == 2


def test_the_database_takes_the_same_import_after_a_killed_one(tmp_path, big_files):
    db = tmp_path / "portfolio.duckdb"
    _existing_book(db, tmp_path)
    clients_csv, monthly_csv = big_files
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db), str(clients_csv), str(monthly_csv)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        assert child.stdout.readline().strip() == "inside the transaction"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    with Store(db) as reopened:
        import_files(reopened, {"clients": clients_csv, "monthly": monthly_csv}, max_upload_mb=500)
        assert reopened.scalar("SELECT count(*) FROM clients") == BIG_CLIENTS + 2
        assert reopened.scalar("SELECT count(*) FROM monthly_metrics") == BIG_CLIENTS * BIG_MONTHS + 2
