"""The import contract as data: the four files, their columns, types, ranges and a line of help for each.

Everything about imports is derived from :data:`CONTRACTS`: validation (:mod:`grading.importer.validation`), the
SQL that writes a file (:mod:`grading.importer.writing`), the template files (:mod:`grading.templates`) and the
tables in the README (:func:`contract_markdown`). To change the contract, change it here.
"""

from __future__ import annotations

from dataclasses import dataclass

from grading.vocabulary import CALLER_IDS, GRADES, SERVICE_MODELS

TEXT = "text"
INTEGER = "integer"
NUMBER = "number"
DATE = "date"
MONTH = "month"
CHOICE = "choice"

# The years a date or month may have: earlier or later ones are typing mistakes (0224 for 2024).
FIRST_YEAR = 1900
LAST_YEAR = 2199

# DuckDB's INTEGER; a larger count in a file is a mistake, and refusing it here keeps it from reaching the store.
INTEGER_MAX = 2_147_483_647

SQL_TYPES = {TEXT: "VARCHAR", INTEGER: "INTEGER", NUMBER: "DOUBLE", DATE: "DATE", MONTH: "DATE", CHOICE: "VARCHAR"}


@dataclass(frozen=True)
class Column:
    """One column of an import file.

    Attributes
    ----------
    name:
        The column's name in the file (matched case-insensitively, surrounding whitespace ignored).
    type:
        One of ``text``, ``integer``, ``number``, ``date`` (``YYYY-MM-DD``), ``month`` (``YYYY-MM`` or a date in
        that month, stored as the first of the month) or ``choice`` (one of ``choices``).
    required:
        A required column must be in the header and have a value in every row; an optional one may be left out
        or left empty.
    help:
        One line for the owner: what the column means.
    minimum, maximum:
        Inclusive range for ``integer`` and ``number`` columns.
    choices:
        Allowed values of a ``choice`` column, as stored; matched case-insensitively.
    aliases:
        Other spellings accepted for a choice, as ``(spelling, stored value)`` pairs (lower-case spelling).
    at_most:
        Name of another column of the same row that this one may not exceed (``after_hours_tickets <= tickets``).
    empty_as:
        What an empty cell is stored as: ``None`` stores NULL (unknown); ``""`` stores an empty text.
    examples:
        Two example values, used in the template files.
    """

    name: str
    type: str
    required: bool
    help: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    aliases: tuple[tuple[str, str], ...] = ()
    at_most: str | None = None
    empty_as: str | None = None
    examples: tuple[str, str] = ("", "")

    @property
    def sql_type(self) -> str:
        """The DuckDB type the value is written as."""
        return SQL_TYPES[self.type]

    def allowed(self) -> str:
        """Describe the allowed values in a few words (for help texts, messages and the README)."""
        if self.type == CHOICE:
            text = " | ".join(self.choices)
            if self.aliases:
                text += " (also " + ", ".join(f'"{spelling}"' for spelling, _ in self.aliases) + ")"
            return text
        if self.type in (INTEGER, NUMBER):
            kind = "whole number" if self.type == INTEGER else "number"
            if self.minimum is not None and self.maximum is not None and self.maximum != INTEGER_MAX:
                text = f"{kind} {self.minimum:g}-{self.maximum:g}"
            elif self.minimum is not None:
                text = f"{kind} >= {self.minimum:g}"
            else:
                text = kind
            if self.at_most:
                text += f", <= {self.at_most}"
            return text
        if self.type == DATE:
            return "date YYYY-MM-DD"
        if self.type == MONTH:
            return "YYYY-MM, or a date in that month"
        return "text"


@dataclass(frozen=True)
class FileContract:
    """One import file: its kind, table, columns, key, and what importing a row with an existing key does.

    Attributes
    ----------
    kind:
        ``clients``, ``monthly``, ``assessments`` or ``grades``.
    file_name:
        The file's usual name (``monthly.csv``), used for templates and in messages about frames.
    table:
        The table the rows are written to.
    key:
        Columns that identify a row. Two rows of one file with the same key are refused as duplicates.
    appends:
        ``False``: a row whose key is stored already replaces it. ``True`` (grades): rows are appended, and a
        row identical to a stored one is skipped.
    description:
        One line about the file.
    """

    kind: str
    file_name: str
    table: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    appends: bool
    description: str

    @property
    def column_names(self) -> tuple[str, ...]:
        """Every column's name, in contract order."""
        return tuple(column.name for column in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        """Names of the columns the header must have."""
        return tuple(column.name for column in self.columns if column.required)

    def column(self, name: str) -> Column:
        """Return the column called ``name``.

        Raises
        ------
        KeyError
            The file has no such column.
        """
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)


def _count(name: str, help: str, examples: tuple[str, str], at_most: str | None = None) -> Column:
    return Column(name, INTEGER, False, help, minimum=0, maximum=INTEGER_MAX, at_most=at_most, examples=examples)


def _score(name: str, help: str, examples: tuple[str, str]) -> Column:
    return Column(name, INTEGER, False, help, minimum=1, maximum=5, examples=examples)


_CLIENT_ID = "The client's ID in your PSA or accounting system"

CLIENTS = FileContract(
    kind="clients",
    file_name="clients.csv",
    table="clients",
    key=("client_id",),
    appends=False,
    description="One row per client. A client_id already stored is updated with the file's values.",
    columns=(
        Column("client_id", TEXT, True, f"{_CLIENT_ID}; unique in the file.", examples=("C001", "C002")),
        Column("name", TEXT, True, "The client's name.", examples=("Harbour Dental", "Miller & Sons Logistics")),
        Column(
            "service_model",
            CHOICE,
            False,
            "How you serve the client.",
            choices=SERVICE_MODELS,
            aliases=(("break/fix", "break_fix"), ("break-fix", "break_fix"), ("break fix", "break_fix")),
            examples=("managed", "break_fix"),
        ),
        Column(
            "seats",
            INTEGER,
            False,
            "Users or endpoints under your care.",
            minimum=0,
            maximum=INTEGER_MAX,
            examples=("25", "8"),
        ),
        Column("client_since", DATE, False, "When the client started with you.", examples=("2019-04-01", "2022-11-15")),
    ),
)

