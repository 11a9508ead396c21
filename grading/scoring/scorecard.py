"""The rule-based scorecard: criteria as data, and pure functions that score every client at once.

Each criterion maps one feature to 0-100 points in a straight line between two thresholds (0 points at
``zero_at``, 100 at ``full_at``, clipped outside), so "effective hourly rate: 0 at the labor cost rate, 100 at the
target rate" is one row of :data:`CRITERIA`. Thresholds and weights are numbers or the names of settings, so the
owner changes them in the settings and the next call grades with them.

How the rule score is built:

1. each criterion's score (0-100), NaN where its feature is missing;
2. each group's score: the weighted mean of its criteria that have data (a missing one is dropped and the rest
   re-weighted);
3. the rule score: the weighted mean of the groups that have data, 0-100. ``points_<criterion>`` is what each
   criterion contributed, so the points of a client add up to its rule score;
4. the grade from the score (A >= 75, B >= 55, C >= 25, else D by default; the README's "How a rule grade is
   made" says why), then the small-client rule: below ``small_client_revenue`` a month one grade down, below
   ``tiny_client_revenue`` two (never past D).

A client scored without some data says so in ``incomplete`` ("incomplete: no assessment") rather than being
graded as if the missing answers were average.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from grading.scoring import reasons
from grading.errors import ClientGradeError, SettingError
from grading.settings import defaults
from grading.vocabulary import GRADES

GROUPS: tuple[str, ...] = ("financial", "relationship", "caller_id")
GROUP_WEIGHTS: dict[str, str] = {
    "financial": "weight_financial",
    "relationship": "weight_relationship",
    "caller_id": "weight_caller_id",
}


@dataclass(frozen=True)
class Criterion:
    """One rule of the scorecard.

    Attributes
    ----------
    name:
        Short name; the scores frame has ``score_<name>`` and ``points_<name>``.
    label:
        The criterion as the owner reads it in a table header.
    group:
        ``financial``, ``relationship`` or ``caller_id``.
    feature:
        The column of :func:`grading.scoring.features.client_features` it reads.
    zero_at, full_at:
        The feature values that score 0 and 100 points: a number, or the name of a setting.
    weight:
        Weight within its group: a number, or the name of a setting.
    words:
        The plain-words phrase for the reasons, with ``{value}`` where the client's value goes.
    value_format:
        How ``{value}`` is written: ``money``, ``percent``, ``number``, ``one_decimal`` or ``caller_id``.
    setting_scale:
        Multiplies thresholds taken from settings into the feature's unit (percent settings on fraction features).
    higher_is_better:
        The direction, used only when the owner sets both thresholds equal (then the criterion is pass or fail).
    words_when_zero:
        The phrase to use instead of ``words`` when the value is zero ("no disputed invoices").
    """

    name: str
    label: str
    group: str
    feature: str
    zero_at: float | str
    full_at: float | str
    weight: float | str
    words: str
    value_format: str = "number"
    setting_scale: float = 1.0
    higher_is_better: bool = True
    words_when_zero: str = ""


CRITERIA: tuple[Criterion, ...] = (
    # Financial
    Criterion("effective_hourly_rate", "Effective hourly rate", "financial", "effective_hourly_rate",
              "labor_cost_rate", "target_hourly_rate", "weight_effective_hourly_rate",
              "effective rate {value}/h", "money"),
    Criterion("gross_margin", "Gross margin", "financial", "gross_margin",
              "margin_zero_pct", "margin_full_pct", "weight_gross_margin",
              "gross margin {value}", "percent", setting_scale=0.01),
    Criterion("size", "Size (monthly revenue)", "financial", "avg_monthly_revenue",
              "size_zero_revenue", "size_full_revenue", "weight_size",
              "brings {value} a month", "money"),
    # Relationship: payment
    Criterion("days_to_pay", "Days to pay", "relationship", "avg_days_to_pay",
              "days_to_pay_zero", "days_to_pay_full", "weight_days_to_pay",
              "pays in {value} days on average", higher_is_better=False),
    Criterion("disputes", "Disputed invoices", "relationship", "disputed_invoices_per_year",
              "disputes_zero_per_year", 0.0, "weight_disputes",
              "disputed invoices a year: {value}", "one_decimal", higher_is_better=False,
              words_when_zero="no disputed invoices"),
    # Relationship: process
    Criterion("emergency_share", "Emergency tickets", "relationship", "emergency_share",
              "emergency_zero_pct", "emergency_full_pct", "weight_emergency_share",
              "{value} of tickets are emergencies", "percent", setting_scale=0.01, higher_is_better=False),
    Criterion("after_hours_share", "After-hours tickets", "relationship", "after_hours_share",
              "after_hours_zero_pct", "after_hours_full_pct", "weight_after_hours_share",
              "{value} of tickets come after hours", "percent", setting_scale=0.01, higher_is_better=False),
    # Relationship: the owner's survey (1-5)
    Criterion("pays_on_time", "Pays on time (survey)", "relationship", "pays_on_time",
              1.0, 5.0, "weight_pays_on_time", "pays on time: {value}/5", "one_decimal"),
    Criterion("values_service", "Values the service (survey)", "relationship", "values_service",
              1.0, 5.0, "weight_values_service", "values the service: {value}/5", "one_decimal"),
    Criterion("trusted_advisor", "Trusted advisor (survey)", "relationship", "trusted_advisor",
              1.0, 5.0, "weight_trusted_advisor", "sees you as a trusted advisor: {value}/5", "one_decimal"),
    Criterion("follows_process", "Follows the process (survey)", "relationship", "follows_process",
              1.0, 5.0, "weight_follows_process", "follows the process: {value}/5", "one_decimal"),
    Criterion("open_to_recommendations", "Open to recommendations (survey)", "relationship",
              "open_to_recommendations", 1.0, 5.0, "weight_open_to_recommendations",
              "open to recommendations: {value}/5", "one_decimal"),
    # The caller-ID test: happy 100, neutral 50, dread 0
    Criterion("caller_id", "Caller-ID test", "caller_id", "caller_id_value",
              0.0, 100.0, 1.0, "caller-ID test: {value}", "caller_id"),
)

#: Criteria whose data comes from the owner's assessment (survey and caller-ID test).
ASSESSMENT_CRITERIA: tuple[str, ...] = (
    "pays_on_time", "values_service", "trusted_advisor", "follows_process", "open_to_recommendations", "caller_id",
)


def _complete_settings(settings: Mapping[str, Any] | None) -> dict[str, Any]:
    """The defaults overlaid with ``settings``, so a caller may pass only what differs."""
    return defaults() | dict(settings or {})


def _resolve(value: float | str, settings: Mapping[str, Any], scale: float = 1.0) -> float:
    if isinstance(value, str):
        return float(settings[value]) * scale
    return float(value)


def criterion_thresholds(criterion: Criterion, settings: Mapping[str, Any] | None = None) -> tuple[float, float]:
    """Return ``(zero_at, full_at)`` of ``criterion`` in its feature's unit under ``settings``."""
    values = _complete_settings(settings)
    return (
        _resolve(criterion.zero_at, values, criterion.setting_scale),
        _resolve(criterion.full_at, values, criterion.setting_scale),
    )


