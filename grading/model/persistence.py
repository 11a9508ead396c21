"""Saving and loading models: a skops file per model, a JSON model card beside it, a row in the model registry.

A model file is code-adjacent: loading a pickle runs whatever it says. So a model is saved with skops and loaded
only (1) when the SHA-256 of its bytes matches the hash the registry recorded when it was saved, and (2) when
every type in it is on the hard-coded :data:`TRUSTED_TYPES` list (besides the types skops trusts itself). The
bytes are read once, hashed and then loaded from memory, so the file cannot change between check and load.
Anything else is refused with a :class:`~grading.errors.ModelFileError` that says what to do.

The registry (table ``model_registry``) is the source of truth: the card in the database is the one shown, the
JSON file beside the model is a copy for people browsing the models folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grading.errors import ModelFileError

if TYPE_CHECKING:
    from grading.db.store import Store

#: The only types, beyond those skops trusts by default, that a model file may contain. Hard-coded on purpose:
#: never derived from the file itself (that is what ``get_untrusted_types`` is for: telling us what a file
#: *would* need, so a test can check this list covers every candidate model and nothing more).
TRUSTED_TYPES: tuple[str, ...] = (
    "grading.model.ordinal.OrdinalLogisticRegression",
    "numpy.dtype",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
)

MODEL_SUFFIX = ".skops"

# Models already loaded, by the SHA-256 of their bytes: the app asks for suggestions on every rerun, and the hash
# of the bytes just read is checked before this is consulted, so a changed file is never served from here.
_LOADED: dict[str, Any] = {}
_LOADED_MAX = 4
CARD_SUFFIX = ".card.json"


def content_hash(data: bytes) -> str:
    """Return the SHA-256 of ``data`` as hex."""
    return hashlib.sha256(data).hexdigest()


def _write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename, so a reader never sees half a file."""
    temporary = path.with_name(path.name + ".partial")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def save_model(store: Store, models_dir: str | os.PathLike, model: Any, card: Mapping[str, Any]) -> dict[str, Any]:
    """Save ``model`` as a skops file with its card, register it and make it the active model.

    Parameters
    ----------
    store : Store
        Where the registry row goes.
    models_dir : path
        The models folder (created if missing).
    model : estimator
        The fitted pipeline.
    card : mapping
        The model card (JSON-serialisable); ``model_id``, ``file_name`` and ``content_hash`` are added.

    Returns
    -------
    dict
        The card as saved.

    Raises
    ------
    StoreError
        The registry could not be written; then the files just written are removed again.
    """
    folder = Path(models_dir)
    folder.mkdir(parents=True, exist_ok=True)
    import skops.io as sio  # here, not at the top: grading without a model never pays for scikit-learn

    data = sio.dumps(model, compression=zipfile.ZIP_DEFLATED)
    digest = content_hash(data)
    trained_at = datetime.now(UTC)
    model_id = f"grade-model-{trained_at:%Y%m%dT%H%M%S%fZ}-{digest[:8]}"
    model_path = folder / f"{model_id}{MODEL_SUFFIX}"
    card_path = folder / f"{model_id}{CARD_SUFFIX}"
    saved_card = dict(card) | {"model_id": model_id, "file_name": model_path.name, "content_hash": digest}
    card_text = json.dumps(saved_card, indent=2, sort_keys=False, default=str)
    _write_atomically(model_path, data)
    _write_atomically(card_path, card_text.encode("utf-8"))
    try:
        with store.transaction() as tx:
            tx.execute("UPDATE model_registry SET is_active = false WHERE is_active")
            tx.execute(
                "INSERT INTO model_registry (model_id, file_name, content_hash, card_json, trained_at, is_active) "
                "VALUES (?, ?, ?, ?, ?, true)",
                [model_id, model_path.name, digest, card_text, trained_at.replace(tzinfo=None)],
            )
    except BaseException:
        model_path.unlink(missing_ok=True)
        card_path.unlink(missing_ok=True)
        raise
    return saved_card


def active_registry_row(store: Store) -> dict[str, Any] | None:
    """Return the active model's registry row as a dict, or ``None`` when no model is active."""
    frame = store.query(
        "SELECT model_id, file_name, content_hash, card_json, trained_at FROM model_registry "
        "WHERE is_active ORDER BY trained_at DESC LIMIT 1"
    )
    if frame.empty:
        return None
    return frame.iloc[0].to_dict()


