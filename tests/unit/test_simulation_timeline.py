"""The churn-impact timeline and its Monte Carlo bands (grading.simulation.timeline, .montecarlo)."""

from __future__ import annotations

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
    simulate_bands,
    simulate_impact,
    simulate_timeline,
)


def portfolio(rows: list[tuple], months: int = 12) -> pd.DataFrame:
    """A portfolio frame from (client_id, grade, revenue, direct_costs, labor_hours[, service_model, seats]) rows."""
    frame = pd.DataFrame(
        [(*row, "managed", 10)[:7] for row in rows],
        columns=["client_id", "effective_grade", "revenue", "direct_costs", "labor_hours", "service_model", "seats"],
    )
    frame["name"] = "Client " + frame["client_id"]
    frame["months_in_window"] = months
    for source in ("rule", "suggested", "manual"):
        frame[f"{source}_grade"] = frame["effective_grade"]
    return frame


# Window totals over 12 months, so each client's month is a twelfth: a1 brings 1,200 a month over 12 hours.
BOOK = portfolio(
    [
        ("a1", "A", 14_400.0, 1_200.0, 144.0),
        ("b1", "B", 7_200.0, 0.0, 120.0),
        ("c1", "C", 3_600.0, 0.0, 72.0, "break_fix", 6),
        ("d1", "D", 2_400.0, 0.0, 96.0),
        ("d2", "D", 1_200.0, 0.0, 60.0),
        ("d3", "D", 1_200.0, 120.0, 36.0),
    ]
)


def random_book(clients: int, seed: int) -> pd.DataFrame:
    """A larger book with random amounts and grades, for the Monte Carlo tests."""
    rng = np.random.default_rng(seed)
    hours = rng.gamma(2.0, 60.0, clients)
    frame = pd.DataFrame(
        {
            "client_id": [f"c{i:04d}" for i in range(clients)],
            "effective_grade": rng.choice(list("ABCD"), clients),
            "revenue": hours * rng.uniform(40.0, 160.0, clients),
            "direct_costs": hours * rng.uniform(0.0, 20.0, clients),
            "labor_hours": hours,
            "service_model": rng.choice(["managed", "break_fix"], clients),
            "seats": rng.integers(0, 40, clients),
            "months_in_window": 12,
        }
    )
    for source in ("rule", "suggested", "manual"):
        frame[f"{source}_grade"] = frame["effective_grade"]
    return frame


def test_three_d_clients_at_one_a_month_with_a_month_of_notice_leave_in_months_two_three_and_four():
    scenario = Scenario(fire_grades=("D",), pace=1, notice_months=1)
    timeline = simulate_timeline(BOOK, scenario, labor_cost_rate=0.0)
    impact = simulate_impact(BOOK, scenario, labor_cost_rate=0.0)

    assert timeline["clients"].tolist()[:6] == [6.0, 5.0, 4.0, 3.0, 3.0, 3.0]
    assert impact.fired["exit_month"].tolist() == [2, 3, 4]
    assert impact.fired["notice_month"].tolist() == [1, 2, 3]
    # Worst first: at a labor cost rate of 0, d2 (20 an hour) goes before d1 (25) and d3 (30).
    assert impact.clients_fired == ["d2", "d1", "d3"]
    assert timeline.loc[timeline["month"] == 2, "revenue"].item() == pytest.approx((30_000.0 - 1_200.0) / 12)


def test_firing_all_at_once_without_notice_empties_month_one():
    timeline = simulate_timeline(BOOK, Scenario(fire_grades=("D",)), labor_cost_rate=0.0)

    assert (timeline["clients"] == 3.0).all()
    assert timeline["revenue"].iloc[0] == pytest.approx(25_200.0 / 12)
    assert timeline["hours_freed"].iloc[0] == pytest.approx(192.0 / 12)


def test_two_a_month_give_notice_to_the_third_client_in_month_two():
    impact = simulate_impact(BOOK, Scenario(fire_grades=("D",), pace=2, notice_months=2), labor_cost_rate=0.0)

    assert impact.fired["notice_month"].tolist() == [1, 1, 2]
    assert impact.fired["exit_month"].tolist() == [3, 3, 4]


