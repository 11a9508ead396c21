"""Settings people can read: labels in words with units, sections by criterion, and the preview of a change."""

from __future__ import annotations

import re
from datetime import date

import pytest

from grading.errors import SettingError
from grading.settings import SECTIONS, SETTINGS, setting_help, setting_label
from grading.views.settings_preview import preview_settings


def test_every_setting_sits_in_exactly_one_section():
    listed = [name for section in SECTIONS for name in section.names]

    assert sorted(listed) == sorted(item.name for item in SETTINGS)
    assert len(listed) == len(set(listed))


@pytest.mark.parametrize("item", SETTINGS, ids=lambda item: item.name)
def test_a_label_is_words_not_the_variable_name(item):
    label = setting_label(item.name, "USD")

    assert "_" not in label and item.name not in label
    assert "{currency}" not in label
    assert item.name in setting_help(item.name)


def test_amount_labels_carry_their_unit_with_the_books_currency():
    assert setting_label("labor_cost_rate", "GBP") == "Labor cost of one technician hour (GBP/h)"
    assert re.search(r"\(GBP a month", setting_label("size_full_revenue", "GBP"))


def test_the_flags_have_a_section_of_their_own_not_the_scorecards():
    flags = next(section for section in SECTIONS if section.title == "Flags")

    assert "concentration_pct" in flags.names and "problem_months" in flags.names


def test_the_preview_counts_and_lists_the_clients_whose_grade_changes(demo_db, tmp_path):
    from grading.scoring.portfolio import grade_portfolio
    from grading.db.store import Store

    as_of = date(2025, 1, 15)
    with Store(demo_db) as store:
        graded = grade_portfolio(store, as_of, models_dir=demo_db.parent / "models", explain=False)
        # Nobody scores 100: every client scoring an A drops a grade (an A to B, a small one knocked down from A
        # to B goes on to C), and nobody else moves.
        a_clients = set(graded.loc[graded["rule_score"] >= 75, "client_id"])
        preview = preview_settings(store, {"grade_a_min": 100.0}, as_of=as_of, models_dir=demo_db.parent / "models")
        unchanged = preview_settings(store, {}, as_of=as_of)

    assert a_clients
    assert preview.count == len(a_clients)
    assert set(preview.clients["client_id"]) == a_clients
    assert set(preview.clients["rule_grade_after"]) <= {"B", "C"}
    assert preview.sentence == f"With these settings, {len(a_clients)} clients change grade."
    assert unchanged.count == 0


def test_a_bad_proposed_value_is_refused_by_name(store):
    with pytest.raises(SettingError, match="grade_a_min"):
        preview_settings(store, {"grade_a_min": 150})
