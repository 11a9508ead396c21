"""The monthly metrics derived from the typed raw rows, in DuckDB SQL (SOURCES.md, "How each monthly metric is
derived"), per client and calendar month in the owner's time zone:

- ``revenue``: invoice totals less tax, by invoice month; voided invoices, documents that are not sales invoices
  and credit notes left out (a credit note marks the invoice it credits as disputed; its revenue stays as
  invoiced, as the definition reads);
- ``direct_costs``: costs by month;
- ``labor_hours``: time-entry hours by work month, billable or not;
- ``tickets``: tickets opened that month; ``emergency_tickets``: those whose priority means emergency;
- ``after_hours_tickets``: tickets opened that month outside business hours (or on a day off), or with a time entry
  outside business hours (its start, ``after_hours_hours`` > 0, or an after-hours work type);
- ``days_to_pay``: mean over the month's paid invoices of paid date - invoice date (never below 0); the paid date is
  ``paid_date``, else the date of the payment that brought the payments to the invoice total (less credits);
- ``disputed_invoices``: invoices with ``credited`` > 0, a disputed status, or a credit note against them;
- clients: ``name``, ``seats``, ``service_model``, ``client_since`` from companies; else the name any file gives
  beside the id, and ``client_since`` the first month with activity.

A metric is *set* for a month when the files of its kind cover that month (from the first to the last month of
each file's dates) and the files carry what it needs (emergency needs a priority; days to pay needs a paid date or
payments). :func:`derive` returns the coverage with the metrics, so writing replaces exactly what the files cover
and keeps everything else.

Public API
----------
- :class:`BusinessHours` and :func:`parse_business_hours`, :func:`parse_working_days`
- :class:`Derived` and :func:`derive`
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time

import pandas as pd

from grading.errors import ClientGradeError
from grading.importer.issues import IssueLog
from grading.sources.matching import UnresolvedName, resolve_clients
from grading.sources.staging import EXAMPLES, StagedFile
from grading.sources.values import literal
from grading.sources.workspace import Workspace

METRICS = ("revenue", "labor_hours", "direct_costs", "tickets", "after_hours_tickets", "emergency_tickets",
           "days_to_pay", "disputed_invoices")
# The kind whose files a metric comes from (its coverage).
METRIC_KIND = {
    "revenue": "invoices", "days_to_pay": "invoices", "disputed_invoices": "invoices", "labor_hours": "time_entries",
    "direct_costs": "costs", "tickets": "tickets", "after_hours_tickets": "tickets", "emergency_tickets": "tickets",
}
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SERVICE_MODELS = {
    "managed": ("managed", "managed services", "managed service", "msp", "fully managed", "all inclusive",
                "all-inclusive", "managed it"),
    "break_fix": ("break_fix", "break/fix", "break fix", "break-fix", "time and materials", "time & materials", "t&m",
                  "ad hoc", "pay as you go"),
    "project": ("project", "projects", "project based"),
    "hybrid": ("hybrid", "co-managed", "co managed", "comanaged"),
}


@dataclass(frozen=True)
class BusinessHours:
    """When the owner's business is open: ``start``-``end`` on ``days`` (ISO weekday numbers, Monday = 1)."""

    start: time = time(8, 0)
    end: time = time(18, 0)
    days: tuple[int, ...] = (1, 2, 3, 4, 5)

    def describe(self) -> str:
        """``08:00-18:00 Mon-Fri`` style text for the report."""
        runs: list[list[int]] = []
        for day in self.days:
            if runs and day == runs[-1][-1] + 1:
                runs[-1].append(day)
            else:
                runs.append([day])
        names = ",".join(_DAYS[run[0] - 1].capitalize() + (f"-{_DAYS[run[-1] - 1].capitalize()}" if len(run) > 1
                                                           else "") for run in runs)
        return f"{self.start:%H:%M}-{self.end:%H:%M} {names}"


def parse_business_hours(text: str) -> tuple[time, time]:
    """Read ``HH:MM-HH:MM`` (start before end).

    Raises
    ------
    ClientGradeError
        Not in that form, or the end is not after the start.
    """
    found = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", str(text))
    if not found:
        raise ClientGradeError(f"business hours '{text}' are not HH:MM-HH:MM (e.g. 08:00-18:00)")
    hours = [int(part) for part in found.groups()]
    try:
        start, end = time(hours[0], hours[1]), time(hours[2] % 24, hours[3]) if hours[2] < 24 else time(23, 59, 59)
    except ValueError:
        raise ClientGradeError(f"business hours '{text}' are not times of day") from None
    if end <= start:
        raise ClientGradeError(f"business hours '{text}' end before they start")
    return start, end


