"""The benchmark command runs end to end at a tiny size and writes a report with every row (no timings checked).

The run includes the browser benchmarks, which start `streamlit run` and headless Chromium, so every test here is
marked ``browser``.
"""

from __future__ import annotations

import pytest

from benchmarks import run as benchmark_run
from benchmarks.bench_pages import app_pages

pytestmark = pytest.mark.browser

TINY = [
    "--sizes", "50",
    "--quick",
    "--training-events", "40,80",
    "--simulation-clients", "50",
    "--draws", "200",
    "--raw-time-entries", "3000",
    "--cli-sizes", "50",
]


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """One quick benchmark run on a 50-client book, written to a temporary BENCHMARKS file."""
    folder = tmp_path_factory.mktemp("bench")
    out = folder / "BENCHMARKS.md"
    rows, info = benchmark_run.run([*TINY, "--out", str(out), "--cache", str(folder / "cache")])
    return rows, info, out.read_text(encoding="utf-8")


def _table_lines(report: str) -> list[str]:
    return [line for line in report.splitlines() if line.startswith("| ") and not line.startswith("| Group")]


def test_every_benchmark_group_runs_without_failing(tiny_run):
    _, info, report = tiny_run
    assert info.failed == [], report
    assert "group failed" not in report


@pytest.mark.parametrize(
    ("group", "what"),
    [
        ("Import", "import monthly.csv"),
        ("Grade", "grade_portfolio"),
        ("Simulation", "static impact"),
        ("Simulation", "timeline"),
        ("Simulation", "Monte Carlo bands"),
        ("Page rerun (AppTest)", "first visit, cold caches"),
        ("Browser", "matrix page, first session after server start"),
        ("Browser", "matrix page, first session after server restart"),
        ("Browser", "matrix page, new session on a running server"),
        ("Memory", "peak resident memory"),
        ("Raw import (process)", "import-raw of ConnectWise time entries"),
        ("Command (process)", "grade --format csv --out F"),
        ("Command (process)", "export --out DIR"),
        ("Compare books", "compare_books"),
        ("Compare books", "compare_exports"),
    ],
)
def test_report_has_a_row_for_each_benchmark(tiny_run, group, what):
    _, _, report = tiny_run
    assert any(line.startswith(f"| {group} | ") and what in line for line in _table_lines(report)), report


def test_report_has_a_rerun_row_for_every_page_the_app_registers(tiny_run):
    _, _, report = tiny_run
    lines = _table_lines(report)
    pages = app_pages()
    assert len(pages) >= 7
    for path, _ in pages:
        assert any(f"({path})" in line for line in lines), f"no row for {path}"


def test_report_has_a_training_row_for_each_event_count(tiny_run):
    _, _, report = tiny_run
    training = [line for line in _table_lines(report) if line.startswith("| Training | ")]
    assert len(training) == 2
    assert any("40 grade events" in line for line in training)
    assert any("80 grade events" in line for line in training)


def test_every_row_with_a_floor_shows_the_floor_and_a_ratio(tiny_run):
    rows, _, _ = tiny_run
    with_floor = [row for row in rows if row.floor_what]
    assert with_floor
    for row in with_floor:
        assert row.floor_value is not None and row.floor_value > 0, row
        assert row.ratio is not None, row


def test_report_names_the_machine_and_the_date(tiny_run):
    _, info, report = tiny_run
    for label in ("**CPU**", "**Cores**", "**Memory**", "**Python**", "**Libraries**", "duckdb"):
        assert label in report
    assert info.started.strftime("%Y-%m-%d") in report
