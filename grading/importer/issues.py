"""Collecting the problems of an import, with a cap on how many are listed.

A broken file of a million rows can have a million problems; listing the first :data:`MAX_LISTED_ISSUES` and
counting the rest keeps the report readable and keeps the work bounded (only listed issues become objects).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from grading.errors import ImportValidationError, ValidationIssue

if TYPE_CHECKING:
    # Only the careful way hands over arrays and frames; the express way logs no cell, and imports neither.
    import numpy as np
    import pandas as pd

MAX_LISTED_ISSUES = 200


def shorten(value: object, limit: int = 40) -> str:
    """Return ``value`` as text of at most ``limit`` characters, for quoting a cell in a message."""
    text = str(value)
    text = text.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")
    return text if len(text) <= limit else text[: limit - 3] + "..."


class IssueLog:
    """The problems found so far in an import: the first ``cap`` as :class:`ValidationIssue`, the rest counted."""

    def __init__(self, cap: int = MAX_LISTED_ISSUES):
        self.cap = cap
        self.issues: list[ValidationIssue] = []
        self.not_listed = 0

    def __len__(self) -> int:
        return len(self.issues) + self.not_listed

    def add(self, file: str, row: int | None, column: str | None, message: str) -> None:
        """Record one problem."""
        if len(self.issues) < self.cap:
            self.issues.append(ValidationIssue(file, row, column, message))
        else:
            self.not_listed += 1

    def add_cells(
        self,
        file: str,
        rows: np.ndarray,
        column: str | None,
        message: str,
        values: Sequence[object] | np.ndarray | None = None,
    ) -> None:
        """Record the same problem for many rows at once.

        Parameters
        ----------
        file, column:
            Where the problem is.
        rows:
            Spreadsheet row numbers of the bad cells.
        message:
            The message; ``{value}`` in it is replaced by the row's value from ``values`` (shortened).
        values:
            The bad cells' values, aligned with ``rows``.
        """
        import numpy as np

        rows = np.asarray(rows)
        room = max(self.cap - len(self.issues), 0)
        listed = min(room, len(rows))
        # Only the listed issues become objects, so a file with a million bad rows costs no more than the cap.
        for position in range(listed):
            text = message
            if values is not None and "{value}" in message:
                text = message.replace("{value}", shorten(values[position]))
            self.issues.append(ValidationIssue(file, int(rows[position]), column, text))
        self.not_listed += len(rows) - listed

    def add_mask(
        self,
        file: str,
        column: str | None,
        mask: np.ndarray,
        rows: np.ndarray,
        message: str,
        values: pd.Series | None = None,
    ) -> None:
        """Record the same problem for the rows where ``mask`` is true.

        ``values`` is aligned with ``mask`` (all rows); only the listed rows' values are looked at.
        """
        import numpy as np

        positions = np.flatnonzero(mask)
        if not len(positions):
            return
        listed = positions[: max(self.cap - len(self.issues), 0)]
        shown = values.iloc[listed].tolist() if values is not None else None
        self.add_cells(file, rows[listed], column, message, shown)
        self.not_listed += len(positions) - len(listed)

    def raise_if_any(self) -> None:
        """Raise :class:`ImportValidationError` with every listed problem, when there is at least one.

        Raises
        ------
        ImportValidationError
            At least one problem was recorded.
        """
        if len(self):
            raise ImportValidationError(self.issues, self.not_listed)