MONTHLY = FileContract(
    kind="monthly",
    file_name="monthly.csv",
    table="monthly_metrics",
    key=("client_id", "month"),
    appends=False,
    description="One row per client and month. A client-month already stored is replaced by the file's row.",
    columns=(
        Column("client_id", TEXT, True, "A client in the database or in the clients file of the same import.",
               examples=("C001", "C002")),
        Column("month", MONTH, True, "The month the row is about.", examples=("2024-05", "2024-05")),
        Column("revenue", NUMBER, True, "Everything billed that month.", minimum=0, examples=("4250.00", "980.50")),
        Column("labor_hours", NUMBER, True, "Technician time actually spent that month.", minimum=0,
               examples=("38.5", "21.25")),
        Column("direct_costs", NUMBER, False, "Licences, tools and third-party costs for the client that month.",
               minimum=0, examples=("610.00", "45.00")),
        _count("tickets", "Tickets raised that month.", ("31", "19")),
        _count("after_hours_tickets", "Tickets raised outside business hours.", ("2", "6"), at_most="tickets"),
        _count("emergency_tickets", "Tickets raised as emergencies.", ("1", "4"), at_most="tickets"),
        Column("days_to_pay", NUMBER, False, "Average days to pay that month's invoices.", minimum=0,
               examples=("12", "47.5")),
        _count("disputed_invoices", "Invoices the client disputed that month.", ("0", "2")),
    ),
)

ASSESSMENTS = FileContract(
    kind="assessments",
    file_name="assessments.csv",
    table="assessments",
    key=("client_id", "assessed_on", "assessor"),
    appends=False,
    description="The relationship survey, any number per client over time; scores run from 1 (poor) to 5 (great). "
    "A row with the client, date and assessor of a stored one replaces it.",
    columns=(
        Column("client_id", TEXT, True, "A client in the database or in the clients file of the same import.",
               examples=("C001", "C002")),
        Column("assessed_on", DATE, True, "The day of the assessment.", examples=("2024-06-03", "2024-06-03")),
        Column("assessor", TEXT, False, "Who assessed.", empty_as="", examples=("Dana", "Dana")),
        _score("pays_on_time", "Pays on time without arguing.", ("5", "2")),
        _score("values_service", "Sees the value of what you do.", ("4", "2")),
        _score("trusted_advisor", "Treats you as a trusted advisor, not a cost.", ("5", "1")),
        _score("follows_process", "Uses the ticketing process instead of calling at 10 pm.", ("4", "2")),
        _score("open_to_recommendations", "Takes your recommendations.", ("4", "1")),
        Column("caller_id", CHOICE, False, "Your gut reaction when the client's name shows on the phone.",
               choices=CALLER_IDS, examples=("happy", "dread")),
        Column("note", TEXT, False, "Anything worth remembering.",
               examples=("Prepays hardware", "Three invoices open, nephew tinkers")),
    ),
)

GRADES_FILE = FileContract(
    kind="grades",
    file_name="grades.csv",
    table="grade_events",
    key=("client_id", "graded_on", "grade", "grader", "note"),
    appends=True,
    description="Manual grade history: rows are appended, never overwritten; a row identical to a stored grade "
    "is skipped.",
    columns=(
        Column("client_id", TEXT, True, "A client in the database or in the clients file of the same import.",
               examples=("C001", "C002")),
        Column("graded_on", DATE, True, "The day the grade was given.", examples=("2024-06-10", "2024-06-10")),
        Column("grade", CHOICE, True, "The grade you gave.", choices=GRADES, examples=("A", "D")),
        Column("grader", TEXT, False, "Who graded.", empty_as="", examples=("Dana", "Dana")),
        Column("note", TEXT, False, "Why.", empty_as="", examples=("Model client", "Fire after contract ends")),
    ),
)

CONTRACTS: dict[str, FileContract] = {
    contract.kind: contract for contract in (CLIENTS, MONTHLY, ASSESSMENTS, GRADES_FILE)
}
FILE_KINDS: tuple[str, ...] = tuple(CONTRACTS)


def contract_for(kind: str) -> FileContract:
    """Return the contract of the file kind ``kind``.

    Raises
    ------
    KeyError
        ``kind`` is not one of :data:`FILE_KINDS`.
    """
    try:
        return CONTRACTS[kind]
    except KeyError:
        raise KeyError(f"'{kind}' is not an import file kind; expected one of {', '.join(FILE_KINDS)}") from None


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def contract_markdown(heading_level: int = 3) -> str:
    """Render the contract as markdown: one heading and one table per file (the README's import section).

    Parameters
    ----------
    heading_level:
        Number of ``#`` before each file's heading.

    Returns
    -------
    str
        Markdown text ending in a newline.
    """
    parts = []
    for contract in CONTRACTS.values():
        parts.append(f"{'#' * heading_level} `{contract.file_name}`\n")
        parts.append(f"{contract.description}\n")
        parts.append("| Column | Required | Values | Meaning |")
        parts.append("|---|---|---|---|")
        for column in contract.columns:
            required = "yes" if column.required else "no"
            parts.append(
                f"| `{column.name}` | {required} | {_cell(column.allowed())} | {_cell(column.help)} |"
            )
        parts.append("")
    return "\n".join(parts)
