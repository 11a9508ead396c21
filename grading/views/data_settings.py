"""The Data & settings page's tables and checks: an import report as tables, the settings in their groups, which
settings changed and whether they may be saved, the model card in a few lines, and the client data in words.

Nothing here writes; the page's housekeeping on the database (counting, wiping, resetting to the demo, the zip
of every table) is :mod:`grading.db.maintenance`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

#: What each table holds, in the owner's words (for the confirmation message).
TABLE_WORDS = {
    "clients": "clients",
    "monthly_metrics": "client-months of figures",
    "assessments": "assessments",
    "grade_events": "manual grades",
    "review_sessions": "live review sessions",
    "review_items": "review items",
    "review_decisions": "review decisions",
    "archived_clients": "archived clients",
    "demo_clients": "demo clients",
    "client_aliases": "client aliases",
    "client_name_choices": "answers for client names in raw exports",
}
# A value quoted in an import message: 'Acme Ltd' or "Acme Ltd".
_QUOTED = r"'[^']*'|\"[^\"]*\""


def describe_counts(counts: dict[str, int]) -> str:
    """Return the non-zero counts as one phrase, e.g. ``"60 clients, 1,440 client-months of figures"``.

    Returns ``"no client data"`` when every count is zero.
    """
    parts = [f"{count:,} {TABLE_WORDS.get(table, table)}" for table, count in counts.items()
             if count and table not in {"review_items", "client_aliases", "demo_clients"}]
    return ", ".join(parts) if parts else "no client data"


def issues_frame(report: Any, *, hide_values: bool = False) -> pd.DataFrame:
    """Return the problems of an import report as a table: ``file``, ``row``, ``column``, ``problem``.

    Parameters
    ----------
    report:
        A :class:`grading.importer.ImportReport`.
    hide_values:
        Replace the cell values the messages quote (in single or double quotes) by "…", for screen sharing: a
        quoted value may be a client's name.

    Returns
    -------
    pandas.DataFrame
        One row per listed problem, in the report's order; ``row`` is the spreadsheet row (missing for a problem
        of the whole file).
    """
    issues = list(report.issues)
    frame = pd.DataFrame(
        {
            "file": pd.Series([issue.file for issue in issues], dtype="str"),
            "row": pd.Series([issue.row for issue in issues], dtype="Int64"),
            "column": pd.Series([issue.column or "" for issue in issues], dtype="str"),
            "problem": pd.Series([issue.message for issue in issues], dtype="str"),
        }
    )
    if hide_values:
        frame["problem"] = frame["problem"].str.replace(_QUOTED, "'…'", regex=True)
    return frame


def files_frame(report: Any) -> pd.DataFrame:
    """Return what an import report says of each file: ``kind``, ``file``, rows read, written, and warnings.

    Parameters
    ----------
    report:
        A :class:`grading.importer.ImportReport`.

    Returns
    -------
    pandas.DataFrame
        One row per file: ``kind``, ``file``, ``rows_read``, ``rows_new``, ``rows_replaced``, ``rows_unchanged``
        (missing before the import is written) and ``warnings`` (joined into one text).
    """
    files = list(report.files.values())
    return pd.DataFrame(
        {
            "kind": pd.Series([file.kind for file in files], dtype="str"),
            "file": pd.Series([file.file_name for file in files], dtype="str"),
            "rows_read": pd.Series([file.rows_read for file in files], dtype="Int64"),
            "rows_new": pd.Series([file.rows_new for file in files], dtype="Int64"),
            "rows_replaced": pd.Series([file.rows_replaced for file in files], dtype="Int64"),
            "rows_unchanged": pd.Series([file.rows_unchanged for file in files], dtype="Int64"),
            "warnings": pd.Series(["; ".join(file.warnings) for file in files], dtype="str"),
        }
    )


def settings_by_group() -> dict[str, list[Any]]:
    """Return the settings registry grouped by ``group``, in registry order (for the settings form).

    Returns
    -------
    dict
        Group name to its :class:`grading.settings.Setting` items.
    """
    from grading.settings import SETTINGS

    groups: dict[str, list[Any]] = {}
    for item in SETTINGS:
        groups.setdefault(item.group, []).append(item)
    return groups


def changed_settings(current: dict[str, Any], proposed: dict[str, Any]) -> dict[str, Any]:
    """Return the settings in ``proposed`` whose value differs from ``current`` (name to new value)."""
    return {name: value for name, value in proposed.items() if name in current and current[name] != value}


def check_settings(values: dict[str, Any]) -> None:
    """Check that settings agree with each other before they are saved (each alone is checked by the registry).

    The scorecard refuses grade thresholds that are out of order and a "tiny" client limit above the "small" one;
    checking here lets the settings page refuse such a change instead of storing it and breaking every page.

    Parameters
    ----------
    values:
        Every setting, by name (the stored ones overlaid with the proposed changes).

    Raises
    ------
    SettingError
        The settings contradict each other; the message says which.
    """
    import numpy as np

    from grading.scoring.scorecard import grade_index, small_client_knockdown

    grade_index(np.array([50.0]), values)
    small_client_knockdown(np.array([100.0]), values)


def model_card_summary(card: dict[str, Any] | None) -> pd.DataFrame:
    """Return the headline of a model card as a two-column table (``item``, ``value``) for the settings page.

    Top-level numbers and texts are listed first, then the numbers of a nested ``metrics`` mapping; lists and
    other nested parts are left to the full card.

    Parameters
    ----------
    card:
        :func:`grading.model.persistence.load_model_card`, or ``None``.

    Returns
    -------
    pandas.DataFrame
        Empty when there is no card.
    """
    if not card:
        return pd.DataFrame({"item": pd.Series(dtype="str"), "value": pd.Series(dtype="str")})

    def plain(value: Any) -> str:
        if isinstance(value, float):
            return f"{value:.3f}"
        return str(value)

    rows = [(key, plain(value)) for key, value in card.items() if isinstance(value, (str, int, float, bool))]
    metrics = card.get("metrics")
    if isinstance(metrics, dict):
        rows += [(f"metrics: {key}", plain(value)) for key, value in metrics.items()
                 if isinstance(value, (str, int, float, bool))]
    return pd.DataFrame(rows, columns=["item", "value"]).astype("str")
