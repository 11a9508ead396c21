"""The benchmark of grade's parts runs the command's own steps: every part is timed and the text is the command's."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import timedelta

from benchmarks.bench_cli import _PARTS, PARTS
from benchmarks.scale import REPO
from grading.db.store import Store
from tests.cli_runner import run_cli


def test_the_parts_script_times_every_part_and_writes_the_commands_json(demo_database_template, tmp_path):
    folder = tmp_path / "book"
    shutil.copytree(demo_database_template, folder)
    db, models = folder / "portfolio.duckdb", folder / "models"
    with Store(db) as store:
        last = store.scalar("SELECT max(month) FROM monthly_metrics")
    as_of = ((last.replace(day=28) + timedelta(days=4)).replace(day=1)).isoformat()
    done = subprocess.run([sys.executable, "-c", _PARTS, str(db), as_of, str(models), str(tmp_path / "parts.json")],
                          cwd=REPO, capture_output=True, text=True, check=True)
    parts = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(parts) == set(PARTS)
    assert all(wall >= 0 and cpu >= 0 for wall, cpu in parts.values())
    assert run_cli("grade", "--db", str(db), "--models", str(models), "--as-of", as_of, "--format", "json",
                   "--out", str(tmp_path / "command.json")).returncode == 0
    assert (tmp_path / "parts.json").read_bytes() == (tmp_path / "command.json").read_bytes()


def test_a_command_and_its_floor_are_timed_in_turn(tmp_path):
    from benchmarks.bench_cli import time_in_turn

    log = tmp_path / "order.txt"
    write = "import sys; open(sys.argv[1], 'a').write(sys.argv[2])"
    (command, _, _), (floor, _, floor_cpu) = time_in_turn(
        lambda _: [sys.executable, "-c", write, str(log), "c"], lambda _: [sys.executable, "-c", write, str(log), "f"],
        repeats=2, warmup=1)
    assert log.read_text() == "cfcfcf"
    assert command.repeats == floor.repeats == 2 and floor_cpu > 0


def test_a_failing_command_is_said_not_timed():
    import pytest

    from benchmarks.bench_cli import time_in_turn

    with pytest.raises(RuntimeError, match="exited 3"):
        time_in_turn(lambda _: [sys.executable, "-c", "raise SystemExit(3)"], lambda _: [sys.executable, "-c", ""],
                     repeats=1, warmup=0)
