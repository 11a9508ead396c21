"""What the commands that grade say when the book's model is refused or missing: one line on stderr, never silence."""

from __future__ import annotations

import os
import sys

from grading.model.suggest import ModelState, model_state
from grading.db.store import Store


def warn_if_model_refused(store: Store, models_dir: str | os.PathLike) -> ModelState:
    """Write a warning to stderr when the active model's file is refused, and return the model's state.

    The warning names the file, says why it was refused (missing, changed since it was saved, not a skops file,
    untrusted types) and that the grades come from the rules until the model is retrained. A book with no model
    trained yet gets one note naming the book and the folder its model would be in: a coach grading many books
    sees which ones have no suggestions, rather than empty columns.
    """
    state = model_state(store, models_dir)
    if state.status == "refused":
        print(f"warning: {state.message}", file=sys.stderr)
    elif state.status == "none":
        print(
            f"note: the book {store.path} has no trained model (its models folder: {models_dir}), so there are "
            f"no suggested grades and grades come from the rules. Train one with: python -m grading train "
            f"--db {store.path}",
            file=sys.stderr,
        )
    return state
