"""The fast indented JSON gives the very text ``json.dumps(value, indent=N, allow_nan=False)`` gives."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grading.commands.json_text import dumps_indented
from tests.hypothesis_profiles import examples

_plain = (st.none() | st.booleans() | st.integers(min_value=-(10**20), max_value=10**20)
          | st.floats(allow_nan=False, allow_infinity=False) | st.text())
_nested = st.recursive(
    _plain,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5)
    | st.dictionaries(st.integers(-3, 3), inner, max_size=3),
    max_leaves=40,
)


@settings(max_examples=examples(300), deadline=None, derandomize=True)
@given(_nested, st.integers(min_value=0, max_value=4))
def test_any_nested_value_gives_the_standard_librarys_text(value, indent):
    assert dumps_indented(value, indent) == json.dumps(value, indent=indent, allow_nan=False)


def test_a_simulation_like_result_gives_the_same_text():
    value = {
        "as_of": "2026-12-01", "gross_profit_before": 1482384131.2200003, "clients_fired": ["C1", "C2", "é\n\"x\""],
        "labor_cost_goes": False, "expected": None, "empty": [], "none": {},
        "fired": [{"order": n, "client_id": f"C{n}", "grade": "D", "revenue": n / 7, "tags": [n, {"a": []}]}
                  for n in range(50)],
        "grade_shares": [{"grade": g, "revenue": 1e300, "tiny": 5e-324} for g in "ABCD"],
        "nested": [[[]], [[1, 2], []], (3, 4)],
        "records": [{"a": "},\n  {", "b": "x}", "c": "{"}, {"d": 1.5, "e": None}, {"f": True}],
    }
    for indent in (0, 1, 2, 4):
        assert dumps_indented(value, indent) == json.dumps(value, indent=indent, allow_nan=False)


@pytest.mark.parametrize("bad", [math.nan, math.inf, {"x": [1.0, -math.inf]}])
def test_numbers_json_cannot_hold_are_refused_as_before(bad):
    with pytest.raises(ValueError):
        dumps_indented(bad, 2)


def test_values_json_does_not_know_are_refused_as_before():
    with pytest.raises(TypeError):
        dumps_indented({"when": object()}, 2)


class _Text(str):
    """Text of a type of its own: not one of the plain types, so its record is walked, not encoded in one call."""


@pytest.mark.parametrize(
    "odd",
    [{}, {1: "x"}, {"a": _Text("y")}, {"a": [1]}, {"a": 1.5, "b": {"c": None}}],
)
def test_a_list_of_records_with_one_that_is_not_plain_gives_the_same_text(odd):
    # Many plain records and one that is not (empty, a key that is not text, a value of another type or a
    # container): the check over the whole list must send it all the long way, as a check per record did.
    value = {"fired": [{"order": n, "name": f"C{n}", "rate": n / 3} for n in range(40)] + [odd]}
    for indent in (1, 2):
        assert dumps_indented(value, indent) == json.dumps(value, indent=indent, allow_nan=False)
