"""Which clients a review session walks, and in what order.

A session is chosen from the graded portfolio (one row per client, as :func:`grading.scoring.portfolio.grade_portfolio`
returns it) by grade, by flag and by disagreement between the suggested and the manual grade, then ordered worst
first, largest first or by hand. The chosen list is stored with the session, so resuming it walks the same
clients in the same order even after the grades have moved.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from grading.review import ReviewError
from grading.simulation.plan import WORST_FIRST_WORDS, worst_first
from grading.vocabulary import FLAGS, GRADES, GRADE_COLUMNS

ORDERS = {
    "worst_first": f"Worst first ({WORST_FIRST_WORDS})",
    "largest_first": "Largest first (most revenue first)",
    "by_hand": "By hand (in the order you pick them)",
}


@dataclass(frozen=True)
class ClientSelection:
    """How a session's clients were chosen: the filters and the order.

    Parameters
    ----------
    grades:
        Keep clients whose ``grade_column`` is one of these; empty keeps every grade (and the ungraded).
    grade_column:
        The portfolio column the grade filter and "worst first" read, e.g. ``"effective_grade"``.
    flags:
        Keep clients that carry at least one of these flags; empty ignores flags.
    disagreement_only:
        Keep only clients whose suggested grade differs from their manual grade (both present).
    order:
        ``"worst_first"``, ``"largest_first"`` or ``"by_hand"`` (see :data:`ORDERS`).

    Raises
    ------
    ReviewError
        An unknown grade, grade column or order.
    """

    grades: tuple[str, ...] = ()
    grade_column: str = "effective_grade"
    flags: tuple[str, ...] = ()
    disagreement_only: bool = False
    order: str = "worst_first"
    by_hand: tuple[str, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        grades = tuple(dict.fromkeys(str(grade).strip().upper() for grade in self.grades))
        unknown = [grade for grade in grades if grade not in GRADES]
        if unknown:
            raise ReviewError(f"Grades to review must be A, B, C or D; got {', '.join(unknown)}.")
        if self.grade_column not in GRADE_COLUMNS:
            raise ReviewError(f"The grade to filter on must be one of {', '.join(GRADE_COLUMNS)}; got "
                              f"'{self.grade_column}'.")
        flags = tuple(dict.fromkeys(str(flag).strip() for flag in self.flags if flag))
        unknown_flags = [flag for flag in flags if flag not in FLAGS]
        if unknown_flags:
            raise ReviewError(f"Flags to review must be among {', '.join(FLAGS)}; got {', '.join(unknown_flags)}.")
        if self.order not in ORDERS:
            raise ReviewError(f"The order must be one of {', '.join(ORDERS)}; got '{self.order}'.")
        object.__setattr__(self, "grades", grades)
        object.__setattr__(self, "flags", flags)
        object.__setattr__(self, "by_hand", tuple(str(client_id) for client_id in self.by_hand))

    def to_json(self) -> str:
        """Return the selection as a JSON text (what the session stores)."""
        return json.dumps(
            {
                "grades": list(self.grades),
                "grade_column": self.grade_column,
                "flags": list(self.flags),
                "disagreement_only": self.disagreement_only,
                "order": self.order,
            }
        )

    @classmethod
    def from_json(cls, text: str | None) -> ClientSelection:
        """Return the selection stored as ``text`` (an empty or unreadable text gives the default selection)."""
        try:
            values = json.loads(text or "{}")
        except ValueError:
            values = {}
        if not isinstance(values, dict):
            values = {}
        known = {"grades", "grade_column", "flags", "disagreement_only", "order"}
        values = {key: value for key, value in values.items() if key in known}
        for key in ("grades", "flags"):
            values[key] = tuple(values.get(key) or ())
        try:
            return cls(**values)
        except (ReviewError, TypeError):
            return cls()

    def describe(self) -> str:
        """Return the selection in one line of the owner's words, e.g. ``"grades C, D; worst first"``."""
        parts = []
        if self.grades:
            parts.append(f"{self.grade_column.removesuffix('_grade')} grade {', '.join(self.grades)}")
        if self.flags:
            parts.append(f"flagged {' or '.join(FLAGS[flag] for flag in self.flags)}")
        if self.disagreement_only:
            parts.append("suggested and manual grade disagree")
        parts.append(ORDERS[self.order].split(" (")[0].lower())
        return "; ".join(parts) if len(parts) > 1 else f"all clients; {parts[0]}"


