"""The learning curve chart: the card's points as two lines, the suggestions' and the rule grade's."""

from __future__ import annotations

from grading.charts.learning_curve import RULES, SUGGESTIONS, learning_curve_chart, learning_curve_frame

CARD = {
    "learning_curve": {
        "candidate": "rule_anchored",
        "points": [
            {"n_grades": 12, "qwk": 0.70, "rule_qwk": 0.70, "n_scored": 80},
            {"n_grades": 24, "qwk": 0.74, "rule_qwk": 0.70, "n_scored": 80},
            {"n_grades": 61, "qwk": 0.83, "rule_qwk": 0.70, "n_scored": 80},
        ],
    }
}


def test_the_frame_holds_one_row_per_point_and_line():
    frame = learning_curve_frame(CARD)
    assert list(frame.columns) == ["n_grades", "line", "qwk"]
    suggestions = frame[frame["line"] == SUGGESTIONS]
    assert suggestions["n_grades"].tolist() == [12, 24, 61]
    assert suggestions["qwk"].tolist() == [0.70, 0.74, 0.83]
    assert frame.loc[frame["line"] == RULES, "qwk"].tolist() == [0.70] * 3


def test_a_card_without_a_curve_gives_an_empty_frame():
    assert learning_curve_frame({}).empty
    assert learning_curve_frame(None).empty
    assert learning_curve_frame({"learning_curve": {"points": []}}).empty


def test_the_chart_draws_the_rules_line_dashed_beside_the_suggestions():
    spec = learning_curve_chart(learning_curve_frame(CARD)).to_dict()
    encoding = spec["encoding"]
    assert encoding["x"]["field"] == "n_grades" and encoding["x"]["scale"]["type"] == "log"
    assert encoding["y"]["field"] == "qwk" and encoding["y"]["scale"]["domain"] == [0, 1]
    assert encoding["color"]["scale"]["domain"] == [SUGGESTIONS, RULES]
    assert encoding["strokeDash"]["scale"]["range"][1] != encoding["strokeDash"]["scale"]["range"][0]
