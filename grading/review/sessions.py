"""Review sessions in the database: create, list, load and resume them; record decisions, notes and grades.

A session stores its title, date, who was present, how its clients were chosen, and the chosen clients in order
(``review_items``), so resuming it walks the same list.

Decisions are events, like grades (STYLE.md 5): every save appends a row to ``review_decisions`` holding the
client's whole state in the session (decision, plan, price increase, notice, owner, due date, caller-ID answer,
note), and the view ``current_review_decisions`` keeps the latest row per session and client. Saving again
therefore replaces what the summary shows while the earlier rows stay as the session's trail, and two people
saving at once both land instead of one update failing. A grade set during the review is appended to the grade
history through :func:`grading.grade_history.record_grade` (source ``"review"``) and noted on the client's
decision row; it is never carried forward to later rows, so each grade change is counted once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from grading import grade_history
from grading.errors import ClientGradeError
from grading.scoring.features import as_date
from grading.review import ReviewError
from grading.review.selection import ClientSelection, check_client_ids
from grading.vocabulary import CALLER_ID_ANSWERS

if TYPE_CHECKING:
    from grading.db.store import Store

DECISIONS = {
    "keep": "Keep",
    "lift": "Lift one grade",
    "raise_price": "Raise price",
    "fire": "Fire",
}
MAX_TEXT = 2000
MAX_NOTICE_MONTHS = 24
MAX_PRICE_INCREASE_PCT = 200.0


@dataclass(frozen=True)
class Decision:
    """What is stored of one decision on one client, with the values a client without a decision has.

    The fields are the stored row's (``review_decisions``), besides its ids, position, grade change and time; a
    later save carries over from the client's previous row every field it does not set itself. The limits a page
    offers are :data:`MAX_PRICE_INCREASE_PCT`, :data:`MAX_NOTICE_MONTHS` and :data:`MAX_TEXT`.
    """

    decision: str | None = None
    plan_steps_json: str = "[]"
    price_increase_pct: float | None = None
    notice_months: int | None = None
    handover_note: str = ""
    owner: str = ""
    due_on: date | None = None
    caller_id_again: str | None = None
    note: str = ""

#: The columns of :func:`current_decisions` and :func:`decision_events`, in order.
DECISION_COLUMNS: tuple[str, ...] = (
    "decision_id",
    "session_id",
    "client_id",
    "position",
    "decision",
    "plan_steps",
    "price_increase_pct",
    "notice_months",
    "handover_note",
    "owner",
    "due_on",
    "caller_id_again",
    "note",
    "previous_grade",
    "new_grade",
    "grade_event_id",
    "decided_at",
)
# What a later save carries over from the client's previous row when it does not set it itself.
_STATE_COLUMNS = tuple(field.name for field in fields(Decision))


@dataclass(frozen=True)
class ReviewSession:
    """One review session as stored.

    Attributes
    ----------
    session_id:
        The session's number.
    title, held_on, attendees:
        What the session is called, the day it is held and who is present.
    selection:
        How the clients were chosen (filters and order).
    client_ids:
        The clients to walk, in order.
    created_at:
        When the session was created.
    """

    session_id: int
    title: str
    held_on: date
    attendees: tuple[str, ...]
    selection: ClientSelection
    client_ids: tuple[str, ...]
    created_at: datetime

    @property
    def label(self) -> str:
        """The session as a pick-list shows it, e.g. ``"Q3 review, 2024-09-12 (14 clients)"``."""
        return f"{self.title}, {self.held_on.isoformat()} ({len(self.client_ids)} clients)"


# -- sessions ------------------------------------------------------------------------------------------------


def _as_date(value: date | datetime | str | None, what: str) -> date:
    try:
        return as_date(value)
    except ClientGradeError as error:
        raise ReviewError(f"{what} must be a date written YYYY-MM-DD; got '{value}'.") from error


def _text(value: str | None, what: str) -> str:
    text = (value or "").strip()
    if len(text) > MAX_TEXT:
        raise ReviewError(f"{what} is {len(text)} characters long; keep it under {MAX_TEXT}.")
    return text


def _attendees(attendees: Iterable[str] | str | None) -> list[str]:
    if attendees is None:
        return []
    if isinstance(attendees, str):
        attendees = attendees.replace(";", ",").split(",")
    return list(dict.fromkeys(name.strip() for name in map(str, attendees) if name.strip()))


def create_session(
    store: Store,
    title: str,
    held_on: date | str,
    attendees: Iterable[str] | str | None,
    client_ids: Sequence[str],
    selection: ClientSelection | None = None,
) -> ReviewSession:
    """Create a review session over ``client_ids`` (in that order) and return it.

    Parameters
    ----------
    store:
        The open store.
    title:
        What the session is called (required).
    held_on:
        The day of the review.
    attendees:
        Who is present: names, or one text separated by commas.
    client_ids:
        The clients to walk, in order (usually from :func:`grading.review.selection.select_clients`).
    selection:
        How they were chosen, kept with the session for the record.

    Returns
    -------
    ReviewSession

    Raises
    ------
    ReviewError
        The title is empty or too long, the date is unreadable, the list is empty or names a client that does
        not exist; nothing is written then.
    """
    clean_title = _text(title, "The title")
    if not clean_title:
        raise ReviewError("A review session needs a title, e.g. 'Quarterly review with Anna'.")
    day = _as_date(held_on, "The review date")
    people = _attendees(attendees)
    ids = check_client_ids(client_ids)
    selection = selection or ClientSelection(order="by_hand")
    items = pd.DataFrame({"client_id": pd.Series(ids, dtype="object"), "position": range(len(ids))})
    with store.transaction() as tx, tx.frame(items) as incoming:
        unknown = tx.query(
            f"SELECT i.client_id FROM {incoming} AS i LEFT JOIN clients AS c USING (client_id) "
            "WHERE c.client_id IS NULL ORDER BY i.position LIMIT 10"
        )["client_id"].tolist()
        if unknown:
            raise ReviewError(f"No client with id {', '.join(map(str, unknown))}; the session was not created.")
        session_id = int(
            tx.scalar(
                "INSERT INTO review_sessions (title, held_on, attendees_json, selection_json) "
                "VALUES (?, ?, ?, ?) RETURNING session_id",
                [clean_title, day, json.dumps(people), selection.to_json()],
            )
        )
        tx.execute(
            f"INSERT INTO review_items (session_id, client_id, position) "
            f"SELECT ?, client_id, position FROM {incoming}",
            [session_id],
        )
    return load_session(store, session_id)


def list_sessions(store: Store) -> pd.DataFrame:
    """Return every session, newest first, with how far it has got.

    Returns
    -------
    pandas.DataFrame
        ``session_id``, ``title``, ``held_on``, ``attendees`` (one text), ``clients``, ``decided`` (clients with a
        decision) and ``created_at``. Empty, with those columns, when there is no session.
    """
    frame = store.query(
        """
        SELECT s.session_id, s.title, s.held_on, s.attendees_json, s.created_at,
               (SELECT count(*) FROM review_items AS i WHERE i.session_id = s.session_id) AS clients,
               (SELECT count(*) FROM current_review_decisions AS d
                 WHERE d.session_id = s.session_id AND d.decision IS NOT NULL) AS decided
        FROM review_sessions AS s
        ORDER BY s.held_on DESC, s.session_id DESC
        """
    )
    frame["held_on"] = pd.to_datetime(frame["held_on"]).dt.date
    frame["attendees"] = frame["attendees_json"].map(lambda text: ", ".join(json.loads(text or "[]")))
    for column in ("session_id", "clients", "decided"):
        frame[column] = frame[column].astype("int64")
    return frame[["session_id", "title", "held_on", "attendees", "clients", "decided", "created_at"]]


def load_session(store: Store, session_id: int) -> ReviewSession:
    """Return the stored session ``session_id``.

    Raises
    ------
    ReviewError
        There is no such session.
    """
    rows = store.rows(
        "SELECT session_id, title, held_on, attendees_json, selection_json, created_at "
        "FROM review_sessions WHERE session_id = ?",
        [_session_number(session_id)],
    )
    if not rows:
        raise ReviewError(f"There is no review session number {session_id}.")
    number, title, held_on, attendees_json, selection_json, created_at = rows[0]
    ids = store.query(
        "SELECT client_id FROM review_items WHERE session_id = ? ORDER BY position", [number]
    )["client_id"].astype(str)
    return ReviewSession(
        session_id=int(number),
        title=title,
        held_on=_as_date(held_on, "The review date"),
        attendees=tuple(json.loads(attendees_json or "[]")),
        selection=ClientSelection.from_json(selection_json),
        client_ids=tuple(ids),
        created_at=created_at,
    )


def resume_position(store: Store, session_id: int) -> int:
    """Return where to pick a session up: the position of its first client without a decision.

    When every client has a decision, the last position (the walk is done; the summary is what is left).
    """
    number = _session_number(session_id)
    position = store.scalar(
        """
        SELECT min(i.position) FROM review_items AS i
        LEFT JOIN current_review_decisions AS d USING (session_id, client_id)
        WHERE i.session_id = ? AND d.decision IS NULL
        """,
        [number],
    )
    if position is not None:
        return int(position)
    last = store.scalar("SELECT max(position) FROM review_items WHERE session_id = ?", [number])
    return int(last) if last is not None else 0


def _session_number(session_id: Any) -> int:
    try:
        return int(session_id)
    except (TypeError, ValueError) as error:
        raise ReviewError(f"A review session is named by its number; got '{session_id}'.") from error


# -- decisions -----------------------------------------------------------------------------------------------


def _plan_steps(steps: Iterable[Any]) -> list[dict[str, str]]:
    """Plan steps as stored: ``{"step": key or "custom", "text": what to do}``; empty texts are dropped."""
    cleaned = []
    for step in steps or ():
        if isinstance(step, dict):
            key, text = str(step.get("step") or "custom"), str(step.get("text") or "")
        else:
            key, text = "custom", str(step)
        text = _text(text, "A plan step")
        if text:
            cleaned.append({"step": key.strip() or "custom", "text": text})
    return cleaned


def _decision_values(
    decision: str | None,
    plan_steps: Iterable[Any],
    price_increase_pct: float | None,
    notice_months: int | None,
    handover_note: str | None,
) -> dict[str, Any]:
    """Check one decision and return the values to store (fields that do not belong to its kind cleared)."""
    if decision is not None and decision not in DECISIONS:
        raise ReviewError(f"A decision must be one of {', '.join(DECISIONS)}; got '{decision}'.")
    steps = _plan_steps(plan_steps) if decision == "lift" else []
    if decision == "lift" and not steps:
        raise ReviewError("A lift needs a plan: pick at least one step from the playbook or write one.")
    pct = None
    if decision == "raise_price":
        try:
            pct = float(price_increase_pct)
        except (TypeError, ValueError) as error:
            raise ReviewError(f"A price increase needs a percentage; got '{price_increase_pct}'.") from error
        if not (0 < pct <= MAX_PRICE_INCREASE_PCT):
            raise ReviewError(f"A price increase must be above 0% and at most {MAX_PRICE_INCREASE_PCT:.0f}%; "
                              f"got {pct:g}%.")
    months = None
    handover = ""
    if decision == "fire":
        try:
            months = int(notice_months if notice_months is not None else 0)
        except (TypeError, ValueError) as error:
            raise ReviewError(f"The notice period must be a whole number of months; got '{notice_months}'.") from error
        if notice_months is not None and float(notice_months) != months:
            raise ReviewError(f"The notice period must be a whole number of months; got '{notice_months}'.")
        if not (0 <= months <= MAX_NOTICE_MONTHS):
            raise ReviewError(f"The notice period must be 0 to {MAX_NOTICE_MONTHS} months; got {months}.")
        handover = _text(handover_note, "The handover note")
    return {
        "decision": decision,
        "plan_steps_json": json.dumps(steps),
        "price_increase_pct": pct,
        "notice_months": months,
        "handover_note": handover,
    }


def _caller_id(answer: str | None) -> str | None:
    if answer is None or str(answer).strip() == "":
        return None
    clean = str(answer).strip().lower()
    if clean not in CALLER_ID_ANSWERS:
        raise ReviewError(f"The caller-ID answer must be happy, neutral or dread; got '{answer}'.")
    return clean


def _append(store: Store, session_id: int, client_id: str, changes: dict[str, Any]) -> int:
    """Append a decision row: the client's latest state in the session overlaid with ``changes``."""
    number = _session_number(session_id)
    client = str(client_id)
    with store.transaction() as tx:
        if not tx.scalar("SELECT count(*) FROM review_sessions WHERE session_id = ?", [number]):
            raise ReviewError(f"There is no review session number {session_id}.")
        if not tx.scalar("SELECT count(*) FROM review_items WHERE session_id = ? AND client_id = ?", [number, client]):
            raise ReviewError(f"Client '{client_id}' is not part of review session {session_id}.")
        current = tx.query(
            f"SELECT {', '.join(_STATE_COLUMNS)} FROM current_review_decisions WHERE session_id = ? AND client_id = ?",
            [number, client],
        )
        state: dict[str, Any] = asdict(Decision())
        if len(current):
            state.update({key: _plain(value) for key, value in current.iloc[0].items()})
        state.update(changes)
        columns = ["session_id", "client_id", *state]
        return int(
            tx.scalar(
                f"INSERT INTO review_decisions ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)}) "
                "RETURNING decision_id",
                [number, client, *state.values()],
            )
        )


