"""The written summary a coach and an owner leave a review with, and its Markdown and CSV exports.

The summary holds the decisions by kind and by client, the projected impact of every "fire" and "raise price"
decision together, the lift plans with their owners and dates, and the grades changed during the session.

The projected impact runs through the simulation engine: the fired clients go into a
:class:`~grading.simulation.Scenario` (``fire_clients``), the engine resolves it into a plan
(:func:`~grading.simulation.plan.make_plan`), each repriced client's revenue is raised by its own percentage on that
plan (the engine's :class:`~grading.simulation.Repricing` works per grade, a review decides per client), and the
engine's :func:`~grading.simulation.static.impact_of` computes before and after. With one percentage for all the
clients of a grade this is exactly ``simulate_impact`` with ``Repricing({grade: pct})``.

With ``anonymize``, names become the same aliases as on every page, client ids are left out of the exports, and
free text (notes, handover notes, custom plan steps) is hidden, because it may quote a name.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from grading.anonymize import client_aliases, stored_aliases
from grading.db.export import safe_csv_bytes
from grading.formatting import count, hourly_rate, hours, money, percent
from grading.review.lift_plans import grades_if_plans_work
from grading.review.playbook import STEPS, plan_steps
from grading.review.sessions import (
    DECISIONS,
    Decision,
    ReviewSession,
    current_decisions,
    grade_changes,
    load_session,
)
from grading.settings import defaults
from grading.vocabulary import CALLER_ID_ANSWERS
from grading.text_safety import escape_markdown
from grading.simulation import Redeployment, Scenario
from grading.simulation.plan import make_plan
from grading.simulation.static import Impact, impact_of

if TYPE_CHECKING:
    from grading.db.store import Store

HIDDEN = "(hidden while names are anonymized)"
UNDECIDED = "undecided"
# The impact rows in the owner's order (gross profit first, DOMAIN.md), with how each is written.
IMPACT_ROWS = (
    ("gross_profit", "Gross profit", "money"),
    ("revenue", "Revenue", "money"),
    ("labor_hours", "Labor hours", "hours"),
    ("effective_hourly_rate", "Effective hourly rate", "rate"),
    ("gross_margin", "Gross margin", "share"),
    ("largest_client_share", "Largest client's share", "share"),
    ("clients", "Clients", "count"),
)


def _client_columns() -> tuple[str, ...]:
    """The summary's columns: the client, then the fields of a :class:`~grading.review.sessions.Decision` in their
    order, written for a reader: ``detail`` (the decision in words) after the decision, the plan as text (``plan``)
    where the decision stores its steps, and the session's grade change and the lift's outcome before the note."""
    columns = ["position", "client_id", "name", "grade"]
    for name in (field.name for field in dataclasses.fields(Decision)):
        if name == "decision":
            columns += ["decision", "detail"]
        elif name == "plan_steps_json":
            columns.append("plan")
        elif name == "note":
            columns += ["previous_grade", "new_grade", "grade_if_plan_works", "note"]
        else:
            columns.append(name)
    return tuple(columns)


#: The columns of :attr:`ReviewSummary.clients` and of the CSV export (``client_id`` left out when anonymized).
CLIENT_COLUMNS: tuple[str, ...] = _client_columns()


@dataclass(frozen=True)
class ReviewSummary:
    """Everything a review decided, ready to show or export.

    Attributes
    ----------
    session:
        The session.
    clients:
        One row per client of the session, in its order (:data:`CLIENT_COLUMNS`); ``decision`` is
        ``"undecided"`` where none was taken.
    counts:
        ``decision``, ``label`` and ``clients``: how many clients got each kind of decision (undecided last).
    impact:
        The projected impact of the firing and price decisions together; ``None`` when there is none.
    fired, repriced:
        The ids of the clients to fire and to reprice.
    lift_plans:
        The lift decisions: ``name``, ``grade``, ``plan`` (steps, one text), ``owner``, ``due_on`` and
        ``grade_if_plan_works``.
    grade_changes:
        ``name``, ``previous_grade``, ``new_grade``, ``grader``, ``graded_on``: grades set during the session.
    grade_source:
        Which grade the ``grade`` column shows.
    anonymized:
        Whether names were replaced by aliases.
    """

    session: ReviewSession
    clients: pd.DataFrame
    counts: pd.DataFrame
    impact: Impact | None
    fired: list[str]
    repriced: list[str]
    lift_plans: pd.DataFrame
    grade_changes: pd.DataFrame
    grade_source: str
    anonymized: bool


def projected_impact(
    portfolio: pd.DataFrame,
    fire_clients: list[str],
    price_increase_pct: Mapping[str, float],
    *,
    grade_source: str = "effective",
    labor_cost_rate: float | None = None,
    window_months: int | None = None,
    redeployment: Redeployment | None = None,
) -> Impact:
    """Return the simulation engine's static impact of firing some clients and raising others' prices.

    Parameters
    ----------
    portfolio:
        The graded portfolio (window totals per client).
    fire_clients:
        The ids of the clients to fire.
    price_increase_pct:
        Client id to its price increase in percent (10 is 10%); a client also fired is only fired.
    grade_source:
        The grade the engine reports its shares by.
    labor_cost_rate, window_months:
        The settings' labor cost rate and scoring window (defaults when ``None``).
    redeployment:
        What the freed hours become (default: all of it is time back for the owner).

    Returns
    -------
    grading.simulation.static.Impact

    Raises
    ------
    grading.simulation.ScenarioError
        A client is not in the portfolio, or the portfolio lacks a column the engine needs.
    """
    settings = defaults()
    rate = float(settings["labor_cost_rate"] if labor_cost_rate is None else labor_cost_rate)
    window = int(settings["scoring_window_months"] if window_months is None else window_months)
    frame = portfolio if "months_in_window" in portfolio.columns else portfolio.assign(months_in_window=window)
    scenario = Scenario(
        fire_clients=tuple(fire_clients),
        grade_source=grade_source,
        redeployment=redeployment or Redeployment(),
    )
    plan = make_plan(frame, scenario, rate)
    increases = pd.Series({str(key): float(value) for key, value in price_increase_pct.items()}, dtype="float64")
    unknown = sorted(set(increases.index) - set(plan.client_id))
    if unknown:
        from grading.simulation import ScenarioError

        raise ScenarioError(f"No client with id {', '.join(unknown[:10])} in the portfolio; check the price decisions.")
    factor = pd.Series(plan.client_id).map(increases).astype("float64").to_numpy()
    repriced = ~plan.fired & ~np.isnan(factor)
    revenue_kept = np.where(repriced, plan.revenue_kept * (1 + np.nan_to_num(factor) / 100), plan.revenue_kept)
    return impact_of(dataclasses.replace(plan, revenue_kept=revenue_kept, repriced=plan.repriced | repriced))


def _detail(decisions: pd.DataFrame) -> pd.Series:
    """The decision in a few words: "Raise price by 10%", "Fire, 3 months' notice", "Lift: 2 steps"."""
    kind = decisions["decision"].fillna(UNDECIDED)
    pct = decisions["price_increase_pct"].astype("float64").map("{:g}".format)
    notice = decisions["notice_months"].astype("Float64").fillna(0).astype("int64")
    n_steps = decisions["plan_steps"].map(len)
    detail = pd.Series("", index=decisions.index, dtype="object")
    detail = detail.mask(kind == "keep", "Keep as is")
    detail = detail.mask(kind == "raise_price", "Raise price by " + pct + "%")
    detail = detail.mask(
        kind == "fire",
        "Fire, " + notice.astype(str) + np.where(notice == 1, " month's", " months'") + " notice",
    )
    detail = detail.mask(kind == "lift", "Lift one grade: " + n_steps.astype(str) + np.where(n_steps == 1, " step", " steps"))
    return detail.mask(kind == UNDECIDED, "No decision yet")


def decision_detail(state: Mapping[str, Any]) -> str:
    """Return one client's decision in a few words (from :func:`grading.review.sessions.client_state`)."""
    frame = pd.DataFrame(
        {
            "decision": [state.get("decision")],
            "price_increase_pct": pd.array([state.get("price_increase_pct")], dtype="Float64"),
            "notice_months": pd.array([state.get("notice_months")], dtype="Int64"),
            "plan_steps": [list(state.get("plan_steps") or [])],
        }
    )
    return str(_detail(frame).iloc[0])


