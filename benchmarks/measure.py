"""How a figure is taken: the median of several timed runs, and the peak memory of a process.

Every benchmark times its work and its floor with :func:`time_median`, so both get the same treatment (a warm-up
run that is not counted, then ``repeats`` counted runs, each after its own untimed ``setup``).
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MIB = 1024 * 1024


@dataclass(frozen=True)
class Timing:
    """Wall-clock seconds of the counted runs of one piece of work.

    Attributes
    ----------
    runs:
        Seconds of each counted run, in the order they ran.
    """

    runs: tuple[float, ...]

    @property
    def median(self) -> float:
        """The median of the counted runs, in seconds."""
        return statistics.median(self.runs)

    @property
    def repeats(self) -> int:
        """How many runs were counted."""
        return len(self.runs)


def time_median(
    work: Callable[[Any], object],
    *,
    repeats: int = 5,
    warmup: int = 1,
    setup: Callable[[], Any] | None = None,
    teardown: Callable[[Any], object] | None = None,
) -> Timing:
    """Time ``work`` ``repeats`` times after ``warmup`` uncounted runs; only ``work`` itself is timed.

    Parameters
    ----------
    work:
        Called with what ``setup`` returned (``None`` without a setup).
    repeats:
        Counted runs (at least 1).
    warmup:
        Runs before the counted ones, to fill caches and import modules; not counted.
    setup, teardown:
        Run before and after each run, untimed (e.g. copy a database template, close it afterwards).

    Returns
    -------
    Timing

    Raises
    ------
    ValueError
        ``repeats`` is below 1 or ``warmup`` below 0.
    """
    if repeats < 1 or warmup < 0:
        raise ValueError(f"repeats must be at least 1 and warmup at least 0; got {repeats} and {warmup}.")
    runs: list[float] = []
    for index in range(warmup + repeats):
        prepared = setup() if setup is not None else None
        # A collection triggered by the previous run's garbage must not land inside this run's timing.
        gc.collect()
        started = time.perf_counter()
        work(prepared)
        elapsed = time.perf_counter() - started
        if teardown is not None:
            teardown(prepared)
        if index >= warmup:
            runs.append(elapsed)
    return Timing(tuple(runs))


def peak_resident_bytes(pid: int | str = "self") -> int:
    """Return the peak resident set size (``VmHWM``) of a running Linux process, in bytes.

    Parameters
    ----------
    pid:
        The process id, or ``"self"`` for this process.

    Raises
    ------
    OSError
        The process does not exist (any more) or ``/proc`` is not available.
    """
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise OSError(f"/proc/{pid}/status has no VmHWM line")


def process_tree_peak_bytes(pid: int) -> int:
    """Return the largest peak resident size among ``pid`` and its direct children, in bytes.

    ``python -m streamlit run`` serves from the process it starts, but a wrapper could fork: taking the largest
    of the tree measures the server either way.
    """
    peaks = [peak_resident_bytes(pid)]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        for child in children.read_text().split():
            try:
                peaks.append(peak_resident_bytes(child))
            except OSError:
                continue
    return max(peaks)
