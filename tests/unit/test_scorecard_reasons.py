"""The reasons behind a rule grade: strongest and weakest criteria in plain words, in the owner's currency."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from grading.scoring.reasons import criterion_phrases, join_phrases, money, numbers
from grading.scoring.scorecard import CRITERIA, score_clients
from grading.settings import defaults


def features(**changes):
    """A client that scores well on everything (full marks nearly everywhere), changed as the test says."""
    row = {
        "client_id": "x", "months_with_data": 12.0, "effective_hourly_rate": 150.0, "gross_margin": 0.7,
        "avg_monthly_revenue": 6000.0, "avg_days_to_pay": 10.0, "disputed_invoices_per_year": 0.0,
        "emergency_share": 0.02, "after_hours_share": 0.02, "pays_on_time": 5.0, "values_service": 5.0,
        "trusted_advisor": 5.0, "follows_process": 5.0, "open_to_recommendations": 5.0, "caller_id_value": 100.0,
        "caller_id": "happy",
    }
    return pd.DataFrame([row | changes])


def test_a_slow_payer_is_told_how_slow_in_days():
    scored = score_clients(features(avg_days_to_pay=92.4), defaults()).iloc[0]
    assert scored["weakest"] == "pays in 92 days on average"
    assert "Weakest: pays in 92 days on average" in scored["reasons"]


def test_a_rate_below_the_labor_cost_is_said_against_the_cost():
    scored = score_clients(features(effective_hourly_rate=23.0), defaults()).iloc[0]
    assert scored["weakest"].startswith("effective rate €23/h, below the €45/h cost")


def test_the_currency_setting_changes_the_words():
    values = defaults() | {"currency": "USD", "labor_cost_rate": 50.0}
    scored = score_clients(features(effective_hourly_rate=23.0), values).iloc[0]
    assert "effective rate $23/h, below the $50/h cost" in scored["weakest"]


def test_the_two_strongest_come_best_first_and_heaviest_first_on_a_tie():
    scored = score_clients(features(avg_days_to_pay=40.0, trusted_advisor=2.0), defaults()).iloc[0]
    assert scored["strongest"] == "effective rate €150/h, above the €120/h target; caller-ID test: happy"
    assert scored["weakest"] == "sees you as a trusted advisor: 2/5; pays in 40 days on average"


def test_the_weakest_never_repeat_the_strongest_and_full_marks_are_no_weakness():
    scored = score_clients(features(), defaults()).iloc[0]
    assert scored["weakest"] == ""
    assert scored["reasons"].startswith("Strongest: ")


def test_a_client_without_strengths_lists_none():
    bad = features(effective_hourly_rate=30.0, gross_margin=-0.1, avg_monthly_revenue=2000.0, avg_days_to_pay=100.0,
                   disputed_invoices_per_year=8.0, emergency_share=0.5, after_hours_share=0.5, pays_on_time=1.0,
                   values_service=1.0, trusted_advisor=1.0, follows_process=1.0, open_to_recommendations=1.0,
                   caller_id_value=0.0, caller_id="dread")
    scored = score_clients(bad, defaults()).iloc[0]
    assert scored["strongest"] == ""
    # Both score nothing; the tie goes to the heavier criterion (the rate 22.5%, the caller-ID test 15%).
    assert scored["weakest"] == "effective rate €30/h, below the €45/h cost; caller-ID test: dread"


def test_the_small_client_rule_says_it_applied_and_what_it_did():
    scored = score_clients(features(avg_monthly_revenue=350.0), defaults()).iloc[0]
    assert scored["small_client_note"] == "small client (€350 a month, under €400): knocked down two grades, A to C"
    assert scored["reasons"].endswith("Small client (€350 a month, under €400): knocked down two grades, A to C")


def test_no_small_client_note_when_the_rule_did_not_apply():
    scored = score_clients(features(), defaults()).iloc[0]
    assert scored["small_client_note"] == "" and "mall client" not in scored["reasons"]


def test_no_disputes_read_as_words_not_a_zero():
    disputes = next(criterion for criterion in CRITERIA if criterion.name == "disputes")
    phrases = criterion_phrases(disputes, features(disputed_invoices_per_year=0.0), defaults())
    assert list(phrases) == ["no disputed invoices"]
    phrases = criterion_phrases(disputes, features(disputed_invoices_per_year=2.5), defaults())
    assert list(phrases) == ["disputed invoices a year: 2.5"]


def test_reasons_keep_the_index_of_the_features():
    frame = pd.concat([features(), features(avg_days_to_pay=80.0)], ignore_index=True)
    frame.index = [42, 7]
    scored = score_clients(frame, defaults())
    assert list(scored.index) == [42, 7]
    assert scored.loc[7, "weakest"] == "pays in 80 days on average"


@pytest.mark.parametrize(
    ("values", "decimals", "thousands", "expected"),
    [
        ([0.4, 1234.5, -7.6], 0, False, ["0", "1234", "-8"]),
        ([1234567.0, 999.0, 1000.0], 0, True, ["1,234,567", "999", "1,000"]),
        ([3.0, 3.46, -0.25, np.nan], 1, False, ["3", "3.5", "-0.2", "n/a"]),
    ],
)
def test_numbers_are_formatted_all_at_once(values, decimals, thousands, expected):
    assert list(numbers(values, decimals, thousands=thousands)) == expected


def test_money_puts_the_sign_before_the_currency_symbol():
    assert list(money([-5.0, 1234.4, np.nan], "EUR")) == ["-€5", "€1,234", "n/a"]


def test_join_phrases_skips_the_empty_ones():
    joined = join_phrases([np.array(["a", "", "", "d"]), np.array(["b", "c", "", ""])], sep="; ")
    assert list(joined) == ["a; b", "c", "", "d"]


def test_a_rate_just_under_the_cost_is_not_rounded_up_to_it():
    rate = next(criterion for criterion in CRITERIA if criterion.name == "effective_hourly_rate")

    phrase = str(criterion_phrases(rate, features(effective_hourly_rate=44.6), defaults())[0])

    assert phrase.startswith("effective rate €44.60/h, below the €45/h cost")