def load_model_card(store: Store, models_dir: str | os.PathLike | None = None) -> dict[str, Any] | None:
    """Return the active model's card (as recorded in the registry), or ``None`` when there is no active model.

    Parameters
    ----------
    store : Store
        The open store.
    models_dir : path, optional
        Unused for the card itself (the registry holds it); accepted so callers pass the same arguments as to
        :func:`load_active_model`.
    """
    row = active_registry_row(store)
    if row is None:
        return None
    return json.loads(row["card_json"])


def file_matches(path: str | os.PathLike, expected_hash: str) -> bool:
    """Return whether the file at ``path`` exists and its bytes have the SHA-256 ``expected_hash`` (without loading
    it: no scikit-learn needed)."""
    try:
        return content_hash(Path(path).read_bytes()) == expected_hash
    except OSError:
        return False


def read_verified_model(path: str | os.PathLike, expected_hash: str) -> Any:
    """Load the skops file at ``path`` after checking its hash and that it holds trusted types only.

    Parameters
    ----------
    path : path
        The model file.
    expected_hash : str
        SHA-256 (hex) recorded when the file was saved.

    Returns
    -------
    estimator
        The loaded model.

    Raises
    ------
    ModelFileError
        The file is missing, its bytes changed, it is not a skops file, or it holds an untrusted type.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as error:
        raise ModelFileError(
            f"The model file {path} is missing. Retrain the model (python -m grading train, or the Retrain "
            "button); until then grades come from the rules."
        ) from error
    if content_hash(data) != expected_hash:
        raise ModelFileError(
            f"The model file {path} was changed after it was saved (its content hash does not match the "
            "registry), so it was not loaded. Retrain the model; until then grades come from the rules."
        )
    if expected_hash in _LOADED:
        return _LOADED[expected_hash]
    # Imported when a model is read, not with this module: grading without a model never loads scikit-learn.
    import skops.io as sio
    from skops.io.exceptions import UntrustedTypesFoundException

    try:
        model = sio.loads(data, trusted=list(TRUSTED_TYPES))
    except UntrustedTypesFoundException as error:
        raise ModelFileError(
            f"The model file {path} holds types ClientGrade does not trust ({error}), so it was not loaded. "
            "Retrain the model; until then grades come from the rules."
        ) from error
    except Exception as error:  # noqa: BLE001 - whatever a foreign file makes skops raise, it is refused
        raise ModelFileError(
            f"The model file {path} is not a model ClientGrade can read ({type(error).__name__}), so it was not "
            "loaded. Retrain the model; until then grades come from the rules."
        ) from error
    if len(_LOADED) >= _LOADED_MAX:
        _LOADED.pop(next(iter(_LOADED)))
    _LOADED[expected_hash] = model
    return model


def load_active_model(store: Store, models_dir: str | os.PathLike) -> tuple[Any, dict[str, Any]] | None:
    """Return the active model and its card, or ``None`` when no model is active.

    Raises
    ------
    ModelFileError
        The active model's file is missing, altered, unreadable or holds an untrusted type.
    """
    row = active_registry_row(store)
    if row is None:
        return None
    file_name = Path(str(row["file_name"])).name  # a registry row never points outside the models folder
    model = read_verified_model(Path(models_dir) / file_name, str(row["content_hash"]))
    return model, json.loads(row["card_json"])


def active_model_file(store: Store, models_dir: str | os.PathLike) -> Path | None:
    """Return the path of the active model's file (whether or not it exists), or ``None`` with no active model."""
    row = active_registry_row(store)
    if row is None:
        return None
    return Path(models_dir) / Path(str(row["file_name"])).name  # a registry row never points outside the folder


def model_file_stamp(path: str | os.PathLike | None) -> tuple[int, int, int] | None:
    """Return the size, modification time (ns) and inode of a model file, or ``None`` when it is missing.

    One ``stat`` call: cheap enough for every page rerun, so the app notices a model file replaced, altered or
    deleted on disk at once rather than at the next write (its content hash is checked again when it is loaded).
    """
    if path is None:
        return None
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_size, status.st_mtime_ns, status.st_ino
