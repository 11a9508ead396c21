"""Creating a database on first start: the schema, and optionally the demo portfolio and a first model.

The app and ``python -m grading init`` share this, so a fresh ``streamlit run app.py`` and a fresh CLI set-up give
the same database.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from grading.db.store import Store

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    """Progress callback that says nothing."""


def is_empty(store: Store) -> bool:
    """Return True when the store holds no clients yet."""
    return not store.scalar("SELECT count(*) FROM clients")


def fill_with_demo(
    store: Store,
    models_dir: Path,
    *,
    n_clients: int = 60,
    seed: int | None = None,
    train: bool = True,
    progress: Progress = _quiet,
) -> None:
    """Write the demo portfolio into ``store`` and, with ``train``, train and activate a first model.

    Parameters
    ----------
    store:
        An open store; it should be empty (the demo's rows replace rows with the same keys).
    models_dir:
        Where the first model is saved.
    n_clients, seed:
        Size of the demo book and the generator's seed (``None``: the demo's fixed default seed).
    train:
        Train a model on the demo's manual grades right away, so suggestions show at once.
    progress:
        Called with a short sentence before each slow step (the app shows it in its spinner).
    """
    from grading import demo

    progress(f"Writing a demo portfolio of {n_clients} clients")
    demo.write_demo_portfolio(store, n_clients=n_clients, seed=seed)
    if train:
        from grading.model import training

        progress("Training a first model on the demo's manual grades")
        training.train_if_possible(store, models_dir)
