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


def _regraded_rule_grades(demo_db, tmp_path, changes, as_of):
    """The rule grades after saving ``changes`` in a copy of the book and grading it again, beside today's."""
    import shutil

    from grading.db.store import Store
    from grading.scoring.portfolio import grade_portfolio
    from grading.settings import save_settings

    copy = tmp_path / "copy"
    shutil.copytree(demo_db.parent, copy)
    with Store(copy / demo_db.name) as store:
        before = grade_portfolio(store, as_of, models_dir=copy / "models", explain=False)
        save_settings(store, changes)
        after = grade_portfolio(store, as_of, models_dir=copy / "models", explain=False)
    both = before[["client_id", "rule_grade"]].merge(after[["client_id", "rule_grade"]], on="client_id")
    return set(both.loc[both["rule_grade_x"].fillna("") != both["rule_grade_y"].fillna(""), "client_id"])


@pytest.mark.parametrize("changes", [
    {"weight_caller_id": 60.0, "margin_full_pct": 40.0},
    {"labor_cost_rate": 70.0},
    {"scoring_window_months": 6, "grade_b_min": 50.0},
], ids=["weights-and-thresholds", "labor-cost", "window"])
def test_the_preview_lists_exactly_the_clients_a_saved_change_regrades(demo_db, tmp_path, changes):
    from grading.db.store import Store

    as_of = date.today()  # the demo's months end with the last month before today
    with Store(demo_db) as store:
        preview = preview_settings(store, changes, as_of=as_of, models_dir=demo_db.parent / "models")

    expected = _regraded_rule_grades(demo_db, tmp_path, changes, as_of)
    assert expected, "the change moves someone"
    assert set(preview.clients["client_id"]) == expected
    assert preview.clients["why"].str.len().gt(0).all()


def test_the_preview_says_why_a_grade_moved_in_words(demo_db):
    from grading.db.store import Store

    with Store(demo_db) as store:
        lines = preview_settings(store, {"grade_a_min": 100.0}, as_of=date.today())
        weights = preview_settings(store, {"weight_caller_id": 200.0}, as_of=date.today())

    assert set(lines.clients["why"].str.startswith("The grade lines moved; score ")) == {True}
    assert weights.count and weights.clients["why"].str.contains(r"^Caller-ID test [+-]\d", regex=True).any()


def test_the_effective_grade_moves_only_where_no_manual_or_suggested_grade_stands(demo_db):
    from grading.db.store import Store

    with Store(demo_db) as store:
        preview = preview_settings(store, {"grade_a_min": 100.0}, as_of=date.today(),
                                   models_dir=demo_db.parent / "models")
    clients = preview.clients
    assert preview.effective_count == int((clients["effective_grade_before"] != clients["effective_grade_after"]).sum())
    assert preview.effective_sentence


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"margin_full_pct": 10.0}, "margin_full_pct", "Full marks at (% gross margin)"),
    ({"days_to_pay_full": 90.0}, "days_to_pay_full", "Full marks at (days to pay, or sooner)"),
    ({"target_hourly_rate": 30.0}, "target_hourly_rate", "Full marks at (USD/h)"),
    ({"grade_b_min": 80.0}, "grade_b_min", "Lowest score for a B"),
    ({"tiny_client_revenue": 5000.0}, "tiny_client_revenue", "Very small client"),
    ({"weight_financial": 0.0, "weight_relationship": 0.0, "weight_caller_id": 0.0}, "weight_financial",
     "the three groups"),
    ({"weight_effective_hourly_rate": 0.0, "weight_gross_margin": 0.0, "weight_size": 0.0},
     "weight_effective_hourly_rate", "the money group"),
    ({"grade_a_min": 150.0}, "grade_a_min", "Lowest score for an A"),
], ids=lambda value: value if isinstance(value, str) else None)
def test_a_contradiction_is_said_beside_the_field_to_change(changes, field, words):
    from grading.settings import defaults
    from grading.views.settings_editor import setting_problems

    problems = setting_problems(defaults() | changes, "USD")

    assert list(problems) == [field]
    assert words in problems[field]
    assert "_" not in problems[field], "the field is named in words"


def test_the_default_settings_have_no_problem_and_weights_are_shares_of_their_group():
    from grading.settings import defaults
    from grading.views.settings_editor import setting_problems, weight_share_words, weight_shares

    assert setting_problems(defaults()) == {}
    words = weight_share_words(defaults())
    assert words["weight_financial"] == "45% of the score"
    assert words["weight_gross_margin"] == "30% of the money group"
    shares = weight_shares(defaults())
    assert shares["weight_financial"] == pytest.approx(0.45)
    assert shares["weight_effective_hourly_rate"] == pytest.approx(0.5)
    assert shares["weight_pays_on_time"] == pytest.approx(0.1)


def test_the_preview_says_which_flags_a_change_raises_or_lowers(demo_db):
    from grading.db.store import Store
    from grading.scoring.portfolio import grade_portfolio

    with Store(demo_db) as store:
        graded = grade_portfolio(store, date.today(), explain=False)
        preview = preview_settings(store, {"concentration_pct": 1.0}, as_of=date.today())
        grades_only = preview_settings(store, {"grade_a_min": 100.0}, as_of=date.today())

    above_one_percent = int(((graded["revenue_share"] > 0.01) & ~graded["concentration"]).sum())
    assert above_one_percent
    assert preview.count == 0, "a flag never changes a grade"
    assert preview.flag_moves["concentration"] == (above_one_percent, 0)
    assert preview.flag_sentence == f"Flags: concentration raised for {above_one_percent} clients."
    assert grades_only.flag_sentence == "No flag is raised or lowered."
