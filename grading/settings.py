"""The settings registry: every setting's name, default and line of help, in one place.

Like datasette's ``SETTINGS`` tuple, :data:`SETTINGS` is the single list of what an owner can change. Values the
owner sets are stored in the database table ``settings`` (as JSON); :func:`load_settings` returns the defaults
overlaid with what is stored, so a setting changed in the app takes effect on the next rerun, with no restart.
A test checks that every setting is documented in the README.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from grading.errors import SettingError

if TYPE_CHECKING:
    from grading.db.store import Store


@dataclass(frozen=True)
class Setting:
    """One setting: ``kind`` is ``float``, ``int``, ``bool`` or ``choice`` (one of ``choices``)."""

    name: str
    default: Any
    help: str
    kind: str = "float"
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    group: str = "general"
    label: str = ""


CURRENCIES = ("EUR", "USD", "GBP", "CHF", "AUD", "CAD", "NZD", "SEK", "NOK", "DKK", "PLN", "ZAR")

SETTINGS: tuple[Setting, ...] = (
    # General
    Setting("currency", "EUR", "The currency label amounts are shown with, for this book (ISO code). It is only a "
            "label: amounts are never converted.", "choice", choices=CURRENCIES),
    Setting(
        "labor_cost_rate",
        45.0,
        "What one hour of technician time costs you (wages and overhead), per hour.",
        minimum=0,
    ),
    Setting(
        "scoring_window_months",
        12,
        "How many trailing months of metrics the scorecard, the model and the simulation look at.",
        "int",
        minimum=1,
        maximum=60,
    ),
    Setting(
        "max_upload_mb",
        50.0,
        "Largest file, in MB, that an import accepts; larger files are refused before they are read.",
        minimum=0.1,
        maximum=2048,
    ),
    # The scorecard: grade thresholds, the small-client rule, group and criterion weights, criterion thresholds
    # (each criterion scores 0 points at one threshold and 100 at the other, in a straight line between), and
    # the flags shown beside the grade.
    # The grade thresholds follow the coaching story: the extremes are obvious (an A scores high on money, the
    # relationship and the gut; a D low on all three), the B/C line is subtle. A D costs more than it brings and
    # is hard to work with; a client that only just pays for its hours but is easy enough to work with (the
    # "what is the cheapest option?" client, about 30 points) is a C to lift, not a D to fire.
    Setting("grade_a_min", 75.0, "Lowest rule score (0-100) that earns an A: strong on money, the relationship "
            "and the caller-ID test alike.", minimum=0, maximum=100, group="scorecard"),
    Setting("grade_b_min", 55.0, "Lowest rule score (0-100) that earns a B: good, with a weak spot or two.",
            minimum=0, maximum=100, group="scorecard"),
    Setting("grade_c_min", 25.0, "Lowest rule score (0-100) that earns a C; below it, a D. A client that barely "
            "covers its hours but is fair to work with scores about 30 (a C to lift); a D is poor on money and "
            "the relationship both.", minimum=0, maximum=100, group="scorecard"),
    Setting("small_client_rule", True, "Knock small clients down one or two grades (every client carries overhead).",
            "bool", group="scorecard"),
    Setting("small_client_revenue", 1000.0, "Average monthly revenue below which a client is knocked down one grade.",
            minimum=0, group="scorecard"),
    Setting("tiny_client_revenue", 400.0, "Average monthly revenue below which a client is knocked down two grades.",
            minimum=0, group="scorecard"),
    Setting("weight_financial", 45.0, "Weight of the financial group (rate, margin, size) in the rule score.",
            minimum=0, group="scorecard"),
    Setting("weight_relationship", 40.0, "Weight of the relationship group (payment, process, survey) in the rule "
            "score.", minimum=0, group="scorecard"),
    Setting("weight_caller_id", 15.0, "Weight of the caller-ID test (happy / neutral / dread) in the rule score.",
            minimum=0, group="scorecard"),
    Setting("target_hourly_rate", 120.0, "Effective hourly rate that scores full points; the labor cost rate scores "
            "none.", minimum=0, group="scorecard"),
    Setting("weight_effective_hourly_rate", 50.0, "Weight of the effective hourly rate within the financial group.",
            minimum=0, group="scorecard"),
    Setting("margin_zero_pct", 20.0, "Gross margin (%) that scores no points.", minimum=-100, maximum=100,
            group="scorecard"),
    Setting("margin_full_pct", 65.0, "Gross margin (%) that scores full points.", minimum=-100, maximum=100,
            group="scorecard"),
    Setting("weight_gross_margin", 30.0, "Weight of the gross margin within the financial group.", minimum=0,
            group="scorecard"),
    Setting("size_zero_revenue", 300.0, "Average monthly revenue that scores no points for size.", minimum=0,
            group="scorecard"),
    Setting("size_full_revenue", 4000.0, "Average monthly revenue that scores full points for size.", minimum=0,
            group="scorecard"),
    Setting("weight_size", 20.0, "Weight of the client's size (monthly revenue) within the financial group.",
            minimum=0, group="scorecard"),
    Setting("days_to_pay_full", 14.0, "Average days to pay that scores full points (paying sooner scores no more).",
            minimum=0, group="scorecard"),
    Setting("days_to_pay_zero", 75.0, "Average days to pay that scores no points.", minimum=0, group="scorecard"),
    Setting("weight_days_to_pay", 20.0, "Weight of the days to pay within the relationship group.", minimum=0,
            group="scorecard"),
    Setting("disputes_zero_per_year", 6.0, "Disputed invoices a year that score no points (none scores full).",
            minimum=0, group="scorecard"),
    Setting("weight_disputes", 10.0, "Weight of disputed invoices within the relationship group.", minimum=0,
            group="scorecard"),
    Setting("emergency_full_pct", 5.0, "Share of emergency tickets (%) that scores full points.", minimum=0,
            maximum=100, group="scorecard"),
    Setting("emergency_zero_pct", 40.0, "Share of emergency tickets (%) that scores no points.", minimum=0,
            maximum=100, group="scorecard"),
    Setting("weight_emergency_share", 10.0, "Weight of the emergency-ticket share within the relationship group.",
            minimum=0, group="scorecard"),
    Setting("after_hours_full_pct", 5.0, "Share of after-hours tickets (%) that scores full points.", minimum=0,
            maximum=100, group="scorecard"),
    Setting("after_hours_zero_pct", 35.0, "Share of after-hours tickets (%) that scores no points.", minimum=0,
            maximum=100, group="scorecard"),
    Setting("weight_after_hours_share", 10.0, "Weight of the after-hours-ticket share within the relationship group.",
            minimum=0, group="scorecard"),
    Setting("weight_pays_on_time", 10.0, "Weight of the survey's 'pays on time' (1-5) within the relationship group.",
            minimum=0, group="scorecard"),
    Setting("weight_values_service", 10.0, "Weight of the survey's 'values the service' (1-5) within the "
            "relationship group.", minimum=0, group="scorecard"),
    Setting("weight_trusted_advisor", 10.0, "Weight of the survey's 'trusted advisor' (1-5) within the relationship "
            "group.", minimum=0, group="scorecard"),
    Setting("weight_follows_process", 10.0, "Weight of the survey's 'follows the process' (1-5) within the "
            "relationship group.", minimum=0, group="scorecard"),
    Setting("weight_open_to_recommendations", 10.0, "Weight of the survey's 'open to recommendations' (1-5) within "
            "the relationship group.", minimum=0, group="scorecard"),
    Setting("problem_margin_pct", 20.0, "Monthly gross margin (%) under which a month counts against a client for "
            "the problem-client flag.", minimum=-100, maximum=100, group="scorecard"),
    Setting("problem_months", 2, "How many of the last three months under that margin flag a problem client.",
            "int", minimum=1, maximum=3, group="scorecard"),
    Setting("flight_risk_rate_factor", 2.0, "Flag a flight risk when a client's effective hourly rate is this many "
            "times the portfolio's median (it overpays; a competitor will offer less).", minimum=1,
            group="scorecard"),
    Setting("flight_risk_revenue_drop_pct", 25.0, "Flag a flight risk when revenue in the recent half of the window "
            "is this many % below the earlier half.", minimum=0, maximum=100, group="scorecard"),
    Setting("concentration_pct", 15.0, "Flag a client whose share of the portfolio's revenue is above this %.",
            minimum=0, maximum=100, group="scorecard"),
)


#: Each setting's label in words, with its unit; ``{currency}`` stands for the book's currency. The variable name
#: shows only in the help. Kept apart from the entries above so a label and a default change without touching the
#: same lines.
_LABELS = {
    "currency": "Currency label (amounts are not converted)",
    "labor_cost_rate": "Labor cost of one technician hour ({currency}/h)",
    "scoring_window_months": "Scoring window (months)",
    "max_upload_mb": "Largest import file (MB)",
    "grade_a_min": "Lowest score for an A (points of 100)",
    "grade_b_min": "Lowest score for a B (points of 100)",
    "grade_c_min": "Lowest score for a C (points of 100; below it, a D)",
    "small_client_rule": "Knock small clients down a grade or two",
    "small_client_revenue": "Small client: revenue below ({currency} a month, one grade down)",
    "tiny_client_revenue": "Very small client: revenue below ({currency} a month, two grades down)",
    "weight_financial": "Weight of the money group (rate, margin, size)",
    "weight_relationship": "Weight of the relationship group (payment, tickets, survey)",
    "weight_caller_id": "Weight of the caller-ID test",
    "target_hourly_rate": "Full marks at ({currency}/h)",
    "weight_effective_hourly_rate": "Weight within the money group",
    "margin_zero_pct": "Zero marks at (% gross margin)",
    "margin_full_pct": "Full marks at (% gross margin)",
    "weight_gross_margin": "Weight within the money group",
    "size_zero_revenue": "Zero marks at ({currency} a month)",
    "size_full_revenue": "Full marks at ({currency} a month)",
    "weight_size": "Weight within the money group",
    "days_to_pay_full": "Full marks at (days to pay, or sooner)",
    "days_to_pay_zero": "Zero marks at (days to pay, or later)",
    "weight_days_to_pay": "Weight within the relationship group",
    "disputes_zero_per_year": "Zero marks at (disputed invoices a year; none scores full marks)",
    "weight_disputes": "Weight within the relationship group",
    "emergency_full_pct": "Full marks at (% of tickets, or fewer)",
    "emergency_zero_pct": "Zero marks at (% of tickets, or more)",
    "weight_emergency_share": "Weight within the relationship group",
    "after_hours_full_pct": "Full marks at (% of tickets, or fewer)",
    "after_hours_zero_pct": "Zero marks at (% of tickets, or more)",
    "weight_after_hours_share": "Weight within the relationship group",
    "weight_pays_on_time": "Weight of 'pays on time' (survey, 1-5)",
    "weight_values_service": "Weight of 'values the service' (survey, 1-5)",
    "weight_trusted_advisor": "Weight of 'trusted advisor' (survey, 1-5)",
    "weight_follows_process": "Weight of 'follows the process' (survey, 1-5)",
    "weight_open_to_recommendations": "Weight of 'open to recommendations' (survey, 1-5)",
    "problem_margin_pct": "Problem client: a month's gross margin below (%)",
    "problem_months": "Problem client: that many of the last 3 months (months)",
    "flight_risk_rate_factor": "Flight risk: effective rate above (times the portfolio's median)",
    "flight_risk_revenue_drop_pct": "Flight risk: revenue falling by (% from the window's first half to its second)",
    "concentration_pct": "Concentration: a client's share of all revenue above (%)",
}
SETTINGS = tuple(replace(item, label=_LABELS.get(item.name, item.name.replace("_", " ").capitalize()))
                 for item in SETTINGS)


@dataclass(frozen=True)
class SettingsSection:
    """One section of the settings editor: a criterion (what it measures, weight, full and zero marks) or a group.

    ``names`` are the section's settings in the order to show them.
    """

    title: str
    measures: str
    names: tuple[str, ...]


#: The settings editor's sections, criterion by criterion. Every setting is in exactly one (a test checks it).
SECTIONS: tuple[SettingsSection, ...] = (
    SettingsSection("This book", "The currency label, what an hour of technician time costs you, and how much history "
                    "grading looks at.", ("currency", "labor_cost_rate", "scoring_window_months", "max_upload_mb")),
    SettingsSection("Grades", "A client's rule score (0-100) decides its grade.",
                    ("grade_a_min", "grade_b_min", "grade_c_min")),
    SettingsSection("Small clients", "Every client carries overhead (invoicing, admin, a technician's attention), so "
                    "small clients are knocked down.", ("small_client_rule", "small_client_revenue",
                                                        "tiny_client_revenue")),
    SettingsSection("Groups", "How much money, the relationship and your gut each count in the score.",
                    ("weight_financial", "weight_relationship", "weight_caller_id")),
    SettingsSection("Effective hourly rate", "What a client pays per hour of work: (revenue - direct costs) / hours. "
                    "It scores zero marks at the labor cost rate.", ("weight_effective_hourly_rate",
                                                                      "target_hourly_rate")),
    SettingsSection("Gross margin", "Revenue less direct costs and labor, as a share of revenue.",
                    ("weight_gross_margin", "margin_full_pct", "margin_zero_pct")),
    SettingsSection("Size", "The client's average monthly revenue.",
                    ("weight_size", "size_full_revenue", "size_zero_revenue")),
    SettingsSection("Days to pay", "How long the client takes to pay an invoice, on average.",
                    ("weight_days_to_pay", "days_to_pay_full", "days_to_pay_zero")),
    SettingsSection("Disputed invoices", "Invoices the client argued about, per year.",
                    ("weight_disputes", "disputes_zero_per_year")),
    SettingsSection("Emergency tickets", "The share of the client's tickets raised as emergencies.",
                    ("weight_emergency_share", "emergency_full_pct", "emergency_zero_pct")),
    SettingsSection("After-hours tickets", "The share of the client's tickets raised outside business hours.",
                    ("weight_after_hours_share", "after_hours_full_pct", "after_hours_zero_pct")),
    SettingsSection("Relationship survey", "Your answers, 1 (poor) to 5 (great), to five questions about the client; "
                    "5 scores full marks, 1 zero.", ("weight_pays_on_time", "weight_values_service",
                                                     "weight_trusted_advisor", "weight_follows_process",
                                                     "weight_open_to_recommendations")),
    SettingsSection("Flags", "Warnings shown beside the grade; they do not change it.",
                    ("problem_margin_pct", "problem_months", "flight_risk_rate_factor",
                     "flight_risk_revenue_drop_pct", "concentration_pct")),
)


def setting_label(name: str, currency: str = "EUR") -> str:
    """Return a setting's label in words with its unit, the currency filled in (e.g. "Full marks at (EUR/h)")."""
    return setting(name).label.replace("{currency}", currency)


