"""Review sessions and decisions round-trip through the database (grading.review.sessions, selection)."""

from __future__ import annotations

from datetime import date

import pytest

from grading.review import ReviewError, sessions
from grading.review.playbook import plan_steps
from grading.review.selection import ClientSelection, select_clients
from grading.scoring.portfolio import grade_portfolio
from tests.review_book import AS_OF, write_review_book


@pytest.fixture
def book(store):
    write_review_book(store)
    return store


@pytest.fixture
def session(book):
    return sessions.create_session(book, "Q3 review", "2024-09-12", "Anna, Ben", ["C003", "C001", "C002"])


def test_a_session_round_trips_with_its_clients_in_order(book, session):
    loaded = sessions.load_session(book, session.session_id)
    assert loaded.title == "Q3 review"
    assert loaded.held_on == date(2024, 9, 12)
    assert loaded.attendees == ("Anna", "Ben")
    assert loaded.client_ids == ("C003", "C001", "C002")


def test_decisions_round_trip_with_every_field(book, session):
    sessions.record_decision(
        book, session.session_id, "C003", "fire", notice_months=3, handover_note="Docs in the wiki",
        owner="Ben", due_on="2024-12-31", caller_id_again="dread", note="Calls at 10 pm",
    )
    sessions.record_decision(book, session.session_id, "C001", "raise_price", price_increase_pct=12.5)
    sessions.record_decision(
        book, session.session_id, "C002", "lift", plan_steps=plan_steps(["electronic_payment"]) + ["Call monthly"],
    )
    decided = sessions.current_decisions(book, session.session_id).set_index("client_id")
    assert decided.loc["C003", ["decision", "notice_months", "handover_note", "owner", "caller_id_again", "note"]]\
        .tolist() == ["fire", 3, "Docs in the wiki", "Ben", "dread", "Calls at 10 pm"]
    assert decided.loc["C003", "due_on"] == date(2024, 12, 31)
    assert decided.loc["C001", "price_increase_pct"] == 12.5
    assert [step["step"] for step in decided.loc["C002", "plan_steps"]] == ["electronic_payment", "custom"]


def test_a_later_decision_replaces_the_earlier_one_and_the_trail_keeps_both(book, session):
    sessions.record_decision(book, session.session_id, "C001", "fire", notice_months=1)
    sessions.record_decision(book, session.session_id, "C001", "keep")
    assert sessions.current_decisions(book, session.session_id)["decision"].tolist() == ["keep"]
    assert sessions.decision_events(book, session.session_id)["decision"].tolist() == ["fire", "keep"]


def test_saving_a_note_keeps_the_decision(book, session):
    sessions.record_decision(book, session.session_id, "C001", "raise_price", price_increase_pct=10)
    sessions.save_note(book, session.session_id, "C001", "Agreed on the phone")
    state = sessions.client_state(book, session.session_id, "C001")
    assert (state["decision"], state["price_increase_pct"], state["note"]) == ("raise_price", 10.0, "Agreed on the phone")


def test_resume_picks_up_at_the_first_undecided_client(book, session):
    assert sessions.resume_position(book, session.session_id) == 0
    sessions.record_decision(book, session.session_id, "C003", "keep")
    sessions.save_note(book, session.session_id, "C001", "only a note, no decision")
    assert sessions.resume_position(book, session.session_id) == 1
    listed = sessions.list_sessions(book)
    assert listed[["title", "clients", "decided"]].values.tolist() == [["Q3 review", 3, 1]]


def test_a_grade_set_in_the_review_is_appended_to_the_grade_history(book, session):
    before = book.scalar("SELECT count(*) FROM grade_events")
    previous = book.scalar("SELECT grade FROM current_grades WHERE client_id = 'C001'")
    event_id = sessions.set_grade(book, session.session_id, "C001", "b", grader="Anna")
    assert book.scalar("SELECT count(*) FROM grade_events") == before + 1
    assert book.scalar("SELECT grade FROM current_grades WHERE client_id = 'C001'") == "B"
    changes = sessions.grade_changes(book, session.session_id)
    assert changes[["client_id", "previous_grade", "new_grade", "grade_event_id"]].values.tolist() == [
        ["C001", previous, "B", event_id]
    ]


