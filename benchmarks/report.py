"""What a benchmark run found, and BENCHMARKS.md written from it: figures beside their floors, targets, machine."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import os
import platform
import subprocess
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

LIBRARIES = ("streamlit", "pandas", "numpy", "pyarrow", "duckdb", "scikit-learn", "altair", "playwright")


@dataclass(frozen=True)
class Target:
    """What a figure must meet: at most ``max_ratio`` times its floor and/or at most ``max_value`` (its unit)."""

    max_ratio: float | None = None
    max_value: float | None = None

    def describe(self, unit: str) -> str:
        """Return the target as text, e.g. ``"≤ 5x floor and ≤ 2 s"``."""
        parts = []
        if self.max_ratio is not None:
            parts.append(f"≤ {self.max_ratio:g}x floor")
        if self.max_value is not None:
            parts.append(f"≤ {_number(self.max_value)} {unit}")
        return " and ".join(parts)

    def met_by(self, value: float, ratio: float | None) -> bool:
        """Return True when ``value`` (and its ``ratio`` to the floor) meet every part of the target."""
        if self.max_ratio is not None and (ratio is None or ratio > self.max_ratio):
            return False
        return self.max_value is None or value <= self.max_value


@dataclass(frozen=True)
class Row:
    """One figure of the run.

    Attributes
    ----------
    group:
        The benchmark group (``Import``, ``Grade``, ...).
    what:
        What was measured, in words.
    size:
        The size it ran at, in words (``"1,000 clients (35,855 monthly rows)"``).
    value:
        The median figure (seconds, or MiB for memory).
    unit:
        ``s`` or ``MiB``.
    repeats:
        How many runs the median is over.
    floor_what, floor_value:
        The floor it stands beside, measured in the same run; ``None`` where the figure has none.
    target:
        What it must meet; ``None`` for a figure that is shown for information.
    """

    group: str
    what: str
    size: str
    value: float
    unit: str = "s"
    repeats: int = 1
    floor_what: str | None = None
    floor_value: float | None = None
    target: Target | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """The figure divided by its floor, or ``None`` without a floor."""
        if self.floor_value is None or self.floor_value <= 0:
            return None
        return self.value / self.floor_value

    @property
    def met(self) -> bool | None:
        """Whether the target is met; ``None`` without a target or without a figure (NaN: nothing was timed)."""
        if self.target is None or math.isnan(self.value):
            return None
        return self.target.met_by(self.value, self.ratio)


@dataclass
class RunInfo:
    """How the run was made, for the report's header."""

    command: str
    sizes: list[int]
    quick: bool
    started: dt.datetime
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def _number(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def format_value(value: float | None, unit: str) -> str:
    """Return a figure for the table: seconds below one as milliseconds, MiB as whole numbers."""
    if value is None:
        return "–"
    if math.isnan(value):
        return "not measured"
    if unit == "s" and value < 1:
        return f"{value * 1000:.1f} ms" if value < 0.1 else f"{value * 1000:.0f} ms"
    if unit == "MiB":
        return f"{value:,.0f} MiB"
    return f"{_number(value)} {unit}"


def _met_text(met: bool | None) -> str:
    return {True: "met", False: "**not met**", None: "–"}[met]


def machine() -> dict[str, str]:
    """Return what the run ran on: CPU model, cores, memory, OS, Python, library and browser versions."""
    cpu = platform.processor() or platform.machine()
    memory = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    versions = []
    for name in LIBRARIES:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} (not installed)")
    chromium = "not found"
    try:
        chromium = subprocess.run(
            ["/usr/bin/chromium", "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout.strip() or chromium
    except OSError:
        pass
    return {
        "CPU": cpu,
        "Cores": str(os.cpu_count()),
        "Memory": memory or "unknown",
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "Libraries": ", ".join(versions),
        "Browser": chromium,
    }


def render(rows: list[Row], info: RunInfo, machine_info: dict[str, str]) -> str:
    """Return BENCHMARKS.md as text: header, machine, the table, the targets' summary and the notes."""
    lines = [
        "# Benchmarks",
        "",
        f"Written by `{info.command}` on {info.started:%Y-%m-%d %H:%M} UTC "
        f"(the run took {info.seconds / 60:.1f} minutes). Do not edit by hand: run the command again.",
        "",
        "Each figure is the median of the runs shown, after one uncounted warm-up run, and stands beside its floor: "
        "the least the same work could cost on this machine, measured in the same run. The ratio is figure / floor.",
        "",
        "## Machine",
        "",
    ]
    lines += [f"- **{key}**: {value}" for key, value in machine_info.items()]
    lines += [
        "",
        "## Figures",
        "",
        "| Group | Benchmark | Size | Figure | Runs | Floor | Floor figure | Ratio | Target | Met |",
        "|---|---|---|---:|---:|---|---:|---:|---|---|",
    ]
    for row in rows:
        ratio = f"{row.ratio:.1f}x" if row.ratio is not None and not math.isnan(row.ratio) else "–"
        target = row.target.describe(row.unit) if row.target else "–"
        floor_value = format_value(row.floor_value, row.unit) if row.floor_what else "–"
        lines.append(
            f"| {row.group} | {row.what} | {row.size} | {format_value(row.value, row.unit)} | {row.repeats} | "
            f"{row.floor_what or '–'} | {floor_value} | {ratio} | {target} | {_met_text(row.met) if row.met is not None or row.target is None else 'not measured'} |"
        )
    lines += _targets_section([line for line in lines if line.startswith("| ") and not line.startswith("| Group")])
    notes = [row for row in rows if row.note]
    if notes or info.notes:
        lines += ["", "## Notes", ""]
        lines += [f"- {note}" for note in info.notes]
        lines += [f"- {row.group}, {row.what}, {row.size}: {row.note}" for row in notes]
    return "\n".join(lines) + "\n"


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split(" | ")]


def _targets_section(table_lines: list[str]) -> list[str]:
    """The "Targets" section, counted from the table's lines (so a merged table is counted the same way)."""
    targeted = [cells for cells in map(_cells, table_lines) if cells[8] != "–"]
    missed = [cells for cells in targeted if cells[9] == "**not met**"]
    unmeasured = [cells for cells in targeted if cells[9] == "not measured"]
    lines = [
        "",
        "## Targets",
        "",
        f"{len(targeted) - len(missed) - len(unmeasured)} of {len(targeted)} targets met"
        + (f"; {len(unmeasured)} not measured." if unmeasured else "."),
    ]
    if missed:
        lines += ["", "Not met:", ""]
        lines += [
            f"- {group}: {what}, {size}: {figure}" + (f" = {ratio} floor" if ratio != "–" else "")
            + f" (target {target})"
            for group, what, size, figure, _, _, _, ratio, target, _ in missed
        ]
    return lines


def _section(report: str, title: str) -> list[str]:
    """The lines under ``## title`` up to the next section (without the blank lines around them)."""
    lines = report.splitlines()
    if f"## {title}" not in lines:
        return []
    start = lines.index(f"## {title}") + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("## ")), len(lines))
    return [line for line in lines[start:end] if line.strip()]