def _plan_text(steps: pd.Series, anonymize: bool) -> pd.Series:
    """Plan steps as one text; custom steps hidden when anonymizing (they may quote a name)."""
    def joined(items: list[dict[str, str]]) -> str:
        texts = [
            HIDDEN if anonymize and item.get("step") not in STEPS else item.get("text", "")
            for item in items
        ]
        return " | ".join(texts)

    return steps.map(joined)


def _blank_missing(clients: pd.DataFrame) -> pd.DataFrame:
    """Missing text cells as empty text and dates as ``YYYY-MM-DD``, so no table or file shows "None" or "NaT"."""
    clients = clients.copy()
    for column in ("grade", "previous_grade", "new_grade", "grade_if_plan_works", "caller_id_again", "owner",
                   "plan", "detail", "handover_note", "note"):
        if column in clients.columns:
            values = clients[column].astype(object)
            clients[column] = values.where(values.notna(), "")
    if "due_on" in clients.columns:
        clients["due_on"] = pd.to_datetime(clients["due_on"], errors="coerce").dt.strftime("%Y-%m-%d").fillna("")
    return clients


def build_summary(
    store: Store,
    session_id: int,
    portfolio: pd.DataFrame,
    *,
    settings: Mapping[str, Any] | None = None,
    grade_source: str = "effective",
    anonymize: bool = False,
    redeployment: Redeployment | None = None,
) -> ReviewSummary:
    """Return the summary of review session ``session_id``.

    Parameters
    ----------
    store:
        The open store.
    session_id:
        The session.
    portfolio:
        The graded portfolio (:func:`grading.scoring.portfolio.grade_portfolio`) of the whole book: names, grades
        and the window totals the impact starts from; aliases are numbered over all of its clients.
    settings:
        The settings (labor cost rate, scoring window, scorecard thresholds for the lift plans).
    grade_source:
        Which grade to show beside each client (``effective``, ``manual``, ``rule`` or ``suggested``).
    anonymize:
        Replace names by aliases, leave client ids out and hide free text.
    redeployment:
        What the hours freed by firing become in the impact (default: time back for the owner).

    Returns
    -------
    ReviewSummary

    Raises
    ------
    ReviewError
        There is no such session.
    grading.simulation.ScenarioError
        A decided client is no longer in the portfolio.
    """
    values = defaults() | dict(settings or {})
    session = load_session(store, session_id)
    ids = pd.Series(session.client_ids, dtype="object")
    book = portfolio.assign(client_id=portfolio["client_id"].astype(str)).set_index("client_id")
    aliases = client_aliases(stored_aliases(store)) if anonymize else {}
    names = ids.map(aliases).fillna("Client ?") if anonymize else ids.map(book["name"]).fillna(ids)

    decided = current_decisions(store, session_id).set_index("client_id").reindex(ids)
    decided["plan_steps"] = decided["plan_steps"].map(lambda steps: steps if isinstance(steps, list) else [])
    clients = pd.DataFrame(
        {
            "position": np.arange(1, len(ids) + 1),
            "client_id": ids.to_numpy(),
            "name": names.to_numpy(),
            "grade": ids.map(book[f"{grade_source}_grade"]).to_numpy() if len(book) else None,
        }
    )
    decided = decided.reset_index(drop=True)
    clients["decision"] = decided["decision"].fillna(UNDECIDED).to_numpy()
    clients["detail"] = _detail(decided).to_numpy()
    clients["plan"] = _plan_text(decided["plan_steps"], anonymize).to_numpy()
    clients["price_increase_pct"] = decided["price_increase_pct"].astype("float64").to_numpy()
    clients["notice_months"] = decided["notice_months"].astype("Int64").array
    handover = decided["handover_note"].fillna("")
    clients["handover_note"] = handover.where(handover.eq("") | (not anonymize), HIDDEN).to_numpy()
    clients["owner"] = decided["owner"].fillna("").to_numpy()
    clients["due_on"] = decided["due_on"].to_numpy()
    clients["caller_id_again"] = decided["caller_id_again"].map(CALLER_ID_ANSWERS).fillna("").to_numpy()
    changes = grade_changes(store, session_id)
    last_change = changes.drop_duplicates("client_id", keep="last").set_index("client_id")
    clients["previous_grade"] = ids.map(last_change["previous_grade"]).to_numpy()
    clients["new_grade"] = ids.map(last_change["new_grade"]).to_numpy()
    lifted = decided.assign(client_id=ids.to_numpy()).loc[clients["decision"].eq("lift").to_numpy()]
    steps = lifted[["client_id", "plan_steps"]].explode("plan_steps").dropna(subset="plan_steps")
    steps = pd.DataFrame({"client_id": steps["client_id"].to_numpy(), "step": steps["plan_steps"].str.get("step").to_numpy()})
    rescored = grades_if_plans_work(portfolio, steps, values) if len(steps) else pd.DataFrame(
        columns=["client_id", "grade_if_plan_works"]
    )
    clients["grade_if_plan_works"] = ids.map(rescored.set_index("client_id")["grade_if_plan_works"]).to_numpy()
    note = decided["note"].fillna("")
    clients["note"] = note.where(note.eq("") | (not anonymize), HIDDEN).to_numpy()
    clients = _blank_missing(clients[list(CLIENT_COLUMNS)])

    labels = {**DECISIONS, UNDECIDED: "No decision yet"}
    counts = clients["decision"].value_counts().reindex(list(labels), fill_value=0)
    counts = pd.DataFrame({"decision": counts.index, "label": counts.index.map(labels), "clients": counts.to_numpy()})

    fired = clients.loc[clients["decision"].eq("fire"), "client_id"].tolist()
    pricing = clients.loc[clients["decision"].eq("raise_price")]
    repriced = pricing["client_id"].tolist()
    impact = None
    if fired or repriced:
        impact = projected_impact(
            portfolio,
            fired,
            dict(zip(pricing["client_id"], pricing["price_increase_pct"], strict=True)),
            grade_source=grade_source,
            labor_cost_rate=float(values["labor_cost_rate"]),
            window_months=int(values["scoring_window_months"]),
            redeployment=redeployment,
        )

    lifts = clients.loc[clients["decision"].eq("lift"), ["name", "grade", "plan", "owner", "due_on",
                                                         "grade_if_plan_works"]].reset_index(drop=True)
    grade_table = pd.DataFrame(
        {
            "name": changes["client_id"].map(dict(zip(ids, names, strict=True))).fillna("Client ?"),
            "previous_grade": changes["previous_grade"],
            "new_grade": changes["new_grade"],
            "grader": changes["grader"].fillna(""),
            "graded_on": changes["graded_on"],
        }
    )
    if anonymize:
        clients = clients.drop(columns="client_id")
    return ReviewSummary(
        session=session,
        clients=clients,
        counts=counts,
        impact=impact,
        fired=fired,
        repriced=repriced,
        lift_plans=lifts,
        grade_changes=grade_table,
        grade_source=grade_source,
        anonymized=anonymize,
    )


