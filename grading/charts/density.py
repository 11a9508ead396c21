"""A scatter of a large book that stays readable and light: dots where they tell, shaded squares where they crowd.

Ten thousand dots are a blot in which no single client can be seen, and they make the browser draw (and the server
send) ten thousand marks. Above :data:`MAX_MARKS` clients, :func:`thin_scatter` keeps as dots every client the
owner must never lose sight of (the D clients) and the outliers (clients alone, or nearly, in their square of the
grid), and counts everyone else into the squares of a grid, drawn as a density layer under the dots. Nobody is
dropped: each client is either a dot or counted in exactly one square.
"""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd

from grading.vocabulary import GRADES, UNGRADED

#: Up to this many clients every client is a dot; above it the crowd becomes squares.
MAX_MARKS = 2_500
#: Squares per axis of the density grid (at most BINS x BINS squares are drawn).
BINS = 40
#: A square holding at most this many clients shows them as dots instead (when the marks allow).
SPARSE_CLIENTS = 2


@dataclass(frozen=True)
class ThinnedScatter:
    """A scatter split into the clients drawn as dots and the squares the others are counted in.

    Attributes
    ----------
    dots:
        The rows of the points drawn one by one, in their order.
    cells:
        One row per non-empty square of the others: ``x_start``, ``x_end``, ``y_start``, ``y_end``, ``clients``
        (how many), and ``grade_<G>`` counts per grade (``grade_not graded`` for the ungraded). Empty when
        every client is a dot.
    """

    dots: pd.DataFrame
    cells: pd.DataFrame

    @property
    def thinned(self) -> bool:
        """Whether some clients are counted in squares rather than drawn as dots."""
        return not self.cells.empty

    @property
    def marks(self) -> int:
        """How many marks the chart draws for the clients (dots plus squares)."""
        return len(self.dots) + len(self.cells)


def _bin_index(values: np.ndarray, low: float, high: float, bins: int) -> np.ndarray:
    span = high - low if high > low else 1.0
    return np.clip(np.floor((values - low) / span * bins), 0, bins - 1).astype(np.int64)


def thin_scatter(
    points: pd.DataFrame,
    x: str,
    y: str,
    grade: str,
    *,
    always: tuple[str, ...] = ("D",),
    max_marks: int = MAX_MARKS,
    bins: int = BINS,
    x_range: tuple[float, float] | None = None,
    y_range: tuple[float, float] | None = None,
) -> ThinnedScatter:
    """Split ``points`` into dots and density squares when there are more than ``max_marks``.

    Parameters
    ----------
    points:
        One row per client, with numeric ``x`` and ``y`` (no missing values) and the ``grade`` that colours it.
    x, y, grade:
        Column names.
    always:
        Grades always drawn as dots, however many (the D clients: the ones an owner acts on).
    max_marks:
        Up to this many points, every point is a dot and there are no squares.
    bins:
        Squares per axis.
    x_range, y_range:
        The grid's extent (default: the data's own minimum and maximum).

    Returns
    -------
    ThinnedScatter
        Every point is either among the dots or counted in exactly one square. Beside the points of ``always``,
        the points of a square holding at most :data:`SPARSE_CLIENTS` of the others are dots too (the outliers),
        as far as the marks stay within ``max_marks``.
    """
    if len(points) <= max_marks:
        return ThinnedScatter(points, pd.DataFrame())
    xs = points[x].to_numpy(dtype="float64")
    ys = points[y].to_numpy(dtype="float64")
    x_low, x_high = x_range if x_range is not None else (float(np.min(xs)), float(np.max(xs)))
    y_low, y_high = y_range if y_range is not None else (float(np.min(ys)), float(np.max(ys)))
    cell = _bin_index(xs, x_low, x_high, bins) * bins + _bin_index(ys, y_low, y_high, bins)
    kept = points[grade].isin(always).to_numpy()
    crowd = np.bincount(cell[~kept], minlength=bins * bins)
    # Outliers are drawn as dots: squares of one or two clients first, then only lone ones, while the marks allow.
    for sparse in range(SPARSE_CLIENTS, -1, -1):
        lonely = ~kept & (crowd[cell] <= sparse)
        squares = np.count_nonzero(crowd > sparse)
        if sparse == 0 or np.count_nonzero(kept | lonely) + squares <= max_marks:
            break
    dotted = kept | lonely
    counted = points.loc[~dotted]
    cells = _cells(counted, cell[~dotted], grade, bins, (x_low, x_high), (y_low, y_high))
    # Numbered afresh: a chart sends a frame's index that is not 0, 1, 2... to the browser as one more column.
    return ThinnedScatter(points.loc[dotted].reset_index(drop=True), cells)


