"""The lift playbook: what a coach suggests to lift a client one grade, and which weak criteria each step fixes.

The steps are the ones coaches teach (PRODUCT.md): move break/fix clients to managed services, send itemized
invoices that show the work done, move to electronic payment, meet for half an hour to review, train the client on
the ticket portal, raise the price. Each names the scorecard criteria (:data:`grading.scoring.scorecard.CRITERIA`) it
addresses, so a client's weakest criteria lead to the steps worth proposing. The client's size is addressed by no
step on purpose: a process change does not make a small client large, and the small-client rule stays visible.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from grading.review import ReviewError
from grading.scoring.scorecard import CRITERIA


@dataclass(frozen=True)
class PlaybookStep:
    """One step of the lift playbook.

    Attributes
    ----------
    key:
        Short name, stored with a decision's plan.
    title:
        The step as a plan lists it.
    action:
        What to do, in a sentence for the plan.
    addresses:
        The scorecard criteria it improves when it works.
    service_models:
        The service models it applies to; empty for every client.
    """

    key: str
    title: str
    action: str
    addresses: tuple[str, ...]
    service_models: tuple[str, ...] = ()


PLAYBOOK: tuple[PlaybookStep, ...] = (
    PlaybookStep(
        "managed_services",
        "Move to managed services",
        "Offer a managed-services agreement priced per seat instead of billing break/fix hours.",
        ("effective_hourly_rate", "gross_margin", "emergency_share", "after_hours_share"),
        ("break_fix", "project", "hybrid"),
    ),
    PlaybookStep(
        "itemized_invoices",
        "Itemized invoices that list the work done",
        "Send invoices that list the patching, monitoring and updates done that month.",
        ("values_service", "disputes", "trusted_advisor"),
    ),
    PlaybookStep(
        "electronic_payment",
        "Electronic payment / direct debit",
        "Move the client to direct debit or card payment on the invoice date.",
        ("days_to_pay", "pays_on_time"),
    ),
    PlaybookStep(
        "review_meeting",
        "Half-hour review meeting",
        "Meet for half an hour each quarter to review the service, the risks and the roadmap.",
        ("trusted_advisor", "open_to_recommendations", "values_service", "caller_id"),
    ),
    PlaybookStep(
        "portal_training",
        "Process training for the ticket portal",
        "Train the client's staff to raise tickets in the portal and keep emergencies for emergencies.",
        ("follows_process", "emergency_share", "after_hours_share"),
    ),
    PlaybookStep(
        "price_increase",
        "A price increase",
        "Raise the price so the work pays at least the target hourly rate.",
        ("effective_hourly_rate", "gross_margin"),
    ),
)

STEPS: dict[str, PlaybookStep] = {step.key: step for step in PLAYBOOK}
CUSTOM_STEP = "custom"
CRITERION_LABELS: dict[str, str] = {criterion.name: criterion.label for criterion in CRITERIA}


def step(key: str) -> PlaybookStep:
    """Return the playbook step called ``key``.

    Raises
    ------
    ReviewError
        No step has that key.
    """
    try:
        return STEPS[key]
    except KeyError:
        raise ReviewError(f"The playbook has no step '{key}'; the steps are {', '.join(STEPS)}.") from None


def playbook_frame() -> pd.DataFrame:
    """Return the playbook as a table: ``step``, ``title``, ``action``, ``addresses`` (criterion labels, one text)."""
    return pd.DataFrame(
        {
            "step": [item.key for item in PLAYBOOK],
            "title": [item.title for item in PLAYBOOK],
            "action": [item.action for item in PLAYBOOK],
            "addresses": [", ".join(CRITERION_LABELS.get(name, name) for name in item.addresses) for item in PLAYBOOK],
        }
    )


def step_criteria() -> pd.DataFrame:
    """Return one row per (step, criterion it addresses): ``step``, ``criterion``, ``step_rank`` (playbook order)."""
    pairs = [(rank, item.key, name) for rank, item in enumerate(PLAYBOOK) for name in item.addresses]
    return pd.DataFrame(pairs, columns=["step_rank", "step", "criterion"])


def steps_for(criteria: Iterable[str], service_model: str | None = None) -> list[str]:
    """Return the keys of the steps that address any of ``criteria``, most addressed first, then playbook order.

    Steps limited to some service models are left out for a client of another model (a managed client is not
    moved to managed services).
    """
    wanted = set(criteria)
    scored = []
    for rank, item in enumerate(PLAYBOOK):
        if item.service_models and service_model is not None and service_model not in item.service_models:
            continue
        hits = len(wanted.intersection(item.addresses))
        if hits:
            scored.append((-hits, rank, item.key))
    return [key for _, _, key in sorted(scored)]


def criteria_addressed(step_keys: Iterable[str]) -> list[str]:
    """Return the criteria the given steps address, in scorecard order; custom steps address none."""
    addressed = {name for key in step_keys if key in STEPS for name in STEPS[key].addresses}
    return [criterion.name for criterion in CRITERIA if criterion.name in addressed]


def plan_steps(step_keys: Sequence[str]) -> list[dict[str, str]]:
    """Return a plan, as a decision stores it, from playbook step keys: ``[{"step": key, "text": action}]``.

    Raises
    ------
    ReviewError
        A key is not in the playbook.
    """
    return [{"step": key, "text": f"{step(key).title}: {step(key).action}"} for key in dict.fromkeys(step_keys)]


def plan_text(steps: Sequence[dict[str, str]]) -> str:
    """Return a plan as editable text, one step a line."""
    return "\n".join(item["text"] for item in steps)


def plan_from_text(text: str, step_keys: Sequence[str] = ()) -> list[dict[str, str]]:
    """Return a plan from its edited text (one step a line) and the playbook steps it was started from.

    A line that still starts with a step's title keeps that step's key (so the plan can be re-scored);
    any other line is a custom step.
    """
    plan = []
    titles = {STEPS[key].title.lower(): key for key in step_keys if key in STEPS}
    for line in (text or "").splitlines():
        clean = line.strip().lstrip("-*• ").strip()
        if not clean:
            continue
        key = next((key for title, key in titles.items() if clean.lower().startswith(title)), CUSTOM_STEP)
        plan.append({"step": key, "text": clean})
    return plan