@pytest.mark.parametrize(
    ("decision", "values", "message"),
    [
        ("sell", {}, "must be one of"),
        ("lift", {}, "needs a plan"),
        ("raise_price", {"price_increase_pct": 0}, "above 0%"),
        ("raise_price", {"price_increase_pct": "ten"}, "needs a percentage"),
        ("fire", {"notice_months": 1.5}, "whole number"),
        ("fire", {"notice_months": 30}, "0 to 24"),
        ("keep", {"caller_id_again": "meh"}, "happy, neutral or dread"),
        ("keep", {"due_on": "soon"}, "YYYY-MM-DD"),
    ],
)
def test_a_bad_decision_is_refused_and_nothing_is_written(book, session, decision, values, message):
    with pytest.raises(ReviewError, match=message):
        sessions.record_decision(book, session.session_id, "C001", decision, **values)
    assert book.scalar("SELECT count(*) FROM review_decisions") == 0


def test_a_client_outside_the_session_cannot_be_decided(book, session):
    with pytest.raises(ReviewError, match="not part of review session"):
        sessions.record_decision(book, session.session_id, "C010", "keep")


def test_a_session_with_an_unknown_client_is_not_created(book):
    with pytest.raises(ReviewError, match="No client with id NOPE"):
        sessions.create_session(book, "Review", "2024-09-12", "", ["C001", "NOPE"])
    assert book.scalar("SELECT count(*) FROM review_sessions") == 0
    assert book.scalar("SELECT count(*) FROM review_items") == 0


def test_worst_first_puts_d_clients_first_and_filters_by_grade(book, tmp_path):
    portfolio = grade_portfolio(book, AS_OF, models_dir=tmp_path / "none")
    chosen = select_clients(portfolio, ClientSelection(grades=("C", "D"), grade_column="rule_grade"))
    grades = portfolio.set_index("client_id").loc[chosen, "rule_grade"].tolist()
    assert set(grades) == {"C", "D"}
    assert grades == sorted(grades, reverse=True)


def test_largest_first_orders_by_revenue_and_by_hand_keeps_the_picked_order(book, tmp_path):
    portfolio = grade_portfolio(book, AS_OF, models_dir=tmp_path / "none")
    largest = select_clients(portfolio, ClientSelection(order="largest_first"))
    revenue = portfolio.set_index("client_id").loc[largest, "revenue"].tolist()
    assert revenue == sorted(revenue, reverse=True)
    by_hand = select_clients(portfolio, ClientSelection(order="by_hand", by_hand=("C005", "C002", "C009")))
    assert by_hand == ["C005", "C002", "C009"]


def test_the_selection_round_trips_as_json():
    chosen = ClientSelection(grades=("d", "C"), flags=("problem_client",), disagreement_only=True,
                             order="largest_first")
    assert ClientSelection.from_json(chosen.to_json()) == chosen


def test_worst_first_means_the_same_in_live_review_as_on_churn_impact(book, tmp_path):
    from grading.simulation import Scenario, simulate_impact

    portfolio = grade_portfolio(book, AS_OF, models_dir=tmp_path / "none")
    reviewed = select_clients(portfolio, ClientSelection(grades=("C", "D"), grade_column="rule_grade"))
    fired = simulate_impact(portfolio.assign(months_in_window=12),
                            Scenario(fire_grades=("C", "D"), grade_source="rule")).clients_fired

    assert reviewed == fired


def test_a_decisions_fields_are_columns_of_the_stored_row(store):
    from dataclasses import fields

    from grading.review.sessions import Decision

    stored = set(store.query("SELECT * FROM review_decisions LIMIT 0").columns)
    assert {field.name for field in fields(Decision)} <= stored
    assert Decision().decision is None and Decision().plan_steps_json == "[]"
