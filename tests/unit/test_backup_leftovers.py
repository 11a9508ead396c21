"""A backup or restore killed in the middle leaves nothing in a shared temporary folder, and its scratch file beside
the backups is removed at the next backup, restore or app start (issue 15, finding 9)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from grading.db import backup
from grading.db.store import Store

REPO = Path(__file__).resolve().parents[2]

# Runs a backup or a restore in its own process and kills that process (SIGKILL) at the given step.
KILLED = textwrap.dedent(
    """
    import os, signal, sys
    from grading.db import backup
    from grading.db.store import Store

    def die(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    db, what, source = sys.argv[1], sys.argv[2], sys.argv[3]
    with Store(db) as store:
        if what == "import":
            from grading.importer import express, import_files

            express._matching_lines = die  # the upload's copy is on disk, DuckDB is about to read it
            import_files(store, {"clients": ("clients.csv", b"client_id,name\\nc9,Nine Ltd\\n")})
        elif what == "backup":
            backup._read_backup = die  # after the copy is written, before it is published
            backup.backup_database(store)
        else:
            backup._copy_in = die  # after the working copy is brought up to date, before it is copied in
            backup.restore_database(store, source, safety_backup=False)
    """
)


def _kill_during(what: str, db: Path, source: Path, scratch: Path) -> subprocess.CompletedProcess:
    env = os.environ | {"TMPDIR": str(scratch), "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-c", KILLED, str(db), what, str(source)], env=env, timeout=300,
                          capture_output=True, text=True)


@pytest.fixture
def book(tmp_path):
    db = tmp_path / "book" / "portfolio.duckdb"
    with Store(db) as store:
        store.execute("INSERT INTO clients VALUES ('c1', 'Acme', 'managed', 20, '2020-01-01')")
        made = backup.backup_database(store)
    return db, made.path


@pytest.mark.parametrize("what", ["backup", "restore", "import"])
def test_a_kill_leaves_nothing_in_the_temp_folder_and_the_next_start_removes_the_scratch_file(book, tmp_path, what):
    db, earlier_backup = book
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    killed = _kill_during(what, db, earlier_backup, scratch)
    assert killed.returncode == -9, killed.stderr
    assert list(scratch.iterdir()) == [], "no copy of the client data in the shared temporary folder"
    left = [path for path in earlier_backup.parent.iterdir() if path.name.startswith(".")]
    assert left, "the kill did happen while a scratch file existed"

    with Store(db) as store:
        assert backup.remove_leftovers(store.path) != []
    assert [path for path in earlier_backup.parent.iterdir() if path.name.startswith(".")] == []
    assert earlier_backup.exists(), "finished backups are kept"


def test_the_next_backup_removes_leftovers_of_this_database_only(book):
    db, earlier_backup = book
    folder = earlier_backup.parent
    ours = [folder / ".portfolio-backup-0123.partial", folder / ".portfolio-restore-4567.partial",
            folder / ".portfolio-backup-0123.partial.wal", folder / f".{'ab' * 16}.partial"]
    other = folder / ".other-book-backup-89ab.partial"
    for path in [*ours, other]:
        path.write_bytes(b"half a backup")
    with Store(db) as store:
        backup.backup_database(store)
    assert not any(path.exists() for path in ours)
    assert other.exists(), "another database's scratch file is not ours to remove"


def test_restoring_a_newer_backup_names_the_users_file(book, tmp_path):
    db, earlier_backup = book
    future = tmp_path / "from the future.duckdb"
    future.write_bytes(earlier_backup.read_bytes())
    with Store(future) as newer:
        newer.execute("INSERT INTO schema_migrations (version, name) VALUES (999, 'from the future')")
    with Store(db) as store, pytest.raises(backup.BackupError) as refused:
        backup.restore_database(store, future)
    assert str(future) in str(refused.value) and "newer" in str(refused.value)
    assert ".partial" not in str(refused.value) and "clientgrade-restore" not in str(refused.value)
