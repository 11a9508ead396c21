"""What the commands that grade say when the active model is refused: one warning on stderr, never silence."""

from __future__ import annotations

import os
import sys

from grading.model.suggest import ModelState, model_state
from grading.db.store import Store


def warn_if_model_refused(store: Store, models_dir: str | os.PathLike) -> ModelState:
    """Write a warning to stderr when the active model's file is refused, and return the model's state.

    The warning names the file, says why it was refused (missing, changed since it was saved, not a skops file,
    untrusted types) and that the grades come from the rules until the model is retrained. With no model trained
    yet nothing is written: that is the normal state of a new database.
    """
    state = model_state(store, models_dir)
    if state.status == "refused":
        print(f"warning: {state.message}", file=sys.stderr)
    return state
