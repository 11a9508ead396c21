"""One formatter for percentages and counts (grading.formatting)."""

from __future__ import annotations

import pytest

from grading.formatting import count, percent, percent_points


@pytest.mark.parametrize(
    ("value", "kwargs", "shown"),
    [
        (-0.001, {}, "0%"),
        (-0.004, {"signed": True}, "0%"),
        (-0.0001, {"decimals": 1}, "0.0%"),
        (0.253, {}, "25%"),
        (-0.253, {"signed": True}, "-25%"),
        (0.2, {"signed": True}, "+20%"),
        (0.125, {}, "13%"),
        (0.5675, {}, "57%"),
        (float("nan"), {}, "n/a"),
        (None, {}, "n/a"),
    ],
)
def test_a_percentage_is_written_one_way_and_never_as_minus_zero(value, kwargs, shown):
    assert percent(value, **kwargs) == shown


def test_a_change_of_share_is_in_signed_percentage_points():
    assert percent_points(0.045) == "+4.5 pp"
    assert percent_points(-0.00001) == "0.0 pp"


@pytest.mark.parametrize(("number", "shown"), [(0, "0 clients"), (1, "1 client"), (2, "2 clients"),
                                               (1200, "1,200 clients")])
def test_a_count_takes_the_right_number_of_its_noun(number, shown):
    assert count(number, "client") == shown