def criterion_score(values: np.ndarray, zero_at: float, full_at: float, higher_is_better: bool = True) -> np.ndarray:
    """Map feature values to 0-100 points in a straight line from ``zero_at`` (0) to ``full_at`` (100).

    Values beyond either threshold are clipped; NaN stays NaN (the criterion is dropped for that client). When
    both thresholds are equal the criterion is pass (100) or fail (0) at that value, in the ``higher_is_better``
    direction.
    """
    values = np.asarray(values, dtype="float64")
    if full_at == zero_at:
        passed = values >= full_at if higher_is_better else values <= full_at
        score = np.where(passed, 100.0, 0.0)
    else:
        score = np.clip((values - zero_at) / (full_at - zero_at), 0.0, 1.0) * 100.0
    return np.where(np.isnan(values), np.nan, score)


def grade_index(score: np.ndarray, settings: Mapping[str, Any]) -> np.ndarray:
    """Return the grade of each rule score as an index (0 = A ... 3 = D; -1 where the score is missing).

    Raises
    ------
    SettingError
        The grade thresholds do not fall from A to C.
    """
    a_min, b_min, c_min = (float(settings[name]) for name in ("grade_a_min", "grade_b_min", "grade_c_min"))
    if not a_min >= b_min >= c_min:
        raise SettingError(
            f"The grade thresholds must fall from A to C (A {a_min:g} >= B {b_min:g} >= C {c_min:g}); "
            "change them in the scorecard settings."
        )
    score = np.asarray(score, dtype="float64")
    index = np.select([score >= a_min, score >= b_min, score >= c_min], [0, 1, 2], 3)
    return np.where(np.isnan(score), -1, index)


