"""From a staged raw file to a typed table of canonical fields, with every unreadable cell reported.

For each file: the mapping is chosen (:func:`choose_mapping`: the file's own ``NAME:PATH`` preset, else the mapping
file's table for its kind, else ``--preset``, else the preset recognised from the headers), the file's date order and
decimal separator are told from its cells (or taken from the mapping and the settings), and one ``CREATE TABLE ...
AS SELECT`` turns the text cells into typed canonical fields (:mod:`grading.sources.values`). The value conventions
(which priorities mean emergency, which statuses mean voided ...) are applied here too, so the derivation sees
plain booleans and never a file's own labels.

Every problem is logged with file, row and column: a cell that cannot be read, a required value missing, negative
hours, a date order the file cannot tell. Nothing is guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from grading.importer.issues import IssueLog
from grading.sources.files import RawTable
from grading.sources.kinds import DATE, DATETIME, FLAG, HOURS, NUMBER, RAW_KINDS, TEXT
from grading.sources.mapping import FileMapping, MappingFile, normalised_header
from grading.sources.presets import GENERIC, PRESETS, missing_fields, recognise, resolve
from grading.sources.values import (
    DAY_FIRST,
    MONTH_FIRST,
    NUMERIC_DATE,
    comma_decimal_sql,
    day_sql,
    dot_decimal_sql,
    flag_sql,
    has_time_sql,
    hours_sql,
    in_list_sql,
    moment_sql,
    number_sql,
    text_sql,
    time_of_day_sql,
)
from grading.sources.workspace import Workspace

# How many example rows a problem found in many rows lists before counting the rest.
EXAMPLES = 20
# How many first rows tell a file's date order, unless they all read two ways.
DATE_SAMPLE = 20_000


@dataclass
class StagedFile:
    """One file of an import, read and typed.

    Attributes
    ----------
    raw:
        The staged text cells.
    kind:
        The kind it was given as.
    file_id:
        Its number within the import (rows of several files of one kind are told apart by it).
    preset, reason:
        The preset it is read with, and why that one.
    mapping:
        Its mapping, resolved against its headers.
    typed:
        The workspace table of its typed canonical fields (set by :func:`type_file`).
    date_order, decimal:
        The conventions it was read with; ``conventions`` says how they were told.
    ambiguous_date:
        ``(row, header, value)`` of a date that reads two ways, while the file's date order is not settled.
    """

    raw: RawTable
    kind: str
    file_id: int
    preset: str
    reason: str
    mapping: FileMapping
    typed: str = ""
    date_order: str | None = None
    decimal: str = "."
    conventions: list[str] = field(default_factory=list)
    ambiguous_date: tuple[int, str, str] | None = None


def _match_headers(raw: RawTable, mapping: FileMapping, source: str, log: IssueLog) -> FileMapping | None:
    """The mapping with its headers spelled as the file spells them; a header the file lacks is logged."""
    by_key = {normalised_header(header): header for header in raw.headers}
    columns = {}
    ok = True
    for canonical, header in mapping.columns.items():
        found = by_key.get(normalised_header(header))
        if found is None:
            shown = ", ".join(raw.headers[:12]) + (" ..." if len(raw.headers) > 12 else "")
            log.add(raw.name, None, header, f"{source} names column '{header}' for {canonical}, but the file has no "
                    f"such column (its columns: {shown})")
            ok = False
        else:
            columns[canonical] = found
    return mapping.with_columns(columns) if ok else None


def choose_mapping(
    raw: RawTable,
    kind: str,
    preset_name: str | None,
    named_in_file: bool,
    mapping_file: MappingFile | None,
    explicit: FileMapping | None,
    log: IssueLog,
) -> tuple[str, str, FileMapping] | None:
    """Choose how to read one file; log why not when no way fits.

    Parameters
    ----------
    raw:
        The staged file.
    kind:
        The kind it was given as.
    preset_name:
        A preset named for this file (``NAME:PATH``) or for the whole import (``--preset``), or ``None``.
    named_in_file:
        Whether ``preset_name`` came with the file itself (it then wins over the mapping file).
    mapping_file:
        The import's mapping file, if any.
    explicit:
        A mapping built for this very file (the mapping screen); it wins over everything.

    Returns
    -------
    (preset name, reason, FileMapping) or None
    """
    kind_label = RAW_KINDS[kind].label
    if explicit is not None:
        chosen = (GENERIC, "mapped by hand", explicit, "the mapping")
    elif preset_name is not None and named_in_file and preset_name != GENERIC:
        chosen = _preset_choice(raw, kind, preset_name, f"named with the file ({preset_name}:{raw.name})", log)
    elif mapping_file is not None and kind in mapping_file.kinds:
        chosen = (GENERIC, f"the mapping file {mapping_file.name}, table [{kind}]", mapping_file.kinds[kind],
                  f"the mapping file's [{kind}]")
    elif preset_name is not None:
        why = f"named with the file ({preset_name}:{raw.name})" if named_in_file else f"named with --preset {preset_name}"
        chosen = _preset_choice(raw, kind, preset_name, why, log)
    else:
        recognition = recognise(kind, raw.headers)
        if recognition.preset is None or recognition.mapping is None:
            if recognition.other_kind is not None:
                label, other = recognition.other_kind
                log.add(raw.name, None, None, f"this looks like {label} {RAW_KINDS[other].label}, not {kind_label}: "
                        f"give it as --{other.replace('_', '-')}")
            else:
                log.add(raw.name, None, None, f"{recognition.reason}; name a preset (--preset or NAME:PATH) or give a "
                        "mapping file")
            return None
        chosen = (recognition.preset.name, f"recognised: {recognition.reason}", recognition.mapping, "the preset")
    if chosen is None:
        return None
    name, reason, mapping, source = chosen
    mapping = _match_headers(raw, mapping, source, log)
    if mapping is None:
        return None
    missing = missing_fields(mapping)
    if missing:
        log.add(raw.name, None, None, f"{source} finds no column for {', '.join(missing)}, which {kind_label} "
                f"need; headers: {', '.join(raw.headers[:12])}")
        return None
    return name, reason, mapping


def _preset_choice(raw: RawTable, kind: str, name: str, why: str, log: IssueLog):
    preset = PRESETS[name]
    if name == GENERIC:
        mapping, missing = resolve(preset, kind, raw.headers)
        if missing:
            log.add(raw.name, None, None, f"the generic preset reads headers named as the fields, and this file has "
                    f"none for {', '.join(missing)}: rename them, or give a mapping file")
            return None
        return name, why, mapping, "the generic preset"
    if kind not in preset.kinds:
        kinds = ", ".join(RAW_KINDS[k].label for k in preset.kinds)
        log.add(raw.name, None, None, f"the {preset.label} preset has no {RAW_KINDS[kind].label} (it reads {kinds})")
        return None
    mapping, missing = resolve(preset, kind, raw.headers)
    if missing:
        recognition = recognise(kind, raw.headers)
        hint = ""
        if recognition.preset is not None and recognition.preset.name != name:
            hint = f"; it looks like {recognition.preset.label} instead"
        elif recognition.other_kind is not None:
            label, other = recognition.other_kind
            hint = f"; it looks like {label} {RAW_KINDS[other].label} instead"
        log.add(raw.name, None, None, f"the {preset.label} preset finds no column for {', '.join(missing)} in this "
                f"file{hint}")
        return None
    return name, why, mapping, f"the {preset.label} preset"


def _date_fields(mapping: FileMapping) -> list[str]:
    kind = RAW_KINDS[mapping.kind]
    return [name for name in mapping.columns
            if kind.field(name).type in (DATE, DATETIME) and name in USED_FIELDS[mapping.kind]]


def _number_fields(mapping: FileMapping) -> list[str]:
    kind = RAW_KINDS[mapping.kind]
    return [name for name in mapping.columns
            if kind.field(name).type in (NUMBER, HOURS) and name in USED_FIELDS[mapping.kind]]


def _third_or_second_is_separator(column: str) -> str:
    # A numeric a/b/y date has its first separator second or third: ISO dates (2026-...) fail this at once.
    return (f"substr(ltrim({column}), 2, 1) IN ('/', '.', '-') OR substr(ltrim({column}), 3, 1) IN ('/', '.', '-')")


def _evidence(workspace: Workspace, staged: StagedFile, numbers: list[str], dates: list[str],
              sample: int | None = None) -> list[object]:
    """One scan of the file for what its cells tell: per number column the cells with a decimal comma, per date
    column the cells that are day-first, month-first, and the first ambiguous one (row, value) and the first of each
    order. Cheap tests go first so that a cell that cannot tell costs next to nothing. ``sample`` reads only the
    first rows."""
    raw = staged.raw
    inner = [f"{raw.row_number} AS row_no"]
    # A date's parts, then what they tell, each worked out in a layer of its own and named: every test is used by two
    # aggregates, and writing it out in each made DuckDB bind and optimise it twice (planning is most of what this
    # query costs on a small file).
    parts, tests = [], []
    outer = []
    for position, header in enumerate(numbers):
        text = text_sql(raw.column(header))
        # CASE, not AND: DuckDB works out both sides of an AND in a select list for every row, and the regular
        # expressions cost ten times the test for a comma that rules nearly every cell out.
        inner.append(f"CASE WHEN contains({raw.column(header)}, ',') THEN {comma_decimal_sql(text)} ELSE false END "
                     f"AS comma_{position}")
        outer.append(f"count(*) FILTER (WHERE comma_{position})")
    for position, header in enumerate(dates):
        text = text_sql(raw.column(header))
        inner.append(f"{raw.column(header)} AS value_{position}")
        inner.append(
            f"CASE WHEN ({_third_or_second_is_separator(raw.column(header))}) AND regexp_matches({text}, "
            f"'{NUMERIC_DATE}') THEN regexp_extract({text}, '{NUMERIC_DATE}', ['first', 'separator', 'second']) "
            f"END AS parts_{position}"
        )
        first, second, dotted = f"first_{position}", f"second_{position}", f"dotted_{position}"
        parts += [f"try_cast(parts_{position}.first AS INTEGER) AS {first}",
                  f"try_cast(parts_{position}.second AS INTEGER) AS {second}",
                  f"parts_{position}.separator = '.' AS {dotted}"]
        day, month, ambiguous = f"day_{position}", f"month_{position}", f"ambiguous_{position}"
        tests += [f"({dotted} OR {first} > 12) AS {day}", f"(NOT {dotted} AND {second} > 12) AS {month}",
                  f"(NOT {dotted} AND {first} <= 12 AND {second} <= 12 AND {first} <> {second}) AS {ambiguous}"]
        outer += [f"count(*) FILTER (WHERE {day})", f"count(*) FILTER (WHERE {month})",
                  f"min(row_no) FILTER (WHERE {ambiguous})", f"arg_min(value_{position}, row_no) FILTER (WHERE "
                  f"{ambiguous})", f"min(row_no) FILTER (WHERE {day})", f"min(row_no) FILTER (WHERE {month})"]
    if not outer:
        return []
    limit = f" LIMIT {int(sample)}" if sample else ""
    rows = f"SELECT {', '.join(inner)} FROM {raw.table} WHERE {raw.kept_rows}{limit}"
    if parts:
        rows = f"SELECT *, {', '.join(tests)} FROM (SELECT *, {', '.join(parts)} FROM ({rows}))"
    return list(workspace.rows(f"SELECT {', '.join(outer)} FROM ({rows})")[0])


def tell_conventions(workspace: Workspace, staged: StagedFile, log: IssueLog) -> bool:
    """Tell the file's date order and decimal separator from its cells; log a file whose cells contradict each
    other. A file whose dates all read two ways keeps ``ambiguous_date`` for :func:`settle_date_orders`. Returns ok.
    """
    raw, mapping = staged.raw, staged.mapping
    ok = True
    numbers = sorted({mapping.columns[name] for name in _number_fields(mapping)}) if not mapping.decimal else []
    dates = sorted({mapping.columns[name] for name in _date_fields(mapping)}) if not mapping.date_format else []
    # Numbers are read whole: one "1,5" among a million cells decides the separator. Dates are read from the first
    # rows, and whole only when those cannot tell: a later cell of the other order cannot be read then and is
    # refused with its row, never misread.
    found = _evidence(workspace, staged, numbers, [])
    told = _evidence(workspace, staged, [], dates, sample=DATE_SAMPLE) if dates else []
    if told and any(told[6 * i + 2] is not None and not told[6 * i] and not told[6 * i + 1]
                    for i in range(len(dates))):
        told = _evidence(workspace, staged, [], dates)
    found = found + told
    if mapping.decimal:
        staged.decimal = mapping.decimal
        staged.conventions.append(f"decimal '{mapping.decimal}' (mapping)")
    elif numbers:
        comma = sum(int(count) for count in found[: len(numbers)])
        dot = 0
        if comma:
            # A decimal point matters only beside a decimal comma: then the file mixes the two.
            for header in numbers:
                text = text_sql(raw.column(header))
                dot += int(workspace.scalar(
                    f"SELECT count(*) FILTER (WHERE {dot_decimal_sql(text)}) FROM {raw.table} WHERE {raw.kept_rows}"
                ) or 0)
        if comma and dot:
            log.add(raw.name, None, None, f"numbers are written both with a decimal comma ({comma} cells) and a "
                    f"decimal point ({dot} cells); set decimal in a mapping file")
            ok = False
        staged.decimal = "," if comma else "."
        staged.conventions.append(f"decimal '{staged.decimal}'" + (" (told by the cells)" if comma else ""))
    if mapping.date_format:
        staged.conventions.append(f"dates as {mapping.date_format} (mapping)")
        return ok
    evidence = {"day_first": 0, "month_first": 0}
    first_ambiguous = None
    for position, header in enumerate(dates):
        row = found[len(numbers) + 6 * position: len(numbers) + 6 * (position + 1)]
        evidence["day_first"] += row[0]
        evidence["month_first"] += row[1]
        if row[2] is not None and (first_ambiguous is None or row[2] < first_ambiguous[0]):
            first_ambiguous = (row[2], header, row[3])
        if row[0] and row[1]:
            log.add(raw.name, int(max(row[4], row[5])), header, "dates are written both day-first (row "
                    f"{row[4]}) and month-first (row {row[5]}) in this column; set date_format in a mapping file")
            ok = False
    if evidence["day_first"] and evidence["month_first"]:
        if ok:
            log.add(raw.name, None, None, "some dates are day-first and others month-first; set date_format in a "
                    "mapping file")
        return False
    if evidence["day_first"]:
        staged.date_order = DAY_FIRST
        staged.conventions.append("dates day-first (told by the cells)")
    elif evidence["month_first"]:
        staged.date_order = MONTH_FIRST
        staged.conventions.append("dates month-first (told by the cells)")
    elif first_ambiguous is not None:
        # Settled once every file is read (:func:`settle_date_orders`): another part of the same export may tell.
        staged.ambiguous_date = first_ambiguous
    return ok


def settle_date_orders(files: list[StagedFile], date_order: str | None, log: IssueLog) -> list[StagedFile]:
    """Give each file whose dates read two ways an order: that of the other files of the same export (same kind
    and preset) when they tell one, else ``date_order`` (``--date-order``), else log it. Returns the files settled.

    An export split into parts (Autotask's grid stops at 5,000 rows) is one export: a part holding only the first
    twelve days of a month cannot tell the order, but its sibling parts can.
    """
    settled = []
    for file in files:
        if file.ambiguous_date is None:
            settled.append(file)
            continue
        told = {other.date_order for other in files if other is not file and other.kind == file.kind
                and other.preset == file.preset and other.ambiguous_date is None and other.date_order}
        if len(told) == 1:
            file.date_order = told.pop()
            file.conventions.append(f"dates {file.date_order} (told by the other files of this export)")
        elif date_order is not None:
            file.date_order = date_order
            file.conventions.append(f"dates {date_order} (--date-order)")
        else:
            row, header, value = file.ambiguous_date
            log.add(file.raw.name, int(row), header, f"'{value}' reads as a date two ways (day-first or "
                    "month-first) and no date in the file tells which; give --date-order day-first or month-first")
            continue
        file.ambiguous_date = None
        settled.append(file)
    return settled


def _null(field_type: str) -> str:
    sql_type = {TEXT: "VARCHAR", DATE: "DATE", DATETIME: "TIMESTAMP", NUMBER: "DOUBLE", HOURS: "DOUBLE",
                FLAG: "BOOLEAN"}[field_type]
    return f"CAST(NULL AS {sql_type})"


def _text(staged: StagedFile, header: str) -> str:
    """The cell of ``header`` as the typed table's statement reads it: trimmed, ``NULL`` when empty (the column of
    its first layer, :func:`type_file`)."""
    return f'"t{staged.raw.headers.index(header)}"'


def _typed_expression(staged: StagedFile, name: str, time_zone: str) -> str:
    mapping = staged.mapping
    field_type = RAW_KINDS[mapping.kind].field(name).type
    if name not in mapping.columns:
        return _null(field_type)
    text = _text(staged, mapping.columns[name])
    if field_type == TEXT:
        return text
    if field_type == NUMBER:
        return number_sql(text, staged.decimal)
    if field_type == HOURS:
        return hours_sql(text, mapping.hours_unit, staged.decimal)
    if field_type == FLAG:
        return flag_sql(text)
    if field_type == DATE:
        return day_sql(text, staged.date_order, mapping.date_format)
    return moment_sql(text, time_zone, staged.date_order, mapping.date_format)


def _has_time(staged: StagedFile, name: str) -> str:
    if name not in staged.mapping.columns:
        return "false"
    return f"coalesce({has_time_sql(_text(staged, staged.mapping.columns[name]))}, false)"


def _convention_columns(staged: StagedFile) -> list[str]:
    """Columns that apply the file's value conventions, so the derivation needs no labels."""
    mapping, columns = staged.mapping, staged.mapping.columns

    def text(name: str) -> str:
        return _text(staged, columns[name]) if name in columns else "CAST(NULL AS VARCHAR)"

    by_id = "true" if mapping.names_clients_by_id else "false"
    if mapping.kind == "time_entries":
        ticket_ok = "true"
        if "charge_type" in columns and mapping.ticket_charge_types:
            ticket_ok = f"({text('charge_type')} IS NULL OR {in_list_sql(text('charge_type'), mapping.ticket_charge_types)})"
        return [
            f"{by_id} AS client_by_id",
            f"{ticket_ok} AS ticket_applies",
            f"{_has_time(staged, 'start') if 'start' in columns else _has_time(staged, 'date')} AS start_has_time",
            f"{in_list_sql(text('work_type'), mapping.after_hours_work_types)} AS after_hours_work",
        ]
    if mapping.kind == "tickets":
        emergency = (in_list_sql(text("priority"), mapping.emergency_priorities) if "priority" in columns
                     else "CAST(NULL AS BOOLEAN)")
        return [f"{by_id} AS client_by_id", f"{emergency} AS emergency", f"{_has_time(staged, 'opened')} AS opened_has_time"]
    if mapping.kind == "invoices":
        is_sale = "true"
        if "type" in columns and mapping.sales_types:
            is_sale = f"({text('type')} IS NULL OR {in_list_sql(text('type'), mapping.sales_types)})"
        voided = f"({in_list_sql(text('status'), mapping.voided_statuses)} OR coalesce({_typed_flag(staged)}, false))"
        disputed_known = "true" if any(n in columns for n in ("credited", "status", "credit_for")) else "false"
        return [
            f"{by_id} AS client_by_id",
            f"{is_sale} AS is_sale",
            f"{voided} AS is_voided",
            f"{in_list_sql(text('status'), mapping.disputed_statuses)} AS disputed_status",
            f"{disputed_known} AS disputes_known",
        ]
    if mapping.kind == "payments":
        links = "true"
        if "link_type" in columns and mapping.invoice_link_types:
            links = f"({text('link_type')} IS NULL OR {in_list_sql(text('link_type'), mapping.invoice_link_types)})"
        return [f"{by_id} AS client_by_id", f"{links} AS links_invoice"]
    return [f"{by_id} AS client_by_id"]


