"""The static impact: the baseline window before, and the same window once the scenario is fully in effect.

"After" counts every fired client gone, every lift in effect and the freed hours redeployed at the full share
(ramp-up is a matter of the timeline). Where a repriced client may leave, "after" is the expected value: such a
client counts for ``1 - chance`` of itself (so ``clients`` after may be fractional) and its hours count as freed
with that chance. Uncertain inputs (a :class:`~grading.simulation.scenario.Range`) count at their middle.

Ratios that are undefined come out as NaN (``None`` in :meth:`Impact.to_dict`), never as an error: the effective
hourly rate and contribution per hour without hours, the gross margin and the largest client's share without
revenue, and every ``change_pct`` whose "before" is 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from grading.simulation.plan import Plan, make_plan
from grading.simulation.scenario import Scenario, middle
from grading.vocabulary import GRADES, UNGRADED

# Gross profit first: owners count the revenue they lose, not the profit (DOMAIN.md).
METRICS = (
    "gross_profit",
    "revenue",
    "direct_costs",
    "labor_hours",
    "gross_margin",
    "effective_hourly_rate",
    "contribution_per_hour",
    "clients",
    "largest_client_share",
)
REDEPLOYED = "redeployed"


@dataclass(frozen=True)
class Impact:
    """What a scenario does to the portfolio over one baseline window.

    Attributes
    ----------
    metrics:
        Indexed by metric name (:data:`METRICS`), columns ``before``, ``after``, ``change`` (after - before) and
        ``change_pct`` (change as a percentage of before; NaN where before is 0).
    grade_shares:
        One row per grade (A-D, then :data:`~grading.vocabulary.UNGRADED` where some client has no grade, then
        ``redeployed`` for the work the freed hours go to): revenue, labor hours and gross profit before and after,
        and each grade's share of revenue and of hours before and after (fractions of the portfolio's total).
    fired:
        The clients fired, worst first: ``order``, ``client_id``, ``name``, ``grade``, their window's
        ``revenue``, ``direct_costs``, ``labor_hours``, ``gross_profit``, ``effective_hourly_rate``, and the
        ``notice_month`` they are given notice in and the ``exit_month`` from which they are gone.
    hours_freed, hours_redeployed, redeployed_revenue, hours_back:
        Hours per window no longer spent on clients that go; the part put back to paid work at the full share;
        what it earns; and the rest, time back for the owner.
    labor_cost_goes:
        Whether the hours back for the owner stop costing labor (someone is let go). When False (the default) they
        are still paid for: gross profit after counts them at the labor cost rate, and ``labor_hours`` after
        counts only hours worked for clients.
    redeploy_rate, redeploy_rate_source:
        Revenue per redeployed hour and where it comes from (``chosen``, ``A clients``, ``whole portfolio``,
        ``none``).
    clients_repriced, clients_moved, expected_leavers:
        How many kept clients get a price increase, how many move from break/fix to managed, and how many of the
        repriced are expected to leave instead.
    grade_source, window_months, labor_cost_rate:
        The grade that decided, the baseline window's length in months (``None`` if clients differ) and the
        labor cost rate used.
    """

    metrics: pd.DataFrame
    grade_shares: pd.DataFrame
    fired: pd.DataFrame
    hours_freed: float
    hours_redeployed: float
    redeployed_revenue: float
    hours_back: float
    labor_cost_goes: bool
    redeploy_rate: float
    redeploy_rate_source: str
    clients_repriced: int
    clients_moved: int
    expected_leavers: float
    grade_source: str
    window_months: int | None
    labor_cost_rate: float

    @property
    def clients_fired(self) -> list[str]:
        """The ids of the fired clients, worst first."""
        return self.fired["client_id"].tolist()

    def before(self, metric: str) -> float:
        """Return one metric before the scenario (e.g. ``impact.before("gross_profit")``)."""
        return float(self.metrics.at[metric, "before"])

    def after(self, metric: str) -> float:
        """Return one metric once the scenario is fully in effect."""
        return float(self.metrics.at[metric, "after"])

    def change_pct(self, metric: str) -> float:
        """Return one metric's change as a percentage of before (NaN where before is 0)."""
        return float(self.metrics.at[metric, "change_pct"])

    def to_dict(self) -> dict[str, Any]:
        """Return the impact as plain JSON-ready values; NaN becomes ``None``.

        Every metric gives four keys, ``<metric>_before``, ``_after``, ``_change`` and ``_change_pct`` (e.g.
        ``revenue_before``, ``labor_hours_change_pct``, ``effective_hourly_rate_after``); then ``clients_fired``
        (ids, worst first), ``fired`` and ``grade_shares`` (lists of records), the freed-time figures and the
        scenario's context.
        """
        result: dict[str, Any] = {}
        for metric, row in self.metrics.iterrows():
            for column in ("before", "after", "change", "change_pct"):
                result[f"{metric}_{column}"] = _plain(row[column])
        result["clients_fired"] = self.clients_fired
        result.update(
            {
                "hours_freed": _plain(self.hours_freed),
                "hours_redeployed": _plain(self.hours_redeployed),
                "redeployed_revenue": _plain(self.redeployed_revenue),
                "hours_back": _plain(self.hours_back),
                "labor_cost_goes": self.labor_cost_goes,
                "redeploy_rate": _plain(self.redeploy_rate),
                "redeploy_rate_source": self.redeploy_rate_source,
                "clients_repriced": self.clients_repriced,
                "clients_moved": self.clients_moved,
                "expected_leavers": _plain(self.expected_leavers),
                "grade_source": self.grade_source,
                "window_months": self.window_months,
                "labor_cost_rate": _plain(self.labor_cost_rate),
                "fired": records(self.fired),
                "grade_shares": records(self.grade_shares),
            }
        )
        return result


