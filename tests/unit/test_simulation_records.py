"""The simulation's JSON records are what they were before they were built column by column."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from grading.simulation.static import _plain, records


def _reference(frame: pd.DataFrame) -> list[dict]:
    return [{key: _plain(value) for key, value in row.items()} for row in frame.to_dict(orient="records")]


def test_records_match_the_row_by_row_conversion_for_every_kind_of_column():
    rng = np.random.default_rng(8)
    floats = rng.normal(0, 1e4, 200)
    floats[::7] = np.nan
    floats[3], floats[5] = np.inf, -np.inf
    text = pd.Series(rng.choice(["a", "b", None], 200), dtype="str")
    frame = pd.DataFrame(
        {
            "client_id": [f"c{i}" for i in range(200)],
            "revenue": floats,
            "seats": rng.integers(0, 50, 200),
            "fired": rng.random(200) < 0.5,
            "grade": text,
            "month": pd.date_range("2024-01-01", periods=200, freq="MS"),
            "objects": pd.Series([None, 1.5, "x", np.nan] * 50, dtype=object),
            "Int": pd.array([1, None] * 100, dtype="Int64"),
        }
    )
    # Compared as the JSON the command writes, so that 1 and 1.0 (or True and 1) would differ.
    assert json.dumps(records(frame), allow_nan=False) == json.dumps(_reference(frame), allow_nan=False)
    assert records(frame.iloc[:0]) == [] == _reference(frame.iloc[:0])


def test_text_columns_of_objects_and_strings_keep_missing_values_as_none():
    # The fired clients' ids, names and grades are object columns of text: taken whole when all are text,
    # value by value as before when one is missing or not text.
    frame = pd.DataFrame(
        {
            "all_text": pd.Series(["C1", "C2", "é"], dtype=object),
            "with_none": pd.Series(["C1", None, "C3"], dtype=object),
            "with_nan": pd.Series(["C1", np.nan, "C3"], dtype=object),
            "strings": pd.Series(["a", None, "c"], dtype="str"),
            "numpy_text": pd.Series([np.str_("x"), "y", "z"], dtype=object),
        }
    )
    assert json.dumps(records(frame), allow_nan=False) == json.dumps(_reference(frame), allow_nan=False)
    assert records(frame)[1] == {"all_text": "C2", "with_none": None, "with_nan": None, "strings": None,
                                 "numpy_text": "y"}
