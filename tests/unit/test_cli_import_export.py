"""``python -m grading import`` and ``export``: exit status, the summary on stdout, every problem on stderr.

The command runs in this process (:func:`tests.cli_runner.run_cli`); tests/unit/test_raw_import_cli.py starts a real
``python -m grading`` process.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grading.templates import template_csv
from tests.cli_runner import run_cli


@pytest.fixture
def templates(tmp_path):
    """The four template files written under tmp_path."""
    paths = {}
    for kind in ("clients", "monthly", "assessments", "grades"):
        paths[kind] = tmp_path / f"{kind}.csv"
        paths[kind].write_bytes(template_csv(kind))
    return paths


def test_import_of_the_templates_succeeds_and_prints_the_summary(tmp_path, templates):
    db = tmp_path / "cli.duckdb"
    result = run_cli("import", "--db", str(db), *(f"--{kind}={path}" for kind, path in templates.items()))
    assert result.returncode == 0, result.stderr
    assert "clients.csv (clients): 2 row(s) read; 2 new, 0 replaced, 0 unchanged" in result.stdout
    assert "Import done." in result.stdout


def test_a_bad_file_exits_1_with_every_problem_on_stderr_and_no_traceback(tmp_path, templates):
    db = tmp_path / "cli.duckdb"
    bad = tmp_path / "monthly_bad.csv"
    bad.write_text("client_id,month,revenue,labor_hours\nC001,2024-01,-5,1\nC001,2024-02,10,abc\n", encoding="utf-8")
    result = run_cli("import", "--db", str(db), "--clients", str(templates["clients"]), "--monthly", str(bad))
    assert result.returncode == 1
    assert "monthly_bad.csv, row 2, column 'revenue'" in result.stderr
    assert "monthly_bad.csv, row 3, column 'labor_hours'" in result.stderr
    assert "nothing was written" in result.stderr
    assert "Traceback" not in result.stderr
    check = run_cli("export", "--db", str(db), "--out", str(tmp_path / "out"))
    assert (tmp_path / "out" / "clients.csv").read_text(encoding="utf-8").strip() == (
        "client_id,name,service_model,seats,client_since"
    )
    assert check.returncode == 0


def test_import_without_a_file_exits_1_with_a_message(tmp_path):
    result = run_cli("import", "--db", str(tmp_path / "cli.duckdb"))
    assert result.returncode == 1
    assert "give at least one file" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_file_exits_1_naming_it(tmp_path):
    result = run_cli("import", "--db", str(tmp_path / "cli.duckdb"), "--grades", str(tmp_path / "nope.csv"))
    assert result.returncode == 1
    assert "nope.csv" in result.stderr and "cannot be read" in result.stderr


def test_check_only_reports_and_writes_nothing(tmp_path, templates):
    db = tmp_path / "cli.duckdb"
    result = run_cli("import", "--db", str(db), "--check", "--clients", str(templates["clients"]))
    assert result.returncode == 0, result.stderr
    assert "No problems found; nothing written yet." in result.stdout
    export = run_cli("export", "--db", str(db), "--out", str(tmp_path / "out"))
    assert export.returncode == 0, export.stderr
    assert (tmp_path / "out" / "clients.csv").read_text(encoding="utf-8").count("\n") == 1


def test_export_writes_one_file_per_table_and_lists_them(tmp_path, templates):
    db = tmp_path / "cli.duckdb"
    run_cli("import", "--db", str(db), "--clients", str(templates["clients"]))
    result = run_cli("export", "--db", str(db), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    listed = {Path(line).name for line in result.stdout.splitlines()}
    assert {"clients.csv", "monthly_metrics.csv", "assessments.csv", "grade_events.csv", "settings.csv",
            "model_registry.csv"} <= listed
    assert listed == {path.name for path in (tmp_path / "out").iterdir()}


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("import", ["--clients", "--monthly", "--assessments", "--grades", "--check", "--db"]),
        ("export", ["--out", "--db"]),
    ],
)
def test_help_explains_every_option(command, options):
    result = run_cli(command, "--help")
    assert result.returncode == 0
    for option in options:
        assert option in result.stdout