def flags_in(portfolio: pd.DataFrame) -> list[str]:
    """Return the flags any client carries, in :data:`FLAGS` order (the choices of the flag filter)."""
    return [flag for flag in FLAGS if flag in portfolio.columns and portfolio[flag].fillna(False).astype(bool).any()]


def select_clients(portfolio: pd.DataFrame, selection: ClientSelection) -> list[str]:
    """Return the ids of the clients ``selection`` picks from ``portfolio``, in the session's order.

    Parameters
    ----------
    portfolio:
        One row per client with ``client_id``, ``revenue``, the grade columns the selection reads and, for a
        flag filter, its boolean flag columns (:data:`FLAGS`); ``revenue``, ``direct_costs`` and ``labor_hours`` order "worst first" within a grade.
    selection:
        The filters and the order. For ``order="by_hand"``, ``selection.by_hand`` lists the clients in the
        order to walk them; the filters still apply.

    Returns
    -------
    list of str
        Client ids, in order; empty when no client matches.

    Raises
    ------
    ReviewError
        The portfolio lacks a column the selection needs, or a hand-picked client is not in it.
    """
    needed = ["client_id", selection.grade_column]
    needed += list(selection.flags)
    if selection.disagreement_only:
        needed += ["suggested_grade", "manual_grade"]
    if selection.order == "largest_first":
        needed.append("revenue")
    missing = [column for column in dict.fromkeys(needed) if column not in portfolio.columns]
    if missing:
        raise ReviewError(f"The portfolio has no column {', '.join(missing)}; the selection needs it.")

    ids = portfolio["client_id"].astype(str)
    keep = pd.Series(True, index=portfolio.index)
    grade = portfolio[selection.grade_column].astype("string").str.strip().str.upper()
    if selection.grades:
        keep &= grade.isin(selection.grades).fillna(False).astype(bool)
    if selection.flags:
        keep &= portfolio[list(selection.flags)].fillna(False).astype(bool).any(axis=1)
    if selection.disagreement_only:
        suggested = portfolio["suggested_grade"].astype("string").str.strip().str.upper()
        manual = portfolio["manual_grade"].astype("string").str.strip().str.upper()
        keep &= (suggested.notna() & manual.notna() & (suggested != manual)).fillna(False).astype(bool)

    if selection.order == "by_hand":
        wanted = list(dict.fromkeys(selection.by_hand))
        unknown = [client_id for client_id in wanted if client_id not in set(ids)]
        if unknown:
            raise ReviewError(f"No client with id {', '.join(unknown[:10])} in the portfolio.")
        chosen = set(ids[keep])
        return [client_id for client_id in wanted if client_id in chosen]

    frame = pd.DataFrame({"client_id": ids, "keep": keep})
    if selection.order == "worst_first":
        # The same "worst first" as the churn simulation's (one definition, grading.simulation.plan).
        def amount(column: str) -> pd.Series:
            values = portfolio[column] if column in portfolio.columns else pd.Series(0.0, portfolio.index)
            return pd.to_numeric(values, errors="coerce").fillna(0.0)

        order = worst_first(grade.to_numpy(dtype=object), amount("revenue"), amount("direct_costs"),
                            amount("labor_hours"), frame["client_id"])
        frame = frame.iloc[order]
    else:
        frame["revenue"] = pd.to_numeric(portfolio["revenue"], errors="coerce").fillna(0.0)
        frame = frame.sort_values(["revenue", "client_id"], ascending=[False, True], kind="mergesort")
    return frame.loc[frame["keep"], "client_id"].tolist()


def check_client_ids(client_ids: Iterable[str]) -> list[str]:
    """Return ``client_ids`` as a list of distinct, non-empty texts in their order.

    Raises
    ------
    ReviewError
        The list is empty.
    """
    cleaned = list(dict.fromkeys(str(client_id).strip() for client_id in client_ids if str(client_id).strip()))
    if not cleaned:
        raise ReviewError("A review needs at least one client: widen the filters or pick clients by hand.")
    return cleaned


def position_of(client_ids: Sequence[str], client_id: str) -> int:
    """Return the position (0-based) of ``client_id`` in a session's list, or 0 when it is not in it."""
    try:
        return list(client_ids).index(client_id)
    except ValueError:
        return 0