def simulate_impact(portfolio: pd.DataFrame, scenario: Scenario, *, labor_cost_rate: float | None = None) -> Impact:
    """Return the static impact of ``scenario`` on ``portfolio``.

    Parameters
    ----------
    portfolio:
        One row per client, as :func:`grading.scoring.portfolio.grade_portfolio` returns it (see
        :func:`~grading.simulation.plan.make_plan` for the columns used).
    scenario:
        Whom to fire, what the freed time becomes, the lifts.
    labor_cost_rate:
        What one technician hour costs; ``None`` uses the setting's default.

    Returns
    -------
    Impact

    Raises
    ------
    ScenarioError
        The portfolio lacks a column or holds a bad amount, or a client to fire is not in it.
    """
    plan = make_plan(portfolio, scenario, default_labor_cost_rate(labor_cost_rate))
    return impact_of(plan)


def impact_of(plan: Plan) -> Impact:
    """Return the static impact of a resolved :class:`~grading.simulation.plan.Plan`."""
    stays = np.where(plan.fired, 0.0, 1.0 - plan.leave_middle)
    freed_per_client = np.where(plan.fired, plan.labor_hours_now, plan.leave_middle * plan.labor_hours_now)
    hours_freed = float(freed_per_client.sum())
    hours_redeployed = middle(plan.scenario.redeployment.share) * hours_freed
    redeployed_revenue = hours_redeployed * plan.redeploy_rate

    hours_back = hours_freed - hours_redeployed
    revenue_after = stays * plan.revenue_kept
    before = _totals(plan.revenue_now, plan.direct_costs_now, plan.labor_hours_now, np.ones(len(stays)), 0.0, 0.0,
                     0.0, plan)
    after = _totals(
        revenue_after,
        stays * plan.direct_costs_kept,
        stays * plan.labor_hours_kept,
        stays,
        redeployed_revenue,
        hours_redeployed,
        paid_idle_hours(plan, hours_back),
        plan,
    )
    metrics = pd.DataFrame({"before": before, "after": after}, index=list(METRICS))
    metrics["change"] = metrics["after"] - metrics["before"]
    metrics["change_pct"] = _ratio(metrics["change"].to_numpy(), metrics["before"].to_numpy()) * 100
    metrics.index.name = "metric"

    months = np.unique(plan.months_in_window)
    return Impact(
        metrics=metrics,
        grade_shares=_grade_shares(plan, stays, revenue_after, redeployed_revenue, hours_redeployed),
        fired=_fired_frame(plan),
        hours_freed=hours_freed,
        hours_redeployed=hours_redeployed,
        redeployed_revenue=redeployed_revenue,
        hours_back=hours_back,
        labor_cost_goes=plan.scenario.redeployment.labor_cost_goes,
        redeploy_rate=plan.redeploy_rate,
        redeploy_rate_source=plan.redeploy_rate_source,
        clients_repriced=int(plan.repriced.sum()),
        clients_moved=int(plan.moved.sum()),
        expected_leavers=float(plan.leave_middle.sum()),
        grade_source=plan.scenario.grade_source,
        window_months=int(months[0]) if len(months) == 1 else None,
        labor_cost_rate=plan.labor_cost_rate,
    )


def default_labor_cost_rate(value: float | None) -> float:
    """Return ``value``, or the ``labor_cost_rate`` setting's default when it is ``None``."""
    if value is not None:
        return value
    from grading.settings import defaults

    return float(defaults()["labor_cost_rate"])


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Return ``frame``'s rows as JSON-ready dicts (NaN as ``None``, timestamps as ``YYYY-MM``).

    Columns of numbers are turned into Python values column by column (a book's fired clients can be tens of
    thousands of rows); other columns value by value.
    """
    names = list(frame.columns)
    columns = [_plain_column(frame.iloc[:, position]) for position in range(frame.shape[1])]
    return [dict(zip(names, row)) for row in zip(*columns)] if columns else [{} for _ in range(len(frame))]


def _plain_column(column: pd.Series) -> list[Any]:
    """A column's values as :func:`_plain` makes them, computed for the whole column where its type allows."""
    dtype = column.dtype
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        values = column.to_numpy()
        plain = values.tolist()  # Python floats, as float() of each value gives
        for row in np.flatnonzero(~np.isfinite(values)).tolist():
            plain[row] = None
        return plain
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":
        return column.tolist()
    values = column.astype(object).tolist()
    if set(map(type, values)) <= {str}:
        # Text alone (the fired clients' ids, names and grades): each value is already its own plain value.
        return values
    return [_plain(value) for value in values]


