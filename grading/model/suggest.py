"""Suggested grades for clients from the active model, with confidence and reasons in plain words.

Suggestions never stop grading: with no active model, or a model file that is refused (altered, unreadable,
untrusted types), every suggestion is empty and the app falls back to the rule grade; :func:`model_state` and
:func:`active_model_status` say why, in words the app can show.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from grading.errors import ClientGradeError, ModelFileError
from grading.model.dataset import RULE_INPUT, inputs_for
from grading.model.metrics import suggested_codes
from grading.model.titles import CANDIDATE_TITLES
from grading.vocabulary import GRADES
from grading.model import stored_suggestions
from grading.model.persistence import active_registry_row, file_matches, read_verified_model
from grading.scoring.reasons import pandas_text, text
from grading.settings import defaults

if TYPE_CHECKING:
    from grading.db.store import Store

SUGGESTION_COLUMNS: tuple[str, ...] = ("client_id", "suggested_grade", "suggested_confidence", "suggestion_reasons")


@dataclass(frozen=True)
class SuggestingModel:
    """Which saved model made a set of suggestions: enough to write their reasons later, for any of the rows.

    Attributes
    ----------
    path:
        The model file.
    content_hash:
        Its SHA-256 as registered; the file is checked against it again when it is read back.
    card:
        Its model card (typical values and reliance, which the reasons quote).
    """

    path: str
    content_hash: str
    card: dict[str, Any]
    #: The reasons already written for the clients it suggested for (by client id), when the suggestions were
    #: read back from the book (:mod:`grading.model.stored_suggestions`) or just made: their words need no model.
    reasons: pd.Series | None = field(default=None, compare=False, repr=False)

    def load(self) -> Any:
        """Return the model itself (kept in memory after the first read; the file's hash is checked each time).

        Raises
        ------
        ModelFileError
            The file has gone, or changed since the suggestions were made.
        """
        return read_verified_model(self.path, self.content_hash)


@dataclass(frozen=True)
class ModelState:
    """The active model's state: ``status`` is ``active``, ``none`` or ``refused``; ``message`` says it in words."""

    status: str
    message: str
    card: dict[str, Any] | None = None


def _load(
    store: Store, models_dir: str | os.PathLike
) -> tuple[Any, SuggestingModel | None, ModelState]:
    """Load the active model, turning every reason not to use it into a state instead of an exception."""
    row = active_registry_row(store)
    if row is None:
        return None, None, ModelState(
            "none", "No model has been trained yet: train one (python -m grading train, or Retrain); until then "
            "grades come from the rules."
        )
    path = _model_path(models_dir, row)
    try:
        model = read_verified_model(path, str(row["content_hash"]))
    except ModelFileError as error:
        return None, None, ModelState("refused", str(error))
    card = json.loads(row["card_json"])
    return model, SuggestingModel(path, str(row["content_hash"]), card), _active_state(card)


def _model_path(models_dir: str | os.PathLike, row: dict[str, Any]) -> str:
    # A registry row never points outside the models folder.
    return str(Path(models_dir) / Path(str(row["file_name"])).name)


def _active_state(card: dict[str, Any]) -> ModelState:
    """The state of an active model with ``card``, in words."""
    title = CANDIDATE_TITLES.get(card.get("model", ""), card.get("model", "a model"))
    qwk = card.get("qwk")
    rule_qwk = card.get("rule_qwk")
    quality = (
        f" Cross-validated QWK {qwk:.2f} against your grades (rule grade {rule_qwk:.2f})."
        if isinstance(qwk, float) and isinstance(rule_qwk, float)
        else ""
    )
    message = (
        f"Suggestions come from {title}, trained {str(card.get('trained_at', ''))[:10]} on "
        f"{card.get('n_labels')} manual grades.{quality}"
    )
    return ModelState("active", message, card)


def model_state(store: Store, models_dir: str | os.PathLike) -> ModelState:
    """Return the active model's state (active, none, or refused with the reason).

    Parameters
    ----------
    store : Store
        The open store (its model registry says which model is active).
    models_dir : path
        The models folder.

    A model whose file still has its registered hash, and which was read and verified before (its suggestions are
    stored, :func:`grading.model.stored_suggestions.model_was_read`), is told active without reading it again:
    reading it imports scikit-learn, seconds the app's first page would wait.
    """
    row = active_registry_row(store)
    if row is not None:
        digest = str(row["content_hash"])
        if stored_suggestions.model_was_read(store, digest) and file_matches(_model_path(models_dir, row), digest):
            return _active_state(json.loads(row["card_json"]))
    return _load(store, models_dir)[2]


def active_model_status(store: Store, models_dir: str | os.PathLike) -> str:
    """Return one sentence on the active model the app can show: which it is and how good, or why there is none."""
    return model_state(store, models_dir).message


def empty_suggestions(features: pd.DataFrame) -> pd.DataFrame:
    """Return suggestions with every value missing, one row per client of ``features``."""
    return pd.DataFrame(
        {
            "client_id": features["client_id"].to_numpy() if "client_id" in features else pd.Series(dtype="str"),
            "suggested_grade": pd.Series([None] * len(features), dtype="str"),
            "suggested_confidence": np.full(len(features), np.nan),
            "suggestion_reasons": pd.Series([None] * len(features), dtype="str"),
        },
        index=features.index,
    )


def _rule_grades(store: Store, features: pd.DataFrame) -> np.ndarray | None:
    """The rule grades to compare with: from ``features`` if it carries them, else from the scorecard."""
    if "rule_grade" in features.columns:
        return np.asarray(features["rule_grade"].astype(object))
    from grading.scoring.scorecard import score_clients
    from grading.settings import load_settings

    try:
        scored = score_clients(features, load_settings(store), explain=False)
        return np.asarray(scored["rule_grade"].astype(object))
    except ClientGradeError:
        return None


def _one_thread(n_rows: int) -> contextlib.AbstractContextManager:
    """One BLAS/OpenMP thread for a big block of rows: predictions on a few hundred thousand rows gain little
    from more, and the app's other sessions share the cores. A page's few rows skip it: setting the limit costs
    more than predicting them."""
    return threadpool_limits(limits=1) if n_rows >= _LIMIT_THREADS_FROM else contextlib.nullcontext()


#: From how many rows predictions run on one thread.
_LIMIT_THREADS_FROM = 5_000


def _without_data(features: pd.DataFrame) -> np.ndarray:
    """Clients with no figures in the window and no survey: a suggestion for them would be a guess."""
    no_months = features.get("months_with_data", pd.Series(1.0, index=features.index)).fillna(0) <= 0
    no_survey = features.get("assessors", pd.Series(1.0, index=features.index)).fillna(0) <= 0
    return (no_months & no_survey).to_numpy()


def suggest_grades(
    store: Store, features: pd.DataFrame, models_dir: str | os.PathLike
) -> tuple[pd.DataFrame, SuggestingModel | None]:
    """Suggest a grade for every client in ``features`` with the active model, without the reasons.

    Parameters
    ----------
    store : Store
        The open store (its model registry says which model is active).
    features : pandas.DataFrame
        Client features as from :func:`grading.scoring.features.client_features`.
    models_dir : path
        The models folder.

    Returns
    -------
    suggestions : pandas.DataFrame
        On ``features``' index: ``client_id``, ``suggested_grade`` and ``suggested_confidence``, as
        :func:`suggest_for_features` gives them.
    model : SuggestingModel or None
        The model that made them, for :func:`explain_suggestions`; None when there is no usable model.
    """
    suggestions, model, _ = _suggest(store, features, models_dir)
    return suggestions, model


def _suggest(
    store: Store, features: pd.DataFrame, models_dir: str | os.PathLike
) -> tuple[pd.DataFrame, SuggestingModel | None, Any]:
    """:func:`suggest_grades`, and the estimator itself (None when there is no usable model or the suggestions were
    read back from the book).

    Suggestions stored for exactly these inputs by the active model, whose file still has its registered hash, are
    read back without the model (:mod:`grading.model.stored_suggestions`); otherwise the model makes them, writes
    their reasons, and they are stored under their key for the next time.
    """
    row = active_registry_row(store)
    key = None
    # A file changed or gone since is read (and refused) below, never passed over for its stored suggestions; it is
    # looked at first, so a book whose model file is missing pays nothing for the key.
    path = None if row is None else _model_path(models_dir, row)
    if (path is not None and 0 < len(features) <= stored_suggestions.MAX_CLIENTS
            and file_matches(path, str(row["content_hash"]))):
        digest = str(row["content_hash"])
        key = stored_suggestions.set_key(digest, features)
        kept = None if key is None else stored_suggestions.read_set(store, key, features)
        if kept is not None:
            source = SuggestingModel(path, digest, json.loads(row["card_json"]),
                                     reasons=_by_client(features, kept["suggestion_reasons"]))
            return kept.drop(columns="suggestion_reasons"), source, None
    result, source, model = _suggested_by_model(store, features, models_dir)
    if source is None or key is None:
        return result, source, model
    reasons = _reasons(store, features, result["suggested_grade"], source, model)
    stored_suggestions.write_set(store, key, source.content_hash, result.assign(suggestion_reasons=reasons))
    source = SuggestingModel(source.path, source.content_hash, source.card, reasons=_by_client(features, reasons))
    return result, source, model


def _reasons(store: Store, features: pd.DataFrame, suggested: pd.Series, source: SuggestingModel | None,
             estimator: Any) -> pd.Series:
    """The reasons of ``source``'s suggestions for ``features``: those it carries, else written with ``estimator``
    (read again when None), comparing with the rule grades under the book's settings where ``features`` lacks them."""
    needs_rules = source is not None and source.reasons is None and "rule_grade" not in features.columns
    rule_grades = _rule_grades(store, features) if needs_rules else None
    return explain_suggestions(features, suggested, source, loaded=estimator, rule_grades=rule_grades)


def _by_client(features: pd.DataFrame, reasons: pd.Series) -> pd.Series:
    return pd.Series(reasons.array, index=pd.Index(features["client_id"].array, name="client_id"))


def _suggested_by_model(
    store: Store, features: pd.DataFrame, models_dir: str | os.PathLike
) -> tuple[pd.DataFrame, SuggestingModel | None, Any]:
    """The active model's suggestions for ``features`` (reading the model), without reasons."""
    model, source, _ = _load(store, models_dir)
    if model is None or features.empty:
        return empty_suggestions(features).drop(columns="suggestion_reasons"), source, model
    from grading.model.reasons import grade_probabilities  # with scikit-learn, only once a model is read

    unknown = _without_data(features)
    with _one_thread(len(features)):
        probabilities = grade_probabilities(model, _inputs(model, features, source.card))
    codes = suggested_codes(probabilities)
    result = pd.DataFrame(
        {
            # The ids stay in pandas' own text array: turning them into Python strings costs one object per row.
            "client_id": features["client_id"].array,
            "suggested_grade": pandas_text(text(GRADES)[codes], missing=unknown),
            "suggested_confidence": np.where(unknown, np.nan, probabilities[np.arange(codes.size), codes]),
        },
        index=features.index,
    )
    return result, source, model


def _inputs(model: Any, features: pd.DataFrame, card: dict[str, Any]) -> pd.DataFrame:
    """The model's inputs for ``features``, the rule's grade read under the scorecard the model was trained on."""
    return inputs_for(model, features, defaults() | dict(card.get("scorecard_settings") or {}))


def _rule_grades_under(features: pd.DataFrame, card: dict[str, Any]) -> pd.Series:
    """The rule grades of ``features`` under the scorecard the model was trained on."""
    from grading.scoring.scorecard import score_clients

    settings = defaults() | dict(card.get("scorecard_settings") or {})
    return score_clients(features, settings, explain=False)["rule_grade"]


def suggested_grades(model: Any, features: pd.DataFrame, card: dict[str, Any] | None = None) -> np.ndarray:
    """Return the grade a fitted model suggests for each client of ``features`` (A-D), without a database.

    The same rule as the app's suggestions (:func:`grading.model.metrics.suggested_codes`); the rule's grade is
    read under the card's scorecard settings, else the defaults.
    """
    from grading.model.reasons import grade_probabilities  # with scikit-learn, which the model needs anyway

    probabilities = grade_probabilities(model, _inputs(model, features, card or {}))
    return np.asarray(GRADES, dtype=object)[suggested_codes(probabilities)]


def explain_suggestions(
    features: pd.DataFrame,
    suggested_grades: pd.Series,
    model: SuggestingModel | None,
    *,
    loaded: Any = None,
    rule_grades: np.ndarray | None = None,
) -> pd.Series:
    """Write the reasons of suggestions already made, for any rows of the clients they were made for.

    Each row's reasons depend on that row alone (its figures, the model, and the typical values on the model
    card), so the reasons of a few rows are the ones the whole portfolio would get.

    Parameters
    ----------
    features : pandas.DataFrame
        The rows' features (``client_id``, ``service_model`` and the feature columns), with ``rule_grade`` if
        the reasons should say where the model parts from the rules and ``rule_grades`` is not given.
    suggested_grades : pandas.Series
        The rows' suggested grades (missing where none was made), on ``features``' index.
    model : SuggestingModel or None
        From :func:`suggest_grades`; None gives no reasons.
    loaded : estimator, optional
        The model already read from ``model.path``, to spare reading it again.
    rule_grades : ndarray, optional
        The rows' rule grades, instead of ``features["rule_grade"]`` or the scorecard.

    Returns
    -------
    pandas.Series of str
        ``suggestion_reasons`` on ``features``' index; missing where no grade was suggested, and for every row
        when the model file can no longer be read.
    """
    missing = pd.Series(pandas_text(text(np.full(len(features), "")), missing=np.ones(len(features), dtype=bool)),
                        index=features.index)
    if model is None or features.empty:
        return missing
    if model.reasons is not None and rule_grades is None:
        # Written when the suggestions were made (or stored with them) for these very clients' inputs.
        ids = features["client_id"]
        if ids.isin(model.reasons.index).all():
            return pd.Series(model.reasons.reindex(ids.array).array, index=features.index)
    has_suggestion = suggested_grades.notna().to_numpy()
    if not has_suggestion.any():
        return missing
    if not has_suggestion.all():
        # Only rows with a suggestion have reasons: the others are never worked out (an empty grade has none).
        said = explain_suggestions(
            features.loc[has_suggestion], suggested_grades[has_suggestion], model, loaded=loaded,
            rule_grades=None if rule_grades is None else np.asarray(rule_grades)[has_suggestion],
        )
        missing.iloc[np.flatnonzero(has_suggestion)] = said.array
        return missing
    try:
        estimator = model.load() if loaded is None else loaded
    except ModelFileError:
        return missing
    suggested = np.asarray(suggested_grades.astype(object))
    if rule_grades is None and "rule_grade" in features.columns:
        rule_grades = np.asarray(features["rule_grade"].astype(object))
    card = model.card
    # scikit-learn comes with these, and only once a model has been read.
    from grading.model.reasons import habit_reasons, model_feature_effects, suggestion_reasons

    with _one_thread(len(features)):
        effects = model_feature_effects(estimator, _inputs(estimator, features, card), card["typical_values"])
    if RULE_INPUT in list(getattr(estimator, "feature_names_in_", ())):
        # Anchored to the rules: its effects (the rule's grade held) are the owner's habits, said as such.
        if rule_grades is None:
            rule_grades = np.asarray(_rule_grades_under(features, card).astype(object))
        return habit_reasons(effects, features, card["typical_values"], text(suggested), rule_grades)
    reliance = card.get("reliance", {})
    return suggestion_reasons(
        effects,
        features,
        card["typical_values"],
        text(suggested),
        rule_grades,
        reliance.get("model", {}),
        reliance.get("rules", {}),
    )


def suggest_for_features(
    store: Store, features: pd.DataFrame, models_dir: str | os.PathLike, *, explain: bool = True
) -> pd.DataFrame:
    """Suggest a grade for every client in ``features`` with the active model.

    Parameters
    ----------
    store : Store
        The open store (model registry; settings for the rule grade when ``features`` lacks ``rule_grade``).
    features : pandas.DataFrame
        Client features as from :func:`grading.scoring.features.client_features` (``client_id``, ``service_model`` and
        the feature columns), optionally with ``rule_grade``.
    models_dir : path
        The models folder.
    explain : bool
        Write ``suggestion_reasons``; without it that column is left out (see :func:`explain_suggestions`).

    Returns
    -------
    pandas.DataFrame
        On ``features``' index: ``client_id``, ``suggested_grade`` (A-D), ``suggested_confidence`` (0-1, the
        calibrated probability of the suggested grade) and ``suggestion_reasons`` (plain words). All missing
        when there is no active model or its file is refused (see :func:`model_state`), and for clients with
        no figures and no survey.
    """
    suggestions, model, estimator = _suggest(store, features, models_dir)
    if not explain:
        return suggestions
    suggestions["suggestion_reasons"] = _reasons(store, features, suggestions["suggested_grade"], model, estimator)
    return suggestions
