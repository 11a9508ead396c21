"""The churn page's scenario from its widgets, the before/after cards and the scenario's CSV report."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from grading.views.churn_impact import (
    PAGE_CHOICES,
    client_labels,
    month_after,
    picked_caption,
    has_uncertainty,
    impact_cards,
    monthly_level,
    scenario_from_choices,
    scenario_report,
    simulation_portfolio,
)
from grading.db.export import safe_csv_bytes
from grading.simulation import Range, ScenarioError, simulate_bands, simulate_impact, simulate_timeline


def _portfolio() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 16
    return pd.DataFrame(
        {
            "client_id": [f"c{i:02d}" for i in range(n)],
            "name": ["=HYPERLINK(1)"] + [f"Client {i}" for i in range(1, n)],
            "revenue": rng.uniform(5_000, 50_000, n),
            "direct_costs": rng.uniform(0, 2_000, n),
            "labor_hours": rng.uniform(50, 500, n),
            "effective_grade": ["A", "B", "C", "D"] * 4,
            "service_model": ["managed", "break_fix"] * 8,
            "seats": 10,
        }
    )


def test_simulation_portfolio_adds_the_window_length():
    ready = simulation_portfolio(_portfolio(), 12)
    assert (ready["months_in_window"] == 12).all()


def test_simulation_portfolio_keeps_a_window_length_it_already_has():
    given = _portfolio().assign(months_in_window=6)
    assert (simulation_portfolio(given, 12)["months_in_window"] == 6).all()


@pytest.mark.parametrize("window", [0, 2.5, True])
def test_simulation_portfolio_refuses_a_window_that_is_not_whole_months(window):
    with pytest.raises(ScenarioError):
        simulation_portfolio(_portfolio(), window)


def test_sliders_become_fractions_and_ranges():
    scenario = scenario_from_choices(
        fire_grades=["D"],
        redeploy_share_pct=(30, 60),
        ramp_months=(2, 2),
        pace=0,
        price_increase_pct={"C": 10, "B": 0},
        leave_pct={"C": (10, 30), "B": (50, 50)},
    )
    assert scenario.redeployment.share == Range(0.3, 0.6)
    assert scenario.redeployment.ramp_months == 2.0
    assert scenario.pace is None
    assert scenario.repricing.price_increase == {"C": pytest.approx(0.10)}
    leave = scenario.repricing.leave_probability["C"]
    assert (leave.low, leave.high) == (pytest.approx(0.1), pytest.approx(0.3))
    assert has_uncertainty(scenario)


def test_no_price_increase_means_no_repricing_and_no_move_without_a_price():
    scenario = scenario_from_choices(fire_grades=["D"], price_increase_pct={"D": 0}, managed_price_per_seat=None)
    assert scenario.repricing is None
    assert scenario.managed_move is None
    assert not has_uncertainty(scenario)


def test_a_bad_choice_is_a_scenario_error_with_a_sentence():
    with pytest.raises(ScenarioError, match="horizon"):
        scenario_from_choices(horizon_months=36)


def test_cards_put_gross_profit_first_and_show_the_change():
    portfolio = simulation_portfolio(_portfolio(), 12)
    impact = simulate_impact(portfolio, scenario_from_choices(fire_grades=["D"]), labor_cost_rate=45)
    cards = impact_cards(impact, "EUR")
    assert [card.metric for card in cards][:5] == [
        "gross_profit", "revenue", "labor_hours", "effective_hourly_rate", "largest_client_share"
    ]
    revenue = next(card for card in cards if card.metric == "revenue")
    assert revenue.value.startswith("€")
    assert revenue.delta.startswith("-€") and revenue.delta.endswith("%)")
    hours = next(card for card in cards if card.metric == "labor_hours")
    assert hours.delta_color == "inverse"
    share = next(card for card in cards if card.metric == "largest_client_share")
    assert share.delta.endswith("pp")


def test_monthly_level_is_the_window_total_over_its_months():
    portfolio = simulation_portfolio(_portfolio(), 12)
    impact = simulate_impact(portfolio, scenario_from_choices(), labor_cost_rate=45)
    assert monthly_level(impact, "revenue") == pytest.approx(portfolio["revenue"].sum() / 12)


def test_scenario_report_holds_inputs_results_fired_clients_and_the_timeline():
    portfolio = simulation_portfolio(_portfolio(), 12)
    scenario = scenario_from_choices(fire_grades=["D"], redeploy_share_pct=(20, 40), pace=1, horizon_months=12)
    impact = simulate_impact(portfolio, scenario, labor_cost_rate=45)
    timeline = simulate_timeline(portfolio, scenario, labor_cost_rate=45)
    bands = simulate_bands(portfolio, scenario, draws=50, rng=1, labor_cost_rate=45)
    report = scenario_report(scenario, impact, timeline, bands, currency="EUR")
    sections = report["section"].value_counts()
    assert sections["fired"] == 4
    assert sections["impact"] == len(impact.metrics)
    assert report.loc[report["item"] == "fire_grades", "value"].item() == "D"
    gross = report[(report["section"] == "impact") & (report["item"] == "gross_profit")].iloc[0]
    assert gross["after"] == pytest.approx(impact.after("gross_profit"))
    revenue_months = report[(report["section"] == "timeline") & (report["item"] == "revenue")]
    assert len(revenue_months) == 12 and revenue_months["p90"].notna().all()


def test_scenario_csv_neutralizes_a_name_that_looks_like_a_formula():
    portfolio = simulation_portfolio(_portfolio(), 12)
    scenario = scenario_from_choices(fire_clients=["c00"])
    impact = simulate_impact(portfolio, scenario, labor_cost_rate=45)
    timeline = simulate_timeline(portfolio, scenario, labor_cost_rate=45)
    text = safe_csv_bytes(scenario_report(scenario, impact, timeline)).decode("utf-8")
    read_back = pd.read_csv(io.StringIO(text))
    fired = read_back[read_back["section"] == "fired"]
    assert fired["item"].iloc[0] == "'=HYPERLINK(1) (c00)"


def test_the_pages_starting_choices_name_one_widget_each_and_one_per_grade_for_prices():
    values = PAGE_CHOICES.widget_values(("A", "B", "C", "D"))
    assert values["churn_grades"] == ["D"]
    # Nothing resold, as the CLI's simulate starts (grading.simulation.defaults).
    assert values["churn_share"] == (0, 0) and values["churn_cost_goes"] is False
    assert values["churn_increase_A"] == 0 and values["churn_leave_D"] == (10, 30)
    assert "churn_increase" not in values and "churn_leave" not in values
    assert sum(name.startswith("churn_increase_") for name in values) == 4


def test_client_labels_name_the_client_and_its_grade():
    book = pd.DataFrame({"client_id": ["c1", "c2"], "name": ["Acme", "Bolt"], "effective_grade": ["D", None]})
    assert client_labels(book, "effective_grade") == {"c1": "Acme (D)", "c2": "Bolt (not graded)"}


def test_picked_caption_names_the_first_five_and_counts_the_rest():
    labels = {f"c{number}": f"Client {number}" for number in range(7)}
    assert picked_caption(labels, ["c0"]) == "Picked: Client 0"
    expected = "Picked: " + ", ".join(f"Client {n}" for n in range(5)) + " and 2 more"
    assert picked_caption(labels, list(labels)) == expected


@pytest.mark.parametrize(("day", "first"), [("2024-05-31", "2024-06-01"), ("2024-12-01", "2025-01-01")])
def test_the_simulation_starts_the_month_after_the_as_of_date(day, first):
    from datetime import date

    assert month_after(date.fromisoformat(day)) == date.fromisoformat(first)



def test_the_simulation_book_comes_with_the_pickers_labels():
    from grading.views.churn_impact import simulation_book

    book, labels = simulation_book(_portfolio(), 12, "effective_grade")
    assert (book["months_in_window"] == 12).all()
    assert labels == client_labels(book, "effective_grade")


def test_story_and_timeline_are_the_story_and_the_timeline_of_one_scenario():
    from grading.simulation.story import churn_story
    from grading.views.churn_impact import story_and_timeline

    book = simulation_portfolio(_portfolio(), 12)
    scenario = scenario_from_choices(fire_grades=["D"])
    story, timeline = story_and_timeline(book, scenario, labor_cost_rate=45.0, window_months=12, currency="EUR")
    assert story.sentence == churn_story(book, scenario, labor_cost_rate=45.0, window_months=12).sentence
    pd.testing.assert_frame_equal(timeline, simulate_timeline(book, scenario, labor_cost_rate=45.0))
