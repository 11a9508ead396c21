"""The benchmark of grade's parts runs the command's own steps: every part is timed and the text is the command's."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import timedelta

from benchmarks.bench_cli import _PARTS, PARTS
from benchmarks.scale import REPO
from grading.cli import main
from grading.db.store import Store


def test_the_parts_script_times_every_part_and_writes_the_commands_json(demo_database_template, tmp_path,
                                                                         monkeypatch):
    monkeypatch.setattr("grading.cli.COMMANDS", ("grade",))
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
    assert main(["grade", "--db", str(db), "--models", str(models), "--as-of", as_of, "--format", "json",
                 "--out", str(tmp_path / "command.json")]) == 0
    assert (tmp_path / "parts.json").read_bytes() == (tmp_path / "command.json").read_bytes()