# -- exports -------------------------------------------------------------------------------------------------


def impact_table(impact: Impact, currency: str = "EUR") -> pd.DataFrame:
    """Return the impact's headline figures as text, gross profit first: ``figure``, ``before``, ``after``,
    ``change``."""
    def written(kind: str, value: float) -> str:
        if kind == "money":
            return money(value, currency)
        if kind == "hours":
            return hours(value)
        if kind == "rate":
            return hourly_rate(value, currency)
        if kind == "share":
            return percent(value, decimals=1)
        return "n/a" if not np.isfinite(value) else f"{value:,.1f}".removesuffix(".0")

    rows = []
    for metric, label, kind in IMPACT_ROWS:
        before, after = impact.before(metric), impact.after(metric)
        pct = impact.change_pct(metric)
        change = percent(pct / 100, decimals=1, signed=True) if np.isfinite(pct) else "n/a"
        rows.append({"figure": label, "before": written(kind, before), "after": written(kind, after), "change": change})
    return pd.DataFrame(rows)


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, str | list) and pd.isna(value))


def _cell(value: Any) -> str:
    """A value ClientGrade wrote (a figure, a date, a decision) as a Markdown table cell: pipes escaped, line breaks
    flattened, missing as a dash."""
    if _missing(value):
        return "-"
    text = str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ").strip()
    return text or "-"


