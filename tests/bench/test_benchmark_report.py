"""The benchmark report's pieces: when a target is met, how figures are shown, and merging one group's rerun."""

from __future__ import annotations

import datetime as dt

import pytest

from benchmarks.report import Row, RunInfo, Target, format_value, merge_report, render


@pytest.mark.parametrize(
    ("target", "value", "floor", "met"),
    [
        (Target(max_ratio=3), 2.9, 1.0, True),
        (Target(max_ratio=3), 3.1, 1.0, False),
        (Target(max_ratio=5, max_value=2.0), 1.9, 0.5, True),
        (Target(max_ratio=5, max_value=2.0), 2.1, 1.0, False),
        (Target(max_ratio=5, max_value=2.0), 1.5, 0.1, False),
        (Target(max_value=1024), 900.0, None, True),
        (Target(max_value=30), float("nan"), None, None),
    ],
)
def test_a_target_is_met_only_when_every_part_of_it_is(target, value, floor, met):
    row = Row("Group", "work", "size", value, floor_what="floor" if floor else None, floor_value=floor, target=target)
    assert row.met is met


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [(0.0123, "s", "12.3 ms"), (0.456, "s", "456 ms"), (12.34, "s", "12.3 s"), (812.4, "MiB", "812 MiB")],
)
def test_figures_are_shown_in_readable_units(value, unit, shown):
    assert format_value(value, unit) == shown


def _report(rows: list[Row], command: str) -> str:
    info = RunInfo(command=command, sizes=[1], quick=True, started=dt.datetime(2026, 12, 2, 21, 0),
                   notes=[f"note of {command}"])
    return render(rows, info, {"CPU": "test"})


def test_a_merged_report_replaces_only_the_groups_that_ran_and_counts_the_targets_again():
    old = _report([Row("Import", "import", "1 client", 9.0, floor_what="floor", floor_value=1.0, target=Target(3)),
                   Row("Raw import", "import-raw", "old size", 1.0, floor_what="floor", floor_value=1.0,
                       target=Target(3))], "full run")
    fresh = _report([Row("Raw import", "import-raw", "new size", 2.0, floor_what="floor", floor_value=1.0,
                         target=Target(3))], "raw run")
    merged = merge_report(old, fresh, {"Raw import"})
    table = [line for line in merged.splitlines() if line.startswith("| ") and not line.startswith("| Group")]
    assert [line.split(" | ")[0] for line in table] == ["| Import", "| Raw import"]
    assert "new size" in merged and "old size" not in merged
    assert "1 of 2 targets met" in merged
    assert "- Import: import, 1 client: 9.00 s = 9.0x floor (target ≤ 3x floor)" in merged
    assert "`full run`" in merged and "`raw run`" in merged
    assert "- note of full run" in merged and "- (Raw import) note of raw run" in merged


def test_merging_the_same_groups_again_replaces_their_last_run_in_the_header_and_the_notes():
    old = _report([Row("Import", "import", "1 client", 1.0)], "full run")
    first = merge_report(old, _report([Row("Raw import", "import-raw", "size", 2.0)], "raw run 1"), {"Raw import"})
    second = merge_report(first, _report([Row("Raw import", "import-raw", "size", 3.0)], "raw run 2"), {"Raw import"})
    assert "`raw run 1`" not in second and "note of raw run 1" not in second
    assert second.count("Rows of Raw import written by") == 1 and "`raw run 2`" in second
    assert "- note of full run" in second and "- (Raw import) note of raw run 2" in second
