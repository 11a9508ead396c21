"""The churn story in words: the plain story beside the owner's scenario, and the break-even.

Owners ask "what if I fire the D clients?" and mean it plainly: the clients go, nothing of the freed time is
resold, the technicians are still paid. :func:`churn_story` puts that plain story (the scenario's firing and
nothing else) beside the owner's scenario (with whatever redeployment, repricing and moves they assume), says
the plain story in one sentence, and works out the break-even: how many of the freed hours a month must be
resold, at the stated rate, for gross profit to come back to where it was.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import pandas as pd

from grading.formatting import count, hourly_rate, hours, money, percent
from grading.simulation.scenario import Redeployment, Scenario
from grading.simulation.static import Impact, simulate_impact

#: How the source of the redeployment rate is said in a sentence.
_RATE_SOURCES = {
    "chosen": "your rate",
    "A clients": "what the A clients pay per hour",
    "whole portfolio": "the portfolio's effective rate",
    "none": "no rate: nobody logs hours",
}


@dataclass(frozen=True)
class BreakEven:
    """The resold hours a month at which gross profit is what it was before firing.

    Attributes
    ----------
    hours_per_month:
        Resold hours a month needed; 0 when firing alone does not lower gross profit; ``None`` when no number of
        hours is enough (each resold hour earns no more than it costs).
    rate, rate_source:
        Revenue per resold hour and where it comes from (``chosen``, ``A clients``, ...).
    freed_hours_per_month:
        Hours a month that firing frees.
    """

    hours_per_month: float | None
    rate: float
    rate_source: str
    freed_hours_per_month: float

    @property
    def within_freed_hours(self) -> bool:
        """True when the break-even needs no more hours than firing frees."""
        return self.hours_per_month is not None and self.hours_per_month <= self.freed_hours_per_month + 1e-9

    @property
    def share_of_freed(self) -> float:
        """The break-even as a fraction of the freed hours (NaN where nothing is freed or it is never reached)."""
        if self.hours_per_month is None or self.freed_hours_per_month <= 0:
            return math.nan
        return self.hours_per_month / self.freed_hours_per_month


@dataclass(frozen=True)
class ChurnStory:
    """The plain story, the owner's scenario, the break-even and the sentence that says it."""

    plain: Impact
    scenario: Impact
    break_even: BreakEven
    sentence: str
    window_months: int


def plain_scenario(scenario: Scenario) -> Scenario:
    """Return ``scenario``'s firing alone: the same clients go, nothing is resold, no price rises or moves.

    The labor cost of the hours that come back stays as the owner says (by default it stays: the time is theirs).
    """
    redeployment = scenario.redeployment
    return replace(
        scenario,
        redeployment=Redeployment(share=0.0, rate=redeployment.rate, labor_cost_goes=redeployment.labor_cost_goes),
        repricing=None,
        managed_move=None,
    )


def break_even(plain: Impact, window_months: int) -> BreakEven:
    """Return the break-even of a plain (nothing resold) impact.

    A resold hour earns the redeployment rate. While the hours that come back are still paid for, reselling one
    costs nothing more, so it adds the whole rate to gross profit; when their labor cost goes, a resold hour has to
    be paid again and adds the rate less the labor cost rate.

    Parameters
    ----------
    plain:
        The impact of firing with nothing resold (:func:`plain_scenario`).
    window_months:
        The baseline window's length, to turn window totals into a month.

    Returns
    -------
    BreakEven
    """
    months = max(int(window_months), 1)
    gap = plain.before("gross_profit") - plain.after("gross_profit")
    per_hour = plain.redeploy_rate - (plain.labor_cost_rate if plain.labor_cost_goes else 0.0)
    if gap <= 1e-9:
        needed: float | None = 0.0
    elif per_hour <= 0:
        needed = None
    else:
        needed = gap / per_hour / months
    return BreakEven(
        hours_per_month=needed,
        rate=plain.redeploy_rate,
        rate_source=plain.redeploy_rate_source,
        freed_hours_per_month=plain.hours_freed / months,
    )


def churn_story(
    portfolio: pd.DataFrame,
    scenario: Scenario,
    *,
    labor_cost_rate: float | None = None,
    window_months: int | None = None,
    currency: str = "EUR",
) -> ChurnStory:
    """Return the plain story and the owner's scenario side by side, the break-even and the sentence.

    Parameters
    ----------
    portfolio:
        One row per client (see :func:`grading.simulation.plan.make_plan`).
    scenario:
        The owner's scenario; its firing makes the plain story.
    labor_cost_rate:
        What one technician hour costs; ``None`` uses the setting's default.
    window_months:
        The baseline window's length in months; ``None`` takes it from the portfolio's ``months_in_window``.
    currency:
        The currency label amounts are written with.

    Returns
    -------
    ChurnStory

    Raises
    ------
    ScenarioError
        As :func:`grading.simulation.simulate_impact`.
    """
    firing_alone = plain_scenario(scenario)
    plain = simulate_impact(portfolio, firing_alone, labor_cost_rate=labor_cost_rate)
    # Often the owner's scenario is the firing alone (nothing resold, repriced or moved): its impact is the plain
    # one, not worked out a second time over the whole book.
    same = firing_alone == scenario
    owners = plain if same else simulate_impact(portfolio, scenario, labor_cost_rate=labor_cost_rate)
    months = int(window_months or plain.window_months or 12)
    even = break_even(plain, months)
    return ChurnStory(
        plain=plain,
        scenario=owners,
        break_even=even,
        sentence=story_sentence(plain, even, months, currency),
        window_months=months,
    )


