"""``python -m grading train``: metrics as JSON, exit 1 with the reason on a cold start."""

from __future__ import annotations

import json

from grading.cli import main
from grading.demo import write_demo_portfolio
from grading.model.persistence import load_model_card
from grading.db.store import Store


def test_train_on_an_empty_database_exits_1_and_says_what_is_missing(tmp_path, capsys):
    status = main(["train", "--db", str(tmp_path / "empty.duckdb"), "--models", str(tmp_path / "models")])
    captured = capsys.readouterr()
    assert status == 1
    assert "12 more graded clients" in captured.err
    report = json.loads(captured.out)
    assert report["trained"] is False and report["grades_needed"] == {"A": 2, "B": 2, "C": 2, "D": 2}


def test_train_on_the_demo_prints_the_metrics_and_activates_the_model(tmp_path, capsys):
    database = tmp_path / "demo.duckdb"
    with Store(database) as store:
        write_demo_portfolio(store, n_clients=40, seed=11)
    status = main(["train", "--db", str(database), "--models", str(tmp_path / "models"), "--repeats", "1"])
    report = json.loads(capsys.readouterr().out)
    assert status == 0
    for key in ("n_labels", "qwk", "accuracy", "within_one", "rule_qwk", "dummy_qwk", "model"):
        assert key in report
    assert report["n_labels"] > 0 and 0 <= report["within_one"] <= 1
    with Store(database) as store:
        card = load_model_card(store)
    assert card["model_id"] == report["model_id"]
    assert (tmp_path / "models" / card["file_name"]).is_file()


def test_train_uses_the_environment_when_no_paths_are_given(isolated_paths, capsys):
    with Store(isolated_paths / "portfolio.duckdb") as store:
        write_demo_portfolio(store, n_clients=40, seed=12)
    assert main(["train", "--repeats", "1"]) == 0
    assert json.loads(capsys.readouterr().out)["trained"] is True
    assert any((isolated_paths / "models").glob("*.skops"))


def test_a_bad_repeat_count_is_refused(tmp_path, capsys):
    assert main(["train", "--db", str(tmp_path / "x.duckdb"), "--repeats", "0"]) == 1
    assert "--repeats" in capsys.readouterr().err