def setting_help(name: str) -> str:
    """Return a setting's help: its line of help, then its variable name (for the README and the CLI)."""
    item = setting(name)
    return f"{item.help} (Setting `{item.name}`, default {item.default}.)"


def setting(name: str) -> Setting:
    """Return the registered setting called ``name``.

    Raises
    ------
    SettingError
        No setting has that name.
    """
    for candidate in SETTINGS:
        if candidate.name == name:
            return candidate
    raise SettingError(f"There is no setting called '{name}'.")


def defaults() -> dict[str, Any]:
    """Return every setting's default, by name."""
    return {item.name: item.default for item in SETTINGS}


def coerce(name: str, value: Any) -> Any:
    """Return ``value`` converted to the type of setting ``name`` and checked against its range.

    Raises
    ------
    SettingError
        The value has the wrong type or is outside the setting's range or choices.
    """
    item = setting(name)
    try:
        if item.kind == "bool":
            if isinstance(value, str):
                lowered = value.strip().lower()
                if lowered not in {"true", "false", "1", "0", "yes", "no", "on", "off"}:
                    raise ValueError(value)
                converted: Any = lowered in {"true", "1", "yes", "on"}
            else:
                converted = bool(value)
        elif item.kind == "int":
            as_float = float(value)
            if not as_float.is_integer():
                raise ValueError(value)
            converted = int(as_float)
        elif item.kind == "float":
            converted = float(value)
            if not math.isfinite(converted):
                raise ValueError(value)
        elif item.kind == "choice":
            converted = str(value).strip()
            if converted not in item.choices:
                raise SettingError(f"Setting '{name}' must be one of {', '.join(item.choices)}; got '{value}'.")
        else:
            converted = value
    except (TypeError, ValueError) as error:
        raise SettingError(f"Setting '{name}' needs a {item.kind} value; got '{value}'.") from error
    if item.kind in {"int", "float"}:
        if item.minimum is not None and converted < item.minimum:
            raise SettingError(f"Setting '{name}' must be at least {item.minimum}; got {converted}.")
        if item.maximum is not None and converted > item.maximum:
            raise SettingError(f"Setting '{name}' must be at most {item.maximum}; got {converted}.")
    return converted