def test_redeployment_ramps_up_to_the_full_share():
    scenario = Scenario(fire_grades=("D",), redeployment=Redeployment(share=0.5, rate=100.0, ramp_months=4))
    timeline = simulate_timeline(BOOK, scenario, labor_cost_rate=0.0)

    freed = 192.0 / 12
    expected = [freed * 0.5 * step / 4 for step in (1, 2, 3, 4)] + [freed * 0.5] * 8
    assert timeline["hours_redeployed"].tolist() == pytest.approx(expected)
    assert timeline["redeployed_revenue"].iloc[-1] == pytest.approx(freed * 0.5 * 100.0)
    assert timeline["hours_back"].iloc[-1] == pytest.approx(freed * 0.5)


def test_each_departure_ramps_up_from_its_own_month():
    scenario = Scenario(fire_grades=("D",), pace=1, redeployment=Redeployment(share=1.0, rate=0.0, ramp_months=2))
    timeline = simulate_timeline(BOOK, scenario, labor_cost_rate=0.0)

    # d2 (5 h a month) goes in month 1, d1 (8 h) in month 2, d3 (3 h) in month 3.
    assert timeline["hours_freed"].tolist()[:4] == pytest.approx([5.0, 13.0, 16.0, 16.0])
    assert timeline["hours_redeployed"].tolist()[:5] == pytest.approx([2.5, 9.0, 14.5, 16.0, 16.0])


def test_the_timeline_settles_on_the_static_after_once_everything_is_in_effect():
    scenario = Scenario(
        fire_grades=("D",),
        pace=1,
        notice_months=2,
        redeployment=Redeployment(share=Range(0.2, 0.6), ramp_months=Range(2, 4)),
        repricing=Repricing(price_increase={"B": 0.15}, leave_probability={"B": Range(0.1, 0.3)}),
        managed_move=ManagedMove(price_per_seat=60.0),
        horizon_months=18,
    )
    timeline = simulate_timeline(BOOK, scenario, labor_cost_rate=45.0)
    impact = simulate_impact(BOOK, scenario, labor_cost_rate=45.0)

    last = timeline.iloc[-1]
    for metric in ("revenue", "direct_costs", "labor_hours", "gross_profit", "clients"):
        expected = impact.after(metric) / (1 if metric == "clients" else 12)
        assert last[metric] == pytest.approx(expected)
    assert last["effective_hourly_rate"] == pytest.approx(impact.after("effective_hourly_rate"))
    assert last["hours_redeployed"] * 12 == pytest.approx(impact.hours_redeployed)


def test_before_anything_takes_effect_a_month_is_the_baseline():
    scenario = Scenario(
        fire_grades=("D",),
        notice_months=3,
        repricing=Repricing(price_increase={"A": 0.1}),
        managed_move=ManagedMove(price_per_seat=60.0),
    )
    timeline = simulate_timeline(BOOK, scenario, labor_cost_rate=45.0)
    baseline = simulate_impact(BOOK, Scenario(), labor_cost_rate=45.0)

    for month in (1, 2, 3):
        row = timeline.loc[timeline["month"] == month].iloc[0]
        assert row["revenue"] == pytest.approx(baseline.before("revenue") / 12)
        assert row["gross_profit"] == pytest.approx(baseline.before("gross_profit") / 12)
    # In month 4 the D clients are gone, a1 pays 10% more and c1 pays 6 seats x 60.
    month_four = timeline.loc[timeline["month"] == 4, "revenue"].item()
    assert month_four == pytest.approx(1_200.0 * 1.1 + 600.0 + 360.0)


@pytest.mark.parametrize(("chance", "clients_from_lift"), [(0.0, 6.0), (1.0, 3.0)])
def test_repriced_clients_that_leave_are_gone_from_the_lift_month(chance, clients_from_lift):
    scenario = Scenario(
        notice_months=1, repricing=Repricing(price_increase={"D": 0.3}, leave_probability={"D": chance})
    )
    timeline = simulate_timeline(BOOK, scenario, labor_cost_rate=0.0)

    assert timeline["clients"].iloc[0] == 6.0
    assert (timeline["clients"].iloc[1:] == clients_from_lift).all()


