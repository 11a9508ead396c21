"""The churn simulation's defaults, in one place for the CLI's ``simulate`` and the Churn impact page.

The CLI and the page answer the same question ("what if I fire the D clients?"), so they start from the same
assumptions: nothing of the freed time is resold, the hours that come back are the owner's time and still cost
labor, everyone is given notice at once. A test checks that the page's first figures equal
``python -m grading simulate --fire-grade D``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from grading.simulation.scenario import Range, Redeployment, Scenario


@dataclass(frozen=True)
class ChurnDefaults:
    """Every default of a churn scenario; percentages as the page's sliders give them (0-100).

    Attributes
    ----------
    fire_grades:
        The grades the page fires as it opens (the CLI fires only what ``--fire-grade`` names).
    grade_source:
        Which grade decides.
    redeploy_share_pct:
        Low and high percentage of freed hours resold (put back to paid work): none.
    redeploy_rate:
        Revenue per resold hour; ``None`` is the A clients' effective hourly rate.
    ramp_months:
        Low and high months until freed hours are fully resold.
    labor_cost_goes:
        Whether the labor cost of the hours that come back goes (someone is let go): no.
    pace, notice_months, horizon_months:
        Clients given notice per month (0 or ``None``: all at once), months of notice, months on the timeline.
    draws, seed:
        Monte Carlo draws and their seed, used where an input is a range.
    """

    fire_grades: tuple[str, ...] = ("D",)
    grade_source: str = "effective"
    redeploy_share_pct: tuple[float, float] = (0.0, 0.0)
    redeploy_rate: float | None = None
    ramp_months: tuple[float, float] = (0.0, 0.0)
    labor_cost_goes: bool = False
    pace: int | None = None
    notice_months: int = 0
    horizon_months: int = 12
    draws: int = 1000
    seed: int = 7

    def redeployment(self) -> Redeployment:
        """Return the :class:`Redeployment` these defaults describe."""
        return Redeployment(
            share=uncertain(*self.redeploy_share_pct, scale=0.01),
            rate=self.redeploy_rate,
            ramp_months=uncertain(*self.ramp_months),
            labor_cost_goes=self.labor_cost_goes,
        )

    def scenario(self, **changes) -> Scenario:
        """Return the default scenario (firing ``fire_grades``), with ``changes`` to its fields applied."""
        values = {
            "fire_grades": self.fire_grades,
            "grade_source": self.grade_source,
            "redeployment": self.redeployment(),
            "pace": self.pace or None,
            "notice_months": self.notice_months,
            "horizon_months": self.horizon_months,
        }
        return Scenario(**{**values, **changes})


def uncertain(low: float, high: float, scale: float = 1.0) -> float | Range:
    """Return one number where a slider's two ends are equal, else a :class:`Range`, both times ``scale``."""
    low, high = float(low) * scale, float(high) * scale
    return low if math.isclose(low, high) else Range(low, high)


#: The one set of defaults the CLI and the page share.
CHURN_DEFAULTS = ChurnDefaults()
