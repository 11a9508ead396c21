"""Reasons for a suggestion, in plain words: which figures pushed a client's suggested grade up or down.

The same question is asked of every model, so the words mean the same whatever model won: *if this one figure
were typical (the median of the graded clients), how would the expected grade move?* The expected grade is the
probability-weighted grade (A = 0 ... D = 3); a figure whose typical value would move it towards A pushed this
client down, one that would move it towards D pushed it up. All clients and figures are asked in one batch of
predictions, in chunks, never client by client.

At training time the same measure, averaged over the graded clients, gives how much the model leans on each
figure; asked of the scorecard it gives how much the rules lean on it. Their difference is "what the model weighs
differently", quoted where the suggestion and the rule grade disagree.

A model anchored to the rules (:func:`habit_reasons`) is explained differently, because its learned part *is*
the owner's difference from the rules: asked with the rule's grade held as it is, a figure's effect is how much
this owner's own weight on it (learned from the grades) moves the client away from the rule grade. Where the
suggestion differs from the rule grade, the figures that moved it most are this owner's habits that make the
difference; where none stands out, the owner draws the grade lines themselves more strictly or generously.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from grading.model.dataset import LEARNED_FEATURES, SERVICE_MODEL_INPUTS, raw_to_input
from grading.model.metrics import grade_codes
from grading.vocabulary import GRADES
from grading.scoring.reasons import TEXT, join_phrases, pandas_text, text

#: Figures as the owner says them, and how their values read ("share": a fraction shown as %).
FEATURE_WORDS: dict[str, tuple[str, str]] = {
    "seats": ("seats under care", "count"),
    "avg_monthly_revenue": ("monthly revenue", "money"),
    "avg_monthly_hours": ("monthly hours", "hours"),
    "gross_margin": ("gross margin", "share"),
    "effective_hourly_rate": ("effective hourly rate", "money"),
    "contribution_per_hour": ("contribution per hour", "money"),
    "revenue_per_seat": ("revenue per seat", "money"),
    "hours_per_seat": ("hours per seat", "hours"),
    "tickets_per_seat": ("tickets per seat", "decimal"),
    "after_hours_share": ("after-hours calls", "share"),
    "emergency_share": ("'emergency' tickets", "share"),
    "avg_days_to_pay": ("days to pay", "days"),
    "disputed_invoices_per_year": ("disputed invoices a year", "decimal"),
    "revenue_trend": ("revenue trend", "trend"),
    "hours_trend": ("hours trend", "trend"),
    "pays_on_time": ("'pays on time' in the survey", "survey"),
    "values_service": ("'values the service' in the survey", "survey"),
    "trusted_advisor": ("'trusted advisor' in the survey", "survey"),
    "follows_process": ("'follows the process' in the survey", "survey"),
    "open_to_recommendations": ("'open to recommendations' in the survey", "survey"),
    "caller_id_value": ("the caller-ID test", "caller_id"),
    "service_model": ("the service model", "text"),
}

#: The figures a reason can name: every learned feature, and the service model as one figure.
REASON_FEATURES: tuple[str, ...] = (*LEARNED_FEATURES, "service_model")

# Effects smaller than this (in grades of expected grade) are not worth a word.
_NOTICEABLE = 0.05


def _whole(numbers: np.ndarray) -> np.ndarray:
    """Numbers rounded to whole ones (half to even), as text; NaN gives a placeholder the caller replaces."""
    return np.rint(np.nan_to_num(numbers)).astype("int64").astype(TEXT)


def _rounded(numbers: np.ndarray, decimals: int) -> np.ndarray:
    """Numbers rounded to ``decimals`` places, as Python writes the rounded float ("12.0", "0.35")."""
    return np.round(numbers, decimals).astype(TEXT)


def formatted_values(feature: str, values: Any) -> np.ndarray:
    """Return one figure's values as the owner reads them, as a NumPy text array; see :func:`format_values`."""
    kind = FEATURE_WORDS.get(feature, (feature, "decimal"))[1]
    if kind == "text":
        series = pd.Series(values, dtype="str") if not isinstance(values, pd.Series) else values.astype("str")
        known = series.notna().to_numpy()
        names = np.strings.replace(text(series.fillna("").to_numpy(dtype=object)), "_", "/")
        return np.where(known, names, "unknown")
    number = pd.to_numeric(pd.Series(values) if not isinstance(values, pd.Series) else values, errors="coerce")
    number = np.asarray(number, dtype="float64")
    if kind == "share":
        shown = _whole(number * 100) + "%"
    elif kind == "trend":
        shown = np.where(number >= 0, "+", "") + _whole(number * 100) + "%"
    elif kind in {"money", "count"}:
        shown = _whole(number)
    elif kind == "hours":
        shown = _rounded(number, 1) + " h"
    elif kind == "days":
        shown = _whole(number) + " days"
    elif kind == "survey":
        shown = _rounded(number, 1) + " of 5"
    elif kind == "caller_id":
        shown = text(np.select([number >= 75, number <= 25], ["happy", "dread"], "neutral"))
    else:
        shown = _rounded(number, 2)
    return np.where(np.isnan(number), "unknown", shown)