def parse_working_days(text: str) -> tuple[int, ...]:
    """Read ``Mon-Fri`` or ``Mon,Tue,Thu`` (English day abbreviations) into ISO weekday numbers.

    Raises
    ------
    ClientGradeError
        A day is not one of Mon ... Sun.
    """
    days: set[int] = set()
    for part in str(text).lower().replace(" ", "").split(","):
        ends = part.split("-")
        if not part or len(ends) > 2 or any(end[:3] not in _DAYS for end in ends):
            raise ClientGradeError(f"working days '{text}' are not like Mon-Fri or Mon,Tue,Wed")
        first, last = _DAYS.index(ends[0][:3]), _DAYS.index(ends[-1][:3])
        span = range(first, last + 1) if first <= last else [*range(first, 7), *range(0, last + 1)]
        days.update(day + 1 for day in span)
    return tuple(sorted(days))


@dataclass
class Derived:
    """What the derivation found.

    Attributes
    ----------
    monthly:
        One row per client and month with activity: ``client_id``, ``month`` and the metrics (``NULL`` where not set).
    coverage:
        One row per month any file covers: ``month`` and ``set_<metric>`` (whether the files set that metric).
    clients:
        One row per client placed: ``client_id``, ``name``, ``service_model``, ``seats``, ``client_since``,
        ``first_activity``, ``how`` (how it was matched).
    unresolved:
        Client names that matched no client or two.
    per_file:
        Per ``file_id``: ``rows_used``, ``unplaced_rows``, ``unplaced_hours``, ``unplaced_money``, ``first_date``,
        ``last_date``, ``left_out`` (rows left out on purpose, with why).
    sources:
        Per metric, where it came from (for the report).
    matches:
        How the files' client references were matched: ``id``, ``name``, ``choice`` (the owner's answer), ``new``,
        ``ambiguous``, ``unmatched``, with how many distinct references each.
    warnings:
        Things the owner should know that do not stop the import.
    """

    monthly: pd.DataFrame
    coverage: pd.DataFrame
    clients: pd.DataFrame
    unresolved: list[UnresolvedName]
    per_file: dict[int, dict[str, object]]
    sources: dict[str, str]
    warnings: list[str] = field(default_factory=list)
    matches: dict[str, int] = field(default_factory=dict)


def _union(workspace: Workspace, kind: str, files: list[StagedFile]) -> str | None:
    if not files:
        return None
    if len(files) == 1:
        # One file is its own union: a copy of a million rows would cost as much as reading them.
        return files[0].typed
    table = workspace.table_name(f"all_{kind}")
    workspace.execute(f"CREATE TABLE {table} AS " + " UNION ALL BY NAME ".join(
        f"SELECT * FROM {file.typed}" for file in files))
    return table


def _names(files: list[StagedFile]) -> dict[int, StagedFile]:
    return {file.file_id: file for file in files}


def _log_examples(log: IssueLog, files: dict[int, StagedFile], rows: list[tuple], column_of, message) -> None:
    for row in rows[:EXAMPLES]:
        file = files[int(row[0])]
        log.add(file.raw.name, int(row[1]), column_of(file), message(row))
    if len(rows) > EXAMPLES:
        log.add(files[int(rows[0][0])].raw.name, None, None, f"... and {len(rows) - EXAMPLES} more rows like these")


def _check_duplicates(workspace: Workspace, table: str, key: str, files: dict[int, StagedFile],
                      same: str | None, what: str, log: IssueLog) -> int:
    """Log rows repeating ``key``; with ``same``, rows equal in ``same`` are one thing read twice (counted, kept once).

    Returns how many rows repeat an earlier one exactly (left out).
    """
    repeats = int(workspace.scalar(
        f'SELECT count("{key}") - count(DISTINCT "{key}") FROM {table}'
    ) or 0)
    if not repeats:
        return 0
    conflict = "true" if same is None else f"count(DISTINCT ({same})) > 1"
    rows = workspace.rows(
        f"""
        SELECT file_id, row_no, "{key}", first_file, first_row FROM (
            SELECT file_id, row_no, "{key}",
                first_value(file_id) OVER w AS first_file, first_value(row_no) OVER w AS first_row,
                row_number() OVER w AS position
            FROM {table} WHERE "{key}" IS NOT NULL
            WINDOW w AS (PARTITION BY "{key}" ORDER BY file_id, row_no)
        ) WHERE position > 1 AND "{key}" IN (SELECT "{key}" FROM {table} WHERE "{key}" IS NOT NULL
                                            GROUP BY "{key}" HAVING count(*) > 1 AND {conflict})
        ORDER BY file_id, row_no LIMIT {EXAMPLES + 1}
        """
    )
    _log_examples(
        log, files, rows, lambda file: file.mapping.columns.get(key),
        lambda row: f"{what} '{row[2]}' appears twice (first in {files[int(row[3])].raw.name} row {row[4]})"
        + ("" if same is None else " with other values"),
    )
    return 0 if same is None else repeats