def _fired_words(plain: Impact) -> str:
    grades = plain.fired["grade"].dropna().unique().tolist()
    number = len(plain.fired)
    if len(grades) == 1 and plain.fired["grade"].notna().all():
        if number == 1:
            return f"Firing the one {grades[0]} client"
        return f"Firing the {count(number, f'{grades[0]} client')}"
    return f"Firing {count(number, 'client')}"


def story_sentence(plain: Impact, even: BreakEven, window_months: int, currency: str = "EUR") -> str:
    """Say the plain story and its break-even in words, amounts per month.

    Parameters
    ----------
    plain:
        The impact of firing with nothing resold.
    even:
        Its :func:`break_even`.
    window_months:
        The baseline window's length, to turn window totals into a month.
    currency:
        The currency label.

    Returns
    -------
    str
        E.g. "Firing the 12 D clients loses 26% of revenue (€10,200 a month) and frees 42% of the hours (310 h a
        month), so the effective hourly rate rises 24%. With nothing resold, gross profit falls 16% (€3,100 a
        month). It pays off once you resell 45 of the freed hours a month at €95/h (what the A clients pay per
        hour)."
    """
    if not len(plain.fired):
        return "Nobody is fired yet: choose a grade or clients to fire to see what it would do."
    months = max(int(window_months), 1)

    def monthly(metric: str) -> float:
        return abs(plain.after(metric) - plain.before(metric)) / months

    revenue_share = -plain.change_pct("revenue") / 100
    hours_share = -plain.change_pct("labor_hours") / 100
    parts = [
        f"{_fired_words(plain)} loses {percent(revenue_share)} of revenue "
        f"({money(monthly('revenue'), currency)} a month) and frees {percent(hours_share)} of the hours "
        f"({hours(monthly('labor_hours'))} a month)"
    ]
    rate_change = plain.change_pct("effective_hourly_rate") / 100
    if math.isfinite(rate_change) and percent(rate_change) != "0%":
        moves = "rises" if rate_change > 0 else "falls"
        parts[0] += f", so the effective hourly rate {moves} {percent(abs(rate_change))}"
    parts[0] += "."

    profit_change = plain.change_pct("gross_profit") / 100
    cost_words = "" if plain.labor_cost_goes else " and the technicians still paid"
    if plain.after("gross_profit") >= plain.before("gross_profit"):
        parts.append(
            f"With nothing resold{cost_words}, gross profit does not fall"
            + (f": it rises {percent(profit_change)} ({money(monthly('gross_profit'), currency)} a month)."
               if math.isfinite(profit_change) and percent(profit_change) != "0%" else ".")
        )
    else:
        change = f" {percent(abs(profit_change))}" if math.isfinite(profit_change) else ""
        parts.append(
            f"With nothing resold{cost_words}, gross profit falls{change} "
            f"({money(monthly('gross_profit'), currency)} a month)."
        )
        rate_words = f"{hourly_rate(even.rate, currency)} ({_RATE_SOURCES.get(even.rate_source, even.rate_source)})"
        if even.hours_per_month is None:
            parts.append(
                f"Reselling the freed hours at {rate_words} does not pay for their labor "
                f"({hourly_rate(plain.labor_cost_rate, currency)}), so no amount of it makes up the difference."
            )
        elif even.within_freed_hours:
            parts.append(
                f"It pays off once you resell {hours(even.hours_per_month)} of the "
                f"{hours(even.freed_hours_per_month)} freed a month at {rate_words}."
            )
        else:
            parts.append(
                f"It would take {hours(even.hours_per_month)} a month resold at {rate_words} to pay off, more than "
                f"the {hours(even.freed_hours_per_month)} firing frees."
            )

    largest_before, largest_after = plain.before("largest_client_share"), plain.after("largest_client_share")
    if math.isfinite(largest_before) and math.isfinite(largest_after) and largest_after - largest_before >= 0.005:
        parts.append(
            f"The largest client's share of revenue rises from {percent(largest_before)} to {percent(largest_after)}."
        )
    return " ".join(parts)
