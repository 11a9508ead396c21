"""An independent reference for the import of raw exports: SOURCES.md's monthly metrics, computed in pandas.

Written from the definitions in SOURCES.md ("How each monthly metric is derived"), not from the importer's SQL, so
that a test comparing the two is a differential test. It takes the raw kinds as frames in canonical fields, already
typed (dates as ``datetime64``, with or without a time zone; numbers as floats), and returns one row per client and
calendar month in the configured time zone.

Conventions where SOURCES.md is silent, kept explicit so a comparison can state them:

- a client-month exists when any kind has a row for it;
- a kind's files *cover* the months from the first to the last month of their rows (an export of March to May
  says nothing about June); in a covered month, a sum or count over no rows is 0; outside them, or when the kind
  was not given at all, the kind's metrics are missing (NaN);
- ``days_to_pay`` is missing in a month without a paid invoice; ``emergency_tickets`` without a priority, and
  ``disputed_invoices`` without a status, a credited amount or credit notes, are missing throughout;
- voided invoices count for nothing (not revenue, not paid, not disputed);
- a credit note (a row with ``credit_for``, HaloPSA's) is not an invoice: it makes the invoice it credits
  disputed, whose revenue stays as invoiced ("sum of invoice totals less tax"); a ``credited`` amount (Xero's)
  marks it disputed the same way;
- a time stamp inside business hours is on a working day at or after the start and before the end.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

METRICS = (
    "revenue",
    "direct_costs",
    "labor_hours",
    "tickets",
    "emergency_tickets",
    "after_hours_tickets",
    "days_to_pay",
    "disputed_invoices",
)


def _folded(values: object) -> frozenset[str]:
    return frozenset(str(value).strip().casefold() for value in values)


@dataclass(frozen=True)
class Settings:
    """What the derivation needs to know (SOURCES.md, "Settings that the derivation needs")."""

    timezone: str = "UTC"
    business_start: dt.time = dt.time(8, 0)
    business_end: dt.time = dt.time(18, 0)
    working_days: frozenset[int] = frozenset(range(5))  # Monday = 0
    emergency_priorities: frozenset[str] = field(
        default_factory=lambda: _folded(["Priority 1 - Emergency Response", "Critical", "P1", "Urgent"])
    )
    after_hours_work_types: frozenset[str] = field(default_factory=lambda: _folded(["After Hours"]))
    voided_statuses: frozenset[str] = field(default_factory=lambda: _folded(["VOIDED"]))
    disputed_statuses: frozenset[str] = frozenset()


def local_times(values: pd.Series, timezone: str) -> pd.Series:
    """Return date-times as naive local times: aware ones converted to ``timezone``, naive ones kept as they are."""
    values = pd.Series(values)
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert(timezone).dt.tz_localize(None)
    return pd.to_datetime(values)


def _month(values: pd.Series, timezone: str) -> pd.Series:
    return local_times(values, timezone).dt.to_period("M").dt.to_timestamp()


def outside_business_hours(values: pd.Series, settings: Settings) -> pd.Series:
    """Return True for each local time stamp that is not on a working day within business hours."""
    local = local_times(values, settings.timezone)
    minutes = local.dt.hour * 60 + local.dt.minute + local.dt.second / 60.0
    start = settings.business_start.hour * 60 + settings.business_start.minute
    end = settings.business_end.hour * 60 + settings.business_end.minute
    inside = local.dt.day_of_week.isin(settings.working_days) & (minutes >= start) & (minutes < end)
    return ~inside & local.notna()


def _in(values: pd.Series | None, allowed: frozenset[str], index: pd.Index) -> pd.Series:
    if values is None:
        return pd.Series(False, index=index)
    return values.astype("str").str.strip().str.casefold().isin(allowed) & values.notna()


def _column(frame: pd.DataFrame, name: str) -> pd.Series | None:
    return frame[name] if name in frame.columns else None


def resolve_clients(time_entries: pd.DataFrame, tickets: pd.DataFrame | None) -> pd.Series:
    """Return each time entry's client: its own, else its ticket's (SOURCES.md: ``client`` or ``ticket``)."""
    client = _column(time_entries, "client")
    client = pd.Series(pd.NA, index=time_entries.index, dtype="object") if client is None else client.astype(object)
    if tickets is not None and "ticket" in time_entries.columns:
        by_ticket = tickets.drop_duplicates("ticket").set_index("ticket")["client"]
        client = client.where(client.notna(), time_entries["ticket"].map(by_ticket))
    return client


def paid_dates(invoices: pd.DataFrame, payments: pd.DataFrame | None) -> pd.Series:
    """Return each invoice's paid date: ``paid_date``, else the date of the payment completing its total."""
    paid = _column(invoices, "paid_date")
    paid = pd.Series(pd.NaT, index=invoices.index, dtype="datetime64[ns]") if paid is None else pd.to_datetime(paid)
    if payments is None or payments.empty:
        return paid
    ordered = payments.sort_values(["invoice", "date"], kind="stable")
    running = ordered.groupby("invoice")["amount"].cumsum()
    total = ordered["invoice"].map(invoices.drop_duplicates("invoice").set_index("invoice")["total"])
    # A cent of rounding in the payments must not leave an invoice unpaid.
    completing = ordered[running >= total - 0.005]
    completed_on = completing.groupby("invoice")["date"].first()
    return paid.where(paid.notna(), invoices["invoice"].map(completed_on))


