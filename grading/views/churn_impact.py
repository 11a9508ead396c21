"""The churn-impact page's side of the simulation: scenario from the owner's choices, cards and a CSV report.

The page offers percentages and ranges (sliders); :func:`scenario_from_choices` turns them into a
:class:`~grading.simulation.Scenario`. :func:`impact_cards` puts the before/after figures in the owner's order
(gross profit first, DOMAIN.md) with the deltas written out, and :func:`scenario_report` gathers inputs and
results in one table for a CSV download.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from grading.formatting import hourly_rate, hours, money, percent, percent_points
from grading.simulation import ManagedMove, Range, Redeployment, Repricing, Scenario, ScenarioError
from grading.simulation.defaults import CHURN_DEFAULTS, uncertain
from grading.simulation.static import Impact
from grading.simulation.story import BreakEven, ChurnStory, churn_story
from grading.simulation.timeline import simulate_timeline
from grading.vocabulary import UNGRADED

#: The cards, in the order an owner should read them: label, metric, kind of number, whether a fall is good. Amounts
#: and hours are totals over the scoring window, so their labels say "(window)" as every such figure in the app does.
_CARDS = (
    ("Gross profit (window)", "gross_profit", "money", False),
    ("Revenue (window)", "revenue", "money", False),
    ("Labor hours (window)", "labor_hours", "hours", True),
    ("Effective hourly rate", "effective_hourly_rate", "rate", False),
    ("Largest client's share", "largest_client_share", "share", True),
    ("Clients", "clients", "count", False),
)
_CARD_HELP = {
    "gross_profit": "Revenue less direct costs less labor hours at the labor cost rate, over the scoring window.",
    "revenue": "Everything billed over the scoring window, redeployed work included after the change.",
    "labor_hours": "Technician hours over the scoring window, redeployed work included after the change.",
    "effective_hourly_rate": "(Revenue - direct costs) / labor hours.",
    "largest_client_share": "Concentration: the largest client's share of revenue; above about 15% is a risk.",
    "clients": "Clients kept (a repriced client that may leave counts for its chance of staying).",
}


@dataclass(frozen=True)
class ImpactCard:
    """One before/after card: the figure after the change, the delta from before, and how to colour it.

    ``delta_color`` follows ``st.metric``: ``"normal"`` (a rise is good), ``"inverse"`` (a fall is good) or
    ``"off"``.
    """

    label: str
    metric: str
    value: str
    before: str
    delta: str | None
    delta_color: str
    help: str


@dataclass(frozen=True)
class PageChoices:
    """What the Churn impact page's widgets hold when an owner first opens it (each session remembers its own
    changes after that). Percentages and months as the sliders give them; see :func:`scenario_from_choices`.
    """

    # The choices the CLI's simulate shares (grading.simulation.defaults): the page opens on exactly what
    # ``python -m grading simulate --fire-grade D`` computes. The rest change nothing until the owner turns them on.
    grades: tuple[str, ...] = CHURN_DEFAULTS.fire_grades
    clients: tuple[str, ...] = ()
    share: tuple[int, int] = tuple(int(value) for value in CHURN_DEFAULTS.redeploy_share_pct)
    use_a_rate: bool = CHURN_DEFAULTS.redeploy_rate is None
    rate: float = float(CHURN_DEFAULTS.redeploy_rate or 100.0)
    ramp: tuple[int, int] = tuple(int(value) for value in CHURN_DEFAULTS.ramp_months)
    cost_goes: bool = CHURN_DEFAULTS.labor_cost_goes
    pace: int = int(CHURN_DEFAULTS.pace or 0)
    notice: int = CHURN_DEFAULTS.notice_months
    horizon: int = CHURN_DEFAULTS.horizon_months
    managed: bool = False
    seat_price: float = 60.0
    managed_grades: tuple[str, ...] = ()
    draws: int = CHURN_DEFAULTS.draws
    seed: int = CHURN_DEFAULTS.seed
    #: Every grade's price increase (%) and low and high chance (%) that a repriced client leaves.
    increase: int = 0
    leave: tuple[int, int] = (10, 30)

    def widget_values(self, grades: Sequence[str]) -> dict[str, object]:
        """Return the widgets' starting values by the name the page keeps them under (``churn_<field>``).

        Multiselects get lists, range sliders tuples; the price increase and the chance of leaving get one
        widget per grade of ``grades`` (``churn_increase_A``, ``churn_leave_A``, ...).
        """
        values: dict[str, object] = {}
        for name, value in vars(self).items():
            if name in ("increase", "leave"):
                values.update({f"churn_{name}_{grade}": value for grade in grades})
            elif name in ("grades", "clients", "managed_grades"):
                values[f"churn_{name}"] = list(value)
            else:
                values[f"churn_{name}"] = value
        return values


#: The page's starting choices.
PAGE_CHOICES = PageChoices()


def client_labels(book: pd.DataFrame, grade_column: str) -> dict[str, str]:
    """Return the client picker's label of every client: its name and its grade, e.g. ``"Acme (D)"``."""
    return dict(zip(book["client_id"], book["name"] + " (" + book[grade_column].fillna(UNGRADED) + ")",
                    strict=True))