def _split_label(note: str) -> tuple[str, str]:
    """A note line's ``(groups)`` label (without its parentheses; "" when it has none) and its text.

    The label's parentheses are matched, as a group's name may hold parentheses of its own ("Command (process)").
    """
    text = note[2:]
    if not text.startswith("("):
        return "", text
    depth = 0
    for position, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            if text[position + 1 : position + 2] != " ":
                break
            return text[1:position], text[position + 2 :]
    return "", text


def _label(note: str) -> str:
    return _split_label(note)[0]


def _unlabelled(note: str) -> str:
    return _split_label(note)[1]


def _rerun(label: str, groups: set[str]) -> bool:
    """Whether ``label`` (groups joined by ", ", sorted) names only groups of ``groups``: a run of them, now rerun.

    Names may hold commas themselves ("Command memory, a million clients"), so the label is compared with the
    labels the groups' subsets would make rather than split.
    """
    names = sorted(groups)
    return any(label == ", ".join(chosen)
               for size in range(1, len(names) + 1) for chosen in itertools.combinations(names, size))


def _said_once(notes: list[str]) -> list[str]:
    """The note lines with each text written once: a text several groups' runs share (the runs per figure, how
    commands are timed) stands once, without a label, where it first appeared."""
    texts = [_unlabelled(note) for note in notes]
    repeated = {text for text in texts if texts.count(text) > 1}
    kept: list[str] = []
    seen: set[str] = set()
    for note, text in zip(notes, texts):
        if text in repeated:
            if text not in seen:
                kept.append(f"- {text}")
            seen.add(text)
        else:
            kept.append(note)
    return kept


def merge_report(existing: str, fresh: str, groups: set[str]) -> str:
    """Return ``fresh`` (a report of some groups only) with the other groups' rows and notes of ``existing`` kept.

    Rows of ``existing`` whose group is in ``groups`` are replaced by ``fresh``'s; the rest stay as they were
    written, listed first; the targets are counted again over the whole table; the header says which run wrote
    what. This is how one benchmark group is rerun without rerunning them all (``python -m benchmarks.run --only
    GROUP --merge``). A note that several runs wrote alike (the runs per figure) is written once, unlabelled.
    """
    table = "| Group |"
    kept = [line for line in _section(existing, "Figures")[2:] if _cells(line)[0] not in groups]
    fresh_lines = fresh.splitlines()
    header_at = next(i for i, line in enumerate(fresh_lines) if line.startswith(table))
    rows_end = next((i for i in range(header_at + 2, len(fresh_lines)) if not fresh_lines[i].startswith("| ")),
                    len(fresh_lines))
    table_lines = kept + fresh_lines[header_at + 2 : rows_end]
    label = f"({', '.join(sorted(groups))})"
    written = next((line for line in existing.splitlines() if line.startswith("Written by ")), "")
    # A rerun of the same groups replaces what their last run said in the header and the notes.
    written = " Rows of ".join(part for part in written.split(" Rows of ")
                               if not _rerun(part.partition(" written by ")[0], groups))
    updated = next(line for line in fresh_lines if line.startswith("Written by ")).replace(
        "Written by ", f"Rows of {label[1:-1]} written by ", 1
    ).replace(" Do not edit by hand: run the command again.", "")
    notes = [line for line in _section(existing, "Notes") if line.startswith("- ")
             and not _rerun(_label(line), groups)]
    notes += [f"- {label} {line[2:]}" for line in _section(fresh, "Notes") if line.startswith("- ")]
    notes = _said_once(notes)
    head = fresh_lines[:header_at + 2]
    head = [f"{written} {updated}".strip() if line.startswith("Written by ") else line for line in head]
    lines = head + table_lines + _targets_section(table_lines)
    if notes:
        lines += ["", "## Notes", "", *notes]
    return "\n".join(lines) + "\n"


def console_line(row: Row) -> str:
    """Return one row as a line for the terminal while the run goes on."""
    floor = f" | floor {format_value(row.floor_value, row.unit)}" if row.floor_what else ""
    ratio = f" | {row.ratio:.1f}x" if row.ratio is not None and not math.isnan(row.ratio) else ""
    verdict = "" if row.met is None else (" | met" if row.met else " | NOT MET")
    return f"{row.group}: {row.what} @ {row.size}: {format_value(row.value, row.unit)}{floor}{ratio}{verdict}"