def _typed_flag(staged: StagedFile) -> str:
    if "voided" not in staged.mapping.columns:
        return "CAST(NULL AS BOOLEAN)"
    return flag_sql(_text(staged, staged.mapping.columns["voided"]))


# The fields the derivation reads, per kind. The others (an end time, a due date, who worked) may be mapped and
# are shown, but are not typed: a bad cell in a field nothing reads must not stop an import.
USED_FIELDS = {
    "time_entries": ("date", "hours", "client", "client_name", "ticket", "start", "after_hours_hours", "entry_id"),
    "tickets": ("ticket", "client", "client_name", "opened"),
    "invoices": ("invoice", "invoice_id", "client", "client_name", "date", "total", "tax", "paid_date", "credited",
                 "voided", "credit_for"),
    "payments": ("invoice", "date", "amount"),
    "costs": ("client", "client_name", "date", "amount"),
    "companies": ("client", "name", "seats", "service_model", "client_since"),
}


def type_file(workspace: Workspace, staged: StagedFile, time_zone: str, log: IssueLog) -> None:
    """Create the file's typed table and log every cell that cannot be read or breaks a rule.

    The typed table has ``file_id``, ``row_no``, every canonical field of the kind (``NULL`` where not mapped or not
    read by the derivation, see :data:`USED_FIELDS`), the convention columns (``client_by_id``, ``emergency``,
    ``is_voided`` ...) and ``bad_<field>`` flags. One statement types the file and one scan counts every kind of
    problem; only problems found are looked up row by row. A start that is the work date's own column is not read
    twice (the derivation takes the date).
    """
    raw, mapping = staged.raw, staged.mapping
    kind = RAW_KINDS[mapping.kind]
    used = [name for name in USED_FIELDS[mapping.kind] if name in mapping.columns]
    if mapping.kind == "time_entries" and mapping.columns.get("start") == mapping.columns.get("date"):
        used.remove("start")
    parsed = [name for name in used if kind.field(name).type != TEXT]
    expressions = {name: _typed_expression(staged, name, time_zone) if name in used else _null(kind.field(name).type)
                   for name in kind.field_names}
    for name in ("start",):
        if name in used and "date" in used:
            # A start written as a time of day is that time on the entry's date.
            text = _text(staged, mapping.columns[name])
            expressions[name] = (f"coalesce({expressions[name]}, CAST({expressions['date']} AS DATE) + "
                                 f"{time_of_day_sql(text)})")
    # Three layers, so that DuckDB binds and optimises each piece of SQL once (planning is most of what typing a
    # small file costs): the first trims every mapped cell (``t<i>``, see :func:`_text`), the second types the fields
    # and applies the conventions, the third flags a cell with text that did not read.
    headers = list(dict.fromkeys(mapping.columns.values()))
    cells = [f"{raw.row_number} AS row_no"] + [f"{text_sql(raw.column(header))} AS {_text(staged, header)}"
                                              for header in headers]
    typed = [f'{sql} AS "{name}"' for name, sql in expressions.items()] + _convention_columns(staged)
    fields = [f'"{name}"' for name in expressions]
    flags = [f'({_text(staged, mapping.columns[name])} IS NOT NULL AND "{name}" IS NULL) AS "bad_{name}"'
             for name in parsed]
    left_out = ["file_id", "row_no", *fields, *(_text(staged, header) for header in headers)]
    staged.typed = workspace.table_name(f"typed_{mapping.kind}")
    workspace.execute(
        f"CREATE TABLE {staged.typed} AS SELECT file_id, row_no, {', '.join(fields + flags)}, "
        f"* EXCLUDE ({', '.join(left_out)}) FROM (SELECT *, {', '.join(typed)} FROM ("
        f"SELECT {staged.file_id} AS file_id, {', '.join(cells)} FROM {raw.table} WHERE {raw.kept_rows}))"
    )
    checks: list[tuple[str, str | None, str]] = []
    for name in parsed:
        field_type = kind.field(name).type
        what = {DATE: "a date", DATETIME: "a date or date-time", NUMBER: "a number", HOURS: "a duration",
                FLAG: "yes or no"}[field_type]
        extra = ""
        if field_type in (DATE, DATETIME) and staged.date_order is None and not mapping.date_format:
            extra = " (a d/m/y date needs --date-order)"
        checks.append((f'"bad_{name}"', mapping.columns[name], f"'{{value}}' cannot be read as {what}{extra}"))
    for name in kind.required_fields:
        empty = f'"{name}" IS NULL AND NOT "bad_{name}"' if name in parsed else f'"{name}" IS NULL'
        checks.append((empty, mapping.columns[name], f"{name} is empty; every row needs one"))
    if kind.one_of:
        checks.append((" AND ".join(f'"{name}" IS NULL' for name in kind.one_of), None,
                       f"the row has no {' and no '.join(kind.one_of)}; a time entry needs one of them"))
    for name in ("hours", "after_hours_hours"):
        if name in used:
            checks.append((f'"{name}" < 0', mapping.columns[name], "negative hours ({value}) cannot be time spent"))
    if "seats" in used:
        checks.append(('"seats" < 0', mapping.columns["seats"], "a client cannot have {value} seats"))
    counts = workspace.rows(
        "SELECT " + ", ".join(f"count(*) FILTER (WHERE {condition})" for condition, *_ in checks)
        + f" FROM {staged.typed}"
    )[0]
    for (condition, header, message), count in zip(checks, counts):
        if not count:
            continue
        cell = text_sql(f"r.{raw.column(header)}") if header is not None else "NULL"
        rows = workspace.rows(
            f"SELECT t.row_no, {cell} FROM {staged.typed} AS t JOIN {raw.table} AS r "
            f"ON t.row_no = {raw.row_number_of('r')} WHERE {_qualified(condition)} "
            f"ORDER BY t.row_no LIMIT {EXAMPLES}"
        )
        for row_no, value in rows:
            log.add(raw.name, int(row_no), header, message.replace("{value}", _short(value)))
        if count > EXAMPLES:
            log.add(raw.name, None, header, f"... and {count - EXAMPLES} more rows like these")


def _qualified(condition: str) -> str:
    """``condition`` on the typed table's columns, each qualified as ``t.``."""
    return re.sub(r'"([a-z_]+)"', r't."\1"', condition)


def _short(value: object, limit: int = 40) -> str:
    text = "" if value is None else (f"{value:g}" if isinstance(value, float) else str(value))
    return text if len(text) <= limit else text[: limit - 3] + "..."

