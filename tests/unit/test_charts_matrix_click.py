"""Clicking a dot on the portfolio matrix selects its client (grading.charts.matrix)."""

from __future__ import annotations

import json

import pandas as pd

from grading.charts.matrix import CLICKED_CLIENT, clicked_client_id, portfolio_matrix_chart


def test_the_matrix_chart_selects_the_client_of_a_clicked_dot():
    book = pd.DataFrame({"client_id": ["c1", "c2"], "name": ["A", "B"], "financial_score": [80.0, 20.0],
                         "relationship_score": [70.0, 30.0], "revenue": [1000.0, 200.0],
                         "effective_grade": ["A", "D"]})
    spec = json.dumps(portfolio_matrix_chart(book, pd.DataFrame(columns=["boundary", "financial_score",
                                                                          "relationship_score", "grade"])).to_dict())

    assert f'"name": "{CLICKED_CLIENT}"' in spec and '"fields": ["client_id"]' in spec


def test_a_click_event_gives_the_client_and_an_alias_id_is_turned_back_into_the_real_one():
    event = {"selection": {CLICKED_CLIENT: [{"client_id": "anon-002"}]}}

    assert clicked_client_id(event, {"ADVWORKS": 2, "ZETA": 1}) == "ADVWORKS"
    assert clicked_client_id({"selection": {CLICKED_CLIENT: [{"client_id": "C7"}]}}) == "C7"
    assert clicked_client_id({"selection": {}}) is None
    assert clicked_client_id(None) is None
