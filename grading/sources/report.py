"""What a raw import read, derived and wrote, for the owner: as text (the CLI), as a dict (``--format json``) and
as frames (the app's preview before anything is written).

Public API
----------
- :class:`FileOutcome`, :class:`RawImportReport`
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from grading.errors import ValidationIssue
from grading.importer.writing import WriteCounts
from grading.sources.kinds import RAW_KINDS
from grading.sources.matching import UnresolvedName


@dataclass
class FileOutcome:
    """One file of a raw import: how it was read and what of it was used.

    Attributes
    ----------
    file, kind:
        The file's name and the kind it was given as.
    preset, reason:
        The preset it was read with, and why that one.
    conventions:
        How its dates and numbers were read ("dates day-first (told by the cells)").
    rows_read, rows_used:
        Data rows read, and those that went into a metric (or a client).
    first_date, last_date:
        The period its dates cover.
    unplaced_rows, unplaced_hours, unplaced_money:
        What could not be placed: rows of an unresolved client, payments of no invoice read.
    left_out:
        Rows left out on purpose, with why (total rows, voided invoices ...).
    """

    file: str
    kind: str
    preset: str
    reason: str
    conventions: list[str]
    rows_read: int
    rows_used: int = 0
    first_date: date | None = None
    last_date: date | None = None
    unplaced_rows: int = 0
    unplaced_hours: float = 0.0
    unplaced_money: float = 0.0
    left_out: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """A few lines about the file."""
        period = f"; {self.first_date} to {self.last_date}" if self.first_date else ""
        lines = [
            f"{self.file} ({RAW_KINDS[self.kind].label}): preset {self.preset} ({self.reason})",
            f"  {self.rows_read} row(s) read, {self.rows_used} used{period}",
        ]
        if self.conventions:
            lines.append(f"  read with: {', '.join(self.conventions)}")
        if self.unplaced_rows:
            parts = [f"{self.unplaced_rows} row(s)"]
            if self.unplaced_hours:
                parts.append(f"{self.unplaced_hours:g} hours")
            if self.unplaced_money:
                parts.append(f"{self.unplaced_money:,.2f} in money")
            lines.append(f"  could not be placed: {', '.join(parts)}")
        for note in self.left_out:
            lines.append(f"  left out: {note}")
        return "\n".join(lines)


def _plain(value: object) -> object:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (pd.Timestamp, date)):
        return value.isoformat()[:10]
    if hasattr(value, "item"):
        return _plain(value.item())  # numpy scalars
    return value


@dataclass
class RawImportReport:
    """The whole raw import.

    Attributes
    ----------
    files:
        One :class:`FileOutcome` per file, in the order given.
    metrics:
        Per monthly metric, where it came from (or that it is not in these files).
    unresolved:
        Client names that matched no client or two (their rows are not placed).
    clients:
        The clients as they would be written (``client_id``, ``name``, ``service_model``, ``seats``,
        ``client_since``), with ``how`` each was matched.
    monthly:
        The client-months as they would be written (the monthly metrics table's columns): metrics the files do not
        set keep the stored value (``revenue`` and ``labor_hours`` 0 in a new month, the table requires them).
    derived:
        The client-months as derived from the files alone, before merging with what is stored: ``NULL`` where a
        metric is not set (its kind's files do not cover the month, or lack what it needs). What a differential
        test compares.
    warnings:
        Things the owner should know that do not stop the import (a payment dated before its invoice ...).
    settings:
        The time zone, business hours and date order used.
    matches:
        How the files' client references (ids and names) were matched, with how many of each.
    issues:
        Problems that stop the import (file, row, column); empty when the files are fine.
    clients_written, months_written:
        New, replaced and unchanged rows (counted before writing with ``--check``).
    written:
        Whether the database was written.
    """

    files: list[FileOutcome] = field(default_factory=list)
    metrics: dict[str, str] = field(default_factory=dict)
    unresolved: list[UnresolvedName] = field(default_factory=list)
    clients: pd.DataFrame = field(default_factory=pd.DataFrame)
    monthly: pd.DataFrame = field(default_factory=pd.DataFrame)
    derived: pd.DataFrame = field(default_factory=pd.DataFrame)
    warnings: list[str] = field(default_factory=list)
    settings: dict[str, str] = field(default_factory=dict)
    issues: list[ValidationIssue] = field(default_factory=list)
    issues_not_listed: int = 0
    matches: dict[str, int] = field(default_factory=dict)
    clients_written: WriteCounts | None = None
    months_written: WriteCounts | None = None
    written: bool = False

    @property
    def ok(self) -> bool:
        """True when nothing stops the import."""
        return not self.issues and not self.issues_not_listed

    def matched(self) -> dict[str, int]:
        """How many clients were matched each way (``id``, ``name``, ``choice``, ``new``)."""
        if self.clients.empty or "how" not in self.clients:
            return {}
        return {str(how): int(count) for how, count in self.clients["how"].value_counts().sort_index().items()}

    def summary(self) -> str:
        """The report as text, for the CLI's stdout."""
        lines = [outcome.summary() for outcome in self.files]
        if self.settings:
            lines.append("settings: " + ", ".join(f"{key} {value}" for key, value in self.settings.items()))
        if self.metrics:
            lines.append("metrics:")
            lines.extend(f"  {metric}: {source}" for metric, source in self.metrics.items())
        if self.matches:
            words = {"id": "by id", "name": "by name", "choice": "by your saved answer", "new": "new clients",
                     "ambiguous": "matching two clients", "unmatched": "matching no client"}
            lines.append(f"clients: {len(self.clients)} placed; the files' client ids and names: "
                         + ", ".join(f"{count} {words.get(how, how)}" for how, count in self.matches.items()))
        if self.unresolved:
            lines.append("client names not resolved (their rows are not placed; answer them in [client_names] of a "
                         "mapping file):")
            for name in self.unresolved:
                if name.candidates:
                    lines.append(f"  '{name.name}' matches {len(name.candidates)} clients: {', '.join(name.candidates)}")
                else:
                    lines.append(f"  '{name.name}' matches no client")
        for warning in self.warnings:
            lines.append(f"warning: {warning}")
        if not self.ok:
            lines.extend(str(issue) for issue in self.issues)
            if self.issues_not_listed:
                lines.append(f"... and {self.issues_not_listed} more problems not listed")
            return "\n".join(lines)
        if self.clients_written is not None and self.months_written is not None:
            verb = "written" if self.written else "would be written"
            c, m = self.clients_written, self.months_written
            lines.append(f"clients {verb}: {c.new} new, {c.replaced} replaced, {c.unchanged} unchanged")
            lines.append(f"client-months {verb}: {m.new} new, {m.replaced} replaced, {m.unchanged} unchanged")
        lines.append("Import done." if self.written else "Checked: nothing was written.")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, object]:
        """The report as plain data (JSON-ready), for ``--format json``."""
        def counts(value: WriteCounts | None) -> dict[str, int] | None:
            return None if value is None else {"new": value.new, "replaced": value.replaced,
                                               "unchanged": value.unchanged}

        return {
            "ok": self.ok,
            "written": self.written,
            "files": [
                {key: _plain(value) for key, value in vars(outcome).items()} for outcome in self.files
            ],
            "settings": dict(self.settings),
            "metrics": dict(self.metrics),
            "clients": len(self.clients),
            "client_references": dict(self.matches),
            "unresolved_names": [
                {"name": name.name, "status": name.status, "candidates": list(name.candidates)}
                for name in self.unresolved
            ],
            "warnings": list(self.warnings),
            "issues": [
                {"file": issue.file, "row": issue.row, "column": issue.column, "message": issue.message}
                for issue in self.issues
            ],
            "issues_not_listed": self.issues_not_listed,
            "clients_written": counts(self.clients_written),
            "months_written": counts(self.months_written),
        }
