"""ui.data's kept values: computed once per key however many sessions ask, least recently used dropped first,
and a failed computation not kept."""

from __future__ import annotations

import threading
import time

import pytest

from ui.data import _KeptValues


def test_a_kept_value_is_computed_once_and_then_read():
    kept = _KeptValues(max_entries=4)
    calls = []
    assert kept.get(("a",), lambda: calls.append(1) or "first") == "first"
    assert kept.get(("a",), lambda: calls.append(1) or "second") == "first"
    assert calls == [1]


def test_the_least_recently_used_value_is_dropped_when_full():
    kept = _KeptValues(max_entries=2)
    kept.get(("a",), lambda: 1)
    kept.get(("b",), lambda: 2)
    kept.get(("a",), lambda: -1)  # read: "a" is now the most recently used
    kept.get(("c",), lambda: 3)
    assert kept.get(("a",), lambda: "recomputed") == 1
    assert kept.get(("b",), lambda: "recomputed") == "recomputed"


def test_sessions_asking_for_the_same_new_value_at_once_compute_it_once():
    kept = _KeptValues(max_entries=8)
    calls = []
    results = []

    def slow():
        calls.append(threading.get_ident())
        time.sleep(0.2)
        return "graded"

    threads = [threading.Thread(target=lambda: results.append(kept.get(("book",), slow))) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["graded"] * 6
    assert len(calls) == 1


def test_a_failed_computation_is_not_kept_and_the_next_ask_computes_again():
    kept = _KeptValues(max_entries=4)

    def fails():
        raise ValueError("the database is locked")

    with pytest.raises(ValueError):
        kept.get(("a",), fails)
    assert kept.get(("a",), lambda: "fine now") == "fine now"



def test_a_key_made_from_a_scenario_changes_with_every_choice_and_only_then():
    from grading.simulation import Range, Redeployment, Repricing, Scenario
    from ui.data import key_of

    def scenario(**changes):
        values = {"fire_grades": ("D",), "redeployment": Redeployment(share=Range(0.3, 0.6)),
                  "repricing": Repricing(price_increase={"C": 0.1}, leave_probability={"C": Range(0.1, 0.3)})}
        return Scenario(**{**values, **changes})

    assert key_of(scenario()) == key_of(scenario())
    hash(key_of(scenario()))
    assert key_of(scenario()) != key_of(scenario(fire_grades=("C", "D")))
    assert key_of(scenario()) != key_of(scenario(redeployment=Redeployment(share=Range(0.3, 0.7))))
    assert key_of(scenario()) != key_of(scenario(repricing=Repricing(price_increase={"C": 0.2},
                                                                       leave_probability={"C": Range(0.1, 0.3)})))


def test_a_frame_is_refused_as_a_key():
    import pandas as pd

    from ui.data import key_of

    with pytest.raises(TypeError, match="frame"):
        key_of({"book": pd.DataFrame({"a": [1]})})


def _module_level(value):
    return value


def test_computed_refuses_a_lambda_a_nested_function_and_a_page_scripts_function():
    from ui.data import _function_key

    def nested():
        return 1

    page_function = type(nested)(nested.__code__, {"__name__": "__main__"})
    page_function.__module__, page_function.__qualname__ = "__main__", "shown_view"
    for refused, words in ((lambda: 1, "lambda"), (nested, "nested"), (page_function, "page script")):
        with pytest.raises(TypeError, match=words):
            _function_key(refused)


def test_a_function_is_keyed_by_its_module_and_name_and_a_partial_also_by_its_arguments():
    from functools import partial

    from ui.data import key_of

    assert key_of(_module_level) == ("function", (__name__, "_module_level"))
    assert key_of(partial(_module_level, 1)) == key_of(partial(_module_level, 1))
    assert key_of(partial(_module_level, 1)) != key_of(partial(_module_level, 2))
    assert key_of(partial(_module_level, value=1)) != key_of(partial(_module_level, 1))


def test_a_frame_handed_out_is_keyed_by_the_kept_value_it_is_and_only_while_it_lives():
    import gc
    from dataclasses import dataclass

    import pandas as pd

    from ui.data import _handed_out, _origins, key_of

    @dataclass(frozen=True)
    class Inner:
        rows: pd.DataFrame

    @dataclass(frozen=True)
    class Outer:
        inner: Inner

    kept = pd.DataFrame({"a": [1, 2]})
    copy = _handed_out(kept, ("book", 1))
    assert copy is not kept and key_of(copy) == ("frame", ("book", 1))
    first, second = _handed_out((kept, kept), ("pair",))
    assert key_of(first) != key_of(second)
    nested = _handed_out(Outer(Inner(pd.DataFrame({"b": [1]}))), ("story",))
    assert key_of(nested.inner.rows) == ("frame", ((("story",), "inner"), "rows"))
    with pytest.raises(TypeError, match="not handed out"):
        key_of(kept)  # the kept frame itself, or any frame made on a page, names no kept value
    ident = id(copy)
    del copy
    gc.collect()
    assert _origins._keys.get(ident) != ("book", 1)


def test_numbers_key_with_their_type_and_mappings_whatever_their_order():
    from ui.data import key_of

    assert len({key_of(1), key_of(1.0), key_of(True)}) == 3
    assert key_of({"b": 1, "a": 2}) == key_of({"a": 2, "b": 1})
    assert key_of({1: "x", "a": 2}) == key_of({"a": 2, 1: "x"})  # keys of mixed types sort by their repr


def test_a_frozen_dataclass_handed_out_is_keyed_by_where_it_came_from_and_any_other_by_its_fields():
    from dataclasses import dataclass

    from ui.data import _handed_out, key_of

    @dataclass(frozen=True)
    class State:
        card: dict

    kept = _handed_out(State({"qwk": 0.7}), ("model-state", 3))
    assert key_of(kept) == ("kept", ("model-state", 3))
    made_here = State({"qwk": 0.7})
    assert key_of(made_here)[1:] == (("card", ("mapping", ("qwk", (float, 0.7)))),)
    assert key_of(made_here) != key_of(State({"qwk": 0.8}))