def _dedupe(workspace: Workspace, table: str, key: str) -> str:
    deduped = workspace.table_name(f"{table}_once")
    workspace.execute(
        f"CREATE TABLE {deduped} AS SELECT * FROM {table} "
        f"QUALIFY \"{key}\" IS NULL OR row_number() OVER (PARTITION BY \"{key}\" ORDER BY file_id, row_no) = 1"
    )
    return deduped


def _outside(moment: str, has_time: str, hours: BusinessHours) -> str:
    """SQL: the moment falls outside business hours (a day off counts whatever the time)."""
    days = ", ".join(str(day) for day in hours.days)
    return (
        f"(isodow({moment}) NOT IN ({days}) OR ({has_time} AND (CAST({moment} AS TIME) < "
        f"TIME {literal(hours.start.isoformat())} OR CAST({moment} AS TIME) >= TIME {literal(hours.end.isoformat())})))"
    )


def derive(
    workspace: Workspace,
    staged: list[StagedFile],
    stored_clients: pd.DataFrame,
    choices: dict[str, str],
    hours: BusinessHours,
    log: IssueLog,
) -> Derived | None:
    """Check the rows across files and derive the clients and monthly metrics.

    Parameters
    ----------
    workspace:
        The import's workspace, holding every file's typed table.
    staged:
        Every file of the import, typed.
    stored_clients:
        The clients the database holds (``client_id``, ``name``), for matching names.
    choices:
        Name key to client id: the owner's answers for names.
    hours:
        Business hours and working days.
    log:
        Problems are logged here (a repeated entry id, a time entry whose ticket is in no tickets file ...).

    Returns
    -------
    Derived or None
        ``None`` when a problem was logged (nothing is derived from files with problems).
    """
    by_kind = {kind: [f for f in staged if f.kind == kind] for kind in
               ("time_entries", "tickets", "invoices", "payments", "costs", "companies")}
    files = _names(staged)
    tables = {kind: _union(workspace, kind, group) for kind, group in by_kind.items()}
    left_out: dict[int, list[str]] = {file.file_id: [] for file in staged}

    if tables["time_entries"]:
        _check_duplicates(workspace, tables["time_entries"], "entry_id", files, None, "entry id", log)
    if tables["tickets"]:
        repeated = _check_duplicates(workspace, tables["tickets"], "ticket", files, "client, opened", "ticket", log)
        if repeated:
            log_note = f"{repeated} ticket row(s) repeat a ticket read already (same client and opening) and count once"
            for file in by_kind["tickets"]:
                left_out[file.file_id].append(log_note)
            # Only then: without a ticket twice there is nothing to keep once, and the copy of every row is saved.
            tables["tickets"] = _dedupe(workspace, tables["tickets"], "ticket")
    if tables["invoices"]:
        repeated = _check_duplicates(workspace, tables["invoices"], "invoice", files, "client, date, total",
                                     "invoice", log)
        if repeated:
            for file in by_kind["invoices"]:
                left_out[file.file_id].append(f"{repeated} invoice row(s) repeat an invoice read already (same client, "
                                              "date and total: the lines of one invoice) and count once")
            tables["invoices"] = _dedupe(workspace, tables["invoices"], "invoice")
    if tables["time_entries"]:
        _check_tickets(workspace, tables["time_entries"], tables["tickets"], files, log)
    if len(log):
        return None

    resolved, unresolved = _resolve(workspace, tables, stored_clients, choices)
    placed = _place(workspace, tables, resolved, hours)
    warnings = _payment_warnings(workspace, placed, files)
    monthly, coverage, sources = _metrics(workspace, tables, placed, by_kind)
    monthly, clamped = clamp_negative_months(monthly)
    warnings += clamped
    clients = _clients(workspace, tables, placed, resolved)
    per_file = _per_file(workspace, placed, staged, left_out)
    matches = {str(how): int(count) for how, count in
               workspace.rows(f"SELECT how, count(*) FROM {resolved} GROUP BY how ORDER BY how")}
    return Derived(monthly, coverage, clients, unresolved, per_file, sources, warnings, matches)


def _check_tickets(workspace: Workspace, time_table: str, tickets: str | None, files: dict[int, StagedFile],
                   log: IssueLog) -> None:
    """A time entry's ticket must be in a tickets file (and one without a client needs it to find its client)."""
    if tickets is None:
        rows = workspace.rows(
            f"SELECT file_id, row_no, ticket FROM {time_table} WHERE client IS NULL AND ticket IS NOT NULL "
            f"ORDER BY file_id, row_no LIMIT {EXAMPLES + 1}"
        )
        _log_examples(log, files, rows, lambda file: file.mapping.columns.get("ticket"),
                      lambda row: f"the entry names ticket '{row[2]}' but no client, and no tickets file was given "
                      "to find its client (add --tickets)")
        return
    rows = workspace.rows(
        f"SELECT file_id, row_no, ticket FROM {time_table} AS t WHERE ticket IS NOT NULL AND ticket_applies "
        f"AND NOT EXISTS (SELECT 1 FROM {tickets} AS k WHERE k.ticket = t.ticket) "
        f"ORDER BY file_id, row_no LIMIT {EXAMPLES + 1}"
    )
    _log_examples(log, files, rows, lambda file: file.mapping.columns.get("ticket"),
                  lambda row: f"ticket '{row[2]}' is in no tickets file")


