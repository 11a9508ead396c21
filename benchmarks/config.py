"""What one benchmark run is asked to do, shared by every benchmark group."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.report import Row

#: Above this many clients a run repeats less, so the whole run stays within about 15 minutes on two cores.
LARGE = 50_000


@dataclass
class Config:
    """The run's sizes and knobs.

    Attributes
    ----------
    sizes:
        Client counts for the import and grade benchmarks (books of ``months`` months).
    page_sizes:
        Client counts for the page benchmarks (AppTest and browser); the peak memory is taken at the largest.
    training_events:
        Grade-event counts to train on.
    simulation_clients, draws:
        The book the simulation runs on and the Monte Carlo draws.
    quick:
        One counted run per figure and no warm-up (for a smoke test or a first look).
    cache:
        Where generated books are kept between runs.
    scratch:
        Where each run puts its copies of databases and its served scripts.
    cli_sizes:
        Client counts for the whole commands timed as processes (books of 12 months).
    raw_time_entries:
        Time entries in the raw exports the import-raw benchmark reads (300 clients x 60 months at a million).
    groups:
        Which benchmark groups to run (all by default).
    """

    sizes: list[int]
    page_sizes: list[int]
    training_events: list[int]
    simulation_clients: int
    draws: int
    quick: bool
    cache: Path
    scratch: Path
    months: int = 36
    cli_sizes: list[int] = field(default_factory=lambda: [100_000])
    raw_time_entries: int = 1_000_000
    groups: tuple[str, ...] = ()
    emit: Callable[[Row], None] = field(default=print)
    say: Callable[[str], None] = field(default=print)

    def repeats(self, n_clients: int = 0) -> tuple[int, int]:
        """Return ``(counted runs, warm-up runs)`` for work on ``n_clients`` clients."""
        if self.quick:
            return 1, 0
        if n_clients > LARGE:
            # A warm-up run at this size costs as much as a counted one; modules are imported beforehand instead.
            return 3, 0
        return 5, 1

    def size_label(self, n_clients: int) -> str:
        """Return ``"1,000 clients"``."""
        return f"{n_clients:,} clients"
