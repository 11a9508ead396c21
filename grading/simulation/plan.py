"""A scenario laid over a portfolio: per client, what it brings now, whether and when it goes, what it brings after.

:func:`make_plan` checks the portfolio frame, resolves whom the scenario fires (worst first) and what every kept
client brings once price increases and moves to managed are in effect. The static impact, the timeline and the
Monte Carlo run all read the same :class:`Plan`, so they cannot disagree about who goes.

Amounts in a plan are totals over the baseline window (``months_in_window`` months), like the portfolio's; the
timeline divides them by the window's length to get a month.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from grading.simulation import redeploy
from grading.simulation.scenario import Scenario, ScenarioError, bounds
from grading.vocabulary import GRADES

REQUIRED_COLUMNS = ("client_id", "revenue", "direct_costs", "labor_hours", "months_in_window")
AMOUNT_COLUMNS = ("revenue", "direct_costs", "labor_hours")
# Worst first: D before C before B before A; an ungraded client (picked by hand) comes after the graded ones.
_GRADE_RANK = {"D": 0, "C": 1, "B": 2, "A": 3}
_UNGRADED_RANK = 4
# A client gone "beyond the horizon" (kept) leaves in a month no timeline reaches.
NEVER = np.iinfo(np.int64).max // 4


@dataclass(frozen=True)
class Plan:
    """Per-client arrays (one entry per portfolio row, in the portfolio's order) and the scenario's settings.

    ``*_now`` are baseline window totals; ``*_kept`` what a client that stays brings over a window once the lifts
    are in effect (zero for fired clients); ``leave_low`` / ``leave_high`` the chance a repriced client leaves
    instead; ``exit_month`` the month from which a fired client is gone (``NEVER`` for kept clients).
    """

    client_id: np.ndarray
    name: np.ndarray
    grade: np.ndarray
    months_in_window: np.ndarray
    revenue_now: np.ndarray
    direct_costs_now: np.ndarray
    labor_hours_now: np.ndarray
    fired: np.ndarray
    fire_order: np.ndarray
    exit_month: np.ndarray
    repriced: np.ndarray
    moved: np.ndarray
    revenue_kept: np.ndarray
    direct_costs_kept: np.ndarray
    labor_hours_kept: np.ndarray
    leave_low: np.ndarray
    leave_high: np.ndarray
    redeploy_rate: float
    redeploy_rate_source: str
    labor_cost_rate: float
    scenario: Scenario

    @property
    def leave_middle(self) -> np.ndarray:
        """The chance each client leaves after a price increase, at the middle of its range."""
        return (self.leave_low + self.leave_high) / 2

    @property
    def uncertain(self) -> np.ndarray:
        """Clients that may or may not leave (a price increase with a chance of leaving above 0)."""
        return self.leave_high > 0


def make_plan(portfolio: pd.DataFrame, scenario: Scenario, labor_cost_rate: float) -> Plan:
    """Resolve ``scenario`` against ``portfolio``.

    Parameters
    ----------
    portfolio:
        One row per client: ``client_id``, ``revenue``, ``direct_costs``, ``labor_hours`` (window totals),
        ``months_in_window``, the grade column of the scenario's grade source (``effective_grade`` ...), and, for
        moves to managed, ``service_model`` and ``seats``. Missing amounts count as 0 (a client with no metrics in
        the window brings and costs nothing).
    scenario:
        The what-if to resolve.
    labor_cost_rate:
        What one hour of technician time costs, per hour.

    Returns
    -------
    Plan

    Raises
    ------
    ScenarioError
        A column is missing, an amount is negative, a client id repeats, a client to fire is not in the portfolio,
        or the labor cost rate is not a number of at least 0.
    """
    if not isinstance(scenario, Scenario):
        raise ScenarioError("The scenario must be a Scenario.")
    rate = _labor_cost_rate(labor_cost_rate)
    _check_columns(portfolio, scenario)
    client_id = portfolio["client_id"].astype(str).str.strip().to_numpy(dtype=object)
    repeated = pd.Index(client_id)[pd.Index(client_id).duplicated()].unique()
    if len(repeated):
        raise ScenarioError(f"The portfolio lists client(s) more than once: {', '.join(map(str, repeated[:10]))}.")
    amounts = {column: _amounts(portfolio, column) for column in AMOUNT_COLUMNS}
    months = pd.to_numeric(portfolio["months_in_window"], errors="coerce").to_numpy(dtype=float)
    if len(months) and not (np.isfinite(months).all() and (months >= 1).all()):
        raise ScenarioError("months_in_window must be a number of months of at least 1 on every row.")
    grade = _grades(portfolio[f"{scenario.grade_source}_grade"])
    name = (
        portfolio["name"].astype(str).to_numpy(dtype=object) if "name" in portfolio.columns else client_id.copy()
    )

    fired = np.isin(grade, list(scenario.fire_grades)) if scenario.fire_grades else np.zeros(len(grade), bool)
    if scenario.fire_clients:
        wanted = np.array(scenario.fire_clients, dtype=object)
        unknown = wanted[~np.isin(wanted, client_id)].tolist()
        if unknown:
            shown = ", ".join(unknown[:10]) + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
            raise ScenarioError(f"No client with id {shown} in the portfolio; check the ids to fire.")
        fired |= np.isin(client_id, list(scenario.fire_clients))

    fire_order = _worst_first(np.flatnonzero(fired), grade, amounts, client_id)
    exit_month = np.full(len(grade), NEVER, dtype=np.int64)
    position = np.arange(len(fire_order))
    notice_month = 1 + (position // scenario.pace if scenario.pace else 0)
    exit_month[fire_order] = notice_month + scenario.notice_months

    kept = ~fired
    revenue_kept = np.where(kept, amounts["revenue"], 0.0)
    moved = np.zeros(len(grade), dtype=bool)
    if scenario.managed_move is not None:
        moved = _movable(portfolio, grade, scenario) & kept
        seats = pd.to_numeric(portfolio["seats"], errors="coerce").fillna(0).to_numpy(dtype=float)
        revenue_kept = np.where(moved, seats * scenario.managed_move.price_per_seat * months, revenue_kept)
    repriced = np.zeros(len(grade), dtype=bool)
    leave_low = np.zeros(len(grade))
    leave_high = np.zeros(len(grade))
    if scenario.repricing is not None:
        # A client moved to managed already gets a new price; raising it again on top would count the lift twice.
        increase = _per_grade(grade, scenario.repricing.price_increase, default=np.nan)
        repriced = kept & ~moved & ~np.isnan(increase)
        revenue_kept = np.where(repriced, revenue_kept * (1 + np.nan_to_num(increase)), revenue_kept)
        low_by_grade = {g: bounds(p)[0] for g, p in scenario.repricing.leave_probability.items()}
        high_by_grade = {g: bounds(p)[1] for g, p in scenario.repricing.leave_probability.items()}
        leave_low = np.where(repriced, _per_grade(grade, low_by_grade, default=0.0), 0.0)
        leave_high = np.where(repriced, _per_grade(grade, high_by_grade, default=0.0), 0.0)

    redeploy_rate, source = redeploy.rate_per_hour(scenario.redeployment.rate, grade, amounts)
    return Plan(
        client_id=client_id,
        name=name,
        grade=grade,
        months_in_window=months,
        revenue_now=amounts["revenue"],
        direct_costs_now=amounts["direct_costs"],
        labor_hours_now=amounts["labor_hours"],
        fired=fired,
        fire_order=fire_order,
        exit_month=exit_month,
        repriced=repriced,
        moved=moved,
        revenue_kept=revenue_kept,
        direct_costs_kept=np.where(kept, amounts["direct_costs"], 0.0),
        labor_hours_kept=np.where(kept, amounts["labor_hours"], 0.0),
        leave_low=leave_low,
        leave_high=leave_high,
        redeploy_rate=redeploy_rate,
        redeploy_rate_source=source,
        labor_cost_rate=rate,
        scenario=scenario,
    )


def _labor_cost_rate(value: float) -> float:
    try:
        rate = float(value)
    except (TypeError, ValueError) as error:
        raise ScenarioError(f"The labor cost rate must be a number per hour; got {value!r}.") from error
    if not np.isfinite(rate) or rate < 0:
        raise ScenarioError(f"The labor cost rate must be a number of at least 0 per hour; got {value!r}.")
    return rate


def _check_columns(portfolio: pd.DataFrame, scenario: Scenario) -> None:
    if not isinstance(portfolio, pd.DataFrame):
        raise ScenarioError("The portfolio must be a pandas DataFrame, one row per client.")
    needed = [*REQUIRED_COLUMNS, f"{scenario.grade_source}_grade"]
    if scenario.managed_move is not None:
        needed += ["service_model", "seats"]
    missing = [column for column in needed if column not in portfolio.columns]
    if missing:
        raise ScenarioError(f"The portfolio has no column {', '.join(missing)}; the simulation needs it.")


def _amounts(portfolio: pd.DataFrame, column: str) -> np.ndarray:
    values = pd.to_numeric(portfolio[column], errors="coerce").astype(float).fillna(0.0).to_numpy()
    if (values < 0).any() or not np.isfinite(values).all():
        bad = portfolio.loc[(values < 0) | ~np.isfinite(values), "client_id"].astype(str).head(5).tolist()
        raise ScenarioError(f"{column} must be a finite amount of at least 0; clients {', '.join(bad)} are not.")
    return values


def _grades(column: pd.Series) -> np.ndarray:
    """Grades as an object array of 'A'..'D', with None where a client has no (valid) grade."""
    text = column.astype("string").str.strip().str.upper()
    return text.where(text.isin(GRADES)).astype(object).where(lambda s: s.notna(), None).to_numpy(dtype=object)


def _per_grade(grade: np.ndarray, values: dict[str, float], default: float) -> np.ndarray:
    if not values:
        return np.full(len(grade), default)
    mapped = pd.Series(grade, dtype=object).map(values)
    return pd.to_numeric(mapped, errors="coerce").fillna(default).to_numpy(dtype=float)


def _movable(portfolio: pd.DataFrame, grade: np.ndarray, scenario: Scenario) -> np.ndarray:
    model = portfolio["service_model"].astype("string").str.strip().str.lower().str.replace(r"[/\- ]", "_", regex=True)
    seats = pd.to_numeric(portfolio["seats"], errors="coerce").fillna(0).to_numpy(dtype=float)
    movable = (model == "break_fix").fillna(False).to_numpy(dtype=bool) & (seats > 0)
    if scenario.managed_move.grades:
        movable &= np.isin(grade, list(scenario.managed_move.grades))
    return movable


#: What "worst first" means, in the owner's words, wherever clients are put in that order (Churn impact, Live review).
WORST_FIRST_WORDS = "D before C before B before A, then the lowest effective hourly rate first"


def worst_first(grade, revenue, direct_costs, labor_hours, client_id) -> np.ndarray:
    """Return the positions of clients in worst-first order: by grade, then lowest effective hourly rate, then id.

    The one definition of "worst first" (:data:`WORST_FIRST_WORDS`), used by the churn simulation and by live
    review. The lowest effective hourly rate is also the lowest contribution per hour at any labor cost rate. A
    client without a grade comes after the graded ones; a client with no hours has no rate and comes last within
    its grade, since firing it gives no time back.

    Parameters
    ----------
    grade, revenue, direct_costs, labor_hours, client_id:
        One entry per client (arrays or Series of the same length); missing amounts count as 0.

    Returns
    -------
    numpy.ndarray
        Positions (0-based) into the inputs, worst first.
    """
    hours = np.nan_to_num(np.asarray(labor_hours, dtype=float))
    margin = np.nan_to_num(np.asarray(revenue, dtype=float)) - np.nan_to_num(np.asarray(direct_costs, dtype=float))
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(hours > 0, margin / np.where(hours > 0, hours, 1.0), np.inf)
    rank = pd.Series(np.asarray(grade, dtype=object)).map(_GRADE_RANK).fillna(_UNGRADED_RANK).to_numpy(np.int64)
    ids = np.asarray(client_id, dtype=object).astype(str)
    return np.lexsort((ids, rate, rank)).astype(np.int64)


def _worst_first(indices: np.ndarray, grade: np.ndarray, amounts: dict[str, np.ndarray], client_id: np.ndarray
                 ) -> np.ndarray:
    """Order the fired clients worst first (:func:`worst_first`)."""
    if not len(indices):
        return indices.astype(np.int64)
    order = worst_first(grade[indices], amounts["revenue"][indices], amounts["direct_costs"][indices],
                        amounts["labor_hours"][indices], client_id[indices])
    return indices[order].astype(np.int64)
