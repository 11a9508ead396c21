"""What an import did, or would do: per file rows read and written, warnings, and the problems found."""

from __future__ import annotations

from dataclasses import dataclass, field

from grading.errors import ValidationIssue


@dataclass
class FileReport:
    """One file of an import.

    ``rows_new``, ``rows_replaced`` and ``rows_unchanged`` are ``None`` until the file is written (a validation
    alone does not count them). For grades, ``rows_unchanged`` counts rows skipped because the same event is
    stored already.
    """

    kind: str
    file_name: str
    rows_read: int = 0
    rows_new: int | None = None
    rows_replaced: int | None = None
    rows_unchanged: int | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def rows_written(self) -> int | None:
        """Rows added or replaced (``None`` before writing)."""
        if self.rows_new is None:
            return None
        return self.rows_new + (self.rows_replaced or 0)


@dataclass
class ImportReport:
    """The outcome of :func:`~grading.importer.validate_files`, :func:`~grading.importer.import_files` or
    :func:`~grading.importer.import_frames`.

    Attributes
    ----------
    files:
        One :class:`FileReport` per file, by kind, in the order the files are written.
    issues:
        The problems found (up to the cap); empty when the import is valid.
    issues_not_listed:
        How many more problems were found beyond the cap.
    written:
        Whether the files were written to the database.
    """

    files: dict[str, FileReport] = field(default_factory=dict)
    issues: list[ValidationIssue] = field(default_factory=list)
    issues_not_listed: int = 0
    written: bool = False

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.issues and not self.issues_not_listed

    @property
    def issue_count(self) -> int:
        """Every problem found, listed or not."""
        return len(self.issues) + self.issues_not_listed

    def summary(self) -> str:
        """Return a few lines for the CLI and the app: per file what was read and written, warnings, problems."""
        lines = []
        for file in self.files.values():
            line = f"{file.file_name} ({file.kind}): {file.rows_read} row(s) read"
            if file.rows_new is not None:
                line += f"; {file.rows_new} new, {file.rows_replaced} replaced, {file.rows_unchanged} unchanged"
            lines.append(line)
            lines.extend(f"  warning: {warning}" for warning in file.warnings)
        if not self.ok:
            lines.append(f"{self.issue_count} problem(s); nothing was written:")
            lines.extend(f"  {issue}" for issue in self.issues)
            if self.issues_not_listed:
                lines.append(f"  ... and {self.issues_not_listed} more problems not listed")
        elif self.written:
            lines.append("Import done.")
        else:
            lines.append("No problems found; nothing written yet.")
        return "\n".join(lines)