def format_values(feature: str, values: pd.Series) -> pd.Series:
    """Return one figure's values as the owner reads them (``32%``, ``45 days``, ``dread``); ``unknown`` if missing.

    Parameters
    ----------
    feature : str
        A name from :data:`FEATURE_WORDS`.
    values : pandas.Series
        Raw values (fractions for shares, 0-100 for the caller-ID test, text for the service model).

    Returns
    -------
    pandas.Series of str
    """
    return pd.Series(formatted_values(feature, values).astype(object), index=values.index)


def format_value(feature: str, value: Any) -> str:
    """Return one figure's value as the owner reads it; see :func:`format_values`."""
    try:
        return _format_one(feature, value)
    except TypeError:  # a value that cannot be a dictionary key (a list, an array) is simply not remembered
        return str(formatted_values(feature, pd.Series([value], dtype=object))[0])


@functools.lru_cache(maxsize=512)
def _format_one(feature: str, value: Any) -> str:
    # Typical values are quoted in every reason: the same few dozen, written once each.
    return str(formatted_values(feature, pd.Series([value], dtype=object))[0])


def typical_values(features: pd.DataFrame) -> dict[str, Any]:
    """Return the typical value of each reason figure among ``features``: the median, or the most common model."""
    typical: dict[str, Any] = {}
    for feature in LEARNED_FEATURES:
        median = pd.to_numeric(features[feature], errors="coerce").median()
        typical[feature] = None if pd.isna(median) else float(median)
    modes = features["service_model"].dropna().astype(str).mode()
    typical["service_model"] = str(modes.iloc[0]) if len(modes) else None
    return typical


def set_typical_input(inputs: pd.DataFrame, feature: str, typical: Mapping[str, Any]) -> pd.DataFrame:
    """Return model ``inputs`` with ``feature`` set to its typical value on every row (on the input scale)."""
    changed = inputs.copy()
    value = typical.get(feature)
    if feature == "service_model":
        for column in SERVICE_MODEL_INPUTS:
            changed[column] = 1.0 if value is not None and column == f"service_model_{value}" else 0.0
    else:
        changed[feature] = np.nan if value is None else float(raw_to_input(feature, value))
    return changed


def set_typical_feature(features: pd.DataFrame, feature: str, typical: Mapping[str, Any]) -> pd.DataFrame:
    """Return raw ``features`` with ``feature`` set to its typical value on every row (for the scorecard)."""
    changed = features.copy()
    value = typical.get(feature)
    if feature == "service_model":
        changed[feature] = value
    else:
        changed[feature] = np.nan if value is None else float(value)
    return changed


def expected_grade(probabilities: np.ndarray) -> np.ndarray:
    """Return the probability-weighted grade of each row (A = 0 ... D = 3)."""
    return probabilities @ np.arange(probabilities.shape[1], dtype=float)


def grade_probabilities(model, inputs: pd.DataFrame) -> np.ndarray:
    """Return the model's probabilities as columns A-D (zero for a grade it never learned)."""
    return _as_grade_columns(model.predict_proba(inputs), model.classes_)


def _as_grade_columns(raw: np.ndarray, classes: Any) -> np.ndarray:
    full = np.zeros((raw.shape[0], len(GRADES)))
    full[:, grade_codes(classes)] = raw
    return full


