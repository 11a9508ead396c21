"""The live review page's view: names as shown, what a client's inputs start from, what 'save notes only' keeps."""

from __future__ import annotations

from dataclasses import fields
from datetime import date

import pandas as pd

from grading.review.sessions import Decision
from grading.views import live_review


def _saved(**overrides) -> dict:
    saved = {"decision": "lift", "plan_steps": [{"step": "managed_services", "text": "Move to managed"}],
             "price_increase_pct": None, "notice_months": None, "handover_note": "", "owner": "Ann",
             "due_on": date(2025, 3, 1), "caller_id_again": "neutral", "note": "talked", "plan_steps_json": "[]"}
    return saved | overrides


def test_save_notes_only_keeps_every_part_of_the_decision_but_the_notes():
    kept = live_review.kept_decision_values(_saved())
    assert kept == {"plan_steps": _saved()["plan_steps"], "price_increase_pct": None, "notice_months": None,
                    "handover_note": "", "owner": "Ann", "due_on": date(2025, 3, 1)}
    # Every field of a decision is either kept, or is the decision and the notes the save itself writes.
    written = {"decision", "plan_steps_json", "caller_id_again", "note"}
    assert {field.name for field in fields(Decision)} == (set(kept) - {"plan_steps"}) | written


def test_a_clients_inputs_start_from_what_was_saved_else_from_a_proposal():
    fresh = live_review.initial_inputs(_saved(plan_steps=[]), [])
    assert fresh["price"] == live_review.PROPOSED_PRICE_INCREASE_PCT
    assert fresh["notice"] == live_review.PROPOSED_NOTICE_MONTHS
    kept = live_review.initial_inputs(_saved(price_increase_pct=15.0, notice_months=0), ["managed_services"])
    assert (kept["price"], kept["notice"], kept["steps"]) == (15.0, 0, ["managed_services"])
    assert kept["owner"] == "Ann" and kept["caller"] == "neutral"


def test_the_review_book_names_clients_as_shown_and_counts_the_decided():
    shown = pd.DataFrame({"client_id": ["C2", "C1"], "name": ["Client 002", "Client 001"]})
    names, options = live_review.review_book(shown)
    assert names == {"C2": "Client 002", "C1": "Client 001"} and options == ["C2", "C1"]
    sessions = pd.DataFrame({"session_id": [1, 2], "decided": [4, 0]})
    assert live_review.decided_count(sessions, 1) == 4
    assert live_review.decided_count(sessions.iloc[0:0], 1) == 0
