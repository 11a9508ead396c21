"""Hypothesis profiles: a quick one by default, a thorough one in CI.

``HYPOTHESIS_PROFILE=ci`` (``.ci/run`` sets it; it is also the default when ``CI=true``) runs every property test
with the number of examples it names. The default ``dev`` profile runs a tenth of them (at least 5), so a local
``pytest tests/unit`` stays quick while CI still searches wide (a local run can set ``HYPOTHESIS_PROFILE=ci`` too).
Every property test writes ``@settings(max_examples=examples(N))``; tests/unit/test_house_rules.py checks that none
names a bare number.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

PROFILE = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI", "").lower() == "true" else "dev")

# Importing and grading a generated book takes longer than Hypothesis' default deadline on a loaded machine; the
# tests assert behaviour, never time.
settings.register_profile("ci", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True)
settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])


def examples(thorough: int) -> int:
    """Return how many examples a property test runs: ``thorough`` in CI, a tenth of it (at least 5) otherwise."""
    return thorough if PROFILE == "ci" else max(5, thorough // 10)
