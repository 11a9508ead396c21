"""Many sessions at once through one Store: eight threads grading and importing while a backup runs, no error, no
grade event lost or doubled, and every import all-or-nothing even in a backup taken in the middle."""

from __future__ import annotations

import threading

import pandas as pd

from grading.db import backup
from grading.grade_history import record_grade
from grading.importer import import_files
from grading.db.store import Store

CLIENTS = 20
GRADES_PER_GRADER = 25
MONTHS_PER_IMPORT = 6
GRADERS = ("t0", "t1", "t2", "t3")
# t6 and t7 import the very same files: the second import must add nothing.
IMPORTERS = {"t4": 2019, "t5": 2020, "t6": 2021, "t7": 2021}


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8")


def _import_files(year: int) -> dict[str, tuple[str, bytes]]:
    """A monthly file for six months of ``year`` and a grades file of one grade per client, graded in ``year``."""
    ids = [f"c{i:02d}" for i in range(CLIENTS)]
    months = pd.period_range(f"{year}-01", periods=MONTHS_PER_IMPORT, freq="M").astype(str)
    monthly = pd.MultiIndex.from_product([ids, months], names=["client_id", "month"]).to_frame(index=False)
    monthly["revenue"] = 1000.0
    monthly["labor_hours"] = 10.0
    grades = pd.DataFrame(
        {"client_id": ids, "graded_on": f"{year}-07-01", "grade": "B", "grader": f"import-{year}", "note": "csv"}
    )
    return {"monthly": ("monthly.csv", _csv(monthly)), "grades": ("grades.csv", _csv(grades))}


def _prepare(store: Store) -> None:
    store.execute(
        "INSERT INTO clients (client_id, name) SELECT printf('c%02d', i), 'Client ' || i FROM range(?) AS r(i)",
        [CLIENTS],
    )


def _run_all_at_once(store: Store, tmp_path) -> tuple[list[BaseException], list[backup.BackupInfo]]:
    errors: list[BaseException] = []
    backups: list[backup.BackupInfo] = []
    start = threading.Barrier(len(GRADERS) + len(IMPORTERS) + 1)

    def grader(name: str) -> None:
        start.wait()
        for i in range(GRADES_PER_GRADER):
            record_grade(store, f"c{i % CLIENTS:02d}", "ABCD"[i % 4], grader=name, note=f"{name}-{i}",
                         graded_on="2025-01-15")

    def importer(year: int) -> None:
        start.wait()
        import_files(store, _import_files(year))

    def backer() -> None:
        start.wait()
        backups.append(backup.backup_database(store, tmp_path / "backups"))

    def guarded(target, argument):
        def run() -> None:
            try:
                target(argument) if argument is not None else target()
            except BaseException as error:  # noqa: BLE001 - every error is the test's failure
                errors.append(error)
        return run

    threads = [threading.Thread(target=guarded(grader, name)) for name in GRADERS]
    threads += [threading.Thread(target=guarded(importer, year)) for year in IMPORTERS.values()]
    threads.append(threading.Thread(target=guarded(backer, None)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return errors, backups


def test_eight_sessions_grading_and_importing_at_once_lose_and_double_nothing(store, tmp_path):
    _prepare(store)
    errors, _ = _run_all_at_once(store, tmp_path)
    assert errors == []
    typed = store.query("SELECT note, count(*) AS n FROM grade_events WHERE source = 'app' GROUP BY note")
    assert len(typed) == len(GRADERS) * GRADES_PER_GRADER, "every typed grade is there"
    assert typed["n"].eq(1).all(), "no typed grade is there twice"
    imported = store.query("SELECT grader, count(*) AS n FROM grade_events WHERE source = 'import' GROUP BY grader")
    assert dict(zip(imported["grader"], imported["n"])) == {f"import-{y}": CLIENTS for y in set(IMPORTERS.values())}
    months = store.scalar("SELECT count(*) FROM monthly_metrics")
    assert months == len(set(IMPORTERS.values())) * CLIENTS * MONTHS_PER_IMPORT
    ids = store.query("SELECT event_id FROM grade_events")["event_id"]
    assert ids.is_unique


def test_a_backup_taken_while_sessions_write_holds_every_import_whole_or_not_at_all(store, tmp_path):
    _prepare(store)
    errors, backups = _run_all_at_once(store, tmp_path)
    assert errors == [] and len(backups) == 1
    with Store(backups[0].path) as copy:
        for year in set(IMPORTERS.values()):
            months = copy.scalar("SELECT count(*) FROM monthly_metrics WHERE year(month) = ?", [year])
            grades = copy.scalar("SELECT count(*) FROM grade_events WHERE grader = ?", [f"import-{year}"])
            assert (months, grades) in {(0, 0), (CLIENTS * MONTHS_PER_IMPORT, CLIENTS)}, year
        typed = copy.query("SELECT note, count(*) AS n FROM grade_events WHERE source = 'app' GROUP BY note")
        assert typed["n"].eq(1).all()
