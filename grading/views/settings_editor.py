"""The settings editor's checks: which draft values contradict each other, said beside the field they concern.

Each setting alone is checked by the registry (:func:`grading.settings.coerce`: type and range). What only the
values together can say is checked here, before anything is saved: a full-marks point on the wrong side of its
zero-marks point, grade lines out of order, a "very small" client limit above the "small" one, a group whose
weights are all zero. :func:`setting_problems` returns one sentence per setting at fault, so the page shows it
beside that field at once and keeps Save disabled until it is fixed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from grading.errors import SettingError
from grading.settings import coerce, setting_label

#: Each criterion's (full-marks setting, zero-marks setting, whether a higher value is better). The full-marks point
#: must be on the good side of the zero-marks point (equal makes the criterion pass or fail at that value).
_FULL_AND_ZERO = (
    ("target_hourly_rate", "labor_cost_rate", True),
    ("margin_full_pct", "margin_zero_pct", True),
    ("size_full_revenue", "size_zero_revenue", True),
    ("days_to_pay_full", "days_to_pay_zero", False),
    ("emergency_full_pct", "emergency_zero_pct", False),
    ("after_hours_full_pct", "after_hours_zero_pct", False),
)

#: Weights that are read relative to each other: each group's, in the words the owner reads them in.
WEIGHT_GROUPS: dict[str, tuple[str, ...]] = {
    "the three groups": ("weight_financial", "weight_relationship", "weight_caller_id"),
    "the money group": ("weight_effective_hourly_rate", "weight_gross_margin", "weight_size"),
    "the relationship group": ("weight_days_to_pay", "weight_disputes", "weight_emergency_share",
                               "weight_after_hours_share", "weight_pays_on_time", "weight_values_service",
                               "weight_trusted_advisor", "weight_follows_process", "weight_open_to_recommendations"),
}


def _quoted(name: str, currency: str) -> str:
    return f"'{setting_label(name, currency)}'"


def setting_problems(values: Mapping[str, Any], currency: str = "EUR",
                     server_upload_mb: float | None = None) -> dict[str, str]:
    """Return, by setting name, why a draft value cannot be saved; empty when every value may be saved.

    Parameters
    ----------
    values:
        Every setting by name (the saved ones overlaid with the draft).
    currency:
        The book's currency label, for the field labels the sentences quote.
    server_upload_mb:
        The largest upload the app's server accepts; a larger ``max_upload_mb`` is refused (the app could not
        keep the promise). ``None``: not checked (the command line has no such server).

    Returns
    -------
    dict
        Setting name to one sentence naming the field (by its label) and what it must be. A value the registry
        refuses alone (type, range) is listed under its own name; a contradiction under the field to change.
    """
    problems: dict[str, str] = {}
    checked: dict[str, Any] = {}
    for name, value in values.items():
        try:
            checked[name] = coerce(name, value)
        except SettingError as error:
            # The registry's sentence names the variable; the editor's names the field as the owner reads it.
            problems[name] = str(error).replace(f"Setting '{name}'", _quoted(name, currency))
    if problems:
        return problems

    if server_upload_mb is not None and "max_upload_mb" in checked:
        from grading.importer.limits import upload_setting_problem

        too_large = upload_setting_problem(float(checked["max_upload_mb"]), float(server_upload_mb))
        if too_large:
            problems["max_upload_mb"] = too_large.replace("max_upload_mb", _quoted("max_upload_mb", currency), 1)

    for full, zero, higher_is_better in _FULL_AND_ZERO:
        if full not in checked or zero not in checked:
            continue
        wrong_side = checked[full] < checked[zero] if higher_is_better else checked[full] > checked[zero]
        if wrong_side:
            side = "below" if higher_is_better else "above"
            must = "at or above" if higher_is_better else "at or below"
            problems[full] = (f"{_quoted(full, currency)} ({checked[full]:g}) must be {must} the zero-marks point "
                              f"{_quoted(zero, currency)} ({checked[zero]:g}), not {side} it.")

    lines = [name for name in ("grade_a_min", "grade_b_min", "grade_c_min") if name in checked]
    for higher, lower in zip(lines, lines[1:], strict=False):
        if checked[lower] > checked[higher]:
            problems[lower] = (f"{_quoted(lower, currency)} ({checked[lower]:g}) is above "
                               f"{_quoted(higher, currency)} ({checked[higher]:g}); the grade lines must fall from "
                               "A to C.")

    if (checked.get("small_client_rule") and {"small_client_revenue", "tiny_client_revenue"} <= checked.keys()
            and checked["tiny_client_revenue"] > checked["small_client_revenue"]):
        problems["tiny_client_revenue"] = (
            f"{_quoted('tiny_client_revenue', currency)} ({checked['tiny_client_revenue']:g}) is above "
            f"{_quoted('small_client_revenue', currency)} ({checked['small_client_revenue']:g}); a very small "
            "client is a small one first."
        )

    for words, names in WEIGHT_GROUPS.items():
        present = [name for name in names if name in checked]
        if present and len(present) == len(names) and all(checked[name] <= 0 for name in present):
            problems[names[0]] = (f"The weights of {words} are all 0, so {words} count for nothing"
                                  + ("" if words == "the three groups" else
                                     "; to leave the group out, set its weight under Groups to 0 instead")
                                  + ". Give at least one of them a weight above 0.")
    return problems


def weight_shares(values: Mapping[str, Any]) -> dict[str, float]:
    """Return each weight's share of its group's total (0-1), for the editor to say what a weight amounts to.

    Weights are relative: they need not add up to 100, each counts for its share of the group. A group whose
    weights are all 0 gives every member a share of 0.
    """
    shares: dict[str, float] = {}
    for names in WEIGHT_GROUPS.values():
        weights = {name: max(float(values[name]), 0.0) for name in names if name in values}
        total = sum(weights.values())
        shares.update({name: (weight / total if total > 0 else 0.0) for name, weight in weights.items()})
    return shares


def weight_share_words(values: Mapping[str, Any]) -> dict[str, str]:
    """Return, for each weight, what it amounts to in words: "45% of the score", "50% of the money group"."""
    from grading.formatting import percent

    shares = weight_shares(values)
    words = {}
    for group, names in WEIGHT_GROUPS.items():
        whole = "the score" if group == "the three groups" else group
        words.update({name: f"{percent(shares[name])} of {whole}" for name in names if name in shares})
    return words
