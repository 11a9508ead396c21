"""The grade colours, the same on every chart: A green, B blue, C amber, D red (readable for common colour
blindness, because they also differ in lightness), and grey for "not graded"."""

from __future__ import annotations

import altair as alt
from grading.vocabulary import GRADES, UNGRADED

GRADE_COLORS = {"A": "#1a9850", "B": "#4575b4", "C": "#f0a030", "D": "#d73027"}
UNGRADED_COLOR = "#9e9e9e"


def grade_color_scale() -> alt.Scale:
    """Return the colour scale that maps grades (and "not graded") to the house colours."""
    return alt.Scale(
        domain=[*GRADES, UNGRADED],
        range=[*(GRADE_COLORS[grade] for grade in GRADES), UNGRADED_COLOR],
    )


def grade_color(field: str, title: str = "Grade") -> alt.Color:
    """Return a colour encoding of ``field`` with the house grade colours and a legend titled ``title``."""
    return alt.Color(f"{field}:N", scale=grade_color_scale(), title=title, sort=[*GRADES, UNGRADED])