def feature_effects(
    predict_expected: Callable[[pd.DataFrame], np.ndarray],
    inputs: pd.DataFrame,
    typical: Mapping[str, Any],
    *,
    set_typical: Callable[[pd.DataFrame, str, Mapping[str, Any]], pd.DataFrame] = set_typical_input,
    chunk_rows: int = 200_000,
) -> pd.DataFrame:
    """Return, per row and reason figure, how far the expected grade moves when that figure is made typical.

    Parameters
    ----------
    predict_expected : callable
        Takes a frame like ``inputs`` and returns the expected grade (or any score where higher is worse) per row.
    inputs : pandas.DataFrame
        The rows to explain.
    typical : mapping
        From :func:`typical_values`.
    set_typical : callable
        Returns a frame with one figure made typical: :func:`set_typical_input` for model inputs (the default),
        :func:`set_typical_feature` for raw features.
    chunk_rows : int
        Most rows predicted at once (rows x figures), to keep memory flat for 100,000 clients.

    Returns
    -------
    pandas.DataFrame
        Index of ``inputs``, one column per :data:`REASON_FEATURES`: ``actual - with typical value``. Positive
        means the figure pushed the client towards D (down), negative towards A (up).
    """
    if set_typical is set_typical_input:
        # Model inputs are all numbers: the copies are made in one NumPy array, not one frame per figure.
        changes = typical_input_changes(inputs.columns, typical)
        values = inputs.to_numpy(dtype="float64")

        def variants(rows: slice) -> pd.DataFrame:
            return pd.DataFrame(_stacked_variants(values[rows], changes), columns=inputs.columns)

    else:

        def variants(rows: slice) -> pd.DataFrame:
            block = inputs.iloc[rows]
            copies = [set_typical(block, feature, typical) for feature in REASON_FEATURES]
            return pd.concat([block, *copies], ignore_index=True)

    return _effects(lambda rows: predict_expected(variants(rows)), inputs.index, chunk_rows)


def model_feature_effects(
    model, inputs: pd.DataFrame, typical: Mapping[str, Any], *, chunk_rows: int = 200_000
) -> pd.DataFrame:
    """Return :func:`feature_effects` of a fitted model's expected grade, from its model ``inputs``.

    The same numbers as ``feature_effects(lambda frame: expected_grade(grade_probabilities(model, frame)), inputs,
    typical)``, computed faster where the model allows: when every step of the pipeline before the estimator
    transforms each column on its own (imputing, scaling), the rows are transformed once and only the estimator
    sees the copies with one figure made typical.

    Parameters
    ----------
    model : sklearn estimator or Pipeline
        Fitted on frames like ``inputs``.
    inputs : pandas.DataFrame
        Model inputs (:func:`grading.model.dataset.model_inputs`).
    typical : mapping
        From :func:`typical_values`.
    chunk_rows : int
        Most rows predicted at once (rows x figures).

    Returns
    -------
    pandas.DataFrame
        As :func:`feature_effects`.
    """
    split = _column_wise_split(model)
    if split is None or inputs.empty:
        return feature_effects(lambda frame: expected_grade(grade_probabilities(model, frame)), inputs, typical)
    preprocessing, estimator = split
    changes = typical_input_changes(inputs.columns, typical)
    values = inputs.to_numpy(dtype="float64")
    typical_row = values[:1].copy()
    for positions, usual in changes:
        typical_row[0, positions] = usual
    # The typical row rides along with the rows: one pass through the preprocessing instead of two.
    both = _transform(preprocessing, pd.DataFrame(np.vstack([values, typical_row]), columns=inputs.columns))
    transformed, transformed_typical = both[:-1], both[-1:]
    changes = [(positions, transformed_typical[0, positions]) for positions, _ in changes]
    if isinstance(estimator, LogisticRegression) and len(estimator.classes_) > 2:
        return _softmax_effects(estimator, transformed, changes, inputs.index)
    names = getattr(estimator, "feature_names_in_", None)

    def predict(rows: slice) -> np.ndarray:
        stacked = _stacked_variants(transformed[rows], changes)
        if names is not None:
            stacked = pd.DataFrame(stacked, columns=names)
        return expected_grade(_as_grade_columns(estimator.predict_proba(stacked), estimator.classes_))

    return _effects(predict, inputs.index, chunk_rows)


