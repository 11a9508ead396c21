"""The revenue-vs-time and churn charts: titles, axis titles with units, legends and the house grade colours."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from grading.views import revenue_vs_time
from grading.charts import churn as churn_charts
from grading.charts import revenue_time
from grading.charts.palette import GRADE_COLORS
from grading.simulation import Range, Redeployment, Scenario, simulate_bands, simulate_timeline


def _portfolio(n: int = 24, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "client_id": [f"c{i:02d}" for i in range(n)],
            "name": [f"Client name {i}" for i in range(n)],
            "revenue": rng.uniform(2_000, 60_000, n),
            "direct_costs": rng.uniform(0, 1_500, n),
            "labor_hours": rng.uniform(20, 600, n),
            "gross_profit": rng.uniform(-5_000, 30_000, n),
            "effective_grade": rng.choice(list("ABCD"), n),
            "months_in_window": 12,
        }
    )


def _walk(spec, found: list) -> list:
    """Collect every dict of a Vega-Lite spec (depth first)."""
    if isinstance(spec, dict):
        found.append(spec)
        for value in spec.values():
            _walk(value, found)
    elif isinstance(spec, list):
        for value in spec:
            _walk(value, found)
    return found


def _titles(spec: dict) -> str:
    return repr(spec.get("title"))


def _axis_titles(spec: dict) -> set[str]:
    titles = set()
    for part in _walk(spec, []):
        for channel in ("x", "y"):
            encoding = part.get("encoding", {}) if isinstance(part.get("encoding"), dict) else {}
            if isinstance(encoding.get(channel), dict) and encoding[channel].get("title"):
                titles.add(encoding[channel]["title"])
    return titles


def _grade_ranges(spec: dict) -> list[list[str]]:
    return [part["range"] for part in _walk(spec, []) if isinstance(part.get("range"), list)
            and GRADE_COLORS["A"] in part["range"]]


def test_revenue_hours_chart_has_a_dot_per_client_rate_lines_and_grade_colours():
    portfolio = _portfolio()
    points = revenue_vs_time.client_points(portfolio, "effective_grade")
    lines = revenue_vs_time.rate_lines({"Labor cost": 45.0, "Target": 120.0}, points["labor_hours"].max())
    spec = revenue_time.revenue_hours_chart(points, lines, currency="GBP").to_dict()
    assert "Revenue against time" in _titles(spec)
    assert "Labor hours in the window (h)" in _axis_titles(spec)
    assert "Revenue less direct costs (£)" in _axis_titles(spec)
    assert _grade_ranges(spec), "the dots use the house grade colours"
    datasets = spec["datasets"].values()
    assert any(len(rows) == len(points) for rows in datasets)
    assert any({row.get("line") for row in rows} == {"Labor cost", "Target"} for rows in datasets)


def test_share_chart_labels_each_bar_with_its_percentage():
    shares = revenue_vs_time.grade_shares(_portfolio(), "effective_grade")
    long = revenue_time.share_long_frame(shares)
    assert len(long) == 2 * len(shares)
    assert long["label"].str.endswith("%").all()
    spec = revenue_time.share_chart(shares, grade_title="Rule grade").to_dict()
    assert "time share, per grade" in _titles(spec)
    assert "Share (%)" in _axis_titles(spec)
    assert _grade_ranges(spec)
    assert any(part.get("mark", {}) == {"type": "text", "dy": -7, "fontSize": 12} or part.get("mark") == "text"
               or (isinstance(part.get("mark"), dict) and part["mark"].get("type") == "text")
               for part in _walk(spec, []))


@pytest.mark.parametrize(
    ("measure", "axis_title"),
    [("revenue", "Revenue (€)"), ("labor_hours", "Labor hours (hours)"),
     ("effective_hourly_rate", "Effective hourly rate (€ per hour)"), ("gross_profit", "Gross profit (€)")],
)
def test_monthly_chart_titles_its_axis_with_the_unit(measure, axis_title):
    monthly = pd.DataFrame(
        {"month": [date(2024, 1, 1), date(2024, 2, 1)], "grade": ["A", "D"], "clients": [3, 2],
         "revenue": [1.0, 2.0], "labor_hours": [1.0, 2.0], "effective_hourly_rate": [1.0, np.nan],
         "gross_profit": [0.5, -1.0]}
    )
    spec = revenue_time.monthly_chart(monthly, measure, currency="EUR").to_dict()
    assert axis_title in _axis_titles(spec)
    assert _grade_ranges(spec)


def test_monthly_chart_refuses_an_unknown_measure():
    with pytest.raises(ValueError, match="revenue"):
        revenue_time.monthly_chart(pd.DataFrame(), "tickets")


def test_grade_history_chart_stacks_clients_per_grade():
    counts = pd.DataFrame({"month": [date(2024, 1, 1)] * 2, "grade": ["B", "C"], "clients": [3, 4]})
    spec = revenue_time.grade_history_chart(counts).to_dict()
    assert "Manual grades over time" in _titles(spec)
    assert "Clients" in _axis_titles(spec)
    assert _grade_ranges(spec)


def _scenario(**overrides) -> Scenario:
    values = dict(fire_grades=("D",), redeployment=Redeployment(share=Range(0.2, 0.6), ramp_months=2), pace=1,
                  notice_months=1, horizon_months=12, start_month="2025-01")
    return Scenario(**(values | overrides))


def test_timeline_frames_hold_the_expected_path_todays_level_and_the_band():
    portfolio = _portfolio()
    scenario = _scenario()
    timeline = simulate_timeline(portfolio, scenario, labor_cost_rate=45)
    bands = simulate_bands(portfolio, scenario, draws=200, rng=3, labor_cost_rate=45)
    lines, band = churn_charts.timeline_frames(timeline, bands, "revenue", 1234.0)
    assert set(lines["series"]) == {churn_charts.EXPECTED, churn_charts.BEFORE}
    assert (lines.loc[lines["series"] == churn_charts.BEFORE, "value"] == 1234.0).all()
    assert len(band) == 12
    assert (band["p10"] <= band["p90"]).all()


def test_timeline_chart_draws_the_band_under_the_lines_with_a_legend():
    portfolio = _portfolio()
    scenario = _scenario()
    timeline = simulate_timeline(portfolio, scenario, labor_cost_rate=45)
    bands = simulate_bands(portfolio, scenario, draws=100, rng=3, labor_cost_rate=45)
    spec = churn_charts.timeline_chart(timeline, bands, "gross_profit", before_per_month=100.0,
                                       currency="USD").to_dict()
    marks = [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in spec["layer"]]
    assert marks == ["area", "line"]
    assert "Gross profit per month ($)" in _axis_titles(spec)
    legends = [part for part in _walk(spec, []) if "legend" in part and isinstance(part.get("title"), str)
               and part["title"] in {"Line", "Uncertainty"}]
    assert len(legends) == 2


def test_timeline_chart_without_bands_is_only_the_lines():
    portfolio = _portfolio()
    scenario = _scenario(redeployment=Redeployment(share=0.5))
    timeline = simulate_timeline(portfolio, scenario, labor_cost_rate=45)
    spec = churn_charts.timeline_chart(timeline, None, "labor_hours").to_dict()
    assert "layer" in spec and len(spec["layer"]) == 1
    assert "Labor hours per month (hours)" in _axis_titles(spec)


def test_timeline_chart_refuses_a_metric_without_a_band():
    with pytest.raises(ValueError, match="gross_profit"):
        churn_charts.timeline_frames(pd.DataFrame({"month": [1]}), None, "clients", None)


def test_hours_freed_split_into_redeployed_and_back_to_the_owner():
    portfolio = _portfolio()
    timeline = simulate_timeline(portfolio, _scenario(redeployment=Redeployment(share=0.25)), labor_cost_rate=45)
    frame = churn_charts.hours_freed_frame(timeline)
    by_use = frame.groupby("use")["hours"].sum()
    assert by_use[churn_charts.REDEPLOYED] == pytest.approx(timeline["hours_redeployed"].sum())
    assert by_use[churn_charts.BACK] == pytest.approx(timeline["hours_back"].sum())
    spec = churn_charts.hours_freed_chart(timeline).to_dict()
    assert "Hours per month (h)" in _axis_titles(spec)
    assert "Hours freed per month" in _titles(spec)


def test_the_revenue_against_time_chart_zooms_and_pans():
    import pandas as pd

    from grading.charts.revenue_time import revenue_hours_chart

    points = pd.DataFrame({"client_id": ["a", "b"], "name": ["A", "B"], "grade": ["A", "D"],
                           "revenue": [1000.0, 50000.0], "direct_costs": [0.0, 0.0], "labor_hours": [10.0, 300.0],
                           "net_revenue": [1000.0, 50000.0], "effective_hourly_rate": [100.0, 166.0]})
    lines = pd.DataFrame({"line": ["cost"] * 2, "rate": [45.0] * 2, "labor_hours": [0.0, 300.0],
                          "net_revenue": [0.0, 13500.0]})

    spec = revenue_hours_chart(points, lines).to_dict()

    assert '"bind": "scales"' in __import__("json").dumps(spec)


def test_the_per_grade_chart_has_short_title_lines_and_the_scatter_lists_clients_first():
    import pandas as pd

    from grading.charts.revenue_time import revenue_hours_chart, share_chart

    shares = pd.DataFrame({"grade": ["A", "D"], "revenue_share": [0.75, 0.25], "hours_share": [0.6, 0.4]})
    spec = share_chart(shares).to_dict()
    assert all(len(line) <= 30 for line in spec["title"]["text"])
    assert spec["layer"][0]["encoding"]["y"]["title"] == "Share (%)"

    points = pd.DataFrame({"client_id": ["a"], "name": ["A"], "grade": ["A"], "revenue": [1000.0],
                           "direct_costs": [0.0], "labor_hours": [10.0], "net_revenue": [1000.0],
                           "effective_hourly_rate": [100.0]})
    lines = pd.DataFrame({"line": ["cost"] * 2, "rate": [45.0] * 2, "labor_hours": [0.0, 10.0],
                          "net_revenue": [0.0, 450.0]})
    scatter = revenue_hours_chart(points, lines).to_dict()
    assert scatter["layer"][0]["mark"]["type"] == "circle"


def test_the_revenue_pages_views_draw_rate_lines_to_the_busiest_client_and_pick_the_d_row():
    portfolio = _portfolio()
    points = revenue_vs_time.client_points(portfolio, "effective_grade")
    rates = {"labor cost": 45.0}
    lines, has_hours = revenue_vs_time.rate_lines_for(points, rates)
    pd.testing.assert_frame_equal(lines, revenue_vs_time.rate_lines(rates, points["labor_hours"].max()))
    assert has_hours is True
    assert revenue_vs_time.rate_lines_for(points.assign(labor_hours=0.0), rates)[1] is False
    shares, d_row = revenue_vs_time.shares_and_the_d_row(portfolio, "effective_grade")
    assert d_row["grade"] == "D"
    assert list(revenue_vs_time.share_table(shares).columns) == list(revenue_vs_time.SHARE_TABLE_COLUMNS)