def small_client_knockdown(avg_monthly_revenue: np.ndarray, settings: Mapping[str, Any]) -> np.ndarray:
    """Return how many grades the small-client rule takes off each client: 0, 1 or 2.

    Nothing when the rule is off or the revenue is unknown.

    Raises
    ------
    SettingError
        The two-grade threshold is above the one-grade threshold.
    """
    revenue = np.asarray(avg_monthly_revenue, dtype="float64")
    if not settings["small_client_rule"]:
        return np.zeros(len(revenue), dtype="int64")
    small, tiny = float(settings["small_client_revenue"]), float(settings["tiny_client_revenue"])
    if tiny > small:
        raise SettingError(
            f"The two-grade small-client threshold ({tiny:g}) must not be above the one-grade threshold "
            f"({small:g}); change them in the scorecard settings."
        )
    with np.errstate(invalid="ignore"):
        return np.select([revenue < tiny, revenue < small], [2, 1], 0).astype("int64")


def _incomplete(features: pd.DataFrame, scores: np.ndarray, criteria: Sequence[Criterion]) -> np.ndarray:
    """'incomplete: ...' naming what the score had to do without, or '' for a fully scored client."""
    names = [criterion.name for criterion in criteria]

    def missing(*wanted: str) -> np.ndarray:
        columns = [names.index(name) for name in wanted if name in names]
        if not columns:
            return np.zeros(len(features), dtype=bool)
        return np.isnan(scores[:, columns]).all(axis=1)

    no_figures = features["months_with_data"].fillna(0).to_numpy() == 0
    has_figures = ~no_figures
    gaps = [
        (no_figures, "no figures in the window"),
        (missing(*ASSESSMENT_CRITERIA), "no assessment"),
        (has_figures & missing("effective_hourly_rate"), "no hours"),
        (has_figures & missing("days_to_pay", "disputes"), "no payment data"),
        (has_figures & missing("emergency_share", "after_hours_share"), "no ticket data"),
    ]
    listed = reasons.join_phrases([np.where(flag, words, "") for flag, words in gaps], sep=", ")
    return np.where(listed != "", "incomplete: " + listed, "")


#: The columns of :func:`score_clients` that are words for the owner to read; ``explain=False`` leaves them out.
TEXT_COLUMNS: tuple[str, ...] = ("incomplete", "strongest", "weakest", "small_client_note", "reasons")


#: Clients scored at a time by :func:`score_clients` (see there).
ROWS_PER_BLOCK = 100_000


def score_clients(
    features: pd.DataFrame,
    settings: Mapping[str, Any] | None = None,
    criteria: Sequence[Criterion] = CRITERIA,
    *,
    explain: bool = True,
) -> pd.DataFrame:
    """Score and grade every client in ``features``, with the reasons.

    Parameters
    ----------
    features:
        Client features (:func:`grading.scoring.features.client_features` or
        :func:`~grading.scoring.features.features_at`).
    settings:
        The settings (:func:`grading.settings.load_settings`); names left out take their defaults.
    criteria:
        The criteria to score with (default :data:`CRITERIA`).
    explain:
        Write the words (:data:`TEXT_COLUMNS`). Without them only numbers and grades are computed; every row's
        words depend on that row alone, so ``score_clients(rows)`` writes them later for any rows wanted.

    Returns
    -------
    pandas.DataFrame
        On ``features``' index: ``client_id`` (if given), ``rule_score`` (0-100, NaN without any data),
        ``rule_grade`` (A-D, missing without a score), ``grade_before_knockdown``, ``financial_score``,
        ``relationship_score``, ``caller_id_score``, ``small_client_knockdown`` (0/1/2), ``incomplete``,
        ``strongest``, ``weakest``, ``small_client_note``, ``reasons`` (these five only with ``explain``), then
        ``score_<criterion>`` (0-100) and ``points_<criterion>`` (its part of the rule score; NaN where it did
        not count).

    Raises
    ------
    ClientGradeError
        ``features`` lacks a column a criterion reads.
    SettingError
        The grade or small-client thresholds contradict each other.
    """
    if len(features) <= ROWS_PER_BLOCK:
        return _scored(features, settings, criteria, numbers=True, words=explain)
    # Every row is scored from its own figures alone, so a block of rows gets the numbers the whole book would give
    # it. A million clients at once made a dozen temporary matrices of 100 MB each, every one fresh memory from the
    # system (2 of its 3 seconds went to that); blocks of 100,000 reuse the same memory.
    return pd.concat(
        [
            _scored(features.iloc[start : start + ROWS_PER_BLOCK], settings, criteria, numbers=True, words=explain)
            for start in range(0, len(features), ROWS_PER_BLOCK)
        ]
    )


