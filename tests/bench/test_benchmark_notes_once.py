"""Merging benchmark runs: a note several runs wrote alike stands once in BENCHMARKS.md, not once per group."""

from __future__ import annotations

import datetime as dt

from benchmarks.report import Row, RunInfo, merge_report, render

RUNS = "Runs per figure: 5 after one warm-up."


def _report(rows: list[Row], command: str, notes: list[str]) -> str:
    info = RunInfo(command=command, sizes=[1], quick=True, started=dt.datetime(2026, 12, 3, 6, 0), notes=notes)
    return render(rows, info, {"CPU": "test"})


def _notes(report: str) -> list[str]:
    lines = report.splitlines()
    return [line for line in lines[lines.index("## Notes") + 1 :] if line.startswith("- ")]


def test_a_note_every_run_wrote_alike_is_written_once_without_a_label():
    merged = _report([Row("Import", "import", "1 client", 1.0)], "full run", [RUNS, "Load 1.0."])
    for group, load in (("Command (process)", "Load 5.0."), ("Compare books", "Load 7.0."),
                        ("Command (process)", "Load 6.0.")):
        fresh = _report([Row(group, "work", "size", 2.0)], f"{group} run", [RUNS, load])
        merged = merge_report(merged, fresh, {group})
    notes = _notes(merged)
    assert notes.count(f"- {RUNS}") == 1
    assert not [note for note in notes if note.endswith(RUNS) and note != f"- {RUNS}"]
    # Notes that differ keep their groups' labels; the group run twice says only its last load.
    assert "- (Compare books) Load 7.0." in notes and "- (Command (process)) Load 6.0." in notes
    assert "- (Command (process)) Load 5.0." not in notes and "- Load 1.0." in notes


def test_a_note_said_by_one_group_only_keeps_its_label():
    merged = merge_report(_report([Row("Import", "import", "1 client", 1.0)], "full run", ["Load 1.0."]),
                          _report([Row("Training", "train", "size", 2.0)], "training run", [RUNS]), {"Training"})
    assert f"- (Training) {RUNS}" in _notes(merged)


def test_a_rerun_with_one_group_more_replaces_the_notes_and_header_of_the_groups_it_ran_before():
    base = _report([Row("Import", "import", "1 client", 1.0)], "full run", ["Load 1.0."])
    first = merge_report(base, _report([Row("Command (process)", "grade", "size", 2.0),
                                        Row("Command memory, a million clients", "grade", "size", 2.0)],
                                       "cli run 1", ["Load 5.0."]),
                         {"Command (process)", "Command memory, a million clients"})
    second = merge_report(first, _report([Row("Command (process)", "grade", "size", 3.0),
                                          Row("Command memory, a million clients", "grade", "size", 3.0),
                                          Row("Command parts", "grade", "size", 1.0)], "cli run 2", ["Load 6.0."]),
                          {"Command (process)", "Command memory, a million clients", "Command parts"})
    notes = _notes(second)
    assert "Load 5.0." not in " ".join(notes) and "`cli run 1`" not in second
    assert "- (Command (process), Command memory, a million clients, Command parts) Load 6.0." in notes
    assert "- Load 1.0." in notes and "`full run`" in second