def _plain(value: Any) -> Any:
    if value is None or (not isinstance(value, str | list | dict) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if hasattr(value, "item"):
        return value.item()
    return value


def record_decision(
    store: Store,
    session_id: int,
    client_id: str,
    decision: str | None,
    *,
    plan_steps: Iterable[Any] = (),
    price_increase_pct: float | None = None,
    notice_months: int | None = None,
    handover_note: str = "",
    owner: str = "",
    due_on: date | str | None = None,
    caller_id_again: str | None = None,
    note: str | None = None,
) -> int:
    """Record the decision on one client of a session (replacing an earlier one) and return its row id.

    Parameters
    ----------
    store:
        The open store.
    session_id, client_id:
        The session and one of its clients.
    decision:
        ``"keep"``, ``"lift"``, ``"raise_price"`` or ``"fire"`` (:data:`DECISIONS`); ``None`` withdraws a
        decision and keeps only the note and caller-ID answer.
    plan_steps:
        For a lift (required there): the steps, as ``{"step": key, "text": ...}`` dicts or plain texts.
    price_increase_pct:
        For a price increase: the increase in % (above 0, at most 200).
    notice_months, handover_note:
        For a firing: the notice period in whole months (0-24) and what the next provider needs to know.
    owner, due_on:
        Who on the MSP's side carries the decision out, and by when.
    caller_id_again:
        The caller-ID question asked again: ``"happy"``, ``"neutral"``, ``"dread"``, or ``None``.
    note:
        The client's notes in this session; ``None`` keeps the note saved before.

    Returns
    -------
    int
        The id of the new decision row.

    Raises
    ------
    ReviewError
        The decision or one of its values is invalid, or the client is not in the session; nothing is written.
    """
    changes = _decision_values(decision, plan_steps, price_increase_pct, notice_months, handover_note)
    changes["owner"] = _text(owner, "The owner")
    changes["due_on"] = _as_date(due_on, "The due date") if due_on not in (None, "") else None
    changes["caller_id_again"] = _caller_id(caller_id_again)
    if note is not None:
        changes["note"] = _text(note, "The note")
    return _append(store, session_id, client_id, changes)


def save_note(store: Store, session_id: int, client_id: str, note: str) -> int:
    """Save the notes on one client of a session, keeping its decision; return the new row's id.

    Raises
    ------
    ReviewError
        The note is too long or the client is not in the session.
    """
    return _append(store, session_id, client_id, {"note": _text(note, "The note")})


def set_grade(
    store: Store,
    session_id: int,
    client_id: str,
    grade: str,
    *,
    grader: str,
    note: str = "",
    graded_on: date | str | None = None,
) -> int:
    """Give a client a new manual grade during the review; return the grade event's id.

    The grade is appended to the grade history (source ``"review"``, the note naming the session; dated
    ``graded_on``, default today, the day it is given even in a resumed session) and noted on the client's
    decision row with the grade it replaces, for the summary's "grade changes".

    Raises
    ------
    ReviewError
        The client is not in the session, or the grade, date or note is invalid; nothing is written then.
    """
    session = load_session(store, session_id)
    if str(client_id) not in session.client_ids:
        raise ReviewError(f"Client '{client_id}' is not part of review session {session_id}.")
    previous = store.scalar("SELECT grade FROM current_grades WHERE client_id = ?", [str(client_id)])
    text = f"Live review '{session.title}' (session {session.session_id})" + (f": {note.strip()}" if note else "")
    try:
        event_id = grade_history.record_grade(
            store,
            str(client_id),
            grade,
            grader=grader,
            note=text[:MAX_TEXT],
            graded_on=graded_on,
            source="review",
        )
    except ClientGradeError as error:
        raise ReviewError(str(error)) from error
    new_grade = str(grade).strip().upper()
    _append(
        store,
        session_id,
        client_id,
        {"previous_grade": previous, "new_grade": new_grade, "grade_event_id": event_id},
    )
    return event_id


def _decision_frame(store: Store, source: str, session_id: int) -> pd.DataFrame:
    frame = store.query(
        f"""
        SELECT d.decision_id, d.session_id, d.client_id, i.position, d.decision, d.plan_steps_json,
               d.price_increase_pct, d.notice_months, d.handover_note, d.owner, d.due_on, d.caller_id_again,
               d.note, d.previous_grade, d.new_grade, d.grade_event_id, d.decided_at
        FROM {source} AS d
        JOIN review_items AS i USING (session_id, client_id)
        WHERE d.session_id = ?
        ORDER BY i.position, d.decision_id
        """,
        [_session_number(session_id)],
    )
    frame["plan_steps"] = frame["plan_steps_json"].map(lambda text: json.loads(text or "[]"))
    frame["due_on"] = pd.to_datetime(frame["due_on"]).dt.date
    return frame[list(DECISION_COLUMNS)].reset_index(drop=True)


def current_decisions(store: Store, session_id: int) -> pd.DataFrame:
    """Return the latest state of each client of a session that has any (decision, note or grade), in order.

    Returns
    -------
    pandas.DataFrame
        :data:`DECISION_COLUMNS`; ``plan_steps`` as lists of ``{"step", "text"}`` dicts, ``due_on`` as dates,
        ``decision`` ``None`` where only a note was saved.
    """
    return _decision_frame(store, "current_review_decisions", session_id)


def decision_events(store: Store, session_id: int) -> pd.DataFrame:
    """Return every decision row of a session, oldest first within each client (the session's trail)."""
    return _decision_frame(store, "review_decisions", session_id)


def grade_changes(store: Store, session_id: int) -> pd.DataFrame:
    """Return the grades set during a session, in the order of its clients.

    Returns
    -------
    pandas.DataFrame
        ``client_id``, ``previous_grade`` (``None`` where the client had no manual grade), ``new_grade``,
        ``grader``, ``graded_on`` and ``grade_event_id``; one row per grade set (a client regraded twice shows
        twice).
    """
    frame = store.query(
        """
        SELECT d.client_id, d.previous_grade, d.new_grade, g.grader, g.graded_on, d.grade_event_id
        FROM review_decisions AS d
        JOIN review_items AS i USING (session_id, client_id)
        LEFT JOIN grade_events AS g ON g.event_id = d.grade_event_id
        WHERE d.session_id = ? AND d.grade_event_id IS NOT NULL
        ORDER BY i.position, d.decision_id
        """,
        [_session_number(session_id)],
    )
    frame["graded_on"] = pd.to_datetime(frame["graded_on"]).dt.date
    return frame.reset_index(drop=True)


def session_labels(sessions: pd.DataFrame) -> dict[int, str]:
    """Return each session's label for a pick-list, e.g. ``"Q3 review, 2024-09-12 (5 of 14 decided)"``.

    Parameters
    ----------
    sessions:
        :func:`list_sessions`.
    """
    labels = (
        sessions["title"].astype(str) + ", " + sessions["held_on"].astype(str) + " ("
        + sessions["decided"].astype(str) + " of " + sessions["clients"].astype(str) + " decided)"
    )
    return dict(zip(sessions["session_id"].astype(int), labels, strict=True))


def client_state(store: Store, session_id: int, client_id: str) -> dict[str, Any]:
    """Return one client's latest state in a session, for the page to fill its inputs with.

    Returns
    -------
    dict
        The keys of :data:`DECISION_COLUMNS` from ``decision`` on; a client without any row yet gets
        ``decision=None``, an empty plan and empty texts.
    """
    rows = current_decisions(store, session_id)
    rows = rows.loc[rows["client_id"] == str(client_id)]
    undecided = asdict(Decision())
    undecided["plan_steps"] = []
    empty = {column: undecided.get(column) for column in DECISION_COLUMNS} | {"client_id": str(client_id)}
    if rows.empty:
        return empty
    state = {key: _plain(value) for key, value in rows.iloc[0].items()}
    state["plan_steps"] = rows.iloc[0]["plan_steps"]
    return state