def _softmax_effects(
    estimator: LogisticRegression,
    transformed: np.ndarray,
    changes: list[tuple[np.ndarray, np.ndarray]],
    index: pd.Index,
) -> pd.DataFrame:
    """Effects for a multinomial logistic regression, from its coefficients.

    Its probabilities are the softmax of a linear score, so making one figure typical only adds that figure's
    coefficients times the change to each row's scores: no copies of the rows, and no prediction per copy.
    """
    weights = estimator.coef_
    # Grade of each class (A = 0 ... D = 3), as grade_probabilities places them.
    grade_of_class = np.arange(len(GRADES), dtype=float)[grade_codes(estimator.classes_)]
    scores = weights @ transformed.T + estimator.intercept_[:, np.newaxis]  # classes x rows: reductions run along rows

    def expected(class_scores: np.ndarray) -> np.ndarray:
        exponent = np.exp(class_scores - class_scores.max(axis=0))
        return (grade_of_class @ exponent) / exponent.sum(axis=0)

    actual = expected(scores)
    effects = np.empty((transformed.shape[0], len(changes)))
    for column, (positions, usual) in enumerate(changes):
        shift = weights[:, positions] @ (usual[:, np.newaxis] - transformed[:, positions].T)
        effects[:, column] = actual - expected(scores + shift)
    return pd.DataFrame(effects, index=index, columns=list(REASON_FEATURES))


#: Steps that transform each column on its own, so a figure made typical changes only its own columns after them.
_COLUMN_WISE_STEPS = (SimpleImputer, StandardScaler)


def _column_wise_split(model) -> tuple[list[Any], Any] | None:
    """The column-wise preprocessing steps and the final estimator of ``model``; None if it is not that shape."""
    if not isinstance(model, Pipeline):
        return None
    steps = [step for _, step in model.steps[:-1] if step not in (None, "passthrough")]
    for step in steps:
        if not isinstance(step, _COLUMN_WISE_STEPS) or getattr(step, "add_indicator", False):
            return None
    return steps, model.steps[-1][1]


def _transform(steps: list[Any], frame: pd.DataFrame) -> np.ndarray:
    transformed: Any = frame
    for step in steps:
        transformed = step.transform(transformed)
    return np.asarray(transformed, dtype="float64")