def load_settings(store: Store) -> dict[str, Any]:
    """Return every setting: the stored value where the owner set one, else the default.

    A stored value whose setting no longer exists is ignored; one that no longer passes its checks falls back
    to the default rather than breaking the app.
    """
    values = defaults()
    for name, value_json in store.rows("SELECT name, value_json FROM settings"):
        if name not in values:
            continue
        try:
            values[name] = coerce(name, json.loads(value_json))
        except (SettingError, ValueError):
            continue
    return values


def save_settings(store: Store, changes: Mapping[str, Any]) -> dict[str, Any]:
    """Validate and store ``changes`` (name to value) in one transaction; return the settings after the change.

    Raises
    ------
    SettingError
        A name is unknown or a value invalid; then nothing is stored.
    """
    checked = {name: coerce(name, value) for name, value in changes.items()}
    with store.transaction() as tx:
        for name, value in checked.items():
            tx.execute(
                "INSERT INTO settings (name, value_json, updated_at) VALUES (?, ?, now()) "
                "ON CONFLICT (name) DO UPDATE SET value_json = excluded.value_json, updated_at = now()",
                [name, json.dumps(value)],
            )
    return load_settings(store)


def reset_settings(store: Store, names: list[str] | None = None) -> dict[str, Any]:
    """Forget the stored values of ``names`` (all settings when ``None``), so their defaults apply again."""
    with store.transaction() as tx:
        if names is None:
            tx.execute("DELETE FROM settings")
        else:
            for name in names:
                setting(name)
                tx.execute("DELETE FROM settings WHERE name = ?", [name])
    return load_settings(store)
