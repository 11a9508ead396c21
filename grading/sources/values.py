"""How raw cells become values: SQL expressions over a file's text cells, run by DuckDB (no per-row Python).

Every builder takes the SQL of a text cell (already trimmed, ``NULL`` when empty; see :func:`text_sql`) and returns
the SQL of the typed value, ``NULL`` where the cell cannot be read. A cell that is not empty but reads as ``NULL``
is a bad cell: the caller reports it with file, row and column.

Conventions, and why:

- **Dates**: ISO dates and date-times are read as they are. ``d/m/y`` and ``m/d/y`` (any of ``/``, ``.``, ``-``,
  matched by :data:`NUMERIC_DATE`) depend on the date order: the cells that tell it (a first part above 12 is a
  day) decide it for the whole file (:func:`grading.sources.staging.tell_conventions`); when no cell does, the order is ambiguous and the owner must say it (``--date-order`` or
  ``date_format``) rather than have it guessed. Dates with dots (``04.03.2026``) are written day-first by every
  convention that uses dots, so they count as day-first. Month names (``4 Mar 2026``, ``Mar 4, 2026``) are
  unambiguous.
- **Moments and time zones**: a date-time with a UTC offset (``Z``, ``+01:00``) or a ``/Date(ms+hhmm)/`` value is
  a moment; it is converted to the owner's time zone, so "opened at 07:00 local" is what the after-hours rule sees.
  A date-time without an offset is taken as local. A *date* field (an invoice date) keeps the calendar day as
  written, offset or not: ``2026-03-04T00:00:00Z`` is 4 March for an owner in New York too.
- **Numbers**: the decimal separator is ``.`` or ``,`` per file (:func:`decimal_evidence_sql` tells it where a cell
  does, e.g. ``1,5`` or ``1.234,50``); spaces, apostrophes, currency signs and a leading or trailing ISO code are
  ignored; ``(12.50)`` is negative.
- **Durations**: ``hh:mm`` or ``hh:mm:ss`` cells are always durations; other cells are numbers in the file's unit
  (hours, minutes or seconds).
"""

from __future__ import annotations

import re

DAY_FIRST = "day-first"
MONTH_FIRST = "month-first"
DATE_ORDERS = (DAY_FIRST, MONTH_FIRST)
HOURS_UNITS = {"hours": 1.0, "minutes": 60.0, "seconds": 3600.0, "hh:mm": 1.0}
DECIMALS = (".", ",")

_TIME_PARTS = ("", " %H:%M", " %H:%M:%S", " %I:%M %p", " %I:%M:%S %p", " %H:%M:%S.%f")
_DAY_FIRST_DATES = ("%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%y", "%d.%m.%y")
_MONTH_FIRST_DATES = ("%m/%d/%Y", "%m-%d-%Y", "%m/%d/%y")
# Month names cannot be misread, whatever the order.
_NAMED_MONTH_DATES = ("%d %b %Y", "%d-%b-%Y", "%d-%b-%y", "%b %d, %Y", "%d %B %Y", "%B %d, %Y", "%a, %b %d, %Y")
_ISO_OTHER = ("%Y/%m/%d", "%Y-%m-%dT%H:%M", "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S")
_TIMES_OF_DAY = ("%H:%M", "%H:%M:%S", "%I:%M %p", "%I:%M:%S %p", "%I:%M%p")

_ISO_WITH_OFFSET = r"^\d{4}-\d{1,2}-\d{1,2}[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|z|[+-]\d{2}(:?\d{2})?)$"
_MS_DATE = r"^/Date\((-?\d+)([+-]\d{4})?\)/$"
NUMERIC_DATE = r"^(\d{1,2})([./-])(\d{1,2})[./-]\d{2,4}([ T].*)?$"
_HH_MM = r"^\d+:\d{1,2}(:\d{1,2})?$"
_TIME_OF_DAY = r"^\d{1,2}:\d{2}(:\d{2})?\s*([AaPp][Mm])?$"

_TRUE = ("true", "yes", "y", "1", "x", "t", "-1", "ja", "wahr", "oui", "si", "on")
_FALSE = ("false", "no", "n", "0", "f", "nein", "falsch", "non", "off")


def literal(text: str) -> str:
    """Quote ``text`` as an SQL string literal.

    Only text of the program or of a setting that was checked (a time zone name, a strftime pattern, a value
    list) is quoted here; cell values never reach SQL text, they are columns of a table.
    """
    return "'" + str(text).replace("'", "''") + "'"


