"""Housekeeping on the database: count the client data, wipe it, and reset the book to the demo portfolio.

Resetting to the demo is for trying the app out or starting a training session afresh. It deletes every client
and everything recorded about clients (monthly metrics, assessments, the manual grade history, live review
sessions and their decisions) in one transaction, writes the demo portfolio, and trains a model on the demo's
manual grades.

What a reset keeps, and why:

- **Settings** are kept. Scorecard weights, thresholds, the labor cost rate and the currency describe the owner's
  business, not the clients; an owner who tuned them wants them after a reset too. The settings page has its own
  "reset to defaults" button.
- **Model files** in the models folder are kept (they are the audit trail of past training), but every model in
  the registry is marked inactive in the same transaction as the wipe: a model trained on the deleted clients must
  not suggest grades for the demo's. The retrain afterwards activates a model of the demo.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from grading.errors import ClientGradeError

if TYPE_CHECKING:
    from grading.db.store import Store

#: Tables holding client data, children before parents; tables a database does not have yet are skipped.
CLIENT_DATA_TABLES: tuple[str, ...] = (
    "review_decisions",
    "review_items",
    "review_sessions",
    "grade_events",
    "assessments",
    "monthly_metrics",
    "archived_clients",
    "demo_clients",
    "client_aliases",
    "clients",
)
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
}

Progress = Callable[[float, str], None]
# A value quoted in an import message: 'Acme Ltd' or "Acme Ltd".
_QUOTED = r"'[^']*'|\"[^\"]*\""


def _quiet(_fraction: float, _text: str) -> None:
    """Progress callback that says nothing."""


@dataclass(frozen=True)
class ResetResult:
    """What :func:`reset_to_demo` did.

    Attributes
    ----------
    deleted:
        Rows deleted, by table.
    clients_written:
        Clients in the demo portfolio written.
    model_card:
        The card of the model trained on the demo, or ``None`` when no model was trained.
    """

    deleted: dict[str, int] = field(default_factory=dict)
    clients_written: int = 0
    model_card: dict[str, Any] | None = None


def _present_tables(store: Store) -> list[str]:
    existing = set(store.table_names())
    return [table for table in CLIENT_DATA_TABLES if table in existing]


def client_data_counts(store: Store) -> dict[str, int]:
    """Return how many rows each client-data table holds (tables the database lacks are left out).

    Parameters
    ----------
    store:
        The open store.

    Returns
    -------
    dict
        Table name to row count, in :data:`CLIENT_DATA_TABLES` order.
    """
    # Table names come from the fixed tuple above, never from input; a name cannot be a ? parameter.
    return {table: int(store.scalar(f"SELECT count(*) FROM {table}")) for table in _present_tables(store)}


def describe_counts(counts: dict[str, int]) -> str:
    """Return the non-zero counts as one phrase, e.g. ``"60 clients, 1,440 client-months of figures"``.

    Returns ``"no client data"`` when every count is zero.
    """
    parts = [f"{count:,} {TABLE_WORDS.get(table, table)}" for table, count in counts.items()
             if count and table not in {"review_items", "client_aliases", "demo_clients"}]
    return ", ".join(parts) if parts else "no client data"


def wipe_client_data(store: Store) -> dict[str, int]:
    """Delete every client and everything recorded about clients, in one transaction; keep the settings.

    Every registered model is marked inactive in the same transaction (its files stay on disk).

    Parameters
    ----------
    store:
        The open store.

    Returns
    -------
    dict
        Rows deleted, by table.

    Raises
    ------
    StoreError
        The database refused; then nothing is deleted.
    """
    tables = _present_tables(store)
    deleted: dict[str, int] = {}
    with store.transaction() as tx:
        for table in tables:
            deleted[table] = int(tx.scalar(f"SELECT count(*) FROM {table}"))
            tx.execute(f"DELETE FROM {table}")
        tx.execute("UPDATE model_registry SET is_active = false WHERE is_active")
    return deleted


def reset_to_demo(
    store: Store,
    models_dir: str | Path,
    *,
    n_clients: int = 60,
    seed: int | None = None,
    train: bool = True,
    progress: Progress = _quiet,
) -> ResetResult:
    """Replace the client data with the demo portfolio and train a model on it; the settings are kept.

    The demo is generated before anything is deleted, so a bad parameter changes nothing. The wipe is one
    transaction and the demo's write another (the demo writes through the importer, which opens its own): if that
    second write failed, the database would be left without clients, and the error says so.

    Parameters
    ----------
    store:
        The open store.
    models_dir:
        Where the new model is saved.
    n_clients, seed:
        Size of the demo book and its generator's seed (``None``: the demo's fixed default).
    train:
        Train and activate a model on the demo's manual grades afterwards.
    progress:
        Called with a fraction done (0-1) and a short sentence before each step (the app shows a progress bar).

    Returns
    -------
    ResetResult

    Raises
    ------
    ClientGradeError
        A parameter is out of range (nothing is deleted), or the demo could not be written after the wipe.
    """
    from grading import demo

    progress(0.0, f"Preparing a demo portfolio of {n_clients} clients")
    # Generating first checks the parameters before any row is deleted.
    book = demo.generate_demo(n_clients, seed=seed)
    progress(0.15, "Deleting the client data")
    deleted = wipe_client_data(store)
    progress(0.3, "Writing the demo portfolio")
    try:
        demo.write_demo_portfolio(store, n_clients, seed=seed)
    except ClientGradeError as error:
        raise ClientGradeError(
            f"The client data was deleted but the demo could not be written ({error}); the database has no "
            "clients now. Try the reset again, or import your own files."
        ) from error
    card = None
    if train:
        from grading.model import persistence, training

        def training_progress(fraction: float, text: str) -> None:
            progress(0.4 + 0.6 * max(0.0, min(1.0, float(fraction))), text)

        progress(0.4, "Training a model on the demo's manual grades")
        training.train_if_possible(store, Path(models_dir), progress=training_progress)
        card = persistence.load_model_card(store, models_dir)
    progress(1.0, "Done")
    return ResetResult(deleted=deleted, clients_written=len(book.clients), model_card=card)


def export_zip_bytes(store: Store) -> bytes:
    """Return every table of ``store`` as CSV files in one zip archive (formulas neutralized).

    The tables are written by :func:`grading.db.export.export_tables` into a temporary folder, then zipped.

    Parameters
    ----------
    store:
        The database.

    Returns
    -------
    bytes
        The zip archive, one ``<table>.csv`` per table.
    """
    import tempfile
    import zipfile
    from io import BytesIO

    from grading.db.export import export_tables

    buffer = BytesIO()
    with tempfile.TemporaryDirectory(prefix="clientgrade-export-") as folder:
        written = export_tables(store, folder)
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path in written:
                archive.write(path, arcname=path.name)
    return buffer.getvalue()


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
