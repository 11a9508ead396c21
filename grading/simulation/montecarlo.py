"""Uncertainty bands: the timeline drawn many times where the owner gave a range instead of a number.

Each draw picks, uniformly within its range, the redeployed share, the ramp-up and, per grade, the chance that a
repriced client leaves (one chance per grade and draw: the market that makes one C client leave makes the others
more likely to leave too); then each repriced client stays or leaves by its own coin. Firing is not uncertain:
the owner decides it. Draws run in batches as numpy arrays of draws x clients and draws x months; nothing loops
over clients or draws (only over the at most 24 months of ramp-up lag).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from grading.simulation.plan import Plan, make_plan
from grading.simulation.scenario import Scenario, ScenarioError, bounds
from grading.vocabulary import GRADES
from grading.simulation.static import default_labor_cost_rate
from grading.simulation.timeline import calendar_months, monthly_paths

BAND_METRICS = ("revenue", "gross_profit", "labor_hours")
QUANTILES = (0.1, 0.5, 0.9)
# About 16 MB of random numbers per batch, whatever the number of clients.
_CELLS_PER_BATCH = 2_000_000
MAX_DRAWS = 1_000_000


def simulate_bands(
    portfolio: pd.DataFrame,
    scenario: Scenario,
    *,
    draws: int = 1000,
    rng: np.random.Generator | int | None = None,
    labor_cost_rate: float | None = None,
) -> pd.DataFrame:
    """Return P10 / P50 / P90 per month of revenue, gross profit and labor hours over ``draws`` draws.

    Parameters
    ----------
    portfolio:
        One row per client (see :func:`~grading.simulation.plan.make_plan`).
    scenario:
        The what-if; its :class:`~grading.simulation.scenario.Range` inputs are what varies between draws.
    draws:
        How many draws (at least 1).
    rng:
        A ``numpy.random.Generator``, or a seed for one; the same seed gives the same bands. ``None`` draws fresh
        entropy (not reproducible).
    labor_cost_rate:
        What one technician hour costs; ``None`` uses the setting's default.

    Returns
    -------
    pandas.DataFrame
        Long format, one row per month and metric: ``month`` (1..horizon), ``calendar_month`` (only when the
        scenario has a start month), ``metric`` (``revenue``, ``gross_profit``, ``labor_hours``), ``p10``,
        ``p50``, ``p90``.

    Raises
    ------
    ScenarioError
        ``draws`` is not a whole number from 1 to 1,000,000, or as
        :func:`~grading.simulation.static.simulate_impact`.
    """
    if isinstance(draws, bool) or not isinstance(draws, int | np.integer) or not 1 <= draws <= MAX_DRAWS:
        raise ScenarioError(f"The number of draws must be a whole number from 1 to {MAX_DRAWS:,}; got {draws!r}.")
    generator = np.random.default_rng(rng)
    plan = make_plan(portfolio, scenario, default_labor_cost_rate(labor_cost_rate))
    paths = draw_paths(plan, int(draws), generator)
    horizon = scenario.horizon_months
    pieces = []
    for metric in BAND_METRICS:
        low, median, high = np.quantile(paths[metric], QUANTILES, axis=0)
        pieces.append(
            pd.DataFrame(
                {"month": np.arange(1, horizon + 1), "metric": metric, "p10": low, "p50": median, "p90": high}
            )
        )
    bands = pd.concat(pieces, ignore_index=True)
    if scenario.start_month is not None:
        bands.insert(1, "calendar_month", np.tile(calendar_months(scenario), len(BAND_METRICS)))
    return bands


def draw_paths(plan: Plan, draws: int, generator: np.random.Generator) -> dict[str, np.ndarray]:
    """Return the monthly figures of ``draws`` draws, each an array of shape (draws, horizon).

    Parameters
    ----------
    plan:
        The resolved scenario.
    draws:
        How many draws.
    generator:
        Where the randomness comes from; batches are drawn in a fixed order, so a seeded generator repeats.

    Returns
    -------
    dict of numpy.ndarray
        The keys of :data:`BAND_METRICS`.
    """
    redeployment = plan.scenario.redeployment
    share_low, share_high = bounds(redeployment.share)
    ramp_low, ramp_high = bounds(redeployment.ramp_months)
    uncertain = plan.uncertain
    grade_index = pd.Series(plan.grade[uncertain], dtype=object).map({g: i for i, g in enumerate(GRADES)})
    grade_index = grade_index.to_numpy(dtype=np.int64)
    low = plan.leave_low[uncertain]
    spread = plan.leave_high[uncertain] - low
    batch = max(1, _CELLS_PER_BATCH // max(1, int(uncertain.sum()), plan.scenario.horizon_months))
    results: dict[str, list[np.ndarray]] = {metric: [] for metric in BAND_METRICS}
    for start in range(0, draws, batch):
        size = min(batch, draws - start)
        share = generator.uniform(share_low, share_high, size)
        ramp = generator.uniform(ramp_low, ramp_high, size)
        per_grade = generator.random((size, len(GRADES)))
        chance = low + spread * per_grade[:, grade_index]
        stay = (generator.random((size, len(low))) >= chance).astype(float)
        paths = monthly_paths(plan, stay, share, ramp)
        for metric in BAND_METRICS:
            results[metric].append(paths[metric])
    return {metric: np.concatenate(parts, axis=0) for metric, parts in results.items()}