def _resolve(workspace: Workspace, tables: dict[str, str | None], stored: pd.DataFrame, choices: dict[str, str]):
    parts = []
    for kind, table in tables.items():
        if table is None:
            continue
        name = "name" if kind == "companies" else "client_name"
        parts.append(f"SELECT DISTINCT client, client_by_id AS by_id, {name} AS client_name FROM {table} "
                     "WHERE client IS NOT NULL")
    references = workspace.table_name("client_references")
    if parts:
        workspace.execute(f"CREATE TABLE {references} AS " + " UNION ".join(parts))
    else:
        workspace.execute(f"CREATE TABLE {references} (client VARCHAR, by_id BOOLEAN, client_name VARCHAR)")
    ids_given = bool(workspace.scalar(f"SELECT count(*) FROM {references} WHERE by_id"))
    return resolve_clients(workspace, references, stored, choices, ids_given=ids_given)


def _client_join(alias: str, resolved: str) -> str:
    return (f"LEFT JOIN {resolved} AS rc ON rc.client = {alias}.client AND rc.by_id = {alias}.client_by_id")


def _place(workspace: Workspace, tables: dict[str, str | None], resolved: str, hours: BusinessHours) -> dict[str, str]:
    """Per kind, a table of its rows with ``client_id`` (NULL where not placed) and the month they count in."""
    placed: dict[str, str] = {}
    if tables["tickets"]:
        placed["tickets"] = workspace.table_name("placed_tickets")
        workspace.execute(
            f"""CREATE TABLE {placed['tickets']} AS
            SELECT t.file_id, t.row_no, t.ticket, rc.client_id, t.opened,
                CAST(date_trunc('month', t.opened) AS DATE) AS month, t.emergency, t.opened_has_time,
                {_outside('t.opened', 't.opened_has_time', hours)} AS opened_outside
            FROM {tables['tickets']} AS t {_client_join('t', resolved)}"""
        )
    if tables["time_entries"]:
        placed["time_entries"] = workspace.table_name("placed_time")
        ticket_join = (f"LEFT JOIN {placed['tickets']} AS k ON k.ticket = t.ticket AND t.ticket_applies"
                       if "tickets" in placed else "LEFT JOIN (SELECT NULL AS ticket, CAST(NULL AS VARCHAR) AS "
                       "client_id WHERE false) AS k ON k.ticket = t.ticket")
        moment = "coalesce(t.start, t.date)"
        workspace.execute(
            f"""CREATE TABLE {placed['time_entries']} AS
            SELECT t.file_id, t.row_no, CASE WHEN t.ticket_applies THEN t.ticket END AS ticket,
                CASE WHEN t.client IS NOT NULL THEN rc.client_id ELSE k.client_id END AS client_id,
                t.hours, CAST(date_trunc('month', t.date) AS DATE) AS month, CAST(t.date AS DATE) AS day,
                ({_outside(moment, 't.start_has_time', hours)} OR coalesce(t.after_hours_hours, 0) > 0
                 OR t.after_hours_work) AS after_hours,
                t.start IS NOT NULL OR t.start_has_time OR t.after_hours_hours IS NOT NULL AS tells_hours
            FROM {tables['time_entries']} AS t {_client_join('t', resolved)} {ticket_join}"""
        )
    if tables["invoices"]:
        placed["invoices"] = workspace.table_name("placed_invoices")
        workspace.execute(
            f"""CREATE TABLE {placed['invoices']} AS
            SELECT i.file_id, i.row_no, i.invoice, i.invoice_id, rc.client_id, i.date,
                CAST(date_trunc('month', i.date) AS DATE) AS month, i.total, i.total - coalesce(i.tax, 0) AS net,
                i.paid_date, i.credited, i.credit_for, i.is_sale, i.is_voided, i.disputed_status, i.disputes_known,
                i.credit_for IS NULL AND i.is_sale AND NOT i.is_voided AS counts
            FROM {tables['invoices']} AS i {_client_join('i', resolved)}"""
        )
    if tables["payments"]:
        placed["payments"] = workspace.table_name("placed_payments")
        invoices = placed.get("invoices")
        by_number = (f"SELECT DISTINCT invoice FROM {invoices} WHERE counts" if invoices
                     else "SELECT CAST(NULL AS VARCHAR) AS invoice WHERE false")
        # An internal id links a payment only when exactly one invoice has it.
        by_id = (f"SELECT invoice_id, any_value(invoice) AS invoice FROM {invoices} WHERE counts AND invoice_id IS NOT "
                 "NULL GROUP BY invoice_id HAVING count(*) = 1" if invoices
                 else "SELECT CAST(NULL AS VARCHAR) AS invoice_id, CAST(NULL AS VARCHAR) AS invoice WHERE false")
        workspace.execute(
            f"""CREATE TABLE {placed['payments']} AS
            SELECT p.file_id, p.row_no, p.date, p.amount,
                CASE WHEN p.links_invoice THEN coalesce(n.invoice, d.invoice) END AS invoice_key, p.links_invoice
            FROM {tables['payments']} AS p
            LEFT JOIN ({by_number}) AS n ON n.invoice = p.invoice
            LEFT JOIN ({by_id}) AS d ON d.invoice_id = p.invoice"""
        )
    if tables["costs"]:
        placed["costs"] = workspace.table_name("placed_costs")
        workspace.execute(
            f"""CREATE TABLE {placed['costs']} AS
            SELECT c.file_id, c.row_no, rc.client_id, c.amount, CAST(date_trunc('month', c.date) AS DATE) AS month,
                c.date
            FROM {tables['costs']} AS c {_client_join('c', resolved)}"""
        )
    return placed


