"""What the owner wants to try: whom to fire, what to do with the freed time, whom to lift or reprice.

A :class:`Scenario` is a frozen description, checked when it is built: a bad value raises
:class:`ScenarioError` with a sentence that says what to change. Shares and probabilities are fractions
(0.3 is 30%); a price increase is a fraction too (0.10 raises prices by 10%). Inputs the owner is unsure of
(redeployment share, ramp-up, the chance a repriced client leaves) may be a :class:`Range`: the static impact and
the timeline use its middle, the Monte Carlo run draws from it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from grading.errors import ClientGradeError
from grading.vocabulary import GRADES, GRADE_SOURCES

MIN_HORIZON_MONTHS = 12
MAX_HORIZON_MONTHS = 24


class ScenarioError(ClientGradeError):
    """A scenario or the portfolio it runs on cannot be simulated; the message says what to change."""


@dataclass(frozen=True)
class Range:
    """An uncertain input: any value from ``low`` to ``high`` (both included) is as likely."""

    low: float
    high: float

    def __post_init__(self) -> None:
        if not (_is_number(self.low) and _is_number(self.high)):
            raise ScenarioError(f"A range needs two numbers; got {self.low!r} to {self.high!r}.")
        if self.low > self.high:
            raise ScenarioError(f"A range's low end ({self.low}) is above its high end ({self.high}).")

    @property
    def middle(self) -> float:
        """The value halfway between ``low`` and ``high``."""
        return (self.low + self.high) / 2


Uncertain = float | Range


def bounds(value: Uncertain) -> tuple[float, float]:
    """Return ``(low, high)`` of a number or a :class:`Range` (a number is its own low and high)."""
    if isinstance(value, Range):
        return float(value.low), float(value.high)
    return float(value), float(value)


def middle(value: Uncertain) -> float:
    """Return a number as it is, or the middle of a :class:`Range`."""
    low, high = bounds(value)
    return (low + high) / 2


@dataclass(frozen=True)
class Redeployment:
    """What the hours freed by firing (and by clients who leave) become.

    Parameters
    ----------
    share:
        Fraction of freed hours put back to paid work (0-1): project work for the A clients, or new clients like
        the best ones. The rest is time back for the owner.
    rate:
        Revenue per redeployed hour. ``None``: the A clients' effective hourly rate (by the scenario's grade
        source), or the whole portfolio's where there are no A hours.
    ramp_months:
        Months until freed hours are fully redeployed; each departure's hours ramp up in a straight line.
        0 redeploys them in the month they are freed.
    labor_cost_goes:
        Whether the labor cost of the freed hours that are not redeployed goes too (someone is let go, a contract
        ends). By default it does not: those hours are "back to you", the owner's time, still paid for, so they
        are no saving in gross profit.
    """

    share: Uncertain = 0.0
    rate: float | None = None
    ramp_months: Uncertain = 0.0
    labor_cost_goes: bool = False

    def __post_init__(self) -> None:
        _check_fraction(self.share, "The redeployed share of freed hours")
        if self.rate is not None and not (_is_number(self.rate) and self.rate >= 0):
            raise ScenarioError(f"The redeployment rate must be a number of at least 0 per hour; got {self.rate!r}.")
        low, high = _checked_bounds(self.ramp_months, "The ramp-up")
        if low < 0:
            raise ScenarioError(f"The ramp-up must be 0 months or more; got {self.ramp_months}.")
        if not isinstance(self.labor_cost_goes, bool):
            raise ScenarioError(f"Whether the labor cost goes must be True or False; got {self.labor_cost_goes!r}.")


@dataclass(frozen=True)
class Repricing:
    """Raise prices per grade, with a chance per grade that the client leaves instead of paying.

    Parameters
    ----------
    price_increase:
        Grade to fraction, e.g. ``{"C": 0.10, "D": 0.25}``; only clients of these grades are repriced.
    leave_probability:
        Grade to the chance (0-1, or a :class:`Range`) that a repriced client of that grade leaves; a grade left
        out never leaves.
    """

    price_increase: Mapping[str, float] = field(default_factory=dict)
    leave_probability: Mapping[str, Uncertain] = field(default_factory=dict)

    def __post_init__(self) -> None:
        increases = _by_grade(self.price_increase, "price increase")
        for grade, increase in increases.items():
            if not (_is_number(increase) and increase >= 0):
                raise ScenarioError(
                    f"The price increase for grade {grade} must be a fraction of at least 0 (0.1 is 10%); "
                    f"got {increase!r}."
                )
        chances = _by_grade(self.leave_probability, "chance of leaving")
        for grade, chance in chances.items():
            _check_fraction(chance, f"The chance that a repriced {grade} client leaves")
            if grade not in increases:
                raise ScenarioError(
                    f"There is a chance of leaving for grade {grade} but no price increase for it; "
                    f"add a price increase for {grade} or drop its chance."
                )
        object.__setattr__(self, "price_increase", {grade: float(value) for grade, value in increases.items()})
        object.__setattr__(self, "leave_probability", chances)


@dataclass(frozen=True)
class ManagedMove:
    """Move break/fix clients to managed services at a monthly price per seat.

    Parameters
    ----------
    price_per_seat:
        The managed-services price per seat (user or endpoint) and month.
    grades:
        Move only break/fix clients of these grades; empty moves every break/fix client that is not fired.
        Clients without seats are left as they are: a per-seat price would bill them nothing.
    """

    price_per_seat: float
    grades: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not (_is_number(self.price_per_seat) and self.price_per_seat > 0):
            raise ScenarioError(f"The managed price per seat must be above 0; got {self.price_per_seat!r}.")
        object.__setattr__(self, "grades", _grades(self.grades, "move to managed"))


@dataclass(frozen=True)
class Scenario:
    """One what-if: whom to fire and how fast, what the freed time becomes, whom to reprice or move to managed.

    Parameters
    ----------
    fire_grades:
        Fire every client with one of these grades (in ``grade_source``).
    fire_clients:
        Fire these clients by ``client_id`` as well.
    grade_source:
        Which grade decides: ``effective`` (manual, else suggested, else rule), ``manual``, ``rule`` or
        ``suggested``. Repricing and the per-grade shares use the same grade.
    redeployment:
        What the freed hours become (default: nothing, all of it is time back for the owner).
    repricing, managed_move:
        Optional lifts for the clients that stay.
    pace:
        Clients given notice per month, worst first; ``None`` gives everyone notice in month 1.
    notice_months:
        Months between notice and departure. Price increases and moves to managed take effect after the same
        notice, in month ``1 + notice_months``.
    horizon_months:
        Length of the timeline, 12 to 24 months.
    start_month:
        Calendar month of month 1 (``"YYYY-MM"`` or a date in it); ``None`` leaves the timeline in month numbers.

    Raises
    ------
    ScenarioError
        Any value out of range; unknown client ids are found only against a portfolio.
    """

    fire_grades: tuple[str, ...] = ()
    fire_clients: tuple[str, ...] = ()
    grade_source: str = "effective"
    redeployment: Redeployment = field(default_factory=Redeployment)
    repricing: Repricing | None = None
    managed_move: ManagedMove | None = None
    pace: int | None = None
    notice_months: int = 0
    horizon_months: int = 12
    start_month: str | date | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "fire_grades", _grades(self.fire_grades, "fire"))
        if isinstance(self.fire_clients, str):
            raise ScenarioError("fire_clients needs a list of client ids, not one string.")
        object.__setattr__(self, "fire_clients", tuple(dict.fromkeys(str(cid).strip() for cid in self.fire_clients)))
        if self.grade_source not in GRADE_SOURCES:
            raise ScenarioError(
                f"The grade source must be one of {', '.join(GRADE_SOURCES)}; got {self.grade_source!r}."
            )
        if not isinstance(self.redeployment, Redeployment):
            raise ScenarioError("redeployment must be a Redeployment.")
        if self.repricing is not None and not isinstance(self.repricing, Repricing):
            raise ScenarioError("repricing must be a Repricing or None.")
        if self.managed_move is not None and not isinstance(self.managed_move, ManagedMove):
            raise ScenarioError("managed_move must be a ManagedMove or None.")
        if self.pace is not None and not (_is_whole(self.pace) and self.pace >= 1):
            raise ScenarioError(
                f"The pace must be at least 1 client per month (or none: all at once); got {self.pace!r}."
            )
        if not (_is_whole(self.notice_months) and self.notice_months >= 0):
            raise ScenarioError(
                f"The notice period must be a whole number of months, 0 or more; got {self.notice_months!r}."
            )
        if not (_is_whole(self.horizon_months) and MIN_HORIZON_MONTHS <= self.horizon_months <= MAX_HORIZON_MONTHS):
            raise ScenarioError(
                f"The horizon must be {MIN_HORIZON_MONTHS} to {MAX_HORIZON_MONTHS} months; got {self.horizon_months!r}."
            )
        if self.pace is not None:
            object.__setattr__(self, "pace", int(self.pace))
        object.__setattr__(self, "notice_months", int(self.notice_months))
        object.__setattr__(self, "horizon_months", int(self.horizon_months))
        if self.start_month is not None:
            object.__setattr__(self, "start_month", month_text(self.start_month))

    @property
    def lift_month(self) -> int:
        """The month in which price increases and moves to managed take effect (after the notice period)."""
        return 1 + self.notice_months


def month_text(value: str | date) -> str:
    """Return ``value`` (``"YYYY-MM"``, or a date in that month) as ``"YYYY-MM"``.

    Raises
    ------
    ScenarioError
        The value is not a month or a date.
    """
    try:
        return pd.Period(value, freq="M").strftime("%Y-%m")
    except (ValueError, TypeError) as error:
        raise ScenarioError(f"The start month must be YYYY-MM or a date; got {value!r}.") from error


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_whole(value: object) -> bool:
    return _is_number(value) and float(value).is_integer()


def _checked_bounds(value: object, what: str) -> tuple[float, float]:
    if not (isinstance(value, Range) or _is_number(value)):
        raise ScenarioError(f"{what} must be a number or a Range; got {value!r}.")
    return bounds(value)


def _check_fraction(value: object, what: str) -> None:
    low, high = _checked_bounds(value, what)
    if low < 0 or high > 1:
        raise ScenarioError(f"{what} must be from 0 to 1 (0.3 is 30%); got {value}.")


def _grades(values: Iterable[str], purpose: str) -> tuple[str, ...]:
    if isinstance(values, str):
        values = [values]
    cleaned = tuple(dict.fromkeys(str(value).strip().upper() for value in values))
    unknown = [grade for grade in cleaned if grade not in GRADES]
    if unknown:
        raise ScenarioError(f"Grades to {purpose} must be A, B, C or D; got {', '.join(unknown)}.")
    return cleaned


def _by_grade(values: Mapping[str, object], what: str) -> dict[str, object]:
    if not isinstance(values, Mapping):
        raise ScenarioError(f"The {what} needs a mapping of grade to value, e.g. {{'D': 0.2}}.")
    cleaned: dict[str, object] = {}
    for grade, value in values.items():
        key = str(grade).strip().upper()
        if key not in GRADES:
            raise ScenarioError(f"The {what} is given for grade {grade!r}; grades are A, B, C and D.")
        cleaned[key] = value
    return cleaned