def _text(value: Any) -> str:
    """Text someone typed (a title, a name, a note) as Markdown that every viewer shows literally: no image, link,
    HTML or heading can come of it (:func:`grading.text_safety.escape_markdown`); missing as a dash."""
    if _missing(value):
        return "-"
    return escape_markdown(str(value).strip()) or "-"


# The playbook's own steps, written by ClientGrade; any other step was typed.
_PLAYBOOK_TEXTS = frozenset(item["text"] for item in plan_steps(list(STEPS)))
# The columns of the tables that hold typed text; the others hold what ClientGrade wrote.
_TYPED_COLUMNS = frozenset({"name", "owner", "note", "handover_note", "grader"})


def _table(frame: pd.DataFrame, headers: Mapping[str, str]) -> list[str]:
    lines = ["| " + " | ".join(headers.values()) + " |", "|" + "---|" * len(headers)]
    shown = [_text if column in _TYPED_COLUMNS else _cell for column in headers]
    for row in frame[list(headers)].itertuples(index=False):
        lines.append("| " + " | ".join(show(value) for show, value in zip(shown, row, strict=True)) + " |")
    return lines


def to_markdown(summary: ReviewSummary, currency: str = "EUR") -> str:
    """Return the summary as a Markdown document (what the "Download Markdown" button hands out)."""
    session = summary.session
    present = ", ".join(session.attendees) or None
    lines = [
        f"# Review: {_text(session.title)}",
        "",
        f"Held on {session.held_on.isoformat()}. Present: {_text(present)}. "
        f"{len(session.client_ids)} clients ({session.selection.describe()}).",
        "",
        "## Decisions by kind",
        "",
        *_table(summary.counts, {"label": "Decision", "clients": "Clients"}),
        "",
        "## Decisions by client",
        "",
        *_table(
            summary.clients,
            {
                "position": "#",
                "name": "Client",
                "grade": f"Grade ({summary.grade_source})",
                "detail": "Decision",
                "owner": "Owner",
                "due_on": "Due",
                "caller_id_again": "Caller-ID",
                "note": "Note",
            },
        ),
        "",
        "## Projected impact of the firing and price decisions",
        "",
    ]
    if summary.impact is None:
        lines.append("No client is to be fired or repriced.")
    else:
        impact = summary.impact
        lines += _table(impact_table(impact, currency), {"figure": "Figure", "before": "Before", "after": "After",
                                                          "change": "Change"})
        window = f"{impact.window_months} months" if impact.window_months else "the scoring window"
        lines += [
            "",
            f"Over {window}: {count(len(summary.fired), 'client')} fired, {len(summary.repriced):,} repriced; "
            f"{hours(impact.hours_freed)} freed, of which {hours(impact.hours_back)} is time back for the owner.",
        ]
    lines += ["", "## Lift plans", ""]
    if summary.lift_plans.empty:
        lines.append("No lift decided.")
    for row in summary.lift_plans.itertuples(index=False):
        lines.append(f"### {_text(row.name)} (grade {_cell(row.grade)}; if the plan works: "
                     f"{_cell(row.grade_if_plan_works)})")
        lines.append("")
        lines += [f"- {_cell(step) if step in _PLAYBOOK_TEXTS else _text(step)}"
                  for step in str(row.plan).split(" | ") if step]
        lines += [f"- Owner: {_text(row.owner)}; due: {_cell(row.due_on)}", ""]
    lines += ["", "## Grade changes made in this session", ""]
    if summary.grade_changes.empty:
        lines.append("No grade was changed.")
    else:
        lines += _table(summary.grade_changes, {"name": "Client", "previous_grade": "From", "new_grade": "To",
                                                "grader": "By", "graded_on": "On"})
    fired_rows = summary.clients.loc[summary.clients["decision"].eq("fire")]
    if not fired_rows.empty:
        lines += ["", "## Handover notes", ""]
        lines += _table(fired_rows, {"name": "Client", "notice_months": "Notice (months)",
                                     "handover_note": "Handover note"})
    return "\n".join(lines).rstrip() + "\n"


def to_csv(summary: ReviewSummary) -> bytes:
    """Return the decisions by client as CSV (formulas neutralized; no client ids when anonymized)."""
    return safe_csv_bytes(summary.clients)
