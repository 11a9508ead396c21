"""A refused model is said on the command line: which file, why, and that the rules grade (issue 15, finding 3)."""

from __future__ import annotations

import json

import pytest

from grading.cli import main


def _active_model_file(db_path):
    files = sorted((db_path.parent / "models").glob("*.skops"))
    assert len(files) == 1
    return files[0]


def _flip_a_byte(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


TAMPERINGS = {
    "bytes flipped": _flip_a_byte,
    "replaced by a pickle": lambda path: path.write_bytes(b"\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00N."),
    "deleted": lambda path: path.unlink(),
}


@pytest.mark.parametrize("tamper", list(TAMPERINGS), ids=list(TAMPERINGS))
def test_grade_warns_on_stderr_naming_the_file_and_that_the_rules_are_used(demo_db, capsys, tamper):
    model_file = _active_model_file(demo_db)
    TAMPERINGS[tamper](model_file)
    assert main(["grade", "--format", "json"]) == 0
    captured = capsys.readouterr()
    warning = [line for line in captured.err.splitlines() if line.startswith("warning:")]
    assert len(warning) == 1 and model_file.name in warning[0] and "grades come from the rules" in warning[0]
    rows = json.loads(captured.out)
    assert all(row["suggested_grade"] is None for row in rows)


def test_grade_with_a_sound_model_says_nothing_on_stderr(demo_db, capsys):
    assert main(["grade", "--format", "json"]) == 0
    assert "warning" not in capsys.readouterr().err


def test_simulating_on_suggested_grades_of_a_refused_model_is_refused_not_reported_as_zero(demo_db, capsys):
    assert main(["simulate", "--grade-source", "suggested", "--fire-grade", "D"]) == 0, "sound model: it works"
    assert json.loads(capsys.readouterr().out)["clients_fired"]

    _flip_a_byte(_active_model_file(demo_db))
    assert main(["simulate", "--grade-source", "suggested", "--fire-grade", "D"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "--grade-source suggested needs the model's suggested grades" in captured.err
    assert "was changed after it was saved" in captured.err


def test_simulating_on_effective_grades_of_a_refused_model_warns_and_goes_on_with_the_rules(demo_db, capsys):
    _flip_a_byte(_active_model_file(demo_db))
    assert main(["simulate", "--fire-grade", "D"]) == 0
    captured = capsys.readouterr()
    assert "warning: The model file" in captured.err
    assert json.loads(captured.out)["clients_fired"]


def test_the_meeting_pack_warns_too(demo_db, tmp_path, capsys):
    _flip_a_byte(_active_model_file(demo_db))
    assert main(["report", "--out", str(tmp_path / "pack.pdf")]) == 0
    assert "warning: The model file" in capsys.readouterr().err
    assert (tmp_path / "pack.pdf").stat().st_size > 0