def picked_caption(labels: Mapping[str, str], picked: Sequence[str], shown: int = 5,
                   escape: Callable[[str], str] = str) -> str:
    """Return the line that names the clients picked by hand while the picker is folded (the first ``shown``).

    ``escape`` is applied to each label (the page escapes Markdown in names, not in its own words).
    """
    names = ", ".join(escape(labels[client]) for client in picked[:shown])
    return f"Picked: {names}" + (f" and {len(picked) - shown} more" if len(picked) > shown else "")


def month_after(day: date) -> date:
    """Return the first day of the month after ``day``'s: the simulation's month 1."""
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def break_even_card(even: BreakEven, currency: str = "EUR") -> tuple[str, str]:
    """Return the break-even as a card's value and its help, e.g. ``("42 h a month", "Resold at €95/h ...")``."""
    rate = hourly_rate(even.rate, currency)
    freed = f"Firing frees {hours(even.freed_hours_per_month)} a month."
    if even.hours_per_month is None:
        return "never", f"At {rate} a resold hour does not pay for its labor. {freed}"
    if even.hours_per_month <= 0:
        return "none needed", f"Firing alone does not lower gross profit. {freed}"
    value = f"{hours(even.hours_per_month)} a month"
    return value, (f"Resold at {rate}, this many of the freed hours a month bring gross profit back to where it "
                   f"was. {freed}")


def simulation_portfolio(portfolio: pd.DataFrame, window_months: int) -> pd.DataFrame:
    """Return the graded portfolio with what the simulation needs besides it: ``months_in_window``.

    The portfolio's amounts are totals over the scoring window, so every client's window is the setting's
    ``scoring_window_months`` long (a client that started during it simply has fewer months of figures).

    Parameters
    ----------
    portfolio:
        :func:`grading.scoring.portfolio.grade_portfolio`.
    window_months:
        The scoring window, in months.

    Returns
    -------
    pandas.DataFrame
        ``portfolio`` with ``months_in_window`` (kept as it is when the portfolio carries it already).

    Raises
    ------
    ScenarioError
        ``window_months`` is not a whole number of at least 1.
    """
    if isinstance(window_months, bool) or not float(window_months).is_integer() or window_months < 1:
        raise ScenarioError(f"The scoring window must be a whole number of months, at least 1; got {window_months}.")
    if "months_in_window" in portfolio.columns:
        return portfolio
    return portfolio.assign(months_in_window=int(window_months))