def derive_monthly(
    *,
    time_entries: pd.DataFrame | None = None,
    tickets: pd.DataFrame | None = None,
    invoices: pd.DataFrame | None = None,
    payments: pd.DataFrame | None = None,
    costs: pd.DataFrame | None = None,
    settings: Settings = Settings(),
) -> pd.DataFrame:
    """Return the monthly metrics per client and month, by SOURCES.md's definitions.

    Parameters
    ----------
    time_entries, tickets, invoices, payments, costs:
        The raw kinds in canonical fields (``None`` when not given). Invoices may carry ``voided`` (bool) besides
        ``status``; payments find their client through their invoice.
    settings:
        Time zone, business hours and the value lists.

    Returns
    -------
    pandas.DataFrame
        Columns ``client``, ``month`` (first day, ``datetime64``) and :data:`METRICS`, sorted by client and month.
    """
    parts: dict[str, pd.Series] = {}
    keys: list[pd.MultiIndex] = []
    covered: dict[str, pd.DatetimeIndex] = {}

    def cover(name: str, months: pd.Series) -> None:
        covered[name] = pd.date_range(months.min(), months.max(), freq="MS") if len(months) else pd.DatetimeIndex([])

    if time_entries is not None:
        entries = time_entries.assign(client=resolve_clients(time_entries, tickets))
        entries = entries.assign(month=_month(entries["date"], settings.timezone))
        cover("time", entries["month"])
        grouped = entries.groupby(["client", "month"])
        parts["labor_hours"] = grouped["hours"].sum()
        keys.append(parts["labor_hours"].index)

    if tickets is not None:
        frame = tickets.assign(month=_month(tickets["opened"], settings.timezone))
        cover("tickets", frame["month"])
        frame["emergency"] = _in(_column(frame, "priority"), settings.emergency_priorities, frame.index)
        late = outside_business_hours(frame["opened"], settings)
        if time_entries is not None and "ticket" in time_entries.columns:
            entries = time_entries[time_entries["ticket"].notna()]
            marks = pd.Series(False, index=entries.index)
            if "start" in entries.columns:
                marks |= outside_business_hours(entries["start"], settings)
            if "after_hours_hours" in entries.columns:
                marks |= entries["after_hours_hours"].fillna(0) > 0
            marks |= _in(_column(entries, "work_type"), settings.after_hours_work_types, entries.index)
            late |= frame["ticket"].isin(entries.loc[marks, "ticket"])
        frame["after_hours"] = late
        grouped = frame.groupby(["client", "month"])
        parts["tickets"] = grouped.size()
        if "priority" in frame.columns:  # without a priority, emergencies are not in the file
            parts["emergency_tickets"] = grouped["emergency"].sum()
        parts["after_hours_tickets"] = grouped["after_hours"].sum()
        keys.append(parts["tickets"].index)

    if invoices is not None:
        frame = invoices.copy()
        voided = _in(_column(frame, "status"), settings.voided_statuses, frame.index)
        if "voided" in frame.columns:
            voided |= frame["voided"].fillna(False).astype(bool)
        frame["month"] = _month(frame["date"], settings.timezone)
        cover("invoices", frame["month"])
        tax = frame["tax"].fillna(0) if "tax" in frame.columns else 0.0
        frame["net"] = frame["total"] - tax
        if "credit_for" in frame.columns:
            credit_note = frame["credit_for"].notna()
            credits = frame[credit_note & ~voided].groupby("credit_for")["net"].apply(lambda net: net.abs().sum())
        else:
            credit_note, credits = pd.Series(False, index=frame.index), pd.Series(dtype="float64")
        frame = frame[~voided & ~credit_note].copy()
        credit = frame["invoice"].map(credits).fillna(0.0)
        paid = paid_dates(frame, payments)
        frame["days"] = (pd.to_datetime(paid).dt.normalize() - pd.to_datetime(frame["date"]).dt.normalize()).dt.days
        credited = frame["credited"].fillna(0) > 0 if "credited" in frame.columns else False
        frame["disputed"] = (_in(_column(frame, "status"), settings.disputed_statuses, frame.index) | credited
                             | (credit > 0))
        grouped = frame.groupby(["client", "month"])
        parts["revenue"] = grouped["net"].sum()
        parts["days_to_pay"] = grouped["days"].mean()
        if {"status", "credited", "credit_for"} & set(invoices.columns):  # else disputes are not in the file
            parts["disputed_invoices"] = grouped["disputed"].sum()
        keys.append(parts["revenue"].index)

    if costs is not None:
        frame = costs.assign(month=_month(costs["date"], settings.timezone))
        cover("costs", frame["month"])
        parts["direct_costs"] = frame.groupby(["client", "month"])["amount"].sum()
        keys.append(parts["direct_costs"].index)

    index = keys[0]
    for more in keys[1:]:
        index = index.union(more)
    result = pd.DataFrame(index=index)
    sources = {
        "revenue": "invoices", "direct_costs": "costs", "labor_hours": "time", "tickets": "tickets",
        "emergency_tickets": "tickets", "after_hours_tickets": "tickets", "days_to_pay": "invoices",
        "disputed_invoices": "invoices",
    }
    months = index.get_level_values("month")
    for metric in METRICS:
        source = sources[metric]
        if metric not in parts:
            result[metric] = np.nan
            continue
        values = parts[metric].reindex(index)
        if metric != "days_to_pay":
            values = values.fillna(0)
        result[metric] = values.where(months.isin(covered[source]))
    return result.reset_index().sort_values(["client", "month"], ignore_index=True)