def test_the_timeline_has_one_row_per_month_and_a_calendar_when_a_start_month_is_given():
    timeline = simulate_timeline(BOOK, Scenario(horizon_months=24, start_month="2025-11-15"), labor_cost_rate=0.0)
    without = simulate_timeline(BOOK, Scenario(), labor_cost_rate=0.0)

    assert timeline["month"].tolist() == list(range(1, 25))
    assert timeline["calendar_month"].iloc[0] == pd.Timestamp("2025-11-01")
    assert timeline["calendar_month"].iloc[2] == pd.Timestamp("2026-01-01")
    assert "calendar_month" not in without.columns
    assert len(without) == 12


def test_a_month_without_hours_has_no_effective_rate_rather_than_an_error():
    timeline = simulate_timeline(BOOK, Scenario(fire_grades=("A", "B", "C", "D")), labor_cost_rate=0.0)

    assert (timeline["revenue"] == 0).all()
    assert timeline["effective_hourly_rate"].isna().all()


UNCERTAIN = Scenario(
    fire_grades=("D",),
    pace=5,
    notice_months=1,
    redeployment=Redeployment(share=Range(0.2, 0.7), ramp_months=Range(1, 6)),
    repricing=Repricing(
        price_increase={"B": 0.1, "C": 0.25}, leave_probability={"B": Range(0.0, 0.2), "C": Range(0.2, 0.6)}
    ),
    horizon_months=24,
)


def test_the_same_seed_gives_the_same_bands():
    book = random_book(200, seed=7)
    first = simulate_bands(book, UNCERTAIN, draws=500, rng=42, labor_cost_rate=45.0)
    second = simulate_bands(book, UNCERTAIN, draws=500, rng=np.random.default_rng(42), labor_cost_rate=45.0)
    other = simulate_bands(book, UNCERTAIN, draws=500, rng=43, labor_cost_rate=45.0)

    pd.testing.assert_frame_equal(first, second)
    assert not np.allclose(first["p10"], other["p10"])


def test_bands_are_ordered_p10_p50_p90_for_every_month_and_metric():
    bands = simulate_bands(random_book(300, seed=3), UNCERTAIN, draws=400, rng=1, labor_cost_rate=45.0)

    assert set(bands["metric"]) == {"revenue", "gross_profit", "labor_hours"}
    assert len(bands) == 3 * 24
    assert (bands["p10"] <= bands["p50"]).all()
    assert (bands["p50"] <= bands["p90"]).all()
    # Ranges are real uncertainty: some month's band has width.
    assert (bands["p90"] - bands["p10"]).max() > 0


def test_without_ranges_the_bands_collapse_onto_the_timeline():
    scenario = Scenario(
        fire_grades=("D",),
        pace=1,
        redeployment=Redeployment(share=0.5, ramp_months=3),
        repricing=Repricing(price_increase={"B": 0.2, "C": 0.1}, leave_probability={"B": 1.0, "C": 0.0}),
        start_month="2026-01",
    )
    bands = simulate_bands(BOOK, scenario, draws=50, rng=5, labor_cost_rate=45.0)
    timeline = simulate_timeline(BOOK, scenario, labor_cost_rate=45.0)

    for metric in ("revenue", "gross_profit", "labor_hours"):
        band = bands[bands["metric"] == metric]
        for column in ("p10", "p50", "p90"):
            assert band[column].to_numpy() == pytest.approx(timeline[metric].to_numpy())
        assert band["calendar_month"].tolist() == timeline["calendar_month"].tolist()


def test_the_median_draw_lands_near_the_expected_timeline():
    book = random_book(400, seed=11)
    scenario = Scenario(
        repricing=Repricing(price_increase={"C": 0.2}, leave_probability={"C": Range(0.3, 0.5)}), notice_months=0
    )
    bands = simulate_bands(book, scenario, draws=2_000, rng=9, labor_cost_rate=45.0)
    timeline = simulate_timeline(book, scenario, labor_cost_rate=45.0)

    median = bands.loc[bands["metric"] == "revenue", "p50"].to_numpy()
    assert median == pytest.approx(timeline["revenue"].to_numpy(), rel=0.02)


@pytest.mark.parametrize("draws", [0, -5, 2.5, True])
def test_a_bad_number_of_draws_is_refused(draws):
    with pytest.raises(ScenarioError, match="number of draws"):
        simulate_bands(BOOK, UNCERTAIN, draws=draws, rng=1)
