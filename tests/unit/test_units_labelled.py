"""Per month unless labelled: every table column of an amount or of hours that the pages show says whether it is
per month or over the scoring window (the Overview's cards are per month, its table holds window totals)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SOURCES = sorted([*REPO.glob("pages/*.py"), *REPO.glob("grading/views/*.py"), *REPO.glob("ui/*.py")])
# A column label given as the first argument of a NumberColumn, on the same line or the next.
COLUMN_LABEL = re.compile(r'NumberColumn\(\s*f?"([^"]*)"')
AMOUNT_OR_HOURS = re.compile(r"^(Revenue|Labor hours|Hours|Gross profit|Direct costs)\b")
# Not figures of a period: shares of the whole, and the hours an import could not place.
NOT_A_PERIOD = ("share", "not placed")


def column_labels() -> list[tuple[str, str]]:
    return [(path.relative_to(REPO).as_posix(), label)
            for path in SOURCES for label in COLUMN_LABEL.findall(path.read_text(encoding="utf-8"))]


def test_the_pages_have_amount_and_hours_columns_to_check():
    assert sum(1 for _, label in column_labels() if AMOUNT_OR_HOURS.match(label)) >= 10


@pytest.mark.parametrize(("source", "label"), [(source, label) for source, label in column_labels()
                                                if AMOUNT_OR_HOURS.match(label)
                                                and not any(word in label for word in NOT_A_PERIOD)])
def test_every_amount_or_hours_column_says_per_month_or_window(source, label):
    assert "(window)" in label or "month" in label, f"{source}: column {label!r} does not say its period"