def _payment_warnings(workspace: Workspace, placed: dict[str, str], files: dict[int, StagedFile]) -> list[str]:
    if "payments" not in placed or "invoices" not in placed:
        return []
    rows = workspace.rows(
        f"""SELECT p.file_id, p.row_no, p.invoice_key, p.date, i.date FROM {placed['payments']} AS p
            JOIN {placed['invoices']} AS i ON i.invoice = p.invoice_key AND i.counts
            WHERE p.date < i.date ORDER BY p.file_id, p.row_no"""
    )
    warnings = [
        f"{files[int(file_id)].raw.name}, row {row_no}: the payment of invoice '{invoice}' on {paid} is dated before "
        f"the invoice ({dated}); days to pay counts it as 0"
        for file_id, row_no, invoice, paid, dated in rows[:EXAMPLES]
    ]
    if len(rows) > EXAMPLES:
        warnings.append(f"... and {len(rows) - EXAMPLES} more payments dated before their invoice")
    return warnings


def _coverage_sql(placed: dict[str, str]) -> str:
    """SQL of ``(kind, month)``: every month from the first to the last month of each file's dates."""
    month_column = {"time_entries": "month", "tickets": "month", "invoices": "month", "costs": "month"}
    parts = []
    for kind, column in month_column.items():
        if kind in placed:
            parts.append(
                f"SELECT '{kind}' AS kind, CAST(unnest(generate_series(min({column}), max({column}), INTERVAL 1 MONTH)) "
                f"AS DATE) AS month FROM {placed[kind]} GROUP BY file_id"
            )
    if not parts:
        return "SELECT CAST(NULL AS VARCHAR) AS kind, CAST(NULL AS DATE) AS month WHERE false"
    return " UNION ".join(parts)


def _exact_sum(column: str) -> str:
    """SQL summing a DOUBLE column the same way every time.

    DuckDB adds doubles in whatever order its threads meet them, so a float sum can differ in its last bits from one
    run to the next, and re-importing the same files would then "replace" unchanged client-months. Each value is
    rounded to a millionth (far below a cent or a second) and summed as an exact decimal.
    """
    return f"CAST(sum(CAST({column} AS DECIMAL(38, 6))) AS DOUBLE)"


