"""The model's suggested grades kept in the book, so that a restart shows them without reading the model.

Reading a model means importing scikit-learn (2-4 s), which the app's first page would otherwise wait for. The
suggestions a model made (grade, confidence and reasons, for every client) are kept in the tables
``suggestion_sets`` and ``stored_suggestions``, under a key made of the model's content hash and a fingerprint of
the exact inputs it was given (every column of the clients' features the model, the scorecard or the reasons could
read, the rule grade included, row by row). Any change to the book's figures, to a setting that shapes the features,
to the model or to its file gives another key: a set under another key is never read as current; the suggestions are
made again with the model and stored under the new key (:func:`grading.model.suggest.suggest_grades`).

A set is only ever written after the model was read and verified (its hash and trusted types), so a stored set
also records that the model file with that hash loads (:func:`model_was_read`). The sets are derived data: writing
them does not raise the store's revision (nothing any page shows changes with them), and a failed write only
means the next start reads the model again.
"""

from __future__ import annotations

import hashlib
import logging
from typing import TYPE_CHECKING

import pandas as pd

from grading.errors import StoreError
from grading.model.persistence import TRUSTED_TYPES

if TYPE_CHECKING:
    from grading.db.store import Store

_LOG = logging.getLogger(__name__)

#: The sets kept per book, newest first (today's book and the book a year before, a few as-of dates an owner
#: picked); older ones are dropped when a new one is stored.
KEEP_SETS = 8

#: Books up to this many clients keep their suggestions: beyond, writing a set (a few seconds per 100,000 clients,
#: reasons included) costs more than reading the model saves, and a command on a million clients pays it once.
MAX_CLIENTS = 100_000

#: The trusted types a stored set's model was read under: a set made under another list says nothing of whether
#: the model would load now.
TRUSTED_SIGNATURE = ",".join(TRUSTED_TYPES)

_COLUMNS = ("client_id", "suggested_grade", "suggested_confidence", "suggestion_reasons")

#: Feature columns that change with the day alone and that neither the model, the scorecard it compares with, nor
#: the reasons read (a test perturbs them and checks the suggestions do not move): left out of the key, so the
#: first start of a new day in the same scoring window finds the suggestions stored the day before.
NOT_READ_BY_THE_MODEL: tuple[str, ...] = ("as_of", "days_since_assessment")


def set_key(model_hash: str, features: pd.DataFrame) -> str | None:
    """Return the key of the suggestions ``model_hash``'s model makes for ``features``, or None if it cannot be
    fingerprinted (a column of unhashable values).

    Every column counts (but :data:`NOT_READ_BY_THE_MODEL`), with its name and type, and every row in order: two
    frames share a key only when the model would be given the same inputs.
    """
    features = features.drop(columns=[column for column in NOT_READ_BY_THE_MODEL if column in features.columns])
    digest = hashlib.sha256(model_hash.encode())
    digest.update(repr([(str(name), str(dtype)) for name, dtype in features.dtypes.items()]).encode())
    try:
        rows = pd.util.hash_pandas_object(features, index=False)
    except TypeError:
        return None
    digest.update(rows.to_numpy().tobytes())
    return digest.hexdigest()


def read_set(store: Store, key: str, features: pd.DataFrame) -> pd.DataFrame | None:
    """Return the suggestions stored under ``key`` for ``features``' clients, on ``features``' index, or None when
    no complete set is stored under that key.

    Returns
    -------
    pandas.DataFrame or None
        ``client_id``, ``suggested_grade``, ``suggested_confidence`` and ``suggestion_reasons``, as
        :func:`grading.model.suggest.suggest_for_features` gives them.
    """
    try:
        count = store.scalar("SELECT n_clients FROM suggestion_sets WHERE set_key = ? AND trusted_types = ?",
                             [key, TRUSTED_SIGNATURE])
        if count is None or int(count) != len(features):
            return None
        rows = store.query(
            "SELECT client_id, suggested_grade, suggested_confidence, suggestion_reasons FROM stored_suggestions "
            "WHERE set_key = ? ORDER BY position",
            [key],
        )
    except StoreError:
        # A book from before the tables existed cannot be here (the store migrates on open); any other failure to
        # read only means the model is read instead.
        _LOG.warning("Could not read the stored suggestions; the model will be read instead.", exc_info=True)
        return None
    ids = features["client_id"].astype("str").to_numpy()
    if len(rows) != len(features) or (rows["client_id"].astype("str").to_numpy() != ids).any():
        return None
    return pd.DataFrame(
        {
            "client_id": features["client_id"].array,
            "suggested_grade": pd.array(rows["suggested_grade"], dtype="str"),
            "suggested_confidence": pd.to_numeric(rows["suggested_confidence"]).astype("float64").to_numpy(),
            "suggestion_reasons": pd.array(rows["suggestion_reasons"], dtype="str"),
        },
        index=features.index,
    )


def write_set(store: Store, key: str, model_hash: str, suggestions: pd.DataFrame) -> bool:
    """Store ``suggestions`` (the columns :func:`read_set` returns, in the features' order) under ``key``.

    The set replaces any under the same key; sets of other models, and all but the :data:`KEEP_SETS` newest, are
    dropped in the same transaction. Returns whether the set was stored (a failure is logged, never raised:
    grading goes on without it).
    """
    rows = pd.DataFrame({column: suggestions[column].astype("object") for column in _COLUMNS})
    rows = rows.where(rows.notna(), None)
    rows.insert(0, "position", range(len(rows)))
    try:
        with store.transaction() as tx, tx.frame(rows) as incoming:
            # Derived data, keyed by its inputs: tx.derived writes without raising the store's revision, so storing
            # a set does not make every session's kept pages stale (what they show is the same, computed or read back).
            tx.derived("DELETE FROM stored_suggestions WHERE set_key = ? OR set_key IN "
                       "(SELECT set_key FROM suggestion_sets WHERE model_hash <> ?)", [key, model_hash])
            tx.derived("DELETE FROM suggestion_sets WHERE set_key = ? OR model_hash <> ?", [key, model_hash])
            tx.derived(
                f"INSERT INTO stored_suggestions (set_key, position, client_id, suggested_grade, suggested_confidence,"
                f" suggestion_reasons) SELECT ?, position, client_id, suggested_grade, suggested_confidence, "
                f"suggestion_reasons FROM {incoming}",
                [key],
            )
            tx.derived("INSERT INTO suggestion_sets (set_key, model_hash, trusted_types, n_clients) "
                       "VALUES (?, ?, ?, ?)",
                       [key, model_hash, TRUSTED_SIGNATURE, len(rows)])
            old = "SELECT set_key FROM suggestion_sets ORDER BY made_at DESC, set_key OFFSET ?"
            tx.derived(f"DELETE FROM stored_suggestions WHERE set_key IN ({old})", [KEEP_SETS])
            tx.derived(f"DELETE FROM suggestion_sets WHERE set_key IN ({old})", [KEEP_SETS])
    except StoreError:
        _LOG.warning("Could not store the model's suggestions; the next start reads the model again.", exc_info=True)
        return False
    return True


def model_was_read(store: Store, model_hash: str) -> bool:
    """Return whether a model file with ``model_hash`` was read and verified before, under today's trusted types
    (a set of its suggestions is stored): its state can then be told without reading it again."""
    try:
        return bool(store.scalar("SELECT count(*) FROM suggestion_sets WHERE model_hash = ? AND trusted_types = ?",
                                 [model_hash, TRUSTED_SIGNATURE]))
    except StoreError:
        return False
