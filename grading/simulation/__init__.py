"""Churn impact: what firing, lifting or repricing clients does to revenue, gross profit and the owner's time.

Pure functions over a portfolio frame (one row per client, as :func:`grading.scoring.portfolio.grade_portfolio` returns
it) and a :class:`Scenario`:

- :func:`simulate_impact` -> :class:`Impact`: the baseline window before and after, per grade, and the hours freed;
- :func:`simulate_timeline`: month by month over the horizon, with pace, notice and ramp-up;
- :func:`simulate_bands`: P10 / P50 / P90 per month where inputs are ranges (seeded Monte Carlo).
"""

from grading.simulation.montecarlo import simulate_bands
from grading.simulation.scenario import ManagedMove, Range, Redeployment, Repricing, Scenario, ScenarioError
from grading.vocabulary import GRADES, GRADE_SOURCES
from grading.simulation.static import METRICS, Impact, simulate_impact
from grading.simulation.timeline import simulate_timeline

__all__ = [
    "GRADES",
    "GRADE_SOURCES",
    "METRICS",
    "Impact",
    "ManagedMove",
    "Range",
    "Redeployment",
    "Repricing",
    "Scenario",
    "ScenarioError",
    "simulate_bands",
    "simulate_impact",
    "simulate_timeline",
]