def _list(items: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(literal(item) for item in items) + "]"


def text_sql(column: str) -> str:
    """The cell without surrounding spaces, ``NULL`` when empty."""
    return f"nullif(trim({column}), '')"


def in_list_sql(text: str, values: tuple[str, ...] | list[str]) -> str:
    """True when ``text`` is one of ``values``, compared without case and surrounding spaces."""
    if not values:
        return "false"
    return f"coalesce(lower({text}) IN ({', '.join(literal(value.strip().lower()) for value in values)}), false)"


def number_sql(text: str, decimal: str) -> str:
    """The number in ``text`` read with ``decimal`` as the decimal separator (``.`` or ``,``)."""
    bare = rf"regexp_replace({text}, '^[A-Za-z]{{3}}\s*|\s*[A-Za-z]{{3}}$|[\s''’$€£¥' || chr(160) || ']', '', 'g')"
    signed = f"CASE WHEN {bare} LIKE '(%)' THEN '-' || trim({bare}, '()') ELSE {bare} END"
    if decimal == ",":
        plain = f"replace(replace({signed}, '.', ''), ',', '.')"
    else:
        plain = f"replace({signed}, ',', '')"
    # A cell that is a plain number already (nearly every cell of a real export) is read by one cast: the cleaning
    # below (three regular expressions) costs ten times as much and leaves such a cell unchanged. With a decimal
    # comma, only a cell without a "." is plain: "1.234" is a thousand and more there.
    fast = f"try_cast({text} AS DOUBLE)"
    plain_cell = f"isfinite({fast})" if decimal != "," else f"NOT contains({text}, '.') AND isfinite({fast})"
    # "NaN", "inf" and 1e309 are no amounts: they read as nothing, and the cell is reported.
    return (f"CASE WHEN {plain_cell} THEN {fast} "
            f"WHEN isfinite(try_cast({plain} AS DOUBLE)) THEN try_cast({plain} AS DOUBLE) END")


def hours_sql(text: str, unit: str, decimal: str) -> str:
    """The duration in ``text`` in hours: ``hh:mm[:ss]``, or a number in ``unit`` (hours, minutes, seconds)."""
    factor = HOURS_UNITS[unit]
    clock = (
        f"(try_cast(split_part({text}, ':', 1) AS DOUBLE) + try_cast(split_part({text}, ':', 2) AS DOUBLE) / 60"
        f" + coalesce(try_cast(nullif(split_part({text}, ':', 3), '') AS DOUBLE), 0) / 3600)"
    )
    number = number_sql(text, decimal)
    scaled = number if factor == 1.0 else f"({number} / {factor})"
    return f"CASE WHEN regexp_matches({text}, '{_HH_MM}') THEN {clock} ELSE {scaled} END"


def flag_sql(text: str) -> str:
    """Yes/no in ``text`` (``true``, ``yes``, ``1``, ``x`` ... / ``false``, ``no``, ``0`` ...), ``NULL`` otherwise."""
    return (
        f"CASE WHEN lower({text}) IN ({', '.join(literal(v) for v in _TRUE)}) THEN true "
        f"WHEN lower({text}) IN ({', '.join(literal(v) for v in _FALSE)}) THEN false END"
    )


def _formats(order: str | None) -> tuple[str, ...]:
    dates = (_DAY_FIRST_DATES if order == DAY_FIRST else _MONTH_FIRST_DATES if order == MONTH_FIRST else ())
    numeric = tuple(date + time for date in dates for time in _TIME_PARTS)
    named = tuple(date + time for date in _NAMED_MONTH_DATES for time in _TIME_PARTS[:3])
    return numeric + named + _ISO_OTHER


def _local_naive_sql(text: str, order: str | None, date_format: str | None) -> str:
    """A date-time without an offset, as written (taken as local)."""
    if date_format:
        return f"try_strptime({text}, {literal(date_format)})"
    # A dotted numeric date is day-first by every convention that writes dots.
    dotted = (
        f"WHEN regexp_matches({text}, '^\\d{{1,2}}\\.\\d{{1,2}}\\.\\d{{2,4}}') "
        f"THEN try_strptime({text}, {_list(_formats(DAY_FIRST))}) "
    )
    return (
        f"coalesce(try_cast({text} AS TIMESTAMP), CASE {dotted}ELSE try_strptime({text}, "
        f"{_list(_formats(order))}) END)"
    )


def _has_offset(text: str) -> str:
    # A suffix test first: it settles the common ``...Z`` for the price of a comparison, before any pattern runs;
    # what follows the offset test is a cast that reads nothing but an ISO date-time.
    return (
        f"((ends_with({text}, 'Z') OR ends_with({text}, 'z') OR regexp_matches({text}, '\\d[+-]\\d{{2}}:?\\d{{2}}$')) "
        f"AND regexp_matches({text}, '^\\d{{4}}-'))"
    )


def moment_sql(text: str, time_zone: str, order: str | None, date_format: str | None) -> str:
    """A ``datetime`` field: a local ``TIMESTAMP`` in ``time_zone`` (values with an offset are converted).

    Parameters
    ----------
    text:
        SQL of the trimmed cell.
    time_zone:
        The owner's IANA time zone (checked before it gets here).
    order:
        ``day-first``, ``month-first`` or ``None`` (numeric ``d/m/y`` cells then read as nothing).
    date_format:
        A strftime pattern from the mapping; when given it is the only format read (``%z`` in it marks an offset).
    """
    zone = literal(time_zone)
    if date_format:
        parsed = f"try_strptime({text}, {literal(date_format)})"
        return f"timezone({zone}, {parsed})" if "%z" in date_format or "%Z" in date_format else parsed
    return (
        f"CASE WHEN starts_with({text}, '/Date(') THEN "
        f"timezone({zone}, make_timestamp(try_cast(regexp_extract({text}, '{_MS_DATE}', 1) AS BIGINT) * 1000)"
        f"::TIMESTAMPTZ) "
        f"WHEN {_has_offset(text)} THEN timezone({zone}, try_cast({text} AS TIMESTAMPTZ)) "
        f"ELSE {_local_naive_sql(text, order, None)} END"
    )


def day_sql(text: str, order: str | None, date_format: str | None) -> str:
    """A ``date`` field: the calendar day as written (a time part or an offset is ignored), as ``DATE``."""
    if date_format:
        parsed = f"try_strptime({text}, {literal(date_format)})"
        if "%z" in date_format or "%Z" in date_format:
            # The day as written is the day in the writer's own offset, not in UTC.
            return f"CAST(strftime({parsed}, '%Y-%m-%d') AS DATE)"
        return f"CAST({parsed} AS DATE)"
    ms_day = (
        f"CAST(make_timestamp(try_cast(regexp_extract({text}, '{_MS_DATE}', 1) AS BIGINT) * 1000) + "
        f"to_minutes(coalesce(try_cast(substr(regexp_extract({text}, '{_MS_DATE}', 2), 1, 3) AS INTEGER) * 60 + "
        f"sign(try_cast(regexp_extract({text}, '{_MS_DATE}', 2) AS INTEGER)) * "
        f"try_cast(substr(regexp_extract({text}, '{_MS_DATE}', 2), 4, 2) AS INTEGER), 0)) AS DATE)"
    )
    return (
        f"CASE WHEN starts_with({text}, '/Date(') THEN {ms_day} "
        f"WHEN {_has_offset(text)} THEN CASE WHEN try_cast({text} AS TIMESTAMPTZ) IS NOT NULL "
        f"THEN try_cast(split_part(replace({text}, 'T', ' '), ' ', 1) AS DATE) END "
        f"ELSE CAST({_local_naive_sql(text, order, None)} AS DATE) END"
    )


def time_of_day_sql(text: str) -> str:
    """A cell holding only a time of day (``14:30``, ``2:30 PM``), as ``TIME``; ``NULL`` for anything else."""
    return (
        f"CASE WHEN regexp_matches({text}, '{_TIME_OF_DAY}') "
        f"THEN CAST(try_strptime(upper({text}), {_list(_TIMES_OF_DAY)}) AS TIME) END"
    )


def has_time_sql(text: str) -> str:
    """True when the cell carries a time of day (so "opened outside business hours" can be told)."""
    return f"(contains({text}, ':') OR starts_with({text}, '/Date('))"


def comma_decimal_sql(text: str) -> str:
    """True when the cell shows a decimal comma (``1,5``, ``1.234,50``, ``0,125``)."""
    return (
        f"(regexp_matches({text}, '^[^.,]*\\d,(\\d{{1,2}}|\\d{{4,}})$') OR "
        f"regexp_matches({text}, '\\d\\.\\d{{3}},\\d+$') OR regexp_matches({text}, '^-?0,\\d+$'))"
    )


def dot_decimal_sql(text: str) -> str:
    """True when the cell shows a decimal point (``1.5``, ``1,234.50``, ``0.125``)."""
    return (
        f"(regexp_matches({text}, '^[^.,]*\\d\\.(\\d{{1,2}}|\\d{{4,}})$') OR "
        f"regexp_matches({text}, '\\d,\\d{{3}}\\.\\d+$') OR regexp_matches({text}, '^-?0\\.\\d+$'))"
    )


def check_date_format(date_format: str) -> str | None:
    """Return why ``date_format`` is not a usable strftime pattern, or ``None`` when it is."""
    if not re.search(r"%[dmyYbBjHIMSzpf]", date_format):
        return f"date_format '{date_format}' has no strftime field such as %d, %m or %Y"
    return None
