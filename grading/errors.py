"""The project's own error types.

Every error a user can cause or meet (a bad file, a locked database, a tampered model file) is one of these,
with a message that says what to fix. The CLI prints the message without a traceback; the app shows it in an
error box.
"""

from __future__ import annotations

from dataclasses import dataclass


class ClientGradeError(Exception):
    """Base class: an error whose message is meant for the user."""


class StoreError(ClientGradeError):
    """The database refused a query or a write; the message says what to do."""


class DatabaseLockedError(StoreError):
    """Another process holds the database file open for writing."""


class SettingError(ClientGradeError):
    """A setting's name is unknown or its value is out of range."""


class ModelFileError(ClientGradeError):
    """A saved model file is missing, altered, or holds a type that is not trusted."""


@dataclass(frozen=True)
class ValidationIssue:
    """One problem found in an imported file.

    ``row`` is the line number in the file as a spreadsheet shows it (the header is row 1, the first data row is
    row 2); ``None`` for problems of the whole file. ``column`` is the column's name as the contract spells it,
    ``None`` where the problem is not in one column.
    """

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.message}"


class ImportValidationError(ClientGradeError):
    """An import was refused; ``issues`` lists every problem found (up to a cap), and nothing was written."""

    def __init__(self, issues: list[ValidationIssue], truncated: int = 0):
        self.issues = list(issues)
        self.truncated = truncated
        lines = [str(issue) for issue in self.issues]
        if truncated:
            lines.append(f"... and {truncated} more problems not listed")
        header = f"Import refused, nothing was written: {len(self.issues) + truncated} problem(s)."
        super().__init__("\n".join([header, *lines]))