def _cells(counted: pd.DataFrame, cell: np.ndarray, grade: str, bins: int, x_range, y_range) -> pd.DataFrame:
    """One row per non-empty square: its extent, how many clients, and how many of each grade."""
    grades = counted[grade].astype("object").where(counted[grade].notna(), UNGRADED).to_numpy()
    per_grade = pd.crosstab(cell, grades)
    for label in (*GRADES, UNGRADED):
        if label not in per_grade.columns:
            per_grade[label] = 0
    index = per_grade.index.to_numpy()
    x_step = (x_range[1] - x_range[0]) / bins if x_range[1] > x_range[0] else 1.0 / bins
    y_step = (y_range[1] - y_range[0]) / bins if y_range[1] > y_range[0] else 1.0 / bins
    column, row = index // bins, index % bins
    frame = pd.DataFrame(
        {
            "x_start": x_range[0] + column * x_step,
            "x_end": x_range[0] + (column + 1) * x_step,
            "y_start": y_range[0] + row * y_step,
            "y_end": y_range[0] + (row + 1) * y_step,
            "clients": per_grade.sum(axis=1).to_numpy(),
        }
    )
    for label in (*GRADES, UNGRADED):
        frame[f"grade_{label}"] = per_grade[label].to_numpy()
    return frame


def density_layer(
    cells: pd.DataFrame,
    *,
    x_title: str,
    y_title: str,
    x_scale: alt.Scale | None = None,
    y_scale: alt.Scale | None = None,
) -> alt.Chart:
    """Return the squares as a grey density layer (darker where more clients sit) with a tooltip of the counts.

    The titles and scales are the scatter's own, so the squares share its axes.
    """
    tooltip = [alt.Tooltip("clients:Q", title="Clients in this square", format=",")]
    tooltip += [alt.Tooltip(f"grade_{label}:Q", title=f"of them {label}", format=",")
                for label in (*GRADES, UNGRADED)]
    x_scale = x_scale if x_scale is not None else alt.Undefined
    y_scale = y_scale if y_scale is not None else alt.Undefined
    return (
        alt.Chart(cells)
        .mark_rect(opacity=0.85)
        .encode(
            x=alt.X("x_start:Q", title=x_title, scale=x_scale),
            x2=alt.X2("x_end:Q"),
            y=alt.Y("y_start:Q", title=y_title, scale=y_scale),
            y2=alt.Y2("y_end:Q"),
            color=alt.Color(
                "clients:Q",
                title="Clients per square",
                scale=alt.Scale(scheme="greys", type="log"),
                legend=alt.Legend(orient="bottom", direction="horizontal", format=","),
            ),
            tooltip=tooltip,
        )
    )


def thinned_note(thinned: ThinnedScatter, always: str = "D") -> str:
    """One sentence saying what the dots are and how many clients the squares hold."""
    counted = int(thinned.cells["clients"].sum()) if thinned.thinned else 0
    return (
        f"{len(thinned.dots):,} clients drawn as dots (every {always} client and the outliers); the other "
        f"{counted:,} counted in grey squares, darker where more sit"
    )