def _effects(predict_stacked: Callable[[slice], np.ndarray], index: pd.Index, chunk_rows: int) -> pd.DataFrame:
    """Effects per row and figure from the expected grades of stacked variants, predicted chunk by chunk."""
    n_rows = len(index)
    n_variants = len(REASON_FEATURES) + 1
    effects = np.zeros((n_rows, len(REASON_FEATURES)))
    per_chunk = max(1, chunk_rows // n_variants)
    for start in range(0, n_rows, per_chunk):
        rows = slice(start, min(start + per_chunk, n_rows))
        scores = predict_stacked(rows).reshape(n_variants, rows.stop - rows.start)
        effects[rows] = (scores[0][np.newaxis, :] - scores[1:]).T
    return pd.DataFrame(effects, index=index, columns=list(REASON_FEATURES))


def typical_input_changes(columns: pd.Index, typical: Mapping[str, Any]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per :data:`REASON_FEATURES` figure: the positions in ``columns`` it sets and their typical input values.

    The same values :func:`set_typical_input` writes (the logarithm for amounts, 0/1 for the service model).
    """
    changes = []
    where = {name: position for position, name in enumerate(columns)}
    for feature in REASON_FEATURES:
        value = typical.get(feature)
        if feature == "service_model":
            names = list(SERVICE_MODEL_INPUTS)
            usual = [1.0 if value is not None and name == f"service_model_{value}" else 0.0 for name in names]
        else:
            names = [feature]
            usual = [np.nan if value is None else float(raw_to_input(feature, value))]
        changes.append((np.array([where.get(name, -1) for name in names]), np.asarray(usual, dtype="float64")))
    return changes


def _stacked_variants(values: np.ndarray, changes: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """``values``, then one copy of it per figure with that figure's columns set to their typical values."""
    n_rows = len(values)
    stacked = np.tile(values, (len(changes) + 1, 1))
    for variant, (positions, usual) in enumerate(changes, start=1):
        stacked[variant * n_rows : (variant + 1) * n_rows, positions] = usual
    return stacked


def reliance_shares(effects: pd.DataFrame) -> dict[str, float]:
    """Return each figure's share of the mean absolute effect (summing to 1; all zero when nothing moves)."""
    strength = effects.abs().mean()
    total = float(strength.sum())
    if total == 0:
        return {feature: 0.0 for feature in effects.columns}
    return {feature: float(value / total) for feature, value in strength.items()}


def _phrase(feature: str, values: Any, typical: Mapping[str, Any]) -> np.ndarray:
    """'days to pay 48 days (typical 21 days)' for each of ``values`` (the figure's raw values)."""
    label = FEATURE_WORDS[feature][0]
    usual = format_value(feature, typical.get(feature))
    return label + " " + formatted_values(feature, values) + " (typical " + usual + ")"


def _strongest(signed: np.ndarray, per_side: int) -> list[np.ndarray]:
    """Per rank, the figure each row names (-1 for none): the largest noticeable value of ``signed``, the next ...

    Figures that move the grade equally (effective rate and contribution per hour differ by a constant) are named
    in the order of the columns, not by which one rounding errors happened to favour.
    """
    order = np.argsort(-np.round(signed, 9), axis=1, kind="stable")
    rows = np.arange(signed.shape[0])
    slots = []
    for rank in range(min(per_side, signed.shape[1])):
        feature_at = order[:, rank]
        slots.append(np.where(signed[rows, feature_at] >= _NOTICEABLE, feature_at, -1))
    return slots


def _slot_phrases(
    slots: list[np.ndarray], columns: list[str], features: pd.DataFrame, rows: np.ndarray, typical: Mapping[str, Any]
) -> list[np.ndarray]:
    """The phrase of each slot's figure for each row ("days to pay 48 days (typical 21 days)"), ``""`` for none.

    ``rows`` are the positions in ``features`` of the slots' rows. Phrases are written only for the figures a row
    names (a few of them), not for every figure of every row: the named places are grouped by figure, and each
    figure's phrases are written in one go.
    """
    if not slots:
        return []
    grid = np.column_stack(slots)
    named = np.flatnonzero(grid.ravel() >= 0)
    named_feature = grid.ravel()[named]
    by_feature = np.argsort(named_feature, kind="stable")
    starts = np.searchsorted(named_feature[by_feature], np.arange(len(columns) + 1))
    words = text(np.full(grid.size, ""))
    for position, feature in enumerate(columns):
        places = named[by_feature[starts[position] : starts[position + 1]]]
        if places.size:
            words[places] = _phrase(feature, features[feature].iloc[rows[places // grid.shape[1]]], typical)
    return list(words.reshape(grid.shape).T)


def suggestion_reasons(
    effects: pd.DataFrame,
    features: pd.DataFrame,
    typical: Mapping[str, Any],
    suggested: np.ndarray,
    rule_grades: np.ndarray | None,
    model_shares: Mapping[str, float],
    rule_shares: Mapping[str, float],
    *,
    per_side: int = 2,
) -> pd.Series:
    """Write the reasons of each suggestion in plain words.

    Parameters
    ----------
    effects : pandas.DataFrame
        From :func:`feature_effects`.
    features : pandas.DataFrame
        The raw features of the same rows (for the values quoted).
    typical : mapping
        The typical values (from the model card).
    suggested : ndarray of str
        The suggested grade of each row.
    rule_grades : ndarray of str, optional
        The rule grade of each row; where it differs, the reason says what the model weighs differently.
    model_shares, rule_shares : mapping
        How much the model and the rules lean on each figure (from the model card).
    per_side : int
        How many figures to name pushing up, and pushing down.

    Returns
    -------
    pandas.Series of str
        Index of ``effects``.
    """
    columns = list(effects.columns)
    values = effects.to_numpy()
    n_rows = values.shape[0]
    up_slots = _strongest(-values, per_side)  # pushed towards A
    down_slots = _strongest(values, per_side)  # pushed towards D
    slot_text = _slot_phrases(up_slots + down_slots, columns, features, np.arange(n_rows), typical)
    up = join_phrases(slot_text[: len(up_slots)])
    down = join_phrases(slot_text[len(up_slots) :])
    has_up, has_down = up != "", down != ""
    sentence = (
        np.where(has_up, "Pushed up by " + up + ".", "")
        + np.where(has_up & has_down, " ", "")
        + np.where(has_down, "Pushed down by " + down + ".", "")
    )
    sentence = np.where(sentence == "", "No single figure stands out: the client is close to typical.", sentence)
    if rule_grades is not None:
        sentence = sentence + _difference_from_rules(
            values, columns, suggested, rule_grades, model_shares, rule_shares
        )
    return pd.Series(pandas_text(sentence), index=effects.index)


def _difference_from_rules(
    values: np.ndarray,
    columns: list[str],
    suggested: np.ndarray,
    rule_grades: np.ndarray,
    model_shares: Mapping[str, float],
    rule_shares: Mapping[str, float],
) -> np.ndarray:
    """For rows where model and rules disagree: the figure the model weighs more (or less) than the rules."""
    suggested_codes = grade_codes(suggested)
    rule_codes = grade_codes(rule_grades)
    differs = np.flatnonzero((suggested_codes >= 0) & (rule_codes >= 0) & (suggested_codes != rule_codes))
    said = text(np.full(values.shape[0], ""))
    if not differs.size:
        return said
    values, suggested_codes, rule_codes = values[differs], suggested_codes[differs], rule_codes[differs]
    lean = np.array([model_shares.get(feature, 0.0) - rule_shares.get(feature, 0.0) for feature in columns])
    # +1 where the model is worse than the rules: look for figures that pushed this client down.
    direction = np.sign(suggested_codes - rule_codes).astype(float)[:, np.newaxis]
    towards = direction * values >= _NOTICEABLE
    more = np.where(towards & (lean > 0), lean * direction * values, -np.inf)
    against = -direction * values >= _NOTICEABLE
    less = np.where(against & (lean < 0), -lean * (-direction) * values, -np.inf)
    best_more, best_less = more.argmax(axis=1), less.argmax(axis=1)
    has_more = np.isfinite(more.max(axis=1))
    has_less = np.isfinite(less.max(axis=1))
    labels = text([FEATURE_WORDS[feature][0] for feature in columns])
    grade_names = text(GRADES)
    lead = (
        " The rules give "
        + grade_names[rule_codes]
        + "; the model suggests "
        + grade_names[suggested_codes]
        + ": it weighs "
    )
    explanation = np.where(
        has_more,
        labels[best_more] + " more than the rules do.",
        np.where(
            has_less,
            labels[best_less] + " less than the rules do.",
            "the mix of figures differently from the rules.",
        ),
    )
    said[differs] = lead + explanation
    return said


def habit_reasons(
    effects: pd.DataFrame,
    features: pd.DataFrame,
    typical: Mapping[str, Any],
    suggested: np.ndarray,
    rule_grades: np.ndarray | None,
    *,
    per_side: int = 2,
) -> pd.Series:
    """Write the reasons of a rule-anchored model's suggestions: where they part from the rules, and why.

    Parameters
    ----------
    effects : pandas.DataFrame
        :func:`feature_effects` of the anchored model with the rule's grade held (so each effect is the owner's
        learned difference from the rules on that figure; positive towards D).
    features : pandas.DataFrame
        The raw features of the same rows (for the values quoted).
    typical : mapping
        The typical values (from the model card).
    suggested : ndarray of str
        The suggested grade of each row.
    rule_grades : ndarray of str, optional
        The rule grade of each row (the model's starting point).
    per_side : int
        How many figures to name.

    Returns
    -------
    pandas.Series of str
        Index of ``effects``: "Same as the rule grade ..." or "The rules give C; from your grades, B: you count
        ... in the client's favour more than the rules do."
    """
    columns = list(effects.columns)
    values = effects.to_numpy()
    n_rows = values.shape[0]
    suggested_codes = grade_codes(suggested)
    rule_codes = grade_codes(rule_grades) if rule_grades is not None else np.full(n_rows, -1)
    grade_names = text(GRADES)
    same = (suggested_codes == rule_codes) & (rule_codes >= 0)
    said = np.where(
        same,
        "Same as the rule grade: on this client your grades so far weigh the figures as the rules do.",
        "Learned from your grades; the rules give no grade to compare with.",
    ).astype(TEXT)
    differs = np.flatnonzero((suggested_codes >= 0) & (rule_codes >= 0) & (suggested_codes != rule_codes))
    if not differs.size:
        return pd.Series(pandas_text(said), index=effects.index)
    # +1 where the suggestion is worse than the rule: the habits that count against the client made it.
    direction = np.sign(suggested_codes[differs] - rule_codes[differs]).astype(float)
    slots = _strongest(direction[:, np.newaxis] * values[differs], per_side)
    named = join_phrases(_slot_phrases(slots, columns, features, differs, typical), sep=" and ")
    better = direction < 0
    habit = np.where(
        better,
        "you count " + named + " in the client's favour more than the rules do.",
        "you hold " + named + " against the client more than the rules do.",
    )
    lines = np.where(
        better,
        "you draw the grade lines more generously than the rules.",
        "you draw the grade lines more strictly than the rules.",
    )
    lead = (
        "The rules give "
        + grade_names[rule_codes[differs]]
        + "; from your grades, "
        + grade_names[suggested_codes[differs]]
        + ": "
    )
    said[differs] = lead + np.where(named != "", habit, lines)
    return pd.Series(pandas_text(said), index=effects.index)
