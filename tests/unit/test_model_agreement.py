"""Rater agreement and the 'grade these next' queue."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from grading.model.agreement import grade_these_next, rater_agreement


def _events(store, rows):
    frame = pd.DataFrame(rows, columns=["client_id", "graded_on", "grade", "grader"])
    frame["graded_on"] = pd.to_datetime(frame["graded_on"])
    with store.transaction() as tx, tx.frame(frame) as name:
        tx.execute(f"INSERT INTO grade_events (client_id, graded_on, grade, grader) SELECT * FROM {name}")


def test_two_graders_who_agree_on_every_client_have_kappa_one(store):
    _events(store, [(f"C{i}", "2024-05-01", g, who) for i, g in enumerate("ABCD") for who in ("owner", "manager")])
    agreement = rater_agreement(store)
    assert agreement[["grader_a", "grader_b"]].values.tolist() == [["manager", "owner"]]
    assert agreement["n_clients"].iloc[0] == 4
    assert agreement["qwk"].iloc[0] == pytest.approx(1.0)


def test_rater_agreement_uses_each_graders_latest_grade_and_only_shared_clients(store):
    _events(
        store,
        [
            ("C1", "2024-01-01", "D", "owner"),
            ("C1", "2024-06-01", "A", "owner"),  # the owner changed their mind: this one counts
            ("C1", "2024-03-01", "A", "manager"),
            ("C2", "2024-03-01", "B", "owner"),
            ("C2", "2024-03-01", "D", "manager"),
            ("C3", "2024-03-01", "C", "owner"),  # only one grader: not compared
        ],
    )
    agreement = rater_agreement(store).iloc[0]
    assert agreement["n_clients"] == 2
    assert agreement["accuracy"] == pytest.approx(0.5)
    assert agreement["within_one"] == pytest.approx(0.5)


def test_no_shared_clients_gives_an_empty_agreement_table(store):
    _events(store, [("C1", "2024-03-01", "A", "owner"), ("C2", "2024-03-01", "B", "manager")])
    agreement = rater_agreement(store)
    assert agreement.empty
    assert list(agreement.columns) == ["grader_a", "grader_b", "n_clients", "qwk", "accuracy", "within_one"]


def test_grade_these_next_ranks_unsure_and_disputed_clients_first_and_skips_fresh_grades(store):
    _events(
        store,
        [
            ("fresh", "2024-05-01", "B", "owner"),
            ("stale", "2023-06-01", "B", "owner"),
        ],
    )
    portfolio = pd.DataFrame(
        {
            "client_id": ["fresh", "stale", "sure_new", "unsure_new", "disputed_new"],
            "name": ["F", "S", "N1", "N2", "N3"],
            "rule_grade": ["B", "B", "A", "B", "A"],
            "suggested_grade": ["D", "B", "A", "B", "C"],
            "suggested_confidence": [0.3, 0.9, 0.95, 0.4, 0.9],
        }
    )
    queue = grade_these_next(store, portfolio, as_of="2024-06-30", limit=None)
    assert "fresh" not in set(queue["client_id"])
    assert queue["client_id"].tolist() == ["disputed_new", "unsure_new", "sure_new", "stale"]
    assert queue["priority"].is_monotonic_decreasing
    assert "rules say A, the model C" in queue.loc[0, "why"]
    assert "never graded" in queue.loc[0, "why"]
    assert queue.loc[3, "why"].startswith("last graded 2023-06-01")


def test_grade_these_next_works_without_a_model(store):
    portfolio = pd.DataFrame({"client_id": ["a", "b"], "rule_grade": ["A", "D"]})
    queue = grade_these_next(store, portfolio, as_of="2024-06-30")
    assert len(queue) == 2
    assert np.allclose(queue["priority"], 1.5)
    assert queue["why"].str.contains("no suggestion").all()


def test_a_confidence_reads_the_same_in_tables_and_in_words(demo_db):
    from datetime import date

    from grading.db.store import Store
    from grading.formatting import percent
    from grading.model.agreement import grade_these_next
    from grading.scoring.portfolio import grade_portfolio

    with Store(demo_db) as store:
        graded = grade_portfolio(store, date(2025, 1, 15), models_dir=demo_db.parent / "models", explain=False)
        queue = grade_these_next(store, graded, as_of=date(2025, 1, 15), limit=60)

    confidence = graded["suggested_confidence"].dropna()
    assert len(confidence)
    # Whole percents, so a table's "percent" format and the sentences round the same number.
    assert ((confidence * 100).round(6) % 1 == 0).all()
    for row in queue.dropna(subset=["suggested_confidence"]).itertuples():
        assert f"the model is {percent(row.suggested_confidence)} sure" in row.why
