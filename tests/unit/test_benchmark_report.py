"""The benchmark report's pieces: when a target is met, and how figures are shown."""

from __future__ import annotations

import pytest

from benchmarks.report import Row, Target, format_value


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
