"""Lift plans: for each B-D client, its weakest criteria, the playbook steps that address them, and the grade the
scorecard would give if the plan worked.

"If the plan worked" means each of the client's weakest criteria that the plan's steps address reaches the value
that scores full points (its ``full_at`` threshold under the owner's settings); everything else about the client
stays as it is. The
client is then re-scored with :func:`grading.scoring.scorecard.score_clients`, so the small-client rule and the owner's
weights apply as usual. Because the scorecard never lowers a grade when a criterion improves, the grade if the
plan worked is never worse than the rule grade today.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from grading.review import ReviewError
from grading.review.playbook import CRITERION_LABELS, PLAYBOOK, STEPS, step_criteria
from grading.scoring.scorecard import CRITERIA, criterion_thresholds, score_clients
from grading.vocabulary import GRADE_RANK, GRADES

LIFT_GRADES = ("B", "C", "D")
#: The columns :func:`lift_plans` returns, in order.
LIFT_PLAN_COLUMNS: tuple[str, ...] = (
    "client_id",
    "name",
    "service_model",
    "grade",
    "target_grade",
    "rule_grade",
    "rule_score",
    "weakest_criteria",
    "weakest",
    "steps",
    "plan",
    "rule_score_if_plan_works",
    "grade_if_plan_works",
    "reaches_target",
)


def improve_criteria(
    features: pd.DataFrame, improved: pd.DataFrame, settings: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """Return ``features`` with each client's improved criteria moved to the value that scores full points.

    Parameters
    ----------
    features:
        One row per client with the scorecard's feature columns and ``client_id``.
    improved:
        Pairs ``client_id``, ``criterion`` (a :data:`~grading.scoring.scorecard.CRITERIA` name) to improve.
    settings:
        The settings that set each criterion's thresholds.

    Returns
    -------
    pandas.DataFrame
        A copy of ``features``; a criterion a client already scores full points on is left as it is.
    """
    result = features.copy()
    wanted = improved[["client_id", "criterion"]].drop_duplicates()
    for criterion in CRITERIA:
        ids = wanted.loc[wanted["criterion"] == criterion.name, "client_id"]
        if ids.empty:
            continue
        zero_at, full_at = criterion_thresholds(criterion, settings)
        mask = result["client_id"].isin(ids)
        values = pd.to_numeric(result[criterion.feature], errors="coerce").astype("float64")
        better_is_higher = full_at > zero_at or (full_at == zero_at and criterion.higher_is_better)
        # A criterion without data stays without: the plan fixes what is weak, it does not invent answers.
        target = np.fmax(values, full_at).where(values.notna()) if better_is_higher else np.fmin(
            values, full_at
        ).where(values.notna())
        result[criterion.feature] = values.where(~mask, target)
    return result


def weakest_criteria(portfolio: pd.DataFrame, weakest: int = 3) -> pd.DataFrame:
    """Return each client's lowest-scoring criteria: ``client_id``, ``criterion``, ``score``, weakest first.

    Criteria at full points and criteria without data are never weak; ties go in scorecard order.
    """
    score_columns = [f"score_{criterion.name}" for criterion in CRITERIA]
    long = portfolio.assign(client_id=portfolio["client_id"].astype(str)).melt(
        id_vars="client_id", value_vars=score_columns, var_name="criterion", value_name="score"
    )
    long["criterion"] = long["criterion"].str.removeprefix("score_")
    long["criterion_rank"] = long["criterion"].map({criterion.name: rank for rank, criterion in enumerate(CRITERIA)})
    weak = long.loc[long["score"].notna() & (long["score"] < 100)]
    weak = weak.sort_values(["client_id", "score", "criterion_rank"], kind="mergesort")
    return weak.groupby("client_id", sort=False).head(int(weakest))[["client_id", "criterion", "score"]]


def _steps_per_client(portfolio: pd.DataFrame, weak: pd.DataFrame) -> pd.DataFrame:
    """Pairs ``client_id``, ``step`` proposed for the weak criteria, most criteria addressed first."""
    pairs = weak.merge(step_criteria(), on="criterion")
    limits = pd.DataFrame(
        [(item.key, model) for item in PLAYBOOK if item.service_models for model in item.service_models],
        columns=["step", "service_model"],
    )
    limited = pairs["step"].isin(limits["step"])
    models = portfolio.set_index("client_id")["service_model"] if "service_model" in portfolio.columns else None
    if models is not None and limited.any():
        client_model = pairs["client_id"].map(models).astype("string")
        allowed = (pairs["step"] + "|" + client_model.fillna("")).isin(limits["step"] + "|" + limits["service_model"])
        pairs = pairs.loc[~limited | allowed.fillna(False).to_numpy()]
    counted = pairs.groupby(["client_id", "step", "step_rank"], as_index=False).size()
    return counted.sort_values(["client_id", "size", "step_rank"], ascending=[True, False, True], kind="mergesort")


def lift_plans(
    portfolio: pd.DataFrame,
    settings: Mapping[str, Any] | None = None,
    *,
    grade_column: str = "effective_grade",
    weakest: int = 3,
    client_ids: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Return a lift plan for every B, C and D client of ``portfolio`` (or of ``client_ids`` among them).

    Parameters
    ----------
    portfolio:
        The graded portfolio (:func:`grading.scoring.portfolio.grade_portfolio`): ``client_id``, ``name``,
        ``service_model``, the grade column, ``rule_grade``, ``rule_score``, ``score_<criterion>``,
        ``points_<criterion>`` and the feature columns.
    settings:
        The settings the portfolio was graded with (thresholds and weights for the re-scoring).
    grade_column:
        Which grade decides who is B-D, e.g. ``"effective_grade"`` or ``"manual_grade"``.
    weakest:
        How many of the client's lowest-scoring criteria to address (criteria already at full points and
        criteria without data are never "weak").
    client_ids:
        Plan only for these clients (e.g. a review session's); ``None`` plans for the whole book.

    Returns
    -------
    pandas.DataFrame
        :data:`LIFT_PLAN_COLUMNS`, worst grade first: ``weakest_criteria`` and ``steps`` are lists of names,
        ``weakest`` and ``plan`` the same in words; ``target_grade`` is one grade up; ``grade_if_plan_works`` is
        the rule grade after re-scoring, and ``reaches_target`` says whether it is at least the target. A client
        with no weak criterion a step addresses gets an empty plan and keeps its rule grade.

    Raises
    ------
    ReviewError
        The portfolio lacks a column, or ``weakest`` is below 1.
    """
    if int(weakest) != weakest or weakest < 1:
        raise ReviewError(f"A lift plan addresses at least one weak criterion; got {weakest}.")
    score_columns = [f"score_{criterion.name}" for criterion in CRITERIA]
    needed = ["client_id", grade_column, "rule_grade", "rule_score", *score_columns]
    missing = [column for column in needed if column not in portfolio.columns]
    if missing:
        raise ReviewError(f"The portfolio has no column {', '.join(missing[:5])}; lift plans need it.")

    grade = portfolio[grade_column].astype("string").str.strip().str.upper()
    wanted = grade.isin(LIFT_GRADES).fillna(False).to_numpy(dtype=bool, copy=True)
    if client_ids is not None:
        wanted &= portfolio["client_id"].astype(str).isin([str(client_id) for client_id in client_ids]).to_numpy()
    clients = portfolio.loc[wanted].copy()
    clients["client_id"] = clients["client_id"].astype(str)
    clients["grade"] = grade.loc[clients.index]
    if clients.empty:
        return pd.DataFrame({column: pd.Series(dtype="object") for column in LIFT_PLAN_COLUMNS})

    weak = weakest_criteria(clients, weakest)
    proposed = _steps_per_client(clients, weak[["client_id", "criterion"]])
    addressed = proposed[["client_id", "step"]].merge(step_criteria()[["step", "criterion"]], on="step")
    addressed = addressed.merge(weak[["client_id", "criterion"]], on=["client_id", "criterion"])
    rescored = score_clients(improve_criteria(clients, addressed, settings), settings, explain=False)

    weak_lists = weak.groupby("client_id", sort=False)["criterion"].agg(list)
    weak_words = weak.assign(label=weak["criterion"].map(CRITERION_LABELS)).groupby("client_id")["label"].agg(", ".join)
    step_lists = proposed.groupby("client_id", sort=False)["step"].agg(list)
    step_words = proposed.assign(title=proposed["step"].map({key: item.title for key, item in STEPS.items()}))
    step_words = step_words.groupby("client_id", sort=False)["title"].agg("; ".join)
    result = clients[[column for column in ("client_id", "name", "service_model") if column in clients.columns]].copy()
    for column in ("name", "service_model"):
        if column not in result.columns:
            result[column] = None
    result["grade"] = clients["grade"]
    result["target_grade"] = clients["grade"].map(dict(zip(GRADES[1:], GRADES[:-1], strict=True)))
    result["rule_grade"] = clients["rule_grade"]
    result["rule_score"] = pd.to_numeric(clients["rule_score"], errors="coerce")
    empty_list = pd.Series([[] for _ in range(len(result))], index=result.index, dtype="object")
    result["weakest_criteria"] = result["client_id"].map(weak_lists).where(lambda s: s.notna(), empty_list)
    result["weakest"] = result["client_id"].map(weak_words).fillna("")
    result["steps"] = result["client_id"].map(step_lists).where(lambda s: s.notna(), empty_list)
    result["plan"] = result["client_id"].map(step_words).fillna("")
    result["rule_score_if_plan_works"] = rescored["rule_score"].to_numpy()
    result["grade_if_plan_works"] = rescored["rule_grade"].to_numpy()
    rank = {letter: index for index, letter in enumerate(GRADES)}
    reached = result["grade_if_plan_works"].map(rank).astype("float64") <= result["target_grade"].map(rank).astype(
        "float64"
    )
    result["reaches_target"] = reached.fillna(False).astype(bool)
    result = result.assign(_rank=result["grade"].map(rank)).sort_values(
        ["_rank", "rule_score", "client_id"], ascending=[False, True, True], kind="mergesort"
    )
    return result[list(LIFT_PLAN_COLUMNS)].reset_index(drop=True)


