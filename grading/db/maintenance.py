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
    "client_name_choices",
    "clients",
)

#: Tables of figures derived from the client data (the grades as last worked out, the model's suggestions as last
#: made), holding client ids and reasons: they go with the client data, though nobody counts them as data of their own.
DERIVED_CLIENT_TABLES: tuple[str, ...] = ("graded_clients", "stored_suggestions", "suggestion_sets")

Progress = Callable[[float, str], None]


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


def wipe_client_data(store: Store) -> dict[str, int]:
    """Delete every client and everything recorded or derived about clients, in one transaction; keep the settings.

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
    existing = set(store.table_names())
    with store.transaction() as tx:
        for table in tables:
            deleted[table] = int(tx.scalar(f"SELECT count(*) FROM {table}"))
            tx.execute(f"DELETE FROM {table}")
        # Not counted as deleted data (the owner never entered it), but it names the clients just deleted.
        for table in DERIVED_CLIENT_TABLES:
            if table in existing:
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
