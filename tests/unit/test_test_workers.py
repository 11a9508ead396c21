"""A run without ``-n`` uses every core for a layer, and none for chosen files or anything reaching the browser."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.workers import runs_in_process

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("args", "markexpr"),
    [
        (["tests/unit"], ""),
        (["tests/app"], ""),
        (["tests/unit", "tests/app"], ""),
        (["tests"], "not browser"),
        (["tests/"], "slow and not browser"),
        ([str(REPO / "tests")], "not browser"),
    ],
)
def test_a_layer_or_the_suite_without_the_browser_tests_starts_workers(args, markexpr):
    assert not runs_in_process(args, markexpr, REPO)


@pytest.mark.parametrize(
    ("args", "markexpr"),
    [
        (["tests/unit/test_store.py"], ""),
        (["tests/unit/test_store.py::test_a_failed_transaction_writes_nothing"], ""),
        (["tests/unit/test_store.py", "tests/unit/test_backup.py"], "not browser"),
        (["tests"], ""),
        (["tests"], "browser"),
        (["tests/browser"], ""),
        (["tests/unit", "tests/browser/test_owner_flow.py"], ""),
        ([str(REPO)], "browser or not browser"),
    ],
)
def test_chosen_files_and_runs_that_can_reach_a_browser_test_stay_in_this_process(args, markexpr):
    assert runs_in_process(args, markexpr, REPO)


def test_relative_arguments_are_read_from_where_pytest_was_started():
    assert not runs_in_process(["unit"], "", REPO / "tests")
    assert runs_in_process(["browser"], "", REPO / "tests")