def grades_if_plans_work(
    portfolio: pd.DataFrame,
    plans: pd.DataFrame,
    settings: Mapping[str, Any] | None = None,
    *,
    weakest: int = 3,
) -> pd.DataFrame:
    """Return the rule score and grade of each client if its plan's playbook steps worked.

    As in :func:`lift_plans`, a plan improves the client's ``weakest`` criteria that its steps address; custom
    steps (not in the playbook) address no criterion and change nothing.

    Parameters
    ----------
    portfolio:
        The graded portfolio.
    plans:
        Pairs ``client_id``, ``step`` (a client with several steps has several rows).
    settings, weakest:
        As for :func:`lift_plans`.

    Returns
    -------
    pandas.DataFrame
        One row per client of ``plans``: ``client_id``, ``rule_score_if_plan_works``, ``grade_if_plan_works``.

    Raises
    ------
    ReviewError
        A client is not in the portfolio.
    """
    ids = pd.Index(plans["client_id"].astype(str).unique())
    rows = portfolio.assign(client_id=portfolio["client_id"].astype(str))
    rows = rows.loc[rows["client_id"].isin(ids)].drop_duplicates("client_id")
    unknown = ids.difference(rows["client_id"])
    if len(unknown):
        shown = ", ".join(f"'{client_id}'" for client_id in unknown[:10])
        raise ReviewError(f"There is no client with id {shown} in the portfolio.")
    pairs = plans.assign(client_id=plans["client_id"].astype(str))[["client_id", "step"]]
    addressed = pairs.merge(step_criteria()[["step", "criterion"]], on="step")
    addressed = addressed.merge(weakest_criteria(rows, weakest)[["client_id", "criterion"]], on=["client_id", "criterion"])
    rescored = score_clients(improve_criteria(rows, addressed, settings), settings, explain=False)
    result = pd.DataFrame(
        {
            "client_id": rows["client_id"].to_numpy(),
            "rule_score_if_plan_works": rescored["rule_score"].to_numpy(),
            "grade_if_plan_works": rescored["rule_grade"].to_numpy(),
        }
    )
    return result.set_index("client_id").reindex(ids).rename_axis("client_id").reset_index()