def simulation_book(shown: pd.DataFrame, window_months: int, grade_column: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """Return the book the simulation sees (:func:`simulation_portfolio` of the portfolio as shown, names replaced
    when anonymizing, so every table and the CSV carry the aliases) and the client picker's labels."""
    book = simulation_portfolio(shown, window_months)
    return book, client_labels(book, grade_column)


def story_and_timeline(book: pd.DataFrame, scenario: Scenario, *, labor_cost_rate: float, window_months: int,
                       currency: str) -> tuple[ChurnStory, pd.DataFrame]:
    """Return the scenario's story (:func:`grading.simulation.story.churn_story`) and its month-by-month timeline
    (:func:`grading.simulation.simulate_timeline`) over ``book``."""
    return (
        churn_story(book, scenario, labor_cost_rate=labor_cost_rate, window_months=window_months, currency=currency),
        simulate_timeline(book, scenario, labor_cost_rate=labor_cost_rate),
    )


def scenario_from_choices(
    *,
    fire_grades: Sequence[str] = (),
    fire_clients: Sequence[str] = (),
    grade_source: str = CHURN_DEFAULTS.grade_source,
    redeploy_share_pct: tuple[float, float] = CHURN_DEFAULTS.redeploy_share_pct,
    redeploy_rate: float | None = CHURN_DEFAULTS.redeploy_rate,
    ramp_months: tuple[float, float] = CHURN_DEFAULTS.ramp_months,
    labor_cost_goes: bool = CHURN_DEFAULTS.labor_cost_goes,
    pace: int = CHURN_DEFAULTS.pace or 0,
    notice_months: int = CHURN_DEFAULTS.notice_months,
    horizon_months: int = CHURN_DEFAULTS.horizon_months,
    price_increase_pct: Mapping[str, float] | None = None,
    leave_pct: Mapping[str, tuple[float, float]] | None = None,
    managed_price_per_seat: float | None = None,
    managed_grades: Sequence[str] = (),
    start_month: str | date | None = None,
) -> Scenario:
    """Return the :class:`~grading.simulation.Scenario` that the page's widgets describe.

    Parameters
    ----------
    fire_grades, fire_clients, grade_source:
        Whom to fire (grades in ``grade_source``, and client ids by hand).
    redeploy_share_pct:
        Low and high percentage (0-100) of freed hours put back to paid work; equal ends give one number.
    redeploy_rate:
        Revenue per redeployed hour; ``None`` uses the A clients' effective hourly rate.
    ramp_months:
        Low and high months until freed hours are fully redeployed.
    labor_cost_goes:
        Whether the labor cost of the freed hours not redeployed goes (someone is let go); by default those hours
        are the owner's time and still paid for.
    pace:
        Clients given notice per month, worst first; 0 gives everyone notice at once.
    notice_months, horizon_months:
        Months of notice; months on the timeline (12-24).
    price_increase_pct:
        Grade to price increase in percent; grades at 0 are not repriced.
    leave_pct:
        Grade to the low and high chance, in percent, that a repriced client leaves; only for repriced grades.
    managed_price_per_seat:
        Move break/fix clients to managed services at this price per seat and month; ``None`` or 0: no move.
    managed_grades:
        Move only break/fix clients of these grades (empty: all).
    start_month:
        The calendar month of month 1.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        A value is out of range (the message says which).
    """
    increases = {grade: float(pct) / 100 for grade, pct in (price_increase_pct or {}).items() if pct and pct > 0}
    chances = {
        grade: uncertain(*bounds, scale=0.01)
        for grade, bounds in (leave_pct or {}).items()
        if grade in increases and max(bounds) > 0
    }
    repricing = Repricing(price_increase=increases, leave_probability=chances) if increases else None
    managed = (
        ManagedMove(price_per_seat=float(managed_price_per_seat), grades=tuple(managed_grades))
        if managed_price_per_seat
        else None
    )
    return Scenario(
        fire_grades=tuple(fire_grades),
        fire_clients=tuple(fire_clients),
        grade_source=grade_source,
        redeployment=Redeployment(
            share=uncertain(*redeploy_share_pct, scale=0.01),
            rate=None if redeploy_rate is None else float(redeploy_rate),
            ramp_months=uncertain(*ramp_months),
            labor_cost_goes=bool(labor_cost_goes),
        ),
        repricing=repricing,
        managed_move=managed,
        pace=int(pace) if pace else None,
        notice_months=int(notice_months),
        horizon_months=int(horizon_months),
        start_month=start_month,
    )


def has_uncertainty(scenario: Scenario) -> bool:
    """Return True when some input of ``scenario`` is a range, so uncertainty bands are worth drawing."""
    redeployment = scenario.redeployment
    ranged = isinstance(redeployment.share, Range) or isinstance(redeployment.ramp_months, Range)
    if scenario.repricing is not None:
        ranged |= any(isinstance(value, Range) or value > 0 for value in scenario.repricing.leave_probability.values())
    return ranged


def _format(kind: str, value: float, currency: str) -> str:
    if kind == "money":
        return money(value, currency)
    if kind == "rate":
        return hourly_rate(value, currency)
    if kind == "hours":
        return hours(value)
    if kind == "share":
        return percent(value, decimals=1)
    return "n/a" if not math.isfinite(value) else f"{value:,.1f}".removesuffix(".0")


def _delta(kind: str, before: float, after: float, currency: str) -> str | None:
    if not (math.isfinite(before) and math.isfinite(after)):
        return None
    change = after - before
    if kind == "share":
        return percent_points(change)
    if kind == "count":
        return f"{change:+,.1f}".removesuffix(".0")
    sign = "+" if change > 0 else ""
    if kind == "money":
        text = sign + money(change, currency)
    elif kind == "rate":
        text = sign + hourly_rate(change, currency)
    else:
        text = f"{change:+,.0f} h"
    if before:
        text += f" ({percent(change / abs(before), decimals=1, signed=True)})"
    return text


def impact_cards(impact: Impact, currency: str = "EUR") -> list[ImpactCard]:
    """Return the before/after cards of an impact: gross profit first, then revenue, hours, rate, concentration.

    Parameters
    ----------
    impact:
        :func:`grading.simulation.simulate_impact`.
    currency:
        The currency amounts are written in.

    Returns
    -------
    list of ImpactCard
        One card per figure; ``value`` is the figure after the change, ``delta`` the change from before (with the
        percentage for amounts, in percentage points for the share), ``None`` where a figure is undefined.
    """
    cards = []
    for label, metric, kind, fall_is_good in _CARDS:
        before, after = impact.before(metric), impact.after(metric)
        cards.append(
            ImpactCard(
                label=label,
                metric=metric,
                value=_format(kind, after, currency),
                before=_format(kind, before, currency),
                delta=_delta(kind, before, after, currency),
                delta_color="off" if kind == "count" else ("inverse" if fall_is_good else "normal"),
                help=_CARD_HELP[metric] + f" Before: {_format(kind, before, currency)}.",
            )
        )
    return cards


def monthly_level(impact: Impact, metric: str) -> float | None:
    """Return today's monthly level of ``metric``: its window total over the window's months.

    Returns ``None`` when the clients' windows differ in length (no single month to divide by).
    """
    if not impact.window_months:
        return None
    return impact.before(metric) / impact.window_months


def _scenario_rows(scenario: Scenario, impact: Impact, currency: str) -> list[dict[str, object]]:
    def text(value: object) -> str:
        if isinstance(value, Range):
            return f"{value.low:g} to {value.high:g}"
        if isinstance(value, Mapping):
            return "; ".join(f"{key}: {text(item)}" for key, item in value.items()) or "none"
        if isinstance(value, tuple):
            return ", ".join(map(str, value)) or "none"
        return "none" if value is None else str(value)

    redeployment = scenario.redeployment
    repricing = scenario.repricing
    managed = scenario.managed_move
    inputs = {
        "grade_source": scenario.grade_source,
        "fire_grades": text(scenario.fire_grades),
        "fire_clients": text(scenario.fire_clients),
        "redeployed_share": text(redeployment.share),
        "redeploy_rate_per_hour": f"{impact.redeploy_rate:.2f} ({impact.redeploy_rate_source})",
        "ramp_up_months": text(redeployment.ramp_months),
        "labor_cost_of_hours_back_goes": "yes" if redeployment.labor_cost_goes else "no (your time, still paid)",
        "pace_clients_per_month": text(scenario.pace) if scenario.pace else "all at once",
        "notice_months": str(scenario.notice_months),
        "horizon_months": str(scenario.horizon_months),
        "start_month": text(scenario.start_month),
        "price_increase": text(repricing.price_increase) if repricing else "none",
        "leave_probability": text(repricing.leave_probability) if repricing else "none",
        "managed_price_per_seat": text(managed.price_per_seat) if managed else "none",
        "managed_grades": (text(managed.grades) if managed.grades else "all") if managed else "none",
        "labor_cost_rate": f"{impact.labor_cost_rate:.2f}",
        "currency": currency,
        "window_months": text(impact.window_months),
    }
    return [{"section": "scenario", "item": key, "value": value} for key, value in inputs.items()]


def scenario_report(
    scenario: Scenario,
    impact: Impact,
    timeline: pd.DataFrame,
    bands: pd.DataFrame | None = None,
    *,
    fired: pd.DataFrame | None = None,
    currency: str = "EUR",
) -> pd.DataFrame:
    """Return a scenario's inputs and results in one long table, for a CSV download.

    Parameters
    ----------
    scenario, impact, timeline, bands:
        The scenario and what :mod:`grading.simulation` made of it (``bands`` may be ``None``).
    fired:
        The fired clients to list (default ``impact.fired``); pass a copy with aliases when names are hidden.
    currency:
        The currency the amounts are in (recorded with the inputs).

    Returns
    -------
    pandas.DataFrame
        Columns ``section``, ``item``, ``month``, ``value``, ``before``, ``after``, ``change``, ``change_pct``,
        ``p10``, ``p50``, ``p90``; each section fills the columns that make sense for it (a spreadsheet filter on
        ``section`` shows one part): ``scenario`` (inputs, in ``value``), ``impact`` (each metric before, after
        and its change over the window), ``freed time`` (``value``), ``fired`` (one row per client: grade in
        ``value``, exit month, its window revenue before and after), ``timeline`` (each month's expected figure
        in ``after``, with the P10-P90 band where one was drawn).
    """
    pieces = [pd.DataFrame(_scenario_rows(scenario, impact, currency))]
    metrics = impact.metrics.reset_index()
    pieces.append(pd.DataFrame({"section": "impact", "item": metrics["metric"].astype(str),
                                "before": metrics["before"], "after": metrics["after"],
                                "change": metrics["change"], "change_pct": metrics["change_pct"]}))
    freed = {"hours_freed": impact.hours_freed, "hours_redeployed": impact.hours_redeployed,
             "redeployed_revenue": impact.redeployed_revenue, "hours_back": impact.hours_back,
             "clients_repriced": impact.clients_repriced, "clients_moved": impact.clients_moved,
             "expected_leavers": impact.expected_leavers}
    pieces.append(pd.DataFrame({"section": "freed time", "item": list(freed),
                                "value": [f"{float(value):.2f}" for value in freed.values()]}))
    fired = impact.fired if fired is None else fired
    if len(fired):
        pieces.append(pd.DataFrame({
            "section": "fired",
            "item": fired["name"].astype(str) + " (" + fired["client_id"].astype(str) + ")",
            "month": fired["exit_month"].astype(int),
            "value": fired["grade"].astype(object).fillna(UNGRADED).astype(str),
            "before": fired["revenue"].astype(float),
            "after": 0.0,
            "change": -fired["revenue"].astype(float),
        }))
    for column in ("revenue", "gross_profit", "labor_hours", "effective_hourly_rate", "hours_freed",
                   "hours_redeployed", "hours_back"):
        piece = pd.DataFrame({"section": "timeline", "item": column, "month": timeline["month"].astype(int),
                              "after": timeline[column].astype(float)})
        if bands is not None and not bands.empty and column in set(bands["metric"]):
            band = bands.loc[bands["metric"] == column, ["month", "p10", "p50", "p90"]]
            piece = piece.merge(band, on="month", how="left")
        pieces.append(piece)
    columns = ["section", "item", "month", "value", "before", "after", "change", "change_pct", "p10", "p50", "p90"]
    report = pd.concat(pieces, ignore_index=True).reindex(columns=columns)
    report["month"] = report["month"].astype("Int64")
    return report.replace({np.inf: np.nan, -np.inf: np.nan})