def score_words(
    features: pd.DataFrame, settings: Mapping[str, Any] | None = None, criteria: Sequence[Criterion] = CRITERIA
) -> pd.DataFrame:
    """Return only the words of :func:`score_clients` (:data:`TEXT_COLUMNS`) for the clients in ``features``.

    The same texts ``score_clients(features, settings)`` writes, without building its numeric columns: what a page
    needs for the few rows it shows. Parameters and errors as for :func:`score_clients`.
    """
    return _scored(features, settings, criteria, numbers=False, words=True)


def _scored(
    features: pd.DataFrame,
    settings: Mapping[str, Any] | None,
    criteria: Sequence[Criterion],
    *,
    numbers: bool,
    words: bool,
) -> pd.DataFrame:
    values = _complete_settings(settings)
    needed = {criterion.feature for criterion in criteria} | {"avg_monthly_revenue", "months_with_data"}
    absent = sorted(needed - set(features.columns))
    if absent:
        raise ClientGradeError(f"The features lack the column(s) {', '.join(absent)} that the scorecard reads.")

    n_clients = len(features)
    scores = np.empty((n_clients, len(criteria)))
    criterion_weights = np.empty(len(criteria))
    for column, criterion in enumerate(criteria):
        zero_at, full_at = criterion_thresholds(criterion, values)
        scores[:, column] = criterion_score(
            features[criterion.feature].to_numpy(dtype="float64"), zero_at, full_at, criterion.higher_is_better
        )
        criterion_weights[column] = max(_resolve(criterion.weight, values), 0.0)

    # Weights of the criteria that have data, re-normalised within each group, then across the groups present.
    has_data = ~np.isnan(scores)
    present_weights = np.where(has_data, criterion_weights, 0.0)
    filled = np.nan_to_num(scores)
    group_scores = {}
    within_group = np.zeros_like(scores)
    group_share = np.zeros((n_clients, len(criteria)))
    group_totals = np.zeros(n_clients)
    for group in GROUPS:
        members = np.array([criterion.group == group for criterion in criteria])
        weight_sum = present_weights[:, members].sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            group_scores[group] = np.where(
                weight_sum > 0, (present_weights[:, members] * filled[:, members]).sum(axis=1) / weight_sum, np.nan
            )
            within_group[:, members] = np.where(
                weight_sum[:, None] > 0, present_weights[:, members] / weight_sum[:, None], 0.0
            )
        group_weight = max(float(values[GROUP_WEIGHTS[group]]), 0.0) * (weight_sum > 0)
        group_share[:, members] = group_weight[:, None]
        group_totals += group_weight
    with np.errstate(invalid="ignore", divide="ignore"):
        effective_weights = np.where(
            group_totals[:, None] > 0, within_group * group_share / group_totals[:, None], 0.0
        )
    points = effective_weights * filled
    counted = has_data & (effective_weights > 0)
    rule_score = np.where(counted.any(axis=1), points.sum(axis=1), np.nan)

    before = grade_index(rule_score, values)
    knockdown = small_client_knockdown(features["avg_monthly_revenue"].to_numpy(dtype="float64"), values)
    knockdown = np.where(before >= 0, knockdown, 0)
    after = np.where(before >= 0, np.minimum(before + knockdown, 3), -1)
    grade_letters = reasons.text([*GRADES, ""])

    columns: dict[str, Any] = {}
    if numbers:
        if "client_id" in features.columns:
            columns["client_id"] = features["client_id"].array
        columns["rule_score"] = rule_score
        columns["rule_grade"] = reasons.pandas_text(
            grade_letters[np.where(after >= 0, after, 4)], missing=after < 0
        )
        columns["grade_before_knockdown"] = reasons.pandas_text(
            grade_letters[np.where(before >= 0, before, 4)], missing=before < 0
        )
        for group in GROUPS:
            columns[f"{group}_score"] = group_scores[group]
        columns["small_client_knockdown"] = knockdown.astype("int64")
    if words:
        columns["incomplete"] = reasons.pandas_text(_incomplete(features, scores, criteria))
        explained = reasons.explain(
            features.reset_index(drop=True), criteria, scores, effective_weights, knockdown, before, after, values
        )
        for column in explained.columns:
            columns[column] = explained[column].array
    if not numbers:
        return pd.DataFrame(columns, index=features.index)
    for column, criterion in enumerate(criteria):
        columns[f"score_{criterion.name}"] = scores[:, column]
    for column, criterion in enumerate(criteria):
        columns[f"points_{criterion.name}"] = np.where(counted[:, column], points[:, column], np.nan)
    return pd.DataFrame(columns, index=features.index)