def _metrics(workspace: Workspace, tables: dict[str, str | None], placed: dict[str, str],
             by_kind: dict[str, list[StagedFile]]) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """The monthly metrics per client and month, the coverage, and where each metric came from."""
    has = {kind: kind in placed for kind in ("time_entries", "tickets", "invoices", "payments", "costs")}
    mapped = {kind: {name for file in group for name in file.mapping.columns} for kind, group in by_kind.items()}
    derivable = {
        "revenue": has["invoices"],
        "days_to_pay": has["invoices"] and ("paid_date" in mapped["invoices"] or has["payments"]),
        "disputed_invoices": has["invoices"] and bool({"credited", "status", "credit_for"} & mapped["invoices"]),
        "labor_hours": has["time_entries"],
        "direct_costs": has["costs"],
        "tickets": has["tickets"],
        "emergency_tickets": has["tickets"] and "priority" in mapped["tickets"],
        "after_hours_tickets": has["tickets"] and bool(
            workspace.scalar(f"SELECT bool_or(opened_has_time) FROM {placed['tickets']}")
            or (has["time_entries"] and workspace.scalar(
                f"SELECT bool_or(tells_hours OR after_hours) FROM {placed['time_entries']} WHERE ticket IS NOT NULL"))
        ) if has["tickets"] else False,
    }
    sources = _sources(derivable, by_kind, mapped)
    parts = []
    if has["invoices"]:
        paid_by_payments = "SELECT CAST(NULL AS VARCHAR) AS invoice_key, CAST(NULL AS DATE) AS paid WHERE false"
        if has["payments"]:
            # The paid date is the date of the payment that brought the payments up to the invoice total.
            paid_by_payments = f"""
                SELECT r.invoice_key, min(r.date) AS paid
                FROM (SELECT invoice_key, date, sum(amount) OVER (PARTITION BY invoice_key ORDER BY date, file_id, row_no
                                                                  ROWS UNBOUNDED PRECEDING) AS running
                      FROM {placed['payments']} WHERE invoice_key IS NOT NULL) AS r
                JOIN (SELECT invoice, any_value(total - coalesce(credited, 0)) AS due FROM {placed['invoices']}
                      WHERE counts GROUP BY invoice) AS i ON i.invoice = r.invoice_key
                WHERE r.running >= i.due - 0.005
                GROUP BY r.invoice_key"""
        workspace.execute(
            f"""CREATE TABLE invoice_months AS
            WITH credits AS (
                SELECT credit_for, sum(abs(net)) AS amount FROM {placed['invoices']} WHERE credit_for IS NOT NULL
                GROUP BY credit_for
            ), paid_by_payments AS ({paid_by_payments}),
            invoices AS (
                SELECT i.*, coalesce(i.paid_date, pp.paid) AS paid, coalesce(c1.amount, c2.amount) AS credit
                FROM {placed['invoices']} AS i
                LEFT JOIN paid_by_payments AS pp ON pp.invoice_key = i.invoice
                LEFT JOIN credits AS c1 ON c1.credit_for = i.invoice
                LEFT JOIN credits AS c2 ON c2.credit_for = i.invoice_id
                WHERE i.counts AND i.client_id IS NOT NULL
            )
            SELECT client_id, month, {_exact_sum('net')} AS revenue,
                avg(greatest(date_diff('day', date, paid), 0)) FILTER (WHERE paid IS NOT NULL) AS days_to_pay,
                count(*) FILTER (WHERE coalesce(credited, 0) > 0 OR disputed_status OR coalesce(credit, 0) > 0)
                    AS disputed_invoices
            FROM invoices GROUP BY client_id, month"""
        )
        parts.append("invoice_months")
    if has["time_entries"]:
        workspace.execute(
            f"CREATE TABLE time_months AS SELECT client_id, month, {_exact_sum('hours')} AS labor_hours "
            f"FROM {placed['time_entries']} WHERE client_id IS NOT NULL GROUP BY client_id, month"
        )
        parts.append("time_months")
    if has["tickets"]:
        after_hours_work = (
            f"SELECT DISTINCT ticket FROM {placed['time_entries']} WHERE after_hours AND ticket IS NOT NULL"
            if has["time_entries"] else "SELECT CAST(NULL AS VARCHAR) AS ticket WHERE false"
        )
        workspace.execute(
            f"""CREATE TABLE ticket_months AS
            SELECT client_id, month, count(*) AS tickets, count(*) FILTER (WHERE emergency) AS emergency_tickets,
                count(*) FILTER (WHERE opened_outside OR e.ticket IS NOT NULL) AS after_hours_tickets
            FROM {placed['tickets']} AS k LEFT JOIN ({after_hours_work}) AS e ON e.ticket = k.ticket
            WHERE client_id IS NOT NULL GROUP BY client_id, month"""
        )
        parts.append("ticket_months")
    if has["costs"]:
        workspace.execute(
            f"CREATE TABLE cost_months AS SELECT client_id, month, {_exact_sum('amount')} AS direct_costs "
            f"FROM {placed['costs']} WHERE client_id IS NOT NULL GROUP BY client_id, month"
        )
        parts.append("cost_months")
    workspace.execute(f"CREATE TABLE covered AS {_coverage_sql(placed)}")
    sets = ", ".join(
        f"bool_or(kind = '{METRIC_KIND[metric]}') AND {'true' if derivable[metric] else 'false'} AS set_{metric}"
        for metric in METRICS
    )
    coverage = workspace.query(f"SELECT month, {sets} FROM covered GROUP BY month ORDER BY month")
    if not parts:
        empty = pd.DataFrame({"client_id": pd.Series(dtype="string"), "month": pd.Series(dtype="datetime64[s]")})
        for metric in METRICS:
            empty[metric] = pd.Series(dtype="float64")
        return empty, coverage, sources
    keys = " UNION ".join(f"SELECT client_id, month FROM {part}" for part in parts)
    joins = " ".join(f"LEFT JOIN {part} USING (client_id, month)" for part in parts)
    zero = {"days_to_pay": None}
    columns = []
    for metric in METRICS:
        available = {"invoice_months": ("revenue", "days_to_pay", "disputed_invoices"), "time_months": ("labor_hours",),
                     "ticket_months": ("tickets", "emergency_tickets", "after_hours_tickets"),
                     "cost_months": ("direct_costs",)}
        source = next((part for part, names in available.items() if metric in names and part in parts), None)
        if source is None or not derivable[metric]:
            columns.append(f"CAST(NULL AS DOUBLE) AS {metric}")
            continue
        value = f"{source}.{metric}" if metric in zero else f"coalesce({source}.{metric}, 0)"
        columns.append(f"CASE WHEN c.set_{metric} THEN {value} END AS {metric}")
    monthly = workspace.query(
        f"""SELECT keys.client_id, keys.month, {', '.join(columns)}
            FROM ({keys}) AS keys {joins}
            LEFT JOIN (SELECT month, {sets} FROM covered GROUP BY month) AS c USING (month)
            ORDER BY keys.client_id, keys.month"""
    )
    return monthly, coverage, sources


