"""Month by month: clients leaving worst first at the chosen pace, lifts taking effect, freed hours ramping up.

A month's baseline is a client's window total divided by the window's length. A fired client given notice in
month *n* is gone from month ``n + notice_months``: with a pace of 1 a month and one month of notice, three
clients are gone from months 2, 3 and 4. Price increases and moves to managed take effect in month
``1 + notice_months``, and a repriced client that leaves is gone from that month. Each departure's hours are
redeployed along the ramp, starting in the month they are freed.

:func:`monthly_paths` computes all of this for many draws at once (the Monte Carlo run); :func:`simulate_timeline`
is the one draw where every uncertain input sits at its expected value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from grading.simulation import redeploy
from grading.simulation.plan import Plan, make_plan
from grading.simulation.scenario import Scenario, middle
from grading.simulation.static import default_labor_cost_rate, paid_idle_hours

TIMELINE_COLUMNS = (
    "revenue",
    "direct_costs",
    "labor_hours",
    "gross_profit",
    "effective_hourly_rate",
    "clients",
    "hours_freed",
    "hours_redeployed",
    "redeployed_revenue",
    "hours_back",
)


def simulate_timeline(
    portfolio: pd.DataFrame, scenario: Scenario, *, labor_cost_rate: float | None = None
) -> pd.DataFrame:
    """Return the month-by-month figures of ``scenario`` over its horizon.

    Uncertain inputs count at their expected value: a :class:`~grading.simulation.scenario.Range` at its middle,
    and a repriced client that may leave as ``1 - chance`` of itself (so ``clients`` may be fractional).

    Parameters
    ----------
    portfolio:
        One row per client (see :func:`~grading.simulation.plan.make_plan`).
    scenario:
        The what-if; its ``horizon_months`` sets the length and ``start_month`` the calendar.
    labor_cost_rate:
        What one technician hour costs; ``None`` uses the setting's default.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month`` (1..horizon), ``calendar_month`` (first day of the month, only when the
        scenario has a start month), then ``revenue``, ``direct_costs``, ``labor_hours`` (redeployed work
        included), ``gross_profit`` (the hours back for the owner still cost labor unless
        ``labor_cost_goes``), ``effective_hourly_rate`` (NaN in a month without hours), ``clients``,
        ``hours_freed`` (hours a month no longer spent on clients gone by then), ``hours_redeployed``,
        ``redeployed_revenue`` and ``hours_back`` (freed and not redeployed: time back for the owner).

    Raises
    ------
    ScenarioError
        As :func:`~grading.simulation.static.simulate_impact`.
    """
    plan = make_plan(portfolio, scenario, default_labor_cost_rate(labor_cost_rate))
    stay = (1.0 - plan.leave_middle[plan.uncertain])[np.newaxis, :]
    paths = monthly_paths(
        plan,
        stay,
        np.array([middle(scenario.redeployment.share)]),
        np.array([middle(scenario.redeployment.ramp_months)]),
    )
    frame = pd.DataFrame({column: paths[column][0] for column in TIMELINE_COLUMNS})
    frame.insert(0, "month", np.arange(1, scenario.horizon_months + 1))
    if scenario.start_month is not None:
        frame.insert(1, "calendar_month", calendar_months(scenario))
    return frame


def calendar_months(scenario: Scenario) -> pd.DatetimeIndex:
    """Return the first day of each month of the horizon, from the scenario's start month."""
    return pd.period_range(scenario.start_month, periods=scenario.horizon_months, freq="M").to_timestamp()


