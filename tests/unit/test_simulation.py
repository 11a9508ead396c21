"""The churn-impact engine: scenarios, and the static impact before and after (grading.simulation)."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest

from grading.simulation import (
    ManagedMove,
    Range,
    Redeployment,
    Repricing,
    Scenario,
    ScenarioError,
    simulate_impact,
)


def portfolio(rows: list[tuple], months: int = 12) -> pd.DataFrame:
    """A portfolio frame from (client_id, grade, revenue, direct_costs, labor_hours[, service_model, seats]) rows.

    Every grade source gets the same grade unless a test overrides a column.
    """
    frame = pd.DataFrame(
        [(*row, "managed", 10)[:7] for row in rows],
        columns=["client_id", "effective_grade", "revenue", "direct_costs", "labor_hours", "service_model", "seats"],
    )
    frame["name"] = "Client " + frame["client_id"]
    frame["months_in_window"] = months
    for source in ("rule", "suggested", "manual"):
        frame[f"{source}_grade"] = frame["effective_grade"]
    return frame


# Revenue 240,000 over 4,000 hours; the two D clients bring 25% of the revenue and take 40% of the hours.
REFERENCE = portfolio(
    [
        ("a1", "A", 100_000.0, 0.0, 1_000.0),
        ("b1", "B", 50_000.0, 0.0, 800.0),
        ("c1", "C", 30_000.0, 0.0, 600.0),
        ("d1", "D", 40_000.0, 0.0, 1_000.0),
        ("d2", "D", 20_000.0, 0.0, 600.0),
    ]
)


def test_firing_a_quarter_of_revenue_and_two_fifths_of_hours_raises_the_effective_rate_by_a_quarter():
    impact = simulate_impact(REFERENCE, Scenario(fire_grades=("D",)), labor_cost_rate=0.0)

    assert impact.before("revenue") == 240_000.0
    assert impact.after("revenue") == 180_000.0
    assert impact.change_pct("revenue") == -25.0
    assert impact.before("labor_hours") == 4_000.0
    assert impact.after("labor_hours") == 2_400.0
    assert impact.change_pct("labor_hours") == -40.0
    assert impact.before("effective_hourly_rate") == 60.0
    assert impact.after("effective_hourly_rate") == 75.0
    assert impact.after("effective_hourly_rate") / impact.before("effective_hourly_rate") == 0.75 / 0.60
    assert impact.change_pct("effective_hourly_rate") == 25.0
    assert impact.clients_fired == ["d2", "d1"]
    assert impact.hours_freed == 1_600.0
    assert impact.hours_back == 1_600.0


def test_the_fired_grade_held_a_quarter_of_revenue_and_two_fifths_of_hours_before():
    impact = simulate_impact(REFERENCE, Scenario(fire_grades=("D",)), labor_cost_rate=0.0)
    shares = impact.grade_shares.set_index("grade")

    assert shares.at["D", "revenue_share_before"] == 0.25
    assert shares.at["D", "hours_share_before"] == 0.4
    assert shares.at["D", "revenue_share_after"] == 0.0
    assert shares["revenue_share_before"].sum() == pytest.approx(1.0)
    assert shares["hours_share_after"].sum() == pytest.approx(1.0)


def test_firing_nobody_changes_nothing():
    impact = simulate_impact(
        REFERENCE, Scenario(redeployment=Redeployment(share=0.5, ramp_months=3)), labor_cost_rate=45.0
    )

    pd.testing.assert_series_equal(impact.metrics["after"], impact.metrics["before"], check_names=False)
    assert (impact.metrics["change"] == 0).all()
    assert impact.clients_fired == []
    assert impact.hours_freed == 0.0
    assert impact.redeployed_revenue == 0.0


def test_firing_everybody_leaves_zeros_not_a_division_error():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        impact = simulate_impact(
            REFERENCE,
            Scenario(fire_grades=("A", "B", "C", "D"), redeployment=Redeployment(labor_cost_goes=True)),
            labor_cost_rate=45.0,
        )
        result = impact.to_dict()

    for metric in ("revenue", "direct_costs", "labor_hours", "gross_profit", "clients"):
        assert impact.after(metric) == 0.0
    for metric in ("effective_hourly_rate", "gross_margin", "contribution_per_hour", "largest_client_share"):
        assert math.isnan(impact.after(metric))
        assert result[f"{metric}_after"] is None
    assert result["revenue_change_pct"] == -100.0
    assert len(result["clients_fired"]) == 5


@pytest.mark.parametrize(
    ("fire", "expected_rate_after"),
    [
        ((), (1_000.0 + 0.0 + 500.0) / 20.0),
        (("zero_hours",), 500.0 / 20.0),
        (("zero_revenue",), (1_000.0 + 500.0) / 10.0),
    ],
)
def test_a_client_with_zero_hours_or_zero_revenue_does_not_break_the_effective_rate(fire, expected_rate_after):
    frame = portfolio(
        [
            ("zero_hours", "B", 1_000.0, 0.0, 0.0),
            ("zero_revenue", "D", 0.0, 0.0, 10.0),
            ("normal", "A", 500.0, 0.0, 10.0),
        ]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        impact = simulate_impact(frame, Scenario(fire_clients=fire), labor_cost_rate=0.0)

    assert impact.after("effective_hourly_rate") == pytest.approx(expected_rate_after)
    assert impact.fired["client_id"].tolist() == list(fire)


def test_zero_hour_client_has_no_effective_rate_of_its_own():
    frame = portfolio([("zero_hours", "D", 1_000.0, 0.0, 0.0), ("normal", "A", 500.0, 0.0, 10.0)])
    impact = simulate_impact(frame, Scenario(fire_grades=("D",)), labor_cost_rate=0.0)

    assert math.isnan(impact.fired.at[0, "effective_hourly_rate"])
    assert impact.to_dict()["fired"][0]["effective_hourly_rate"] is None


def test_gross_profit_not_revenue_is_the_headline_when_firing_thin_margin_clients():
    frame = portfolio(
        [
            ("a1", "A", 120_000.0, 12_000.0, 1_200.0),
            ("b1", "B", 60_000.0, 8_000.0, 800.0),
            ("d1", "D", 60_000.0, 10_000.0, 1_000.0),
        ]
    )
    impact = simulate_impact(
        frame, Scenario(fire_grades=("D",), redeployment=Redeployment(labor_cost_goes=True)), labor_cost_rate=45.0
    )

    assert impact.metrics.index[0] == "gross_profit"
    assert impact.change_pct("revenue") == -25.0
    # Gross profit 75,000 before; the D client brought 60,000 - 10,000 - 1,000 h x 45 = 5,000 of it.
    assert impact.before("gross_profit") == 75_000.0
    assert impact.after("gross_profit") == 70_000.0
    assert -10.0 < impact.change_pct("gross_profit") < 0.0


def test_hours_back_to_the_owner_still_cost_labor_unless_the_owner_says_the_cost_goes():
    frame = portfolio([("a1", "A", 120_000.0, 12_000.0, 1_200.0), ("d1", "D", 60_000.0, 10_000.0, 1_000.0)])

    kept = simulate_impact(frame, Scenario(fire_grades=("D",)), labor_cost_rate=45.0)
    let_go = simulate_impact(
        frame, Scenario(fire_grades=("D",), redeployment=Redeployment(labor_cost_goes=True)), labor_cost_rate=45.0
    )

    # The technicians stay on the payroll: the D client's 50,000 of revenue less direct costs is lost, the 1,000
    # hours x 45 are not saved.
    assert kept.hours_back == 1_000.0
    assert kept.after("gross_profit") == kept.before("gross_profit") - 50_000.0
    assert kept.after("labor_hours") == 1_200.0
    assert not kept.to_dict()["labor_cost_goes"]
    # Someone is let go: the hours' labor cost is saved as well.
    assert let_go.after("gross_profit") == let_go.before("gross_profit") - 5_000.0


def test_gross_margin_and_contribution_per_hour_follow_their_definitions():
    frame = portfolio([("a1", "A", 10_000.0, 1_000.0, 100.0), ("d1", "D", 2_000.0, 500.0, 50.0)])
    impact = simulate_impact(
        frame, Scenario(fire_grades=("D",), redeployment=Redeployment(labor_cost_goes=True)), labor_cost_rate=40.0
    )

    # After: 10,000 - 1,000 - 100 h x 40 = 5,000 gross profit.
    assert impact.after("gross_profit") == 5_000.0
    assert impact.after("gross_margin") == 0.5
    assert impact.after("contribution_per_hour") == 50.0
    assert impact.after("effective_hourly_rate") == 90.0
    assert impact.before("largest_client_share") == pytest.approx(10_000 / 12_000)
    assert impact.after("largest_client_share") == 1.0


@pytest.mark.parametrize(
    ("source", "fired"),
    [("effective", ["x"]), ("manual", ["y"]), ("rule", ["z"]), ("suggested", [])],
)
def test_clients_are_fired_by_the_chosen_grade_source(source, fired):
    frame = portfolio([("x", "D", 100.0, 0.0, 10.0), ("y", "B", 100.0, 0.0, 10.0), ("z", "A", 100.0, 0.0, 10.0)])
    frame["manual_grade"] = ["C", "D", None]
    frame["rule_grade"] = ["C", "C", "D"]
    frame["suggested_grade"] = ["B", "B", "B"]

    impact = simulate_impact(frame, Scenario(fire_grades=("D",), grade_source=source), labor_cost_rate=0.0)

    assert impact.clients_fired == fired
    assert impact.grade_source == source


def test_hand_picked_clients_are_fired_along_with_a_grade_worst_first():
    impact = simulate_impact(REFERENCE, Scenario(fire_grades=("D",), fire_clients=("c1",)), labor_cost_rate=45.0)

    # D before C; within D the lower contribution per hour first (d1: -5/h, d2: -11.67/h).
    assert impact.clients_fired == ["d2", "d1", "c1"]
    assert impact.fired["order"].tolist() == [1, 2, 3]
    assert impact.after("clients") == 2.0


def test_an_unknown_client_id_is_refused_by_name():
    with pytest.raises(ScenarioError, match="No client with id nope, ghost"):
        simulate_impact(REFERENCE, Scenario(fire_clients=("a1", "nope", "ghost")), labor_cost_rate=0.0)


def test_freed_hours_are_redeployed_at_the_a_clients_effective_rate_by_default():
    impact = simulate_impact(
        REFERENCE, Scenario(fire_grades=("D",), redeployment=Redeployment(share=0.25)), labor_cost_rate=0.0
    )

    assert impact.redeploy_rate == 100.0
    assert impact.redeploy_rate_source == "A clients"
    assert impact.hours_redeployed == 400.0
    assert impact.redeployed_revenue == 40_000.0
    assert impact.hours_back == 1_200.0
    assert impact.after("revenue") == 220_000.0
    assert impact.after("labor_hours") == 2_800.0
    shares = impact.grade_shares.set_index("grade")
    assert shares.at["redeployed", "revenue_after"] == 40_000.0


def test_freed_hours_are_redeployed_at_the_chosen_rate():
    impact = simulate_impact(
        REFERENCE,
        Scenario(fire_grades=("D",), redeployment=Redeployment(share=Range(0.4, 0.6), rate=80.0)),
        labor_cost_rate=0.0,
    )

    assert impact.redeploy_rate_source == "chosen"
    assert impact.hours_redeployed == 800.0
    assert impact.redeployed_revenue == 64_000.0


def test_without_a_clients_the_redeploy_rate_is_the_whole_portfolios():
    frame = portfolio([("b1", "B", 3_000.0, 1_000.0, 20.0), ("d1", "D", 1_000.0, 0.0, 20.0)])
    impact = simulate_impact(frame, Scenario(redeployment=Redeployment(share=1.0)), labor_cost_rate=0.0)

    assert impact.redeploy_rate == 75.0
    assert impact.redeploy_rate_source == "whole portfolio"


@pytest.mark.parametrize(
    ("chance", "revenue_after", "clients_after", "hours_freed"),
    [(0.0, 180_000.0 + 60_000.0 * 1.2, 5.0, 0.0), (1.0, 180_000.0, 3.0, 1_600.0)],
)
def test_repriced_clients_pay_more_or_leave_at_the_extremes(chance, revenue_after, clients_after, hours_freed):
    scenario = Scenario(repricing=Repricing(price_increase={"D": 0.2}, leave_probability={"D": chance}))
    impact = simulate_impact(REFERENCE, scenario, labor_cost_rate=0.0)

    assert impact.after("revenue") == pytest.approx(revenue_after)
    assert impact.after("clients") == clients_after
    assert impact.hours_freed == hours_freed
    assert impact.clients_repriced == 2
    assert impact.clients_fired == []


def test_a_middling_chance_of_leaving_counts_as_its_expected_value():
    scenario = Scenario(repricing=Repricing(price_increase={"D": 0.5}, leave_probability={"D": Range(0.2, 0.6)}))
    impact = simulate_impact(REFERENCE, scenario, labor_cost_rate=0.0)

    # D brings 60,000; at +50% it would be 90,000, and 60% of that stays on average.
    assert impact.after("revenue") == pytest.approx(180_000.0 + 90_000.0 * 0.6)
    assert impact.expected_leavers == pytest.approx(0.8)
    assert impact.after("clients") == pytest.approx(4.2)


def test_break_fix_clients_move_to_managed_at_the_price_per_seat():
    frame = portfolio(
        [
            ("bf", "C", 3_000.0, 100.0, 50.0, "break_fix", 10),
            ("no_seats", "C", 2_000.0, 0.0, 20.0, "break_fix", 0),
            ("managed", "B", 12_000.0, 0.0, 60.0, "managed", 20),
            ("bf_fired", "D", 1_000.0, 0.0, 30.0, "break_fix", 5),
        ]
    )
    scenario = Scenario(fire_grades=("D",), managed_move=ManagedMove(price_per_seat=80.0))
    impact = simulate_impact(frame, scenario, labor_cost_rate=0.0)

    # 10 seats x 80 a month x 12 months replaces the 3,000 of break/fix billing; the rest is untouched.
    assert impact.after("revenue") == 9_600.0 + 2_000.0 + 12_000.0
    assert impact.after("direct_costs") == 100.0
    assert impact.clients_moved == 1


def test_a_move_to_managed_can_be_limited_to_some_grades_and_is_not_repriced_on_top():
    frame = portfolio(
        [("bf_c", "C", 3_000.0, 0.0, 50.0, "break_fix", 10), ("bf_b", "B", 3_000.0, 0.0, 50.0, "break_fix", 10)]
    )
    scenario = Scenario(
        managed_move=ManagedMove(price_per_seat=50.0, grades=("C",)),
        repricing=Repricing(price_increase={"C": 0.5, "B": 0.1}),
    )
    impact = simulate_impact(frame, scenario, labor_cost_rate=0.0)

    assert impact.after("revenue") == 6_000.0 + 3_300.0
    assert (impact.clients_moved, impact.clients_repriced) == (1, 1)


def test_the_result_holds_the_cli_keys_and_is_strict_json():
    impact = simulate_impact(REFERENCE, Scenario(fire_grades=("D",)), labor_cost_rate=45.0)
    result = json.loads(json.dumps(impact.to_dict(), allow_nan=False))

    for key in (
        "revenue_before",
        "revenue_after",
        "revenue_change_pct",
        "labor_hours_before",
        "labor_hours_after",
        "labor_hours_change_pct",
        "effective_hourly_rate_before",
        "effective_hourly_rate_after",
        "gross_profit_before",
        "gross_profit_after",
        "clients_fired",
        "hours_freed",
        "hours_redeployed",
        "redeployed_revenue",
        "hours_back",
        "grade_shares",
    ):
        assert key in result
    assert result["revenue_after"] == 180_000.0
    assert result["clients_fired"] == ["d2", "d1"]
    assert result["direct_costs_change_pct"] is None
    assert result["window_months"] == 12


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Redeployment(share=1.5), "from 0 to 1"),
        (lambda: Redeployment(share=-0.1), "from 0 to 1"),
        (lambda: Redeployment(share=Range(0.2, 1.2)), "from 0 to 1"),
        (lambda: Range(0.6, 0.2), "low end"),
        (lambda: Redeployment(rate=-5.0), "at least 0"),
        (lambda: Redeployment(ramp_months=-1), "0 months or more"),
        (lambda: Scenario(fire_grades=("E",)), "A, B, C or D"),
        (lambda: Scenario(grade_source="gut"), "grade source"),
        (lambda: Scenario(pace=0), "at least 1 client per month"),
        (lambda: Scenario(notice_months=-1), "notice period"),
        (lambda: Scenario(notice_months=1.5), "notice period"),
        (lambda: Scenario(horizon_months=6), "12 to 24"),
        (lambda: Scenario(horizon_months=36), "12 to 24"),
        (lambda: Scenario(start_month="spring"), "start month"),
        (lambda: Scenario(fire_clients="d1"), "list of client ids"),
        (lambda: Repricing(price_increase={"D": -0.1}), "at least 0"),
        (lambda: Repricing(price_increase={"F": 0.1}), "grades are A, B, C and D"),
        (lambda: Repricing(price_increase={"D": 0.1}, leave_probability={"D": 1.2}), "from 0 to 1"),
        (lambda: Repricing(price_increase={"D": 0.1}, leave_probability={"C": 0.2}), "grade C but no price increase"),
        (lambda: ManagedMove(price_per_seat=0.0), "above 0"),
    ],
)
def test_bad_scenario_inputs_are_refused_with_a_clear_message(build, message):
    with pytest.raises(ScenarioError, match=message):
        build()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda frame: frame.drop(columns="labor_hours"), "no column labor_hours"),
        (lambda frame: frame.drop(columns="effective_grade"), "no column effective_grade"),
        (lambda frame: frame.assign(revenue=[-1.0, 0, 0, 0, 0]), "revenue must be a finite amount"),
        (lambda frame: frame.assign(client_id=["a1", "a1", "c1", "d1", "d2"]), "more than once: a1"),
        (lambda frame: frame.assign(months_in_window=0), "months_in_window"),
    ],
)
def test_a_bad_portfolio_is_refused_with_a_clear_message(change, message):
    with pytest.raises(ScenarioError, match=message):
        simulate_impact(change(REFERENCE), Scenario(fire_grades=("D",)), labor_cost_rate=0.0)


def test_a_negative_labor_cost_rate_is_refused():
    with pytest.raises(ScenarioError, match="labor cost rate"):
        simulate_impact(REFERENCE, Scenario(), labor_cost_rate=-1.0)


def test_without_a_labor_cost_rate_the_settings_default_applies():
    impact = simulate_impact(REFERENCE, Scenario(), labor_cost_rate=None)

    assert impact.labor_cost_rate == 45.0
    assert impact.before("gross_profit") == 240_000.0 - 4_000.0 * 45.0


def test_missing_amounts_count_as_zero_and_missing_grades_as_ungraded():
    frame = portfolio([("a1", "A", 1_000.0, np.nan, 10.0), ("x", None, 500.0, 0.0, 10.0)])
    impact = simulate_impact(frame, Scenario(fire_clients=("x",)), labor_cost_rate=0.0)

    assert impact.before("direct_costs") == 0.0
    assert impact.grade_shares["grade"].tolist() == ["A", "B", "C", "D", "not graded"]
    assert impact.fired.at[0, "grade"] is None