def clamp_negative_months(monthly: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Months whose credits or refunds outweigh what was billed or spent count 0, and say so.

    A month's revenue or direct costs below zero cannot be stored (nor graded): it is counted as 0, and each such
    client-month is named in a warning.
    """
    warnings = []
    for metric, words in (("revenue", "credits exceed what was invoiced"), ("direct_costs", "refunds exceed the "
                                                                                            "costs")):
        negative = monthly[metric].astype(float) < 0
        for _, row in monthly.loc[negative].head(EXAMPLES).iterrows():
            warnings.append(f"{row['client_id']}, {pd.Timestamp(row['month']):%Y-%m}: {words} ({row[metric]:,.2f}); "
                            f"{metric} counted as 0")
        if negative.sum() > EXAMPLES:
            warnings.append(f"... and {int(negative.sum()) - EXAMPLES} more client-months with {metric} below 0")
        if negative.any():
            monthly = monthly.copy()
            monthly.loc[negative, metric] = 0.0
    return monthly, warnings


def _sources(derivable: dict[str, bool], by_kind: dict[str, list[StagedFile]], mapped: dict[str, set[str]]) -> dict[str, str]:
    def names(kind: str) -> str:
        return ", ".join(file.raw.name for file in by_kind[kind])

    needs = {
        "revenue": "invoices (total less tax)", "days_to_pay": "invoices with a paid date, or payments",
        "disputed_invoices": "invoices with credited, status or credit notes", "labor_hours": "time entries (hours)",
        "direct_costs": "costs", "tickets": "tickets (opened)", "emergency_tickets": "tickets with a priority",
        "after_hours_tickets": "tickets with opening times, or time entries with start times",
    }
    sources = {}
    for metric in METRICS:
        kind = METRIC_KIND[metric]
        if derivable[metric]:
            text = f"{kind.replace('_', ' ')}: {names(kind)}"
            if metric == "days_to_pay" and by_kind["payments"]:
                text += f"; payments: {names('payments')}"
            if metric == "after_hours_tickets" and by_kind["time_entries"]:
                text += f"; time entries: {names('time_entries')}"
            sources[metric] = text
        else:
            sources[metric] = f"not in these files (needs {needs[metric]}); stored values kept"
    del mapped
    return sources


def _service_model_sql(text: str) -> str:
    cases = " ".join(
        f"WHEN lower(trim({text})) IN ({', '.join(literal(alias) for alias in aliases)}) THEN {literal(model)}"
        for model, aliases in _SERVICE_MODELS.items()
    )
    return f"CASE {cases} END"


def _clients(workspace: Workspace, tables: dict[str, str | None], placed: dict[str, str], resolved: str) -> pd.DataFrame:
    activity = " UNION ALL ".join(
        f"SELECT client_id, min(month) AS month FROM {placed[kind]} WHERE client_id IS NOT NULL GROUP BY client_id"
        for kind in ("time_entries", "tickets", "invoices", "costs") if kind in placed
    ) or "SELECT CAST(NULL AS VARCHAR) AS client_id, CAST(NULL AS DATE) AS month WHERE false"
    names = " UNION ALL ".join(
        f"SELECT rc.client_id, {'t.client_name' if kind != 'companies' else 't.name'} AS name, "
        f"{'0' if kind == 'companies' else '1'} AS rank FROM {tables[kind]} AS t {_client_join('t', resolved)} "
        f"WHERE rc.client_id IS NOT NULL AND {'t.client_name' if kind != 'companies' else 't.name'} IS NOT NULL"
        for kind in ("companies", "time_entries", "tickets", "invoices", "payments", "costs") if tables.get(kind)
    )
    companies = tables.get("companies")
    company_columns = (
        f"""SELECT rc.client_id, any_value(CAST(round(t.seats) AS INTEGER)) AS seats,
               any_value({_service_model_sql('t.service_model')}) AS service_model,
               any_value(t.service_model) AS service_model_text, min(t.client_since) AS client_since
            FROM {companies} AS t {_client_join('t', resolved)} WHERE rc.client_id IS NOT NULL GROUP BY rc.client_id"""
        if companies else
        "SELECT CAST(NULL AS VARCHAR) AS client_id, CAST(NULL AS INTEGER) AS seats, CAST(NULL AS VARCHAR) AS "
        "service_model, CAST(NULL AS VARCHAR) AS service_model_text, CAST(NULL AS DATE) AS client_since WHERE false"
    )
    return workspace.query(
        f"""WITH placed AS (
                SELECT DISTINCT client_id FROM {resolved} WHERE client_id IS NOT NULL
            ), first_activity AS (SELECT client_id, min(month) AS first_activity FROM ({activity}) GROUP BY client_id),
            named AS (SELECT client_id, arg_min(name, rank) AS name FROM ({names or "SELECT NULL AS client_id, NULL AS name, 0 AS rank WHERE false"}) GROUP BY client_id),
            company AS ({company_columns}),
            how AS (SELECT client_id, min(how) AS how FROM {resolved} WHERE client_id IS NOT NULL GROUP BY client_id)
        SELECT p.client_id, n.name, c.service_model, c.service_model_text, c.seats, c.client_since,
            f.first_activity, h.how
        FROM placed AS p LEFT JOIN named AS n USING (client_id) LEFT JOIN company AS c USING (client_id)
        LEFT JOIN first_activity AS f USING (client_id) LEFT JOIN how AS h USING (client_id)
        ORDER BY p.client_id"""
    )


def _per_file(workspace: Workspace, placed: dict[str, str], staged: list[StagedFile],
              left_out: dict[int, list[str]]) -> dict[int, dict[str, object]]:
    """Per file: rows used, what could not be placed (rows, hours, money), the period its dates cover."""
    out: dict[int, dict[str, object]] = {}
    queries = {
        "time_entries": ("client_id IS NOT NULL", "hours", "NULL", "day"),
        "tickets": ("client_id IS NOT NULL", "NULL", "NULL", "CAST(opened AS DATE)"),
        "invoices": ("client_id IS NOT NULL AND counts", "NULL", "net", "date"),
        "payments": ("invoice_key IS NOT NULL", "NULL", "amount", "date"),
        "costs": ("client_id IS NOT NULL", "NULL", "amount", "date"),
    }
    for file in staged:
        info: dict[str, object] = {"rows_used": file.raw.rows_read, "unplaced_rows": 0, "unplaced_hours": 0.0,
                                   "unplaced_money": 0.0, "first_date": None, "last_date": None,
                                   "left_out": list(left_out.get(file.file_id, []))}
        if file.kind in queries and file.kind in placed:
            used, hours, money, day = queries[file.kind]
            not_placed = f"NOT ({used})" if file.kind != "invoices" else "client_id IS NULL AND counts"
            row = workspace.rows(
                f"""SELECT count(*) FILTER (WHERE {used}), count(*) FILTER (WHERE {not_placed}),
                        coalesce(sum({hours}) FILTER (WHERE {not_placed}), 0),
                        coalesce(sum({money}) FILTER (WHERE {not_placed}), 0), min({day}), max({day})
                    FROM {placed[file.kind]} WHERE file_id = ?""",
                [file.file_id],
            )[0]
            info.update(rows_used=int(row[0]), unplaced_rows=int(row[1]), unplaced_hours=float(row[2] or 0),
                        unplaced_money=float(row[3] or 0), first_date=row[4], last_date=row[5])
            if file.kind == "invoices":
                skipped = workspace.rows(
                    f"""SELECT count(*) FILTER (WHERE is_voided AND credit_for IS NULL),
                            count(*) FILTER (WHERE NOT is_sale), count(*) FILTER (WHERE credit_for IS NOT NULL)
                        FROM {placed['invoices']} WHERE file_id = ?""",
                    [file.file_id],
                )[0]
                for count, why in zip(skipped, ("voided", "not sales invoices", "credit notes (they mark the "
                                                "invoice they credit as disputed)")):
                    if count:
                        info["left_out"].append(f"{count} row(s) {why}")  # type: ignore[union-attr]
            if file.kind == "payments":
                unlinked = workspace.scalar(
                    f"SELECT count(*) FROM {placed['payments']} WHERE file_id = ? AND NOT links_invoice",
                    [file.file_id])
                if unlinked:
                    info["left_out"].append(f"{unlinked} row(s) linked to something other than an invoice")  # type: ignore[union-attr]
        out[file.file_id] = info
    return out
