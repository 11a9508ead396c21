"""The live review page: the book's names as shown, what each client's inputs start from, and what a "save notes
only" keeps of the decision already taken.

The client card itself is :mod:`grading.views.client_card`; sessions, decisions and the summary are
:mod:`grading.review`. Nothing here draws or writes.
"""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING, Any

import pandas as pd

from grading.review import lift_plans, playbook
from grading.review.sessions import Decision, list_sessions, session_labels

if TYPE_CHECKING:
    from grading.db.store import Store

#: What the price and notice inputs offer for a client without a saved value.
PROPOSED_PRICE_INCREASE_PCT = 10.0
PROPOSED_NOTICE_MONTHS = 3

# The parts of a decision that "save notes only" keeps as they are: everything but the decision itself and the
# notes it saves (the plan is kept as steps, not as stored JSON).
_KEPT_BY_NOTES = tuple(
    field.name for field in fields(Decision)
    if field.name not in {"decision", "plan_steps_json", "caller_id_again", "note"}
)


def display_names(portfolio: pd.DataFrame) -> dict[str, str]:
    """Return client id to the name to show (pass the display frame, whose names are aliases when anonymizing)."""
    return dict(zip(portfolio["client_id"].astype(str), portfolio["name"].astype(str), strict=True))


def review_book(shown: pd.DataFrame) -> tuple[dict[str, str], list[str]]:
    """Return the names to show by client id and the client ids in book order (the by-hand picker's options).

    ``shown`` is the graded portfolio as shown (names replaced when anonymizing).
    """
    return display_names(shown), shown["client_id"].astype(str).tolist()


def past_sessions(store: Store) -> tuple[pd.DataFrame, dict[int, str]]:
    """Return the saved review sessions, newest first, and their labels for the session picker."""
    listed = list_sessions(store)
    return listed, session_labels(listed)


def decided_count(sessions: pd.DataFrame, session_id: int) -> int:
    """Return how many clients of ``session_id`` have a decision (``sessions`` is
    :func:`grading.review.sessions.list_sessions`)."""
    if sessions.empty:
        return 0
    return int(sessions.loc[sessions["session_id"] == session_id, "decided"].iloc[0])


def kept_decision_values(saved: dict[str, Any]) -> dict[str, Any]:
    """Return what a "save notes only" passes on unchanged from the client's saved state
    (:func:`grading.review.sessions.client_state`): the plan's steps and every field of the decision besides
    the decision itself and the notes."""
    return {"plan_steps": saved["plan_steps"], **{name: saved[name] for name in _KEPT_BY_NOTES}}


def proposed_steps(saved: dict[str, Any], portfolio: pd.DataFrame, client_id: str, in_book: bool) -> list[str]:
    """Return the playbook steps the plan input starts with: the saved plan's, else the steps suggested for the
    client's weakest criteria (none for a client no longer in the book)."""
    saved_keys = [step["step"] for step in saved["plan_steps"] if step.get("step") in playbook.STEPS]
    return saved_keys or (lift_plans.suggested_steps(portfolio, client_id) if in_book else [])


def initial_inputs(saved: dict[str, Any], steps: list[str]) -> dict[str, Any]:
    """Return what each of a client's inputs starts from, by input (``caller``, ``steps``, ``plan``, ``price``,
    ``notice``, ``handover``, ``owner``, ``due``, ``note``): what was saved for the client, else a proposal."""
    return {
        "caller": saved["caller_id_again"],
        "steps": steps,
        "plan": playbook.plan_text(saved["plan_steps"] or playbook.plan_steps(steps)),
        "price": float(saved["price_increase_pct"] or PROPOSED_PRICE_INCREASE_PCT),
        "notice": int(saved["notice_months"] if saved["notice_months"] is not None else PROPOSED_NOTICE_MONTHS),
        "handover": saved["handover_note"],
        "owner": saved["owner"],
        "due": saved["due_on"],
        "note": saved["note"],
    }
