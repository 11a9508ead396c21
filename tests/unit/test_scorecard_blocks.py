"""A large book is scored a block of rows at a time, and gets the very frame one pass over all rows gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from grading.scoring import scorecard
from grading.scoring.scorecard import score_clients
from grading.settings import defaults


def _varied_features(n_clients: int) -> pd.DataFrame:
    """Clients of every kind: large and tiny, with and without an assessment, hours or payment data."""
    rng = np.random.default_rng(14)
    frame = pd.DataFrame(
        {
            "client_id": [f"C{i:03d}" for i in range(n_clients)],
            "months_with_data": rng.choice([0.0, 3.0, 12.0], n_clients),
            "effective_hourly_rate": rng.normal(90, 40, n_clients),
            "gross_margin": rng.normal(0.35, 0.2, n_clients),
            "avg_monthly_revenue": rng.lognormal(7.5, 1.2, n_clients),
            "avg_days_to_pay": rng.uniform(5, 120, n_clients),
            "disputed_invoices_per_year": rng.poisson(1.5, n_clients).astype(float),
            "emergency_share": rng.uniform(0, 0.5, n_clients),
            "after_hours_share": rng.uniform(0, 0.5, n_clients),
            "pays_on_time": rng.integers(1, 6, n_clients).astype(float),
            "values_service": rng.integers(1, 6, n_clients).astype(float),
            "trusted_advisor": rng.integers(1, 6, n_clients).astype(float),
            "follows_process": rng.integers(1, 6, n_clients).astype(float),
            "open_to_recommendations": rng.integers(1, 6, n_clients).astype(float),
            "caller_id_value": rng.choice([0.0, 50.0, 100.0], n_clients),
        }
    )
    for column, share in [("effective_hourly_rate", 0.2), ("avg_days_to_pay", 0.3), ("pays_on_time", 0.4),
                          ("caller_id_value", 0.4), ("emergency_share", 0.2)]:
        frame.loc[rng.random(n_clients) < share, column] = np.nan
    frame.loc[frame["months_with_data"] == 0, ["effective_hourly_rate", "gross_margin", "avg_monthly_revenue"]] = np.nan
    return frame


@pytest.mark.parametrize("explain", [False, True])
@pytest.mark.parametrize("index", ["range", "labels"])
def test_scoring_in_blocks_gives_the_frame_of_one_pass(monkeypatch, explain, index):
    features = _varied_features(61)
    if index == "labels":
        # features_at keeps its points' index, whatever labels they carry.
        features.index = np.random.default_rng(3).permutation(np.arange(1000, 1061))
    settings = defaults()

    monkeypatch.setattr(scorecard, "ROWS_PER_BLOCK", 10**9)
    whole = score_clients(features, settings, explain=explain)
    monkeypatch.setattr(scorecard, "ROWS_PER_BLOCK", 7)
    blocks = score_clients(features, settings, explain=explain)

    pd.testing.assert_frame_equal(blocks, whole, check_exact=True)
    assert list(blocks.index) == list(features.index)
    assert whole["rule_grade"].notna().sum() > 30 and whole["rule_grade"].nunique() == 4
