"""The demo book as the raw rows a PSA and the books hold: tickets, time entries, invoices, payments and costs.

:func:`draw_raw_book` turns a :class:`~grading.demo.DemoPortfolio`'s monthly metrics back into the rows they
would be derived from, so that deriving them again by SOURCES.md's definitions gives the same metrics:

- **tickets**: exactly ``tickets`` per client-month, of which exactly ``emergency_tickets`` carry the emergency
  priority and exactly ``after_hours_tickets`` are opened outside business hours (20:30-22:00 local, any day);
  the others are opened on a weekday between 10:00 and 15:00 local.
- **time entries**: quarter hours summing exactly to ``labor_hours``, each on a ticket of the same client opened
  that month (or, in a month without tickets, the client's latest earlier ticket). Entries on an after-hours
  ticket start with one "After Hours" entry at the time it was opened; every other entry starts on a weekday
  between 10:00 and 13:00 local, so it marks no ticket after-hours.
- **invoices**: net amounts summing exactly to ``revenue`` (cents), with 19% tax on top. ``days_to_pay`` has one
  decimal, so a month has 1, 2, 5 or 10 invoices, as many as it takes for whole days between invoice and payment
  to average to it exactly. A few invoices are issued twice and the first copy voided (only the Autotask set can
  show that; see :mod:`grading.demo.raw_exports`).
- **payments**: every invoice is paid in full, about one in ten in two parts; the paid date is the date of the
  payment that completes it. The last months' invoices are paid after the book's last month: real books would
  show them open, but then their days to pay could not come back.
- **costs**: ``direct_costs`` in cents, as a licence line on the first of the month and a parts line later.

Every time is drawn in local time (:data:`DEMO_TIMEZONE`, a European book) and kept away from business-hour edges
and month ends, so the same rows derive the same metrics for any business hours that start by 10:00 and end from
15:00 to 20:00 local, and even when the times are read as UTC with business hours from 08:00 to 18:00. What
cannot come back is said in :data:`NOT_ROUND_TRIPPED`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from grading.demo.book import BREAK_FIX, HYBRID, MANAGED, PROJECT
from grading.vocabulary import SERVICE_MODELS

DEMO_TIMEZONE = "Europe/Berlin"
TAX_RATE = 0.19
# A separate stream of the same seed: the metrics stay exactly the demo's, the raw rows get their own draws.
RAW_STREAM = 13
#: Hours one time entry takes on average, before the split into quarter hours.
DEFAULT_HOURS_PER_ENTRY = 1.5
TECHNICIANS = np.array(["akoch", "bmeyer", "cdubois", "dvisser", "ejansen", "fnowak", "gbrandt", "hlind"])
PRIORITY_RANKS = np.array([1, 2, 3, 4])  # 1 = emergency; 2-4 from quick response to scheduled
NON_EMERGENCY_SHARES = np.array([0.25, 0.6, 0.15])
#: The first is the after-hours work type; the others share the business-hours entries.
WORK_TYPES = np.array(["After Hours", "Remote Support", "Onsite", "Admin"])
WORK_TYPE_SHARES = np.array([0.75, 0.15, 0.10])
VOIDED_SHARE = 0.03
SPLIT_PAYMENT_SHARE = 0.1

#: Demo metrics that these rows cannot reproduce exactly, and why.
NOT_ROUND_TRIPPED = {
    "disputed_invoices": "neither QuickBooks' nor Autotask's invoice columns in SOURCES.md carry a credit or a "
    "dispute status, so the demo's disputed invoices are not in the files (the import leaves them missing)",
    "direct_costs": "no PSA or books preset has a costs kind; costs are written as a generic costs.csv, and the "
    "one client the demo leaves without costs has no rows there, so it derives 0 where the demo has none",
    "seats and service_model (Autotask set)": "Autotask's company columns in SOURCES.md have neither; the "
    "ConnectWise set carries them in a generic companies.csv",
}

MINUTE = np.timedelta64(1, "m")
DAY = np.timedelta64(1, "D")


@dataclass(frozen=True)
class RawBook:
    """The raw rows behind a demo book, in the owner's local time, before any system's column names.

    Attributes
    ----------
    clients:
        ``client_id``, ``name``, ``service_model``, ``seats``, ``client_since`` (the demo's clients).
    tickets:
        ``ticket`` (number, in order of opening), ``client_id``, ``opened``, ``closed`` (naive local
        ``datetime64``), ``priority_rank`` (1 is the emergency priority), ``after_hours`` (opened outside
        business hours), ``summary``.
    time_entries:
        ``entry_id`` (in order of start), ``client_id``, ``ticket`` (-1 when on no ticket), ``start``, ``end``
        (naive local), ``hours`` (quarter hours), ``work_type`` ("After Hours" for the first entry on an
        after-hours ticket), ``billable``, ``technician``.
    invoices:
        ``invoice`` (number, in order of date), ``client_id``, ``date``, ``due_date``, ``net``, ``tax``,
        ``total``, ``paid_date`` (``NaT`` when voided), ``voided``.
    payments:
        ``payment_id``, ``invoice``, ``client_id``, ``date``, ``amount``.
    costs:
        ``client_id``, ``date``, ``amount``, ``description``.
    timezone:
        The zone the naive times are local to.
    """

    clients: pd.DataFrame
    tickets: pd.DataFrame
    time_entries: pd.DataFrame
    invoices: pd.DataFrame
    payments: pd.DataFrame
    costs: pd.DataFrame
    timezone: str = DEMO_TIMEZONE


def _starts(counts: np.ndarray) -> np.ndarray:
    """Return where each group's rows start in the flat array of all groups' rows."""
    return np.cumsum(counts) - counts


def _within(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return, for the flat rows of groups of ``counts`` sizes, each row's group and its index in the group."""
    group = np.repeat(np.arange(counts.size), counts)
    return group, np.arange(group.size) - _starts(counts)[group]


def _random_rank(rng: np.random.Generator, group: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Return a random order (0, 1, ...) of the rows within each group (``group`` sorted, ``counts`` its sizes)."""
    order = np.lexsort((rng.uniform(size=group.size), group))
    rank = np.empty(group.size, dtype=np.int64)
    rank[order] = np.arange(group.size) - _starts(counts)[group[order]]
    return rank


def _weekday(days: np.ndarray) -> np.ndarray:
    """Return 0 (Monday) to 6 (Sunday) for ``datetime64[D]`` values (1970-01-01 was a Thursday)."""
    return (days.astype(np.int64) + 3) % 7


def _on_a_weekday(days: np.ndarray) -> np.ndarray:
    """Move a Saturday back to Friday and a Sunday on to Monday (day 2-27 stays within the month)."""
    weekday = _weekday(days)
    shift = np.where(weekday == 5, -1, np.where(weekday == 6, 1, 0))
    return days + shift.astype("timedelta64[D]")


def _split_cents(rng: np.random.Generator, cents: np.ndarray, parts: np.ndarray, first_share: float) -> np.ndarray:
    """Split each of ``cents`` into ``parts`` positive amounts summing to it exactly, the first the largest share.

    Returns the flat amounts, group after group, in cents.
    """
    group, index = _within(parts)
    weight = 1.0 + rng.gamma(2.0, 1.0, group.size)
    weight = np.where(index == 0, weight + first_share * 10.0 * parts[group], weight)
    total_weight = np.bincount(group, weight, minlength=parts.size)
    spare = cents - parts  # every part gets one cent first, so none is zero
    amounts = 1 + np.floor(spare[group] * weight / total_weight[group]).astype(np.int64)
    short = cents - np.bincount(group, amounts, minlength=parts.size).astype(np.int64)
    amounts[_starts(parts)[parts > 0]] += short[parts > 0]
    return amounts


def draw_raw_book(portfolio, *, hours_per_entry: float = DEFAULT_HOURS_PER_ENTRY) -> RawBook:
    """Draw the raw rows that derive ``portfolio``'s monthly metrics (see the module docstring).

    Parameters
    ----------
    portfolio:
        A :class:`~grading.demo.DemoPortfolio`; its ``seed`` seeds the draws, so the same book gives the same rows.
    hours_per_entry:
        Average length of a time entry in hours (the split is in quarter hours; every ticket of a month gets at
        least one entry where the month's quarter hours allow).

    Returns
    -------
    RawBook
    """
    rng = np.random.default_rng([portfolio.seed, RAW_STREAM])
    clients = portfolio.clients.reset_index(drop=True)
    monthly = portfolio.monthly.sort_values(["client_id", "month"], kind="stable", ignore_index=True)
    client_index = pd.Index(clients["client_id"]).get_indexer(monthly["client_id"])
    month = monthly["month"].to_numpy().astype("datetime64[D]")
    model = pd.Index(SERVICE_MODELS).get_indexer(clients["service_model"])[client_index]

    tickets, ticket_start = _tickets(rng, monthly, client_index, month)
    time_entries = _time_entries(rng, monthly, client_index, month, model, tickets, ticket_start, hours_per_entry)
    invoices, payments = _invoices_and_payments(rng, monthly, client_index, month)
    costs = _costs(rng, monthly, month)

    ids = clients["client_id"].to_numpy()
    ticket_order = np.argsort(tickets["opened"], kind="stable")
    renumber = np.empty(ticket_order.size, dtype=np.int64)
    renumber[ticket_order] = np.arange(ticket_order.size)
    first_ticket = 10_001
    tickets = {key: value[ticket_order] for key, value in tickets.items()}
    tickets["ticket"] = first_ticket + np.arange(ticket_order.size)
    on_ticket = time_entries["ticket"] >= 0
    time_entries["ticket"] = np.where(on_ticket, first_ticket + renumber[np.maximum(time_entries["ticket"], 0)], -1)
    entry_order = np.argsort(time_entries["start"], kind="stable")
    time_entries = {key: value[entry_order] for key, value in time_entries.items()}
    time_entries["entry_id"] = 1 + np.arange(entry_order.size)

    return RawBook(
        clients=clients[["client_id", "name", "service_model", "seats", "client_since"]].copy(),
        tickets=pd.DataFrame(
            {
                "ticket": tickets["ticket"],
                "client_id": ids[tickets["client"]],
                "opened": tickets["opened"],
                "closed": tickets["closed"],
                "priority_rank": tickets["priority_rank"],
                "after_hours": tickets["after_hours"],
                "summary": _SUMMARIES[tickets["summary"]],
            }
        ),
        time_entries=pd.DataFrame(
            {
                "entry_id": time_entries["entry_id"],
                "client_id": ids[time_entries["client"]],
                "ticket": time_entries["ticket"],
                "start": time_entries["start"],
                "end": time_entries["start"] + (time_entries["quarters"] * 15) * MINUTE,
                "hours": time_entries["quarters"] / 4.0,
                "work_type": WORK_TYPES[time_entries["work_type"]],
                "billable": time_entries["billable"],
                "technician": TECHNICIANS[time_entries["technician"]],
            }
        ),
        invoices=_with_client_id(invoices, ids),
        payments=_with_client_id(payments, ids),
        costs=costs,
    )


def _with_client_id(frame: pd.DataFrame, ids: np.ndarray) -> pd.DataFrame:
    """Return ``frame`` with its ``client`` positions replaced by a ``client_id`` column in the same place."""
    position = frame.columns.get_loc("client")
    client_id = ids[frame["client"].to_numpy()]
    frame = frame.drop(columns="client")
    frame.insert(position, "client_id", client_id)
    return frame


_SUMMARIES = np.array(
    [
        "Printer offline", "Password reset", "New starter setup", "VPN not connecting", "Outlook keeps crashing",
        "Server disk nearly full", "Laptop replacement", "Backup job failed", "Phishing email reported",
        "Wi-Fi drops in meeting room", "Line-of-business app update", "Firewall rule change", "Mailbox full",
        "Shared drive permissions", "Teams calls stuttering", "Leaver: disable accounts",
    ]
)


def _tickets(
    rng: np.random.Generator, monthly: pd.DataFrame, client_index: np.ndarray, month: np.ndarray
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Draw every client-month's tickets; return them (grouped by client-month) and each group's first index."""
    counts = monthly["tickets"].to_numpy(np.int64)
    row, _ = _within(counts)
    n = row.size
    after_hours = _random_rank(rng, row, counts) < monthly["after_hours_tickets"].to_numpy(np.int64)[row]
    emergency = _random_rank(rng, row, counts) < monthly["emergency_tickets"].to_numpy(np.int64)[row]

    day = month[row] + rng.integers(1, 27, n).astype("timedelta64[D]")  # the 2nd to the 27th
    day = np.where(after_hours, day, _on_a_weekday(day))
    minutes = np.where(after_hours, 20 * 60 + 30 + rng.integers(0, 90, n), 10 * 60 + rng.integers(0, 300, n))
    opened = day.astype("datetime64[m]") + minutes * MINUTE
    # Most tickets close within a working day or two; some linger for weeks.
    open_minutes = np.maximum(np.round(rng.exponential(24 * 60, n)), 15).astype(np.int64)
    closed = opened + open_minutes * MINUTE
    priority = np.where(emergency, 1, 2 + rng.choice(3, n, p=NON_EMERGENCY_SHARES))
    tickets = {
        "client": client_index[row],
        "opened": opened,
        "closed": closed,
        "priority_rank": priority.astype(np.int64),
        "after_hours": after_hours,
        "summary": rng.integers(0, _SUMMARIES.size, n),
    }
    return tickets, _starts(counts)


def _time_entries(
    rng: np.random.Generator,
    monthly: pd.DataFrame,
    client_index: np.ndarray,
    month: np.ndarray,
    model: np.ndarray,
    tickets: dict[str, np.ndarray],
    ticket_start: np.ndarray,
    hours_per_entry: float,
) -> dict[str, np.ndarray]:
    """Split each client-month's quarter hours into entries on its tickets (grouped by client-month)."""
    quarters = np.round(monthly["labor_hours"].to_numpy(float) * 4.0).astype(np.int64)
    ticket_counts = monthly["tickets"].to_numpy(np.int64)
    wanted = np.ceil(quarters / (hours_per_entry * 4.0)).astype(np.int64)
    entries = np.where(quarters > 0, np.minimum(quarters, np.maximum(ticket_counts, wanted)), 0)
    row, index = _within(entries)
    n = row.size
    # One quarter each, the rest spread at random over the month's entries.
    spare = quarters - entries
    spare_row = np.repeat(np.arange(entries.size), spare)
    spare_to = _starts(entries)[spare_row] + np.floor(rng.uniform(size=spare_row.size) * entries[spare_row])
    entry_quarters = 1 + np.bincount(spare_to.astype(np.int64), minlength=n)

    # The month's tickets each get the first entries; the rest go to one of them at random. A month without
    # tickets works on the client's latest earlier ticket, if it has one.
    counts = ticket_counts[row]
    own = ticket_start[row] + np.where(
        index < counts, index, np.floor(rng.uniform(size=n) * np.maximum(counts, 1)).astype(np.int64)
    )
    first_of_client = np.r_[True, client_index[1:] != client_index[:-1]]
    client_first_ticket = np.maximum.accumulate(np.where(first_of_client, ticket_start, 0))
    earlier = ticket_start[row] - 1
    earlier = np.where(earlier >= client_first_ticket[row], earlier, -1)
    ticket = np.where(counts > 0, own, earlier)

    safe_ticket = np.maximum(ticket, 0)
    first_on_after_hours = (index < counts) & tickets["after_hours"][safe_ticket] & (ticket >= 0)
    # Business-hours entries fall on a weekday on or after the ticket's opening in the same month.
    open_day = tickets["opened"][safe_ticket].astype("datetime64[D]")
    same_month = (counts > 0) & (ticket >= 0)
    month_day = month[row]
    lowest = np.where(same_month, (open_day - month_day).astype(np.int64), 1)
    lowest = np.minimum(lowest + (same_month & tickets["after_hours"][safe_ticket]), 26)
    day = month_day + (lowest + np.floor(rng.uniform(size=n) * (27 - lowest))).astype("timedelta64[D]")
    day = _on_a_weekday(day)
    business_start = day.astype("datetime64[m]") + (10 * 60 + 15 * rng.integers(0, 13, n)) * MINUTE
    after_hours_start = tickets["opened"][safe_ticket] + rng.integers(5, 30, n) * MINUTE
    start = np.where(first_on_after_hours, after_hours_start, business_start)

    # Managed clients' time is mostly covered by the agreement; break/fix and project time is billed.
    billable_chance = np.select(
        [model == MANAGED, model == HYBRID, model == BREAK_FIX, model == PROJECT], [0.1, 0.5, 0.95, 0.9], 0.5
    )[row]
    return {
        "client": client_index[row],
        "ticket": ticket,
        "start": start,
        "quarters": entry_quarters,
        "work_type": np.where(first_on_after_hours, 0, 1 + rng.choice(WORK_TYPES.size - 1, n, p=WORK_TYPE_SHARES)),
        "billable": rng.uniform(size=n) < billable_chance,
        "technician": rng.integers(0, TECHNICIANS.size, n),
    }


def _invoices_and_payments(
    rng: np.random.Generator, monthly: pd.DataFrame, client_index: np.ndarray, month: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Draw each client-month's invoices (net summing to revenue, days averaging days_to_pay) and their payments."""
    tenths = np.round(monthly["days_to_pay"].to_numpy(float) * 10.0).astype(np.int64)
    # Whole days average to d.d exactly over k invoices when k * d.d is whole: k = 1, 2, 5 or 10.
    parts = np.select([tenths % 10 == 0, tenths % 5 == 0, tenths % 2 == 0], [1, 2, 5], 10)
    cents = np.round(monthly["revenue"].to_numpy(float) * 100.0).astype(np.int64)
    net = _split_cents(rng, cents, parts, first_share=0.6)
    row, index = _within(parts)
    n = row.size

    # The recurring invoice goes out on the 1st; the others on any day up to the 28th.
    date = month[row] + np.where(index == 0, 0, rng.integers(0, 28, n)).astype("timedelta64[D]")
    total_days = parts * tenths // 10
    base = total_days // parts
    days = base[row] + (index < (total_days % parts)[row])
    # A zero-sum jitter within the month (each invoice gains what its neighbour loses) keeps the mean exact.
    jitter = rng.integers(0, np.minimum(base, 3)[row] + 1)
    neighbour = np.where(index == parts[row] - 1, _starts(parts)[row], np.arange(n) + 1)
    days = days + jitter - jitter[neighbour]
    paid = date + days.astype("timedelta64[D]")
    tax = np.round(net * TAX_RATE).astype(np.int64)

    # A few invoices are issued twice and the first copy voided: it counts for nothing.
    void_rows = np.flatnonzero(rng.uniform(size=cents.size) < VOIDED_SHARE)
    void_source = _starts(parts)[void_rows]
    void_net = net[void_source] + 100 * rng.integers(-50, 50, void_rows.size)
    void_net = np.maximum(void_net, 100)

    invoices = pd.DataFrame(
        {
            "client": np.r_[client_index[row], client_index[void_rows]],
            "date": np.r_[date, date[void_source]],
            "net": np.r_[net, void_net] / 100.0,
            "tax": np.r_[tax, np.round(void_net * TAX_RATE).astype(np.int64)] / 100.0,
            "total_cents": np.r_[net + tax, void_net + np.round(void_net * TAX_RATE).astype(np.int64)],
            "paid_date": np.r_[paid, np.full(void_rows.size, np.datetime64("NaT"), "datetime64[D]")],
            "voided": np.r_[np.zeros(n, bool), np.ones(void_rows.size, bool)],
            # The voided copy was issued first, so it sorts before its replacement on the same day.
            "order": np.r_[np.ones(n), np.zeros(void_rows.size)],
        }
    )
    invoices = invoices.sort_values(["date", "order"], kind="stable", ignore_index=True).drop(columns="order")
    invoices.insert(0, "invoice", 1_001 + np.arange(len(invoices)))
    invoices["total"] = invoices["total_cents"] / 100.0
    invoices["due_date"] = invoices["date"] + np.timedelta64(30, "D")
    payments = _payments(rng, invoices[~invoices["voided"]])
    invoices = invoices.drop(columns="total_cents")
    return invoices[
        ["invoice", "client", "date", "due_date", "net", "tax", "total", "paid_date", "voided"]
    ], payments


def _payments(rng: np.random.Generator, invoices: pd.DataFrame) -> pd.DataFrame:
    """Pay each invoice in full on its paid date; about one in ten first gets a part payment on an earlier day."""
    n = len(invoices)
    total = invoices["total_cents"].to_numpy(np.int64)
    date = invoices["date"].to_numpy().astype("datetime64[D]")
    paid = invoices["paid_date"].to_numpy().astype("datetime64[D]")
    split = (rng.uniform(size=n) < SPLIT_PAYMENT_SHARE) & (total >= 200)
    first_part = np.where(split, np.round(total * rng.uniform(0.3, 0.7, n)).astype(np.int64), 0)
    span = (paid - date).astype(np.int64)
    first_date = date + np.floor(rng.uniform(size=n) * (span + 1)).astype("timedelta64[D]")
    payments = pd.DataFrame(
        {
            "invoice": np.r_[invoices["invoice"].to_numpy()[split], invoices["invoice"].to_numpy()],
            "client": np.r_[invoices["client"].to_numpy()[split], invoices["client"].to_numpy()],
            "date": np.r_[first_date[split], paid],
            "amount": np.r_[first_part[split], total - first_part] / 100.0,
            "order": np.r_[np.zeros(split.sum()), np.ones(n)],
        }
    )
    payments = payments.sort_values(["date", "order"], kind="stable", ignore_index=True).drop(columns="order")
    payments.insert(0, "payment_id", 5_001 + np.arange(len(payments)))
    return payments


def _costs(rng: np.random.Generator, monthly: pd.DataFrame, month: np.ndarray) -> pd.DataFrame:
    """Write each client-month's direct costs as a licence line on the 1st and a parts line later that month."""
    known = monthly["direct_costs"].notna().to_numpy()
    cents = np.round(monthly["direct_costs"].to_numpy(float)[known] * 100.0).astype(np.int64)
    parts = np.where(cents >= 2, 2, np.where(cents > 0, 1, 0))
    amounts = _split_cents(rng, cents, parts, first_share=0.7)
    row, index = _within(parts)
    day = np.where(index == 0, 0, rng.integers(1, 28, row.size)).astype("timedelta64[D]")
    return pd.DataFrame(
        {
            "client_id": monthly["client_id"].to_numpy()[known][row],
            "date": month[known][row] + day,
            "amount": amounts / 100.0,
            "description": np.where(index == 0, "Licences (Microsoft 365, backup, security)", "Hardware and parts"),
        }
    )
