"""Per month unless labelled: every table column and card of an amount or of hours that the pages show says whether
it is per month or over the scoring window (the Overview's cards are per month, its table holds window totals; the
Churn impact's before/after cards are window totals)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SOURCES = sorted([*REPO.glob("pages/*.py"), *REPO.glob("grading/views/*.py"), *REPO.glob("ui/*.py")])
# A column label given as the first argument of a NumberColumn, on the same line or the next.
COLUMN_LABEL = re.compile(r'NumberColumn\(\s*f?"([^"]*)"')
# A card's label given as the first argument of st.metric (``st.metric(``, ``column.metric(``), likewise.
CARD_LABEL = re.compile(r'\.metric\(\s*f?"([^"]*)"')
AMOUNT_OR_HOURS = re.compile(r"^(Revenue|Labor hours|Hours|Gross profit|Direct costs)\b")
# Not figures of a period: shares of the whole, and the hours an import could not place.
NOT_A_PERIOD = ("share", "not placed")


def column_labels() -> list[tuple[str, str]]:
    return [(path.relative_to(REPO).as_posix(), label)
            for path in SOURCES for pattern in (COLUMN_LABEL, CARD_LABEL)
            for label in pattern.findall(path.read_text(encoding="utf-8"))]


def test_the_pages_have_amount_and_hours_columns_to_check():
    assert sum(1 for _, label in column_labels() if AMOUNT_OR_HOURS.match(label)) >= 10


@pytest.mark.parametrize(("source", "label"), [(source, label) for source, label in column_labels()
                                                if AMOUNT_OR_HOURS.match(label)
                                                and not any(word in label for word in NOT_A_PERIOD)])
def test_every_amount_or_hours_column_says_per_month_or_window(source, label):
    assert "(window)" in label or "month" in label, f"{source}: column {label!r} does not say its period"


def test_the_pages_cards_are_read_too():
    labels = {label for _, label in column_labels()}
    assert {"Revenue per month", "Hours freed (window)"} <= labels


def test_the_churn_pages_before_and_after_cards_say_their_amounts_and_hours_are_window_totals():
    import pandas as pd

    from grading.simulation import simulate_impact
    from grading.views.churn_impact import impact_cards, scenario_from_choices, simulation_portfolio

    book = simulation_portfolio(pd.DataFrame({
        "client_id": ["a", "d"], "name": ["Alpha", "Delta"], "effective_grade": ["A", "D"],
        "revenue": [60_000.0, 6_000.0], "direct_costs": [6_000.0, 1_200.0], "labor_hours": [400.0, 150.0],
        "seats": [20, 5], "service_model": ["managed", "managed"],
    }), 12)
    cards = impact_cards(simulate_impact(book, scenario_from_choices(fire_grades=["D"]), labor_cost_rate=45), "EUR")
    money_or_hours = [card for card in cards if card.metric in {"gross_profit", "revenue", "labor_hours"}]
    assert len(money_or_hours) == 3
    for card in money_or_hours:
        assert "(window)" in card.label, card.label