def monthly_paths(plan: Plan, stay: np.ndarray, share: np.ndarray, ramp_months: np.ndarray) -> dict[str, np.ndarray]:
    """Return the monthly figures for a batch of draws, each an array of shape (draws, horizon).

    Parameters
    ----------
    plan:
        The resolved scenario.
    stay:
        Shape (draws, uncertain clients): 1 where a repriced client that may leave stays, 0 where it leaves, or a
        weight between (its chance of staying) for an expected value. Columns follow ``plan.uncertain``.
    share, ramp_months:
        Shape (draws,): the redeployed share of freed hours and the ramp-up in each draw.

    Returns
    -------
    dict of numpy.ndarray
        The keys of :data:`TIMELINE_COLUMNS`.
    """
    horizon = plan.scenario.horizon_months
    months = np.arange(1, horizon + 1)
    lifted = months >= plan.scenario.lift_month
    per_month = 1.0 / np.where(plan.months_in_window > 0, plan.months_in_window, 1.0)
    fired = plan.fired
    uncertain = plan.uncertain
    certain = ~fired & ~uncertain
    # A fired client is there in every month before its exit month.
    present = months[np.newaxis, :] < plan.exit_month[fired][:, np.newaxis]

    # Columns: revenue, direct costs, hours and client count, now and once kept (with the lifts), per month.
    ones = np.ones(len(fired))
    now = np.column_stack([plan.revenue_now, plan.direct_costs_now, plan.labor_hours_now, ones * plan.months_in_window])
    kept = np.column_stack(
        [plan.revenue_kept, plan.direct_costs_kept, plan.labor_hours_kept, ones * plan.months_in_window]
    )
    now = now * per_month[:, np.newaxis]
    kept = kept * per_month[:, np.newaxis]
    # The part no draw changes, shape (4, horizon): fired clients until they go, certain clients before and
    # after the lift month, uncertain clients before it.
    fixed = (
        now[fired].T @ present
        + np.where(lifted, kept[certain].sum(axis=0)[:, np.newaxis], now[certain].sum(axis=0)[:, np.newaxis])
        + np.where(lifted, 0.0, now[uncertain].sum(axis=0)[:, np.newaxis])
    )
    # The part that depends on which uncertain clients stay, from the lift month on: one product for all four
    # figures, shape (draws, 4).
    hours_month = now[:, 2]
    drawn = stay @ kept[uncertain]
    revenue, direct_costs, labor_hours, clients = (
        fixed[column][np.newaxis, :] + drawn[:, column, np.newaxis] * lifted[np.newaxis, :] for column in range(4)
    )

    # Hours freed, by the month they are freed: fired clients at their exit, leavers at the lift month.
    exits = plan.exit_month[fired]
    within = exits <= horizon
    fired_cohorts = np.bincount(exits[within] - 1, weights=hours_month[fired][within], minlength=horizon)
    freed = np.broadcast_to(fired_cohorts.astype(float), (len(share), horizon)).copy()
    if plan.scenario.lift_month <= horizon:
        freed[:, plan.scenario.lift_month - 1] += (1.0 - stay) @ hours_month[uncertain]
    # Each month's freed hours ramp up from that month on: a sum over the lag since they were freed. The loop
    # runs over at most 24 lags, each step a whole (draws, months) array.
    ramp = redeploy.ramp_factor(np.arange(horizon)[np.newaxis, :], ramp_months[:, np.newaxis])
    redeployed = np.zeros_like(freed)
    for lag in range(horizon):
        redeployed[:, lag:] += freed[:, : horizon - lag] * ramp[:, lag, np.newaxis]
    hours_redeployed = share[:, np.newaxis] * redeployed
    hours_freed = np.cumsum(freed, axis=1)

    redeployed_revenue = hours_redeployed * plan.redeploy_rate
    revenue = revenue + redeployed_revenue
    labor_hours = labor_hours + hours_redeployed
    hours_back = hours_freed - hours_redeployed
    gross_profit = revenue - direct_costs - (labor_hours + paid_idle_hours(plan, hours_back)) * plan.labor_cost_rate
    with np.errstate(divide="ignore", invalid="ignore"):
        effective_hourly_rate = np.where(labor_hours > 0, (revenue - direct_costs) / labor_hours, np.nan)
    return {
        "revenue": revenue,
        "direct_costs": direct_costs,
        "labor_hours": labor_hours,
        "gross_profit": gross_profit,
        "effective_hourly_rate": effective_hourly_rate,
        "clients": clients,
        "hours_freed": hours_freed,
        "hours_redeployed": hours_redeployed,
        "redeployed_revenue": redeployed_revenue,
        "hours_back": hours_back,
    }