def paid_idle_hours(plan: Plan, hours_back):
    """Return the hours back for the owner that are still paid for: all of them unless the labor cost goes.

    Works on a number or an array of hours (the timeline's months).
    """
    return hours_back * 0.0 if plan.scenario.redeployment.labor_cost_goes else hours_back


def _totals(
    revenue: np.ndarray,
    direct_costs: np.ndarray,
    labor_hours: np.ndarray,
    clients: np.ndarray,
    extra_revenue: float,
    extra_hours: float,
    idle_hours: float,
    plan: Plan,
) -> list[float]:
    total_revenue = float(revenue.sum()) + extra_revenue
    total_costs = float(direct_costs.sum())
    total_hours = float(labor_hours.sum()) + extra_hours
    # Hours back for the owner are not worked for a client but still cost labor unless the owner lets it go.
    gross_profit = total_revenue - total_costs - (total_hours + idle_hours) * plan.labor_cost_rate
    largest = float(revenue.max()) if len(revenue) else 0.0
    values = {
        "gross_profit": gross_profit,
        "revenue": total_revenue,
        "direct_costs": total_costs,
        "labor_hours": total_hours,
        "gross_margin": _ratio(gross_profit, total_revenue),
        "effective_hourly_rate": _ratio(total_revenue - total_costs, total_hours),
        "contribution_per_hour": _ratio(gross_profit, total_hours),
        "clients": float(clients.sum()),
        "largest_client_share": _ratio(largest, total_revenue),
    }
    return [float(values[metric]) for metric in METRICS]


def _grade_shares(
    plan: Plan, stays: np.ndarray, revenue_after: np.ndarray, redeployed_revenue: float, hours_redeployed: float
) -> pd.DataFrame:
    grade = pd.Series(plan.grade, dtype=object).fillna(UNGRADED)
    hours_after = stays * plan.labor_hours_kept
    costs_after = stays * plan.direct_costs_kept
    per_client = pd.DataFrame(
        {
            "grade": grade,
            "revenue_before": plan.revenue_now,
            "labor_hours_before": plan.labor_hours_now,
            "gross_profit_before": plan.revenue_now
            - plan.direct_costs_now
            - plan.labor_hours_now * plan.labor_cost_rate,
            "revenue_after": revenue_after,
            "labor_hours_after": hours_after,
            "gross_profit_after": revenue_after - costs_after - hours_after * plan.labor_cost_rate,
        }
    )
    groups = [*GRADES, *([UNGRADED] if (grade == UNGRADED).any() else [])]
    shares = per_client.groupby("grade").sum().reindex(groups, fill_value=0.0)
    if hours_redeployed > 0:
        shares.loc[REDEPLOYED] = {
            "revenue_before": 0.0,
            "labor_hours_before": 0.0,
            "gross_profit_before": 0.0,
            "revenue_after": redeployed_revenue,
            "labor_hours_after": hours_redeployed,
            "gross_profit_after": redeployed_revenue - hours_redeployed * plan.labor_cost_rate,
        }
    for when in ("before", "after"):
        shares[f"revenue_share_{when}"] = _ratio(
            shares[f"revenue_{when}"].to_numpy(), shares[f"revenue_{when}"].sum()
        )
        shares[f"hours_share_{when}"] = _ratio(
            shares[f"labor_hours_{when}"].to_numpy(), shares[f"labor_hours_{when}"].sum()
        )
    shares.index.name = "grade"
    return shares.reset_index()


def _fired_frame(plan: Plan) -> pd.DataFrame:
    order = plan.fire_order
    revenue = plan.revenue_now[order]
    costs = plan.direct_costs_now[order]
    hours = plan.labor_hours_now[order]
    exit_month = plan.exit_month[order]
    return pd.DataFrame(
        {
            "order": np.arange(1, len(order) + 1),
            "client_id": pd.Series(plan.client_id[order], dtype=object),
            "name": pd.Series(plan.name[order], dtype=object),
            "grade": pd.Series(plan.grade[order], dtype=object),
            "revenue": revenue,
            "direct_costs": costs,
            "labor_hours": hours,
            "gross_profit": revenue - costs - hours * plan.labor_cost_rate,
            "effective_hourly_rate": _ratio(revenue - costs, hours),
            "notice_month": exit_month - plan.scenario.notice_months,
            "exit_month": exit_month,
        }
    )


def _ratio(numerator, denominator):
    """``numerator / denominator``, NaN where the denominator is 0 (scalars or arrays)."""
    numerator = np.asarray(numerator, dtype=float)
    denominator = np.asarray(denominator, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        result = np.where(denominator != 0, numerator / np.where(denominator != 0, denominator, 1.0), np.nan)
    return float(result) if result.ndim == 0 else result


def _plain(value: Any) -> Any:
    """A JSON-ready scalar: NaN and NaT as ``None``, numpy scalars as Python ones, timestamps as ``YYYY-MM``."""
    if value is None:
        return None
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.strftime("%Y-%m")
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value