def grade_if_plan_works(
    portfolio: pd.DataFrame,
    client_id: str,
    step_keys: Sequence[str],
    settings: Mapping[str, Any] | None = None,
    *,
    weakest: int = 3,
) -> tuple[float, str | None]:
    """Return the rule score and grade of one client if the given playbook steps worked.

    See :func:`grades_if_plans_work`.

    Raises
    ------
    ReviewError
        The client is not in the portfolio.
    """
    plans = pd.DataFrame({"client_id": str(client_id), "step": pd.Series(list(step_keys) or [None], dtype="object")})
    row = grades_if_plans_work(portfolio, plans, settings, weakest=weakest).iloc[0]
    grade = row["grade_if_plan_works"]
    return float(row["rule_score_if_plan_works"]), (None if pd.isna(grade) else str(grade))


def _client_row(portfolio: pd.DataFrame, client_id: str) -> pd.DataFrame:
    """The portfolio's row of one client, as a one-row frame; :class:`ReviewError` when it is not there."""
    row = portfolio.loc[portfolio["client_id"].astype(str) == str(client_id)]
    if row.empty:
        raise ReviewError(f"There is no client with id '{client_id}' in the portfolio.")
    return row


def suggested_steps(
    portfolio: pd.DataFrame, client_id: str, *, weakest: int = 3
) -> list[str]:
    """Return the playbook steps proposed for one client's weakest criteria (any grade), most useful first.

    Raises
    ------
    ReviewError
        The client is not in the portfolio.
    """
    row = _client_row(portfolio, client_id).assign(client_id=str(client_id))
    proposed = _steps_per_client(row, weakest_criteria(row, weakest)[["client_id", "criterion"]])
    return proposed["step"].tolist()


