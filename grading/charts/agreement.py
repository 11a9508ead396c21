"""How far the model's suggestions agree with the owner's grades: the confusion matrix and the candidates' scores."""

from __future__ import annotations

import altair as alt
import pandas as pd

from grading.vocabulary import GRADES


def confusion_long(confusion: pd.DataFrame) -> pd.DataFrame:
    """Return a confusion matrix (rows manual, columns suggested) as one row per cell.

    Parameters
    ----------
    confusion:
        :func:`grading.model.metrics.confusion_frame`: counts, index ``manual_grade``, columns ``suggested_grade``.

    Returns
    -------
    pandas.DataFrame
        ``manual_grade``, ``suggested_grade``, ``clients``, ``share_of_manual`` (the cell's share of its row, 0
        for an empty row) and ``agrees`` (the diagonal).
    """
    counts = confusion.reindex(index=list(GRADES), columns=list(GRADES), fill_value=0)
    counts = counts.rename_axis(index="manual_grade", columns="suggested_grade")
    row_totals = counts.sum(axis=1)
    shares = counts.div(row_totals.where(row_totals > 0), axis=0).fillna(0.0)
    long = counts.stack().rename("clients").reset_index()
    long["share_of_manual"] = shares.stack().to_numpy()
    long["clients"] = long["clients"].astype(int)
    long["agrees"] = long["manual_grade"] == long["suggested_grade"]
    return long


def confusion_chart(confusion: pd.DataFrame, *, title: str = "Manual against suggested grade") -> alt.LayerChart:
    """Return the confusion matrix as a heat map with the count in each cell.

    Parameters
    ----------
    confusion:
        :func:`grading.model.metrics.confusion_frame` (manual grades as rows, suggested as columns).
    title:
        The chart's title.

    Returns
    -------
    altair.LayerChart
        Rows are the owner's grade, columns the suggestion; the diagonal is agreement. The shade is the share of
        the row, so a rare grade's misses show as clearly as a common grade's.
    """
    data = confusion_long(confusion)
    base = alt.Chart(data).encode(
        x=alt.X(
            "suggested_grade:O",
            title="Suggested grade (model)",
            sort=list(GRADES),
            axis=alt.Axis(orient="top", labelAngle=0),
        ),
        y=alt.Y("manual_grade:O", title="Manual grade (yours)", sort=list(GRADES), axis=alt.Axis(labelAngle=0)),
    )
    cells = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color(
            "share_of_manual:Q",
            title="Share of your grade (%)",
            scale=alt.Scale(scheme="blues", domain=[0, 1]),
            legend=alt.Legend(format="%"),
        ),
        tooltip=[
            alt.Tooltip("manual_grade:N", title="Your grade"),
            alt.Tooltip("suggested_grade:N", title="Suggested grade"),
            alt.Tooltip("clients:Q", title="Clients"),
            alt.Tooltip("share_of_manual:Q", title="Share of your grade", format=".0%"),
        ],
    )
    counts = base.mark_text(fontSize=14).encode(
        text=alt.Text("clients:Q"),
        color=alt.condition("datum.share_of_manual > 0.5", alt.value("white"), alt.value("#212121")),
    )
    return alt.layer(cells, counts).properties(
        title=alt.Title(title, subtitle="Clients per pair of grades; the diagonal is agreement"),
        width=300,
        height=300,
    )


def candidates_chart(candidates: pd.DataFrame) -> alt.Chart:
    """Return the cross-validated QWK of every candidate model beside the rule and dummy baselines.

    Parameters
    ----------
    candidates:
        One row per candidate: ``candidate`` (its name), ``qwk`` and ``chosen`` (bool, the model in use);
        optional ``kind`` (``"model"`` or ``"baseline"``).

    Returns
    -------
    altair.Chart
        Horizontal bars, best first; the chosen model is dark, baselines are grey.
    """
    data = candidates.copy()
    if "kind" not in data.columns:
        data["kind"] = "model"
    data["role"] = data["kind"].where(~data["chosen"].astype(bool), "chosen")
    return (
        alt.Chart(data, title=alt.Title("Candidate models", subtitle="Cross-validated quadratic-weighted kappa"))
        .mark_bar()
        .encode(
            y=alt.Y("candidate:N", title=None, sort="-x", axis=alt.Axis(labelLimit=260)),
            x=alt.X(
                "qwk:Q", title="QWK against your grades (1 = perfect, 0 = chance)", scale=alt.Scale(domain=[-0.2, 1])
            ),
            color=alt.Color(
                "role:N",
                title="Role",
                scale=alt.Scale(domain=["chosen", "model", "baseline"], range=["#1f4e79", "#8fb3d9", "#9e9e9e"]),
            ),
            tooltip=[
                alt.Tooltip("candidate:N", title="Candidate"),
                alt.Tooltip("qwk:Q", title="QWK", format=".2f"),
                alt.Tooltip("role:N", title="Role"),
            ],
        )
        .properties(height=alt.Step(24))
    )


def candidate_frame(card: dict) -> pd.DataFrame:
    """Return the model card's cross-validated candidates (models, the rule grade, the dummy) as one table.

    Parameters
    ----------
    card:
        The active model's card (:func:`grading.model.persistence.load_model_card`).

    Returns
    -------
    pandas.DataFrame
        ``candidate`` (in words), ``name``, ``qwk``, ``accuracy``, ``within_one``, ``chosen`` (the model in use)
        and ``kind`` (``"model"``, or ``"baseline"`` for the rule grade and the dummy); best QWK first. Empty
        when the card lists no candidates.
    """
    from grading.model.candidates import CANDIDATE_TITLES

    candidates = (card or {}).get("cross_validation", {}).get("candidates", {}) or {}
    columns = ["candidate", "name", "qwk", "accuracy", "within_one", "chosen", "kind"]
    if not candidates:
        return pd.DataFrame(columns=columns)
    names = list(candidates)
    frame = pd.DataFrame(
        {
            "candidate": [CANDIDATE_TITLES.get(name, name) for name in names],
            "name": names,
            "qwk": [candidates[name].get("qwk") for name in names],
            "accuracy": [candidates[name].get("accuracy") for name in names],
            "within_one": [candidates[name].get("within_one") for name in names],
            "chosen": [name == card.get("model") for name in names],
            "kind": ["baseline" if name in {"rule_grade", "dummy"} else "model" for name in names],
        }
    )
    for column in ("qwk", "accuracy", "within_one"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return frame.sort_values("qwk", ascending=False, na_position="last", kind="stable").reset_index(drop=True)[columns]
