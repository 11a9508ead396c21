"""What the views of several pages share: the column of a grade source and the money format of a table column.

Grades as the labels charts and tables count them by are :func:`grading.vocabulary.grade_labels`."""

from __future__ import annotations

import pandas as pd

from grading.errors import ClientGradeError
from grading.formatting import currency_symbol
from grading.vocabulary import GRADE_SOURCES


def grade_column(grade_source: str) -> str:
    """Return the portfolio column holding ``grade_source`` (``"rule"`` gives ``"rule_grade"``).

    Raises
    ------
    ClientGradeError
        ``grade_source`` is not one of effective, manual, rule or suggested.
    """
    if grade_source not in GRADE_SOURCES:
        raise ClientGradeError(f"The grade source must be one of {', '.join(GRADE_SOURCES)}; got '{grade_source}'.")
    return f"{grade_source}_grade"


def money_format(currency: str, decimals: int = 0) -> str:
    """Return a printf-style number format that shows amounts in ``currency`` (for table columns)."""
    symbol = currency_symbol(currency).replace("%", "%%")
    return f"{symbol}%,.{decimals}f"