def plan_outcome(grade_now: str | None, score_if_works: float, grade_if_works: str | None, *, steps: int) -> str:
    """Say in one sentence what a lift plan would do to the rule grade, honestly when it would not lift it.

    Parameters
    ----------
    grade_now:
        The client's rule grade today (``None`` without one).
    score_if_works, grade_if_works:
        :func:`grade_if_plan_works`.
    steps:
        How many playbook steps the plan holds.

    Returns
    -------
    str
        E.g. "If this plan works, the rule grade goes from D to C (score 41)." or, for a plan that would not lift
        the client, "Even if this plan works, the rule grade stays D (score 30): these steps do not lift this
        client. Add steps for its weakest criteria, or consider a price rise or letting it go."
    """
    if not steps:
        return "Pick playbook steps to see what they would do to the rule grade."
    if grade_if_works is None or grade_now is None:
        return "The rule grade cannot be worked out for this client (it has no figures to score)."
    score = f"score {score_if_works:.0f}"
    if GRADE_RANK.get(grade_if_works, 9) < GRADE_RANK.get(grade_now, 9):
        return f"If this plan works, the rule grade goes from {grade_now} to {grade_if_works} ({score})."
    return (
        f"Even if this plan works, the rule grade stays {grade_if_works} ({score}): these steps do not lift this "
        "client. Add steps for its weakest criteria, or consider a price rise or letting it go."
    )


def lift_preview(
    portfolio: pd.DataFrame, client_id: str, step_keys: Sequence[str], settings: Mapping[str, Any] | None = None
) -> str:
    """Return :func:`plan_outcome` for one client and the playbook steps picked for it.

    Raises
    ------
    ReviewError
        The client is not in the portfolio.
    """
    grade_now = _client_row(portfolio, client_id)["rule_grade"].iloc[0]
    score, grade = grade_if_plan_works(portfolio, client_id, step_keys, settings)
    return plan_outcome(None if pd.isna(grade_now) else str(grade_now), score, grade, steps=len(step_keys))
