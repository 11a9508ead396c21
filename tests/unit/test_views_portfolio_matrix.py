"""The matrix, overview and agreement chart builders, and the grade-table views they are built from."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import pytest

from grading.views import overview, portfolio_matrix, shared, suggested_vs_manual
from grading.charts.agreement import candidate_frame, candidates_chart, confusion_chart, confusion_long
from grading.charts.matrix import client_sparkline_chart, matrix_points, portfolio_matrix_chart
from grading.charts.overview import grade_mix_chart, grade_mix_frame
from grading.charts.palette import GRADE_COLORS
from grading.vocabulary import UNGRADED
from grading.errors import ClientGradeError
from grading.model.metrics import confusion_frame
from grading.settings import defaults


@pytest.fixture
def portfolio() -> pd.DataFrame:
    """Eight graded clients made with a fixed seed; two without a manual grade, one without any suggestion."""
    rng = np.random.default_rng(11)
    n = 8
    revenue = rng.uniform(3_000, 60_000, n).round(2)
    hours = rng.uniform(20, 400, n).round(1)
    costs = (revenue * 0.1).round(2)
    frame = pd.DataFrame(
        {
            "client_id": [f"C{number}" for number in range(1, n + 1)],
            "name": [f"Client name {number}" for number in range(1, n + 1)],
            "service_model": ["managed", "managed", "break_fix", "hybrid", "managed", "project", "break_fix", "hybrid"],
            "rule_grade": pd.array(["A", "B", "C", "D", "B", "C", "D", "A"], dtype="str"),
            "suggested_grade": pd.array(["A", "C", "C", "D", "B", None, "C", "A"], dtype="str"),
            "suggested_confidence": [0.9, 0.55, 0.7, 0.8, 0.6, np.nan, 0.65, 0.95],
            "manual_grade": pd.array(["A", "B", None, "D", "A", "C", None, "B"], dtype="str"),
            "rule_score": rng.uniform(10, 95, n),
            "revenue": revenue,
            "direct_costs": costs,
            "labor_hours": hours,
            "gross_profit": revenue - costs - hours * 45,
            "financial_score": rng.uniform(0, 100, n),
            "relationship_score": rng.uniform(0, 100, n),
            "avg_monthly_revenue": revenue / 12,
            "avg_monthly_hours": hours / 12,
            "problem_client": [False, False, True, True, False, False, False, False],
            "flight_risk": [False, False, False, False, False, False, False, True],
            "concentration": [False] * n,
            "data_gaps": [False, False, False, True, False, False, False, False],
            "flags": ["", "", "problem client", "problem client; data gaps", "", "", "", "flight risk"],
            "suggestion_reasons": [f"reason {number}" for number in range(1, n + 1)],
        }
    )
    frame["effective_grade"] = frame["manual_grade"].fillna(frame["suggested_grade"]).fillna(frame["rule_grade"])
    frame["gross_margin"] = frame["gross_profit"] / frame["revenue"]
    frame["effective_hourly_rate"] = (frame["revenue"] - frame["direct_costs"]) / frame["labor_hours"]
    return frame


def test_headline_numbers_add_up_the_portfolio(portfolio):
    headline = overview.headline_numbers(portfolio)
    assert headline.clients == 8
    assert headline.monthly_revenue == pytest.approx(portfolio["revenue"].sum() / 12)
    assert headline.monthly_hours == pytest.approx(portfolio["labor_hours"].sum() / 12)
    expected_rate = (portfolio["revenue"].sum() - portfolio["direct_costs"].sum()) / portfolio["labor_hours"].sum()
    assert headline.effective_hourly_rate == pytest.approx(expected_rate)
    assert headline.gross_margin == pytest.approx(portfolio["gross_profit"].sum() / portfolio["revenue"].sum())


def test_headline_of_an_empty_portfolio_has_no_rate_instead_of_an_error(portfolio):
    headline = overview.headline_numbers(portfolio.iloc[0:0])
    assert headline.clients == 0
    assert headline.monthly_revenue == 0
    assert np.isnan(headline.effective_hourly_rate) and np.isnan(headline.gross_margin)


def test_grade_mix_counts_every_grade_and_the_ungraded(portfolio):
    mix = overview.grade_mix(portfolio, "manual").set_index("grade")
    assert list(mix.index) == ["A", "B", "C", "D", UNGRADED]
    assert list(mix["clients"]) == [2, 2, 1, 1, 2]
    assert mix["revenue_share"].sum() == pytest.approx(1.0)
    assert mix.loc["D", "revenue"] == pytest.approx(portfolio.loc[3, "revenue"])


def test_grade_mix_by_rule_has_no_ungraded_row_and_keeps_empty_grades(portfolio):
    mix = overview.grade_mix(portfolio.iloc[:2], "rule")
    assert list(mix["grade"]) == ["A", "B", "C", "D"]
    assert list(mix["clients"]) == [1, 1, 0, 0]


@pytest.mark.parametrize(
    ("filters", "expected_ids"),
    [
        ({}, ["C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8"]),
        ({"grade_source": "rule", "grades": ["D"]}, ["C4", "C7"]),
        ({"grade_source": "manual", "grades": [UNGRADED]}, ["C3", "C7"]),
        ({"service_models": ["break_fix", "project"]}, ["C3", "C6", "C7"]),
        ({"flags": ["problem_client"]}, ["C3", "C4"]),
        ({"flags": ["data_gaps", "flight_risk"]}, ["C4", "C8"]),
        ({"grade_source": "rule", "grades": ["D"], "service_models": ["hybrid"]}, ["C4"]),
        ({"grade_source": "suggested", "grades": ["B"], "flags": ["problem_client"]}, []),
    ],
)
def test_grade_table_filters_by_grade_service_model_and_flag(portfolio, filters, expected_ids):
    table = portfolio_matrix.filter_grade_table(portfolio, **filters)
    assert list(table["client_id"]) == expected_ids


def test_grade_table_sorts_and_keeps_the_three_grades_side_by_side(portfolio):
    table = portfolio_matrix.filter_grade_table(portfolio, sort_order="Revenue, largest first")
    assert list(table["revenue"]) == sorted(portfolio["revenue"], reverse=True)
    assert {"rule_grade", "suggested_grade", "manual_grade", "flags"} <= set(table.columns)
    assert list(table.columns) == [column for column in portfolio_matrix.TABLE_COLUMNS if column in portfolio.columns]


@pytest.mark.parametrize(
    ("filters", "words"),
    [
        ({"grade_source": "gut"}, "grade source"),
        ({"flags": ["angry"]}, "Unknown flag"),
        ({"sort_order": "by mood"}, "Unknown sort order"),
    ],
)
def test_grade_table_refuses_unknown_options(portfolio, filters, words):
    with pytest.raises(ClientGradeError, match=words):
        portfolio_matrix.filter_grade_table(portfolio, **filters)


def test_flag_names_lists_only_raised_flags(portfolio):
    assert portfolio_matrix.flag_names(portfolio) == ["problem_client", "flight_risk", "data_gaps"]
    assert portfolio_matrix.service_models(portfolio) == ["break_fix", "hybrid", "managed", "project"]


def test_disagreement_queue_holds_clients_whose_suggestion_differs_from_the_manual_grade(portfolio):
    queue = suggested_vs_manual.disagreement_queue(portfolio)
    # C2 (manual B, suggested C), C5 (A vs B), C8 (B vs A); the surest suggestion first.
    assert list(queue["client_id"]) == ["C8", "C5", "C2"]
    assert list(queue["grade_gap"]) == [1, 1, 1]
    assert list(queue["suggestion_reasons"]) == ["reason 8", "reason 5", "reason 2"]


@pytest.mark.parametrize(("currency", "expected"), [("EUR", "€%,.0f"), ("CHF", "CHF %,.0f"), ("SEK", "SEK %,.0f")])
def test_money_format_puts_the_currency_before_the_amount(currency, expected):
    assert shared.money_format(currency) == expected


def test_grade_boundaries_lie_where_the_rule_score_meets_each_threshold():
    settings = defaults()
    lines = portfolio_matrix.grade_boundaries(settings)
    assert set(lines["grade"]) == {"A", "B", "C"}
    total = settings["weight_financial"] + settings["weight_relationship"] + settings["weight_caller_id"]
    score = (
        settings["weight_financial"] * lines["financial_score"]
        + settings["weight_relationship"] * lines["relationship_score"]
        + settings["weight_caller_id"] * 50
    ) / total
    assert np.allclose(score, lines["threshold"])
    assert lines["relationship_score"].between(0, 100).all()


def test_grade_boundaries_move_with_the_threshold_setting():
    before = portfolio_matrix.grade_boundaries(defaults())
    after = portfolio_matrix.grade_boundaries(defaults() | {"grade_a_min": 85.0})
    at_x = 100.0
    a_before = before.query("grade == 'A'").set_index("financial_score")["relationship_score"]
    a_after = after.query("grade == 'A'").set_index("financial_score")["relationship_score"]
    assert a_after.loc[at_x] > a_before.loc[at_x]
    assert portfolio_matrix.grade_boundaries(defaults() | {"weight_relationship": 0.0}).empty


def _layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


def test_matrix_chart_colours_by_the_chosen_grade_with_the_house_colours(portfolio):
    chart = portfolio_matrix_chart(
        portfolio, portfolio_matrix.grade_boundaries(defaults()), grade_column="rule_grade", grade_title="Rule grade"
    )
    assert isinstance(chart, alt.LayerChart)
    spec = chart.to_dict()
    assert spec["title"]["text"] == "Portfolio matrix"
    dots = next(layer for layer in _layers(spec) if layer["mark"]["type"] == "circle")
    encoding = dots["encoding"]
    assert encoding["x"]["field"] == "financial_score" and "0-100" in encoding["x"]["title"]
    assert encoding["y"]["field"] == "relationship_score"
    assert encoding["size"]["field"] == "revenue"
    assert encoding["color"]["title"] == "Rule grade"
    assert encoding["color"]["scale"]["range"][:4] == list(GRADE_COLORS.values())
    tooltip_fields = {item["field"] for item in encoding["tooltip"]}
    assert {"name", "rule_grade", "suggested_grade", "manual_grade", "effective_hourly_rate"} <= tooltip_fields
    lines = [layer for layer in _layers(spec) if layer["mark"]["type"] == "line"]
    assert len(lines) == 1


def test_matrix_points_mark_missing_grades_and_leave_out_unplaceable_clients(portfolio):
    portfolio.loc[0, "financial_score"] = np.nan
    points = matrix_points(portfolio, "manual_grade")
    assert "C1" not in set(points["client_id"])
    assert points.set_index("client_id").loc["C3", "shown_grade"] == UNGRADED
    assert points.set_index("client_id").loc["C3", "manual_grade"] == "-"


def test_sparkline_shows_revenue_and_hours_by_month():
    monthly = pd.DataFrame(
        {
            "month": pd.date_range("2024-01-01", periods=6, freq="MS"),
            "revenue": [1000.0, 1100, 900, 1200, 1150, 1000],
            "labor_hours": [10.0, 12, 8, 9, 11, 10],
            "effective_hourly_rate": [100.0, 91.7, 112.5, 133.3, 104.5, 100],
        }
    )
    spec = client_sparkline_chart(monthly, currency="USD", name="Client 001").to_dict()
    fields = [panel["encoding"]["y"]["field"] for panel in spec["vconcat"]]
    assert fields == ["revenue", "labor_hours"]
    assert spec["vconcat"][0]["encoding"]["y"]["title"] == "Revenue ($)"
    assert spec["vconcat"][0]["title"]["text"] == "Client 001 month by month"


def test_grade_mix_chart_splits_clients_revenue_and_hours_by_grade(portfolio):
    mix = overview.grade_mix(portfolio, "effective")
    long = grade_mix_frame(mix)
    assert set(long["measure"]) == {"Clients", "Revenue", "Labor hours"}
    assert long.groupby("measure")["share"].sum().round(6).eq(1.0).all()
    spec = grade_mix_chart(mix, currency="EUR", grade_title="Effective grade").to_dict()
    assert spec["title"]["text"] == "Grade mix"
    assert spec["encoding"]["color"]["title"] == "Effective grade"
    assert "%" in spec["encoding"]["x"]["title"]


def test_confusion_chart_counts_each_pair_of_grades():
    confusion = confusion_frame(["A", "A", "B", "D", "C"], ["A", "B", "B", "C", "C"])
    long = confusion_long(confusion)
    assert len(long) == 16
    cell = long.set_index(["manual_grade", "suggested_grade"])
    assert cell.loc[("A", "B"), "clients"] == 1
    assert cell.loc[("A", "A"), "share_of_manual"] == pytest.approx(0.5)
    assert cell.loc[("B", "B"), "agrees"]
    assert long["clients"].sum() == 5
    spec = confusion_chart(confusion).to_dict()
    rect = spec["layer"][0]
    assert rect["encoding"]["y"]["title"].startswith("Manual grade")
    assert rect["encoding"]["x"]["title"].startswith("Suggested grade")


def test_candidates_chart_marks_the_chosen_model_and_the_baselines():
    candidates = pd.DataFrame(
        {
            "candidate": ["ordinal", "logistic", "rule grade", "dummy"],
            "qwk": [0.82, 0.78, 0.61, 0.0],
            "chosen": [True, False, False, False],
            "kind": ["model", "model", "baseline", "baseline"],
        }
    )
    spec = candidates_chart(candidates).to_dict()
    data = pd.DataFrame(next(iter(spec["datasets"].values())))
    assert dict(zip(data["candidate"], data["role"])) == {
        "ordinal": "chosen", "logistic": "model", "rule grade": "baseline", "dummy": "baseline"
    }
    assert "QWK" in spec["encoding"]["x"]["title"]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([3], "The D client brings"),
        ([3, 6], "The 2 D clients bring"),
    ],
)
def test_grade_story_says_what_the_d_clients_bring_against_the_time_they_take(portfolio, rows, expected):
    chosen = portfolio.iloc[[0, *rows]]
    mix = overview.grade_mix(chosen, "rule")
    story = overview.grade_story(mix, "D")
    d_revenue = chosen.loc[chosen["rule_grade"] == "D", "revenue"].sum() / chosen["revenue"].sum()
    assert story.startswith(expected)
    assert f"{d_revenue:.0%} of revenue" in story


def test_grade_story_is_silent_without_clients_of_that_grade(portfolio):
    assert overview.grade_story(overview.grade_mix(portfolio.iloc[:2], "rule"), "D") is None


def test_candidate_frame_lists_models_and_baselines_best_first():
    card = {
        "model": "ordinal_logit",
        "cross_validation": {
            "candidates": {
                "dummy": {"qwk": 0.0, "accuracy": 0.3, "within_one": 0.6},
                "ordinal_logit": {"qwk": 0.8, "accuracy": 0.7, "within_one": 0.95},
                "rule_grade": {"qwk": 0.6, "accuracy": 0.5, "within_one": 0.9},
                "gradient_boosting": {"qwk": None, "accuracy": 0.6, "within_one": 0.9},
            }
        },
    }
    frame = candidate_frame(card)
    assert list(frame["name"]) == ["ordinal_logit", "rule_grade", "dummy", "gradient_boosting"]
    assert list(frame["kind"]) == ["model", "baseline", "baseline", "model"]
    assert frame["chosen"].tolist() == [True, False, False, False]
    assert np.isnan(frame["qwk"].iat[3])
    assert frame["candidate"].iat[1] == "the rule grade itself"
    assert candidate_frame({}).empty


def test_decision_labels_name_the_client_and_its_three_grades(portfolio):
    labels = suggested_vs_manual.decision_labels(portfolio)
    assert labels["C2"] == "Client name 2 (yours: B, suggested: C, rule: B)"
    assert labels["C6"] == "Client name 6 (yours: C, suggested: none, rule: C)"


@pytest.mark.parametrize(
    ("rows", "asked", "number", "count", "span"),
    [
        (2_500, 1, 1, 3, (1, 1_000)),
        (2_500, 3, 3, 3, (2_001, 2_500)),
        (2_500, 9, 3, 3, (2_001, 2_500)),  # a page kept from a longer table: the last page
        (2_500, 0, 1, 3, (1, 1_000)),
        (1_000, 1, 1, 1, (1, 1_000)),
        (0, 1, 1, 1, (0, 0)),
    ],
)
def test_the_grade_table_is_sent_a_page_of_a_thousand_rows_at_a_time(rows, asked, number, count, span):
    table = pd.DataFrame({"client_id": [f"c{i}" for i in range(rows)]})
    page = portfolio_matrix.table_page(table, asked)
    assert (page.number, page.count, (page.first_row, page.last_row), page.total_rows) == (number, count, span, rows)
    assert len(page.rows) == page.last_row - page.first_row + (1 if rows else 0)
    if rows:
        assert page.rows["client_id"].iat[0] == f"c{span[0] - 1}"


# The page views built on the functions above -------------------------------------------------------------------


def test_overview_compares_with_a_year_before_only_when_there_was_revenue(portfolio):
    now, before = overview.headline_now_and_a_year_before(portfolio, portfolio.assign(revenue=0.0))
    assert now == overview.headline_numbers(portfolio) and before is None
    _, before = overview.headline_now_and_a_year_before(portfolio, portfolio.head(3))
    assert before.clients == 3


def test_overview_grade_mix_comes_with_its_sentence_about_the_d_clients(portfolio):
    mix, story = overview.grade_mix_and_story(portfolio, "rule")
    assert mix.set_index("grade").loc["D", "clients"] == 2
    assert story.startswith("The 2 D clients bring ")


def test_matrix_filters_offer_what_the_book_holds_and_a_page_names_its_clients(portfolio):
    models, flags = portfolio_matrix.filter_options(portfolio)
    assert models == ["break_fix", "hybrid", "managed", "project"]
    assert flags == ["problem_client", "flight_risk", "data_gaps"]
    page, names = portfolio_matrix.page_with_names(portfolio, 2)  # past the end: the last page
    assert page.number == 1 and names["C3"] == "Client name 3" and len(names) == 8


def test_suggested_page_counts_the_clients_both_graded_and_where_they_agree(portfolio):
    graded, agreeing = suggested_vs_manual.graded_by_both(portfolio)
    assert list(graded["client_id"]) == ["C1", "C2", "C4", "C5", "C8"]
    assert agreeing == 2


def test_overview_change_is_signed_and_absent_without_a_year_before():
    assert overview.change(110.0, 100.0) == "+10%"
    assert overview.change(90.0, 100.0) == "-10%"
    assert overview.change(90.0, None) is None and overview.change(90.0, 0.0) is None


def test_agreement_figures_stand_each_against_the_rule_grade():
    card = {"qwk": 0.71, "rule_qwk": 0.5, "accuracy": 0.62, "rule_accuracy": 0.5, "within_one": 0.95,
            "rule_within_one": 0.9, "dummy_qwk": 0.0}
    figures = suggested_vs_manual.agreement_figures(card)
    assert [(figure.label, figure.value, figure.delta) for figure in figures] == [
        ("QWK", "0.71", "+0.21 against the rule grade"),
        ("Accuracy", "62%", "+12 points against the rule grade"),
        ("Within one grade", "95%", "+5 points against the rule grade"),
        ("Rule grade's QWK", "0.50", None),
    ]
