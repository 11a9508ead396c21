"""Churn simulation: the static impact, the timeline and the Monte Carlo bands, each against a bare numpy/pandas floor.

They run on the graded portfolio of one book (1,000 clients by default), graded once before timing, so only the
simulation is timed. The scenario is a demanding one: fire the D clients three a month after a month's notice,
reprice B and C clients with an uncertain chance of leaving, redeploy an uncertain share of the freed hours with
an uncertain ramp-up, over the longest horizon (24 months).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmarks.config import Config
from benchmarks.measure import time_median
from benchmarks.report import Row, Target
from benchmarks.scale import prepare_book
from grading.views.churn_impact import simulation_portfolio
from grading.scoring.portfolio import grade_portfolio
from grading.simulation import Range, Redeployment, Repricing, Scenario, simulate_bands, simulate_impact, simulate_timeline
from grading.db.store import Store

GROUP = "Simulation"
MONTE_CARLO_TARGET = Target(max_value=2.0)
#: The issue's Monte Carlo target is for this many draws on this many clients.
TARGET_DRAWS = 10_000
TARGET_CLIENTS = 1_000
SEED = 8


def scenario() -> Scenario:
    """Return the benchmark's scenario (every uncertain input a range)."""
    return Scenario(
        fire_grades=("D",),
        redeployment=Redeployment(share=Range(0.3, 0.7), ramp_months=Range(1, 6)),
        repricing=Repricing(
            price_increase={"B": 0.05, "C": 0.15},
            leave_probability={"B": Range(0.0, 0.1), "C": Range(0.05, 0.3)},
        ),
        pace=3,
        notice_months=1,
        horizon_months=24,
    )


def _bare_static(portfolio: pd.DataFrame) -> pd.DataFrame:
    return portfolio.groupby("effective_grade")[["revenue", "labor_hours", "direct_costs"]].sum()


def _bare_draws(revenue: np.ndarray, draws: int, horizon: int) -> np.ndarray:
    """As many uniform draws as the bands need at the least, a stay/leave test each, and one product per month."""
    generator = np.random.default_rng(SEED)
    stay = generator.random((draws, revenue.size)) >= 0.1
    per_draw = stay @ revenue
    return np.repeat(per_draw[:, np.newaxis], horizon, axis=1)


def run(config: Config) -> None:
    """Grade the simulation book once, then time the three simulations and their floors."""
    n_clients = config.simulation_clients
    book = prepare_book(n_clients, months=config.months, cache=config.cache, progress=config.say)
    with Store(book.database) as store:
        window_months = 12
        graded = grade_portfolio(store, book.as_of, models_dir=book.models, explain=False)
        portfolio = simulation_portfolio(graded, window_months)
    what_if = scenario()
    repeats, warmup = config.repeats(n_clients)
    size = config.size_label(len(portfolio))
    config.say(f"simulating on {len(portfolio):,} clients, {repeats} runs")

    static = time_median(lambda _: simulate_impact(portfolio, what_if), repeats=repeats, warmup=max(warmup, 1))
    static_floor = time_median(lambda _: _bare_static(portfolio), repeats=repeats, warmup=max(warmup, 1))
    floor_text = "pandas sum per grade, bare"
    config.emit(
        Row(GROUP, "static impact (simulate_impact)", size, static.median, repeats=static.repeats,
            floor_what=floor_text, floor_value=static_floor.median)
    )
    timeline = time_median(lambda _: simulate_timeline(portfolio, what_if), repeats=repeats, warmup=max(warmup, 1))
    config.emit(
        Row(GROUP, "timeline, 24 months (simulate_timeline)", size, timeline.median, repeats=timeline.repeats,
            floor_what=floor_text, floor_value=static_floor.median)
    )

    draws = config.draws
    revenue = pd.to_numeric(portfolio["revenue"], errors="coerce").fillna(0).to_numpy(dtype=float)
    bands = time_median(
        lambda _: simulate_bands(portfolio, what_if, draws=draws, rng=SEED), repeats=repeats, warmup=max(warmup, 1)
    )
    bands_floor = time_median(
        lambda _: _bare_draws(revenue, draws, what_if.horizon_months), repeats=repeats, warmup=max(warmup, 1)
    )
    at_target = draws == TARGET_DRAWS and n_clients == TARGET_CLIENTS
    config.emit(
        Row(
            GROUP,
            f"Monte Carlo bands, {draws:,} draws x 24 months (simulate_bands)",
            size,
            bands.median,
            repeats=bands.repeats,
            floor_what="numpy draws x clients, one stay test and product each, bare",
            floor_value=bands_floor.median,
            target=MONTE_CARLO_TARGET if at_target else None,
        )
    )
