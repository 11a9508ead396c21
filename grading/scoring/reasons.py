"""The reasons behind a grade, in plain words and the owner's currency.

For each client: the two strongest and the two weakest criteria ("pays in 92 days on average", "effective rate
€23/h, below the €45/h cost") and whether the small-client rule applied. Every phrase is built for all clients at
once with pandas string operations; Python loops run over the dozen criteria, never over clients.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
from numpy.dtypes import StringDType

from grading.formatting import currency_symbol
from grading.vocabulary import GRADES

if TYPE_CHECKING:
    from grading.scoring.scorecard import Criterion


#: Text arrays are NumPy's variable-width strings: adding, comparing and choosing run in C for all clients at once.
TEXT = StringDType()


def text(values: Any) -> np.ndarray:
    """Return ``values`` (a scalar, sequence, array or Series of str) as a NumPy text array."""
    return np.asarray(values, dtype=TEXT)


def pandas_text(values: Any, missing: np.ndarray | None = None) -> pd.api.extensions.ExtensionArray:
    """Return a text array as pandas' ``str`` array, missing where ``missing`` is True.

    The trip goes through Arrow, the storage of pandas' ``str``, because converting through Python objects costs
    one Python string per row.
    """
    return pd.array(pa.array(text(values), mask=missing), dtype="str")


def join_phrases(pieces: Sequence[Any], sep: str = "; ") -> np.ndarray:
    """Join several text arrays element-wise with ``sep``, skipping empty phrases.

    Parameters
    ----------
    pieces:
        Text arrays (or Series) of the same length; ``""`` means "nothing to say".
    sep:
        What goes between two non-empty phrases.

    Returns
    -------
    numpy.ndarray
        One text per row (NumPy ``StringDType``); ``""`` where every piece was empty.
    """
    result = text(pieces[0]).copy()
    said = result != ""
    for piece in pieces[1:]:
        piece = text(piece)
        has = piece != ""
        rows = np.flatnonzero(has)
        if 2 * rows.size > len(result):
            result = np.where(said & has, result + sep, result) + piece
        elif rows.size:
            # A sparse piece (a flag, a gap) touches only its rows: gathering them is cheaper than adding to all.
            result[rows] = np.where(said[rows], result[rows] + sep, result[rows]) + piece[rows]
        said |= has
    return result


def _thousands(whole: np.ndarray) -> np.ndarray:
    """Non-negative integers as text with a comma every three digits ("1,234,567")."""
    lead = (whole % 1000).astype(TEXT)
    tail = text(np.full(len(whole), ""))
    rest = whole // 1000
    while (rest > 0).any():
        more = rest > 0
        tail = np.where(more, "," + np.strings.zfill(lead, 3) + tail, tail)
        lead = np.where(more, (rest % 1000).astype(TEXT), lead)
        rest = rest // 1000
    return lead + tail


def numbers(values: Any, decimals: int = 0, *, thousands: bool = False) -> np.ndarray:
    """Format numbers as text, all at once: ``1234.5`` gives ``"1235"`` (or ``"1,235"`` with ``thousands``).

    ``decimals`` is 0 or 1; with 1 a whole number loses its ``.0`` (``"3"``, ``"3.5"``). Missing values give
    ``"n/a"``.
    """
    array = np.atleast_1d(np.asarray(values, dtype="float64"))
    finite = np.isfinite(array)
    tenths = np.round(np.where(finite, array, 0.0) * 10**decimals).astype("int64")
    sign = np.where(tenths < 0, "-", "")
    magnitude = np.abs(tenths)
    whole = magnitude // 10**decimals
    formatted = sign + (_thousands(whole) if thousands else whole.astype(TEXT))
    if decimals:
        fraction = magnitude % 10
        formatted = np.where(fraction != 0, formatted + "." + fraction.astype(TEXT), formatted)
    return np.where(finite, formatted, "n/a")


def money(values: Any, currency: str) -> np.ndarray:
    """Format amounts in ``currency`` all at once, e.g. ``"€1,235"`` and ``"-€5"``."""
    array = np.atleast_1d(np.asarray(values, dtype="float64"))
    sign = np.where(np.round(array) < 0, "-", "")
    formatted = sign + (currency_symbol(currency) + numbers(np.abs(array), thousands=True))
    return np.where(np.isfinite(array), formatted, "n/a")


def _value_text(criterion: Criterion, values: np.ndarray, caller_id: pd.Series | None, currency: str) -> np.ndarray:
    """The criterion's feature values, formatted the way its words expect (``caller_id``: the raters' words)."""
    kind = criterion.value_format
    if kind == "money":
        return money(values, currency)
    if kind == "percent":
        return numbers(values * 100) + "%"
    if kind == "one_decimal":
        return numbers(values, 1)
    if kind == "caller_id":
        if caller_id is not None:
            # The features say 'mixed' where raters disagreed; an average of 50 is not the same as 'neutral'.
            return text(caller_id.astype(object).where(caller_id.notna(), "n/a"))
        return text(np.select([values >= 100, values <= 0, values == 50], ["happy", "dread", "neutral"], "mixed"))
    return numbers(values)


def criterion_phrases(criterion: Criterion, features: pd.DataFrame, settings: Mapping[str, Any]) -> np.ndarray:
    """Return one plain-words phrase per client for ``criterion`` (e.g. ``"pays in 92 days on average"``).

    Parameters
    ----------
    criterion:
        A scorecard criterion; its ``words`` hold ``{value}`` where the formatted feature goes.
    features:
        The client features (:func:`grading.scoring.features.client_features`).
    settings:
        The settings, for the currency and, for the effective rate, the labor cost and target rates.

    Returns
    -------
    numpy.ndarray
        Text (NumPy ``StringDType``), row ``i`` for ``features``' row ``i``.
    """
    caller_id = features["caller_id"] if "caller_id" in features.columns else None
    return _phrases(criterion, features[criterion.feature].to_numpy(dtype="float64"), caller_id, settings)


def _phrases(
    criterion: Criterion, values: np.ndarray, caller_id: pd.Series | None, settings: Mapping[str, Any]
) -> np.ndarray:
    """:func:`criterion_phrases` from the feature's values (and the raters' caller-ID words, if known)."""
    currency = settings["currency"]
    prefix, _, suffix = criterion.words.partition("{value}")
    shown = _value_text(criterion, values, caller_id, currency)
    if criterion.name == "effective_hourly_rate":
        # A rate just under the cost rounds to it ("€45/h, below the €45/h cost"): show it in cents instead. Few
        # clients sit there, so plain formatting of those few costs nothing.
        cost = float(settings["labor_cost_rate"])
        rounds_to_cost = (values < cost) & (np.round(values) >= np.round(cost))
        if rounds_to_cost.any():
            shown = shown.astype(object)
            symbol = currency_symbol(currency)
            for row in np.flatnonzero(rounds_to_cost):
                shown[row] = f"{symbol}{values[row]:,.2f}"
            shown = text(shown)
    phrase = prefix + shown + suffix
    if criterion.words_when_zero:
        phrase = np.where(np.round(values, 1) == 0, criterion.words_when_zero, phrase)
    if criterion.name == "effective_hourly_rate":
        # The owner reads a rate against two numbers: what an hour costs and what it should bring.
        cost = float(settings["labor_cost_rate"])
        target = float(settings["target_hourly_rate"])
        qualifier = np.where(
            values < cost,
            f", below the {money(cost, currency)[0]}/h cost",
            np.where(values >= target, f", above the {money(target, currency)[0]}/h target", ""),
        )
        phrase = phrase + qualifier
    return text(phrase)


#: A criterion is named among the strongest only from half marks up, and among the weakest only below full
#: marks: a D client has no strengths to list, and an A client's weakest is what still has room to improve.
STRENGTH_FROM = 50.0
WEAKNESS_BELOW = 100.0


def _first_two(order: np.ndarray, allowed: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """The first two allowed columns of each row, in ``order`` (-1 where there is none); and a mask of them."""
    allowed_in_order = np.take_along_axis(allowed, order, axis=1)
    rank = np.cumsum(allowed_in_order, axis=1) - 1
    chosen = []
    for k in (0, 1):
        at_rank = allowed_in_order & (rank == k)
        column = np.take_along_axis(order, np.argmax(at_rank, axis=1)[:, None], axis=1)[:, 0]
        chosen.append(np.where(at_rank.any(axis=1), column, -1))
    taken = np.zeros_like(allowed)
    rows = np.arange(len(order))
    for column in chosen:
        taken[rows[column >= 0], column[column >= 0]] = True
    return chosen, taken


def explain(
    features: pd.DataFrame,
    criteria: Sequence[Criterion],
    scores: np.ndarray,
    weights: np.ndarray,
    knockdown: np.ndarray,
    grade_before: np.ndarray,
    grade_after: np.ndarray,
    settings: Mapping[str, Any],
) -> pd.DataFrame:
    """Return the reasons columns for scored clients.

    Parameters
    ----------
    features:
        The client features the scores came from.
    criteria:
        The criteria, in the column order of ``scores``.
    scores:
        Criterion scores 0-100, clients x criteria; NaN where the criterion was dropped.
    weights:
        Each criterion's effective share of the rule score (0-1), same shape; 0 where it did not count.
    knockdown:
        Grades taken off by the small-client rule (0, 1 or 2) per client.
    grade_before, grade_after:
        Grade index (0 = A ... 3 = D; -1 = no grade) before and after the small-client rule.
    settings:
        The settings (currency, labor cost, target rate, small-client thresholds).

    Returns
    -------
    pandas.DataFrame
        On ``features``' index: ``strongest`` (up to two criteria scoring :data:`STRENGTH_FROM` or more, best
        first) and ``weakest`` (up to two scoring below :data:`WEAKNESS_BELOW`, worst first, never one of the
        strongest), each joined by ``"; "``; ``small_client_note`` (empty where the rule did not apply) and
        ``reasons`` (all of it in one text).
    """
    n_clients = len(features)
    currency = settings["currency"]
    if criteria:
        counted = np.isfinite(scores) & (weights > 0)
        filled = np.nan_to_num(scores)
        # Equal scores are ranked by how much the criterion weighs, so a full-marks rate outranks a full-marks
        # survey answer; the tie-break is far smaller than any real difference in score.
        tie_break = weights * 1e-3
        strong_order = np.argsort(-(filled + tie_break), axis=1, kind="stable")
        strong, taken = _first_two(strong_order, counted & (filled >= STRENGTH_FROM))
        weak_order = np.argsort(filled - tie_break, axis=1, kind="stable")
        weak, _ = _first_two(weak_order, counted & (filled < WEAKNESS_BELOW) & ~taken)
        slots = np.column_stack([*strong, *weak])
        # Words are built only for the criteria a client shows (at most four of them), not all of them: the shown
        # (client, slot) places are grouped by criterion, and each criterion's phrases are written in one go.
        shown = np.flatnonzero(slots.ravel() >= 0)
        shown_criterion = slots.ravel()[shown]
        by_criterion = np.argsort(shown_criterion, kind="stable")
        starts = np.searchsorted(shown_criterion[by_criterion], np.arange(len(criteria) + 1))
        caller_id = features["caller_id"] if "caller_id" in features.columns else None
        slot_words = text(np.full(slots.size, ""))
        for column, criterion in enumerate(criteria):
            places = shown[by_criterion[starts[column] : starts[column + 1]]]
            if places.size:
                rows = places // slots.shape[1]
                values = features[criterion.feature].to_numpy(dtype="float64")[rows]
                callers = None if caller_id is None or criterion.value_format != "caller_id" else caller_id.iloc[rows]
                slot_words[places] = _phrases(criterion, values, callers, settings)
        slot_text = list(slot_words.reshape(slots.shape).T)
        strongest = join_phrases(slot_text[:2])
        weakest = join_phrases(slot_text[2:])
    else:
        strongest = weakest = text(np.full(n_clients, ""))

    # The small-client note is written only for the clients the rule knocked down.
    knocked = np.flatnonzero(knockdown > 0)
    limit = np.where(knockdown[knocked] >= 2, float(settings["tiny_client_revenue"]),
                     float(settings["small_client_revenue"]))
    letters = text([*GRADES, ""])
    before = letters[np.where(grade_before[knocked] >= 0, grade_before[knocked], 4)]
    after = letters[np.where(grade_after[knocked] >= 0, grade_after[knocked], 4)]
    how_far = np.where(knockdown[knocked] >= 2, "two grades", "one grade")
    outcome = np.where(before == after, "stays " + after, before + " to " + after)
    monthly = features["avg_monthly_revenue"].to_numpy(dtype="float64")[knocked]
    said = (
        "mall client (" + money(monthly, currency) + " a month, under " + money(limit, currency)
        + "): knocked down " + how_far + ", " + outcome
    )
    small_client_note = text(np.full(n_clients, ""))
    small_client_note[knocked] = "s" + said
    capitalised_note = text(np.full(n_clients, ""))
    capitalised_note[knocked] = "S" + said

    labelled = [
        np.where(strongest != "", "Strongest: " + strongest, ""),
        np.where(weakest != "", "Weakest: " + weakest, ""),
        capitalised_note,
    ]
    reasons = join_phrases(labelled, sep=". ")
    return pd.DataFrame(
        {
            "strongest": pandas_text(strongest),
            "weakest": pandas_text(weakest),
            "small_client_note": pandas_text(small_client_note),
            "reasons": pandas_text(reasons),
        },
        index=features.index,
    )
