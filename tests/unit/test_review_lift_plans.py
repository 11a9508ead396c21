"""Lift plans and the playbook: weakest criteria, the steps that address them, and the grade if the plan worked."""

from __future__ import annotations

import pandas as pd
import pytest

from grading.db.store import Store
from grading.scoring.portfolio import grade_portfolio
from grading.review import ReviewError
from grading.review.lift_plans import grade_if_plan_works, grades_if_plans_work, lift_plans, suggested_steps
from grading.review.playbook import PLAYBOOK, plan_from_text, plan_steps, plan_text, steps_for
from grading.scoring.scorecard import CRITERIA
from grading.vocabulary import GRADES
from tests.review_book import AS_OF, write_review_book

RANK = {grade: index for index, grade in enumerate(GRADES)}


@pytest.fixture(scope="module")
def graded_book(tmp_path_factory):
    """The review book of 40 clients, graded once for the module (the tests only read it)."""
    folder = tmp_path_factory.mktemp("lift-plans")
    with Store(folder / "book.duckdb") as store:
        write_review_book(store, n_clients=40, seed=3)
        return grade_portfolio(store, AS_OF, models_dir=folder / "none")


@pytest.fixture
def portfolio(graded_book):
    """A private copy of the graded book, so that no test sees what another did to its frame."""
    return graded_book.copy(deep=True)


def test_every_b_to_d_client_gets_a_plan_and_no_a_client_does(portfolio):
    plans = lift_plans(portfolio)
    expected = set(portfolio.loc[portfolio["effective_grade"].isin(["B", "C", "D"]), "client_id"])
    assert set(plans["client_id"]) == expected
    assert (plans["steps"].map(len) > 0).all()


def test_lift_plans_re_score_to_a_better_or_equal_grade(portfolio):
    plans = lift_plans(portfolio, grade_column="rule_grade")
    assert len(plans) > 5
    assert (plans["rule_score_if_plan_works"] >= plans["rule_score"] - 1e-9).all()
    assert (plans["grade_if_plan_works"].map(RANK) <= plans["rule_grade"].map(RANK)).all()
    assert plans["grade_if_plan_works"].map(RANK).lt(plans["rule_grade"].map(RANK)).any(), "some plan lifts a grade"


def test_the_plan_addresses_the_clients_weakest_criteria(portfolio):
    plans = lift_plans(portfolio, weakest=2)
    addressed = {step.key: set(step.addresses) for step in PLAYBOOK}
    for row in plans.itertuples():
        assert len(row.weakest_criteria) <= 2
        covered = set().union(*(addressed[key] for key in row.steps))
        assert covered & set(row.weakest_criteria)


def test_a_managed_client_is_never_told_to_move_to_managed_services(portfolio):
    plans = lift_plans(portfolio)
    managed = plans.loc[plans["service_model"] == "managed", "steps"]
    assert not managed.map(lambda keys: "managed_services" in keys).any()
    assert steps_for(["effective_hourly_rate"], "managed") == ["price_increase"]


def test_a_chosen_plan_never_lowers_the_grade_and_custom_steps_change_nothing(portfolio):
    ids = portfolio["client_id"].tolist()
    every_step = [step.key for step in PLAYBOOK]
    # Every client at once (each row scored on its own), then one client at a time through the one-client call.
    with_every_step = grades_if_plans_work(
        portfolio, pd.DataFrame([(client_id, step) for client_id in ids for step in every_step],
                                columns=["client_id", "step"]))
    with_custom = grades_if_plans_work(portfolio, pd.DataFrame({"client_id": ids, "step": "custom"}))
    assert with_every_step["client_id"].tolist() == with_custom["client_id"].tolist() == ids
    rule_scores = portfolio["rule_score"].to_numpy()
    assert (with_every_step["rule_score_if_plan_works"].to_numpy() >= rule_scores - 1e-9).all()
    assert with_custom["rule_score_if_plan_works"].to_numpy() == pytest.approx(rule_scores)
    for position in (0, len(ids) // 2, len(ids) - 1):
        row = with_every_step.iloc[position]
        assert grade_if_plan_works(portfolio, ids[position], every_step) == (
            pytest.approx(row["rule_score_if_plan_works"]), row["grade_if_plan_works"])
        assert grade_if_plan_works(portfolio, ids[position], ["custom"])[0] == pytest.approx(rule_scores[position])


def test_suggested_steps_match_the_lift_plan(portfolio):
    plans = lift_plans(portfolio)
    first = plans.iloc[0]
    assert suggested_steps(portfolio, first["client_id"]) == first["steps"]


def test_an_unknown_client_is_refused(portfolio):
    with pytest.raises(ReviewError, match="no client with id 'NOPE'"):
        grade_if_plan_works(portfolio, "NOPE", ["electronic_payment"])


def test_every_playbook_step_addresses_real_scorecard_criteria():
    names = {criterion.name for criterion in CRITERIA}
    for step in PLAYBOOK:
        assert step.addresses and set(step.addresses) <= names


def test_an_edited_plan_keeps_the_keys_of_playbook_lines_and_marks_the_rest_custom():
    text = plan_text(plan_steps(["electronic_payment", "review_meeting"])) + "\n- Ask for a referral\n\n"
    plan = plan_from_text(text, ["electronic_payment", "review_meeting"])
    assert [step["step"] for step in plan] == ["electronic_payment", "review_meeting", "custom"]
    assert plan[-1]["text"] == "Ask for a referral"


def test_a_plan_that_would_not_lift_the_client_says_so_instead_of_promising_a_d():
    from grading.review.lift_plans import plan_outcome

    stays = plan_outcome("D", 30.4, "D", steps=2)
    lifts = plan_outcome("D", 41.0, "C", steps=2)

    assert stays.startswith("Even if this plan works, the rule grade stays D (score 30)")
    assert "do not lift this client" in stays
    assert lifts == "If this plan works, the rule grade goes from D to C (score 41)."
    assert plan_outcome("C", 50.0, "C", steps=0).startswith("Pick playbook steps")
