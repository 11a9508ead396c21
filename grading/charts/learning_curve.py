"""The learning curve on Suggested vs manual: agreement with the owner's grades against how many grades were given,
beside the rule grade's line, so the owner sees how sure the suggestions are and what more grades would buy."""

from __future__ import annotations

import altair as alt
import pandas as pd

SUGGESTIONS = "Suggestions"
RULES = "Rule grade"


def learning_curve_frame(card: dict | None) -> pd.DataFrame:
    """Return the model card's learning curve as one row per point and line.

    Parameters
    ----------
    card:
        The active model's card (:func:`grading.model.persistence.load_model_card`), or None.

    Returns
    -------
    pandas.DataFrame
        ``n_grades``, ``line`` (:data:`SUGGESTIONS` or :data:`RULES`) and ``qwk``; empty (with these columns)
        when the card has no curve (a model trained before curves were measured, or no model).
    """
    points = ((card or {}).get("learning_curve") or {}).get("points") or []
    columns = ["n_grades", "line", "qwk"]
    if not points:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame(points)
    long = pd.concat(
        [
            pd.DataFrame({"n_grades": frame["n_grades"], "line": SUGGESTIONS, "qwk": frame["qwk"]}),
            pd.DataFrame({"n_grades": frame["n_grades"], "line": RULES, "qwk": frame["rule_qwk"]}),
        ],
        ignore_index=True,
    )
    long["n_grades"] = pd.to_numeric(long["n_grades"]).astype("int64")
    long["qwk"] = pd.to_numeric(long["qwk"], errors="coerce").astype("float64")
    return long[columns]


def learning_curve_chart(curve: pd.DataFrame, *, title: str = "How agreement grows with your grades") -> alt.Chart:
    """Return the learning curve as two lines: the suggestions' agreement, and the rule grade's flat line.

    Parameters
    ----------
    curve:
        :func:`learning_curve_frame`.
    title:
        The chart's title.

    Returns
    -------
    altair.Chart
        x: grades learned from (log scale, one review of 24 grades to the whole history); y: QWK against the
        owner's grades for clients the model did not learn from.
    """
    return (
        alt.Chart(
            curve,
            title=alt.Title(
                title,
                subtitle="Agreement with your grades on clients held out, after learning from your first grades",
            ),
        )
        .mark_line(point=True)
        .encode(
            x=alt.X("n_grades:Q", title="Grades learned from", scale=alt.Scale(type="log", nice=False)),
            y=alt.Y("qwk:Q", title="QWK against your grades (1 = perfect, 0 = chance)", scale=alt.Scale(domain=[0, 1])),
            color=alt.Color(
                "line:N",
                title=None,
                scale=alt.Scale(domain=[SUGGESTIONS, RULES], range=["#1f4e79", "#9e9e9e"]),
            ),
            strokeDash=alt.StrokeDash(
                "line:N", scale=alt.Scale(domain=[SUGGESTIONS, RULES], range=[[1, 0], [6, 4]]), legend=None
            ),
            tooltip=[
                alt.Tooltip("line:N", title="Line"),
                alt.Tooltip("n_grades:Q", title="Grades"),
                alt.Tooltip("qwk:Q", title="QWK", format=".2f"),
            ],
        )
        .properties(height=260)
    )
