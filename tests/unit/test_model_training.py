"""Training the suggestion model: cold start, the demo's model beats the rules, held-out clients, no leakage."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from grading.demo import write_demo_portfolio
from grading.scoring.features import features_at
from grading.model.candidates import ANCHOR_STRENGTHS, TREES_FROM_EVENTS
from grading.model.dataset import build_training_set, grade_events
from grading.model.evaluation import cross_validate
from grading.model.metrics import quadratic_weighted_kappa
from grading.model.persistence import load_model_card
from grading.model.suggest import suggest_for_features
from grading.model.training import MIN_GRADED_CLIENTS, train_if_possible
from grading.scoring.scorecard import score_clients
from grading.settings import load_settings
from grading.db.store import Store


@pytest.fixture(scope="module")
def trained_demo(demo_database_template, tmp_path_factory):
    """The default demo portfolio (60 clients) with a model trained on all its manual grades.

    A copy of the session's demo book (tests/conftest.py), which is trained just so: no second training of it.
    """
    folder = tmp_path_factory.mktemp("trained_demo")
    shutil.copytree(demo_database_template, folder, dirs_exist_ok=True)
    store = Store(folder / "portfolio.duckdb")
    yield store, folder / "models"
    store.close()


def _add_clients(store: Store, n: int) -> None:
    store.execute(
        "INSERT INTO clients (client_id, name, service_model, seats) "
        "SELECT 'C' || lpad(CAST(i AS VARCHAR), 3, '0'), 'Client ' || i, 'managed', 10 FROM range(?) t(i)",
        [n],
    )


def _grade(store: Store, grades: list[str]) -> None:
    frame = pd.DataFrame(
        {
            "client_id": [f"C{i:03d}" for i in range(len(grades))],
            "graded_on": pd.Timestamp("2024-06-01"),
            "grade": grades,
        }
    )
    with store.transaction() as tx, tx.frame(frame) as name:
        tx.execute(f"INSERT INTO grade_events (client_id, graded_on, grade) SELECT * FROM {name}")


@pytest.mark.parametrize(
    ("grades", "clients_needed", "grades_needed", "words"),
    [
        ([], 12, {"A": 2, "B": 2, "C": 2, "D": 2}, "12 more graded clients"),
        (list("AABBCCDD"), 4, {}, "4 more graded clients"),
        (list("AAAABBBBCCCD"), 0, {"D": 1}, "1 more client graded D"),
        (list("AAAAAABBBBCC"), 0, {"D": 2}, "2 more clients graded D"),
    ],
)
def test_cold_start_trains_nothing_and_says_which_grades_are_missing(
    store, tmp_path, grades, clients_needed, grades_needed, words
):
    _add_clients(store, 12)
    _grade(store, grades)
    outcome = train_if_possible(store, tmp_path / "models")
    assert not outcome.trained
    assert outcome.clients_needed == clients_needed
    assert outcome.grades_needed == grades_needed
    assert words in outcome.message
    assert load_model_card(store) is None
    assert not (tmp_path / "models").exists()
    assert store.scalar("SELECT count(*) FROM model_registry") == 0


def test_twelve_clients_with_two_of_every_grade_are_enough():
    assert MIN_GRADED_CLIENTS == 12


def test_the_demo_model_beats_the_rule_grade_and_the_dummy_in_cross_validation(trained_demo):
    store, _ = trained_demo
    card = load_model_card(store)
    assert card["qwk"] > card["rule_qwk"]
    assert card["qwk"] > card["dummy_qwk"]
    assert card["dummy_qwk"] == pytest.approx(0.0)
    candidates = card["cross_validation"]["candidates"]
    # The demo's grade history is under TREES_FROM_EVENTS events: the trees sit this one out.
    assert card["n_labels"] < TREES_FROM_EVENTS
    assert set(candidates) == {"dummy", "logistic_regression", "ordinal_logit", "rule_anchored", "rule_grade"}
    assert card["model"] == max(candidates, key=lambda name: (candidates[name]["qwk"], name == "rule_grade"))
    assert card["cross_validation"]["anchor_strength"] in ANCHOR_STRENGTHS
    curve = card["learning_curve"]["points"]
    assert [point["n_grades"] for point in curve][:2] == [12, 24]
    assert all(point["rule_qwk"] == curve[0]["rule_qwk"] for point in curve)


def test_the_model_card_records_what_an_owner_needs_to_judge_the_model(trained_demo):
    store, models = trained_demo
    card = load_model_card(store)
    events = grade_events(store)
    assert card["n_labels"] == len(events)
    assert sum(card["grade_mix"]["events"].values()) == len(events)
    assert "avg_days_to_pay" in card["features"] and "service_model_break_fix" in card["features"]
    assert {"scikit-learn", "skops", "numpy", "pandas", "python"} <= set(card["versions"])
    reliability = card["calibration"]["reliability"]
    assert sum(row["n"] for row in reliability) == len(events)
    assert 0 <= card["calibration"]["calibration_error"] <= 1
    beside = json.loads((models / card["file_name"].replace(".skops", ".card.json")).read_text())
    assert beside["content_hash"] == card["content_hash"] and len(card["content_hash"]) == 64


def test_training_reports_progress_from_zero_to_one_and_its_outcome_is_the_saved_card(tmp_path):
    store = Store(tmp_path / "small.duckdb")
    write_demo_portfolio(store, n_clients=30, seed=2)
    steps = []
    outcome = train_if_possible(store, tmp_path / "models", n_repeats=1,
                                progress=lambda fraction, text: steps.append(fraction))
    assert outcome.trained
    assert steps[0] == 0.0 and steps[-1] == 1.0
    assert steps == sorted(steps)
    card = load_model_card(store)
    assert outcome.metrics["qwk"] == card["qwk"] and outcome.metrics["rule_qwk"] == card["rule_qwk"]
    store.close()


def test_folds_never_split_a_client(trained_demo):
    store, _ = trained_demo
    training = build_training_set(store, load_settings(store))
    seen_in_test: list[set] = []

    from sklearn.model_selection import StratifiedGroupKFold

    for _, test_rows in StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=0).split(
        training.inputs, training.grades, groups=training.clients
    ):
        seen_in_test.append(set(training.clients[test_rows]))
    for first in range(len(seen_in_test)):
        for second in range(first + 1, len(seen_in_test)):
            assert not seen_in_test[first] & seen_in_test[second]
    evaluation = cross_validate(
        training.inputs, training.grades, training.clients, training.rule_grades, n_repeats=1, candidates=("dummy",)
    )
    assert evaluation.oof_probabilities["dummy"].shape == (training.n_labels, 4)
    np.testing.assert_allclose(evaluation.oof_probabilities["dummy"].sum(axis=1), 1.0)


def test_suggestions_for_held_out_clients_agree_with_their_grades_better_than_the_rules(tmp_path):
    # 200 clients, so a third of them withheld still carry about a hundred grades: kappa over a few dozen grades
    # swings by more than the gap between model and rules.
    store = Store(tmp_path / "holdout.duckdb")
    write_demo_portfolio(store, n_clients=200, seed=None)
    events = grade_events(store)
    clients = np.sort(events["client_id"].unique())
    held_out = set(clients[::3])
    withheld = events[events["client_id"].isin(held_out)].reset_index(drop=True)
    with store.transaction() as tx, tx.frame(pd.DataFrame({"client_id": sorted(held_out)})) as name:
        tx.execute(f"DELETE FROM grade_events WHERE client_id IN (SELECT client_id FROM {name})")

    outcome = train_if_possible(store, tmp_path / "models", n_repeats=2)
    assert outcome.trained

    settings = load_settings(store)
    features = features_at(store, pd.DataFrame({"client_id": withheld["client_id"], "as_of": withheld["graded_on"]}))
    rule = score_clients(features, settings)["rule_grade"]
    suggested = suggest_for_features(store, features, tmp_path / "models")["suggested_grade"]
    model_qwk = quadratic_weighted_kappa(withheld["grade"], suggested)
    rule_qwk = quadratic_weighted_kappa(withheld["grade"], rule)
    assert model_qwk > rule_qwk, f"model {model_qwk:.3f} vs rules {rule_qwk:.3f} on {len(withheld)} grades"
    store.close()


def test_a_training_row_ignores_what_happened_after_the_grade(tmp_path):
    store = Store(tmp_path / "leak.duckdb")
    write_demo_portfolio(store, n_clients=20, seed=3)
    settings = load_settings(store)
    before = build_training_set(store, settings)
    event = before.events.iloc[0]
    graded_on = pd.Timestamp(event["graded_on"]).date()
    store.execute(
        "UPDATE monthly_metrics SET revenue = revenue * 10 + 5000, labor_hours = labor_hours * 3 + 40, "
        "days_to_pay = 200 WHERE client_id = ? AND month >= date_trunc('month', CAST(? AS DATE))",
        [event["client_id"], graded_on],
    )
    store.execute(
        "INSERT INTO assessments (client_id, assessed_on, assessor, pays_on_time, caller_id) "
        "VALUES (?, CAST(? AS DATE) + INTERVAL 1 DAY, 'later', 1, 'dread')",
        [event["client_id"], graded_on],
    )
    after = build_training_set(store, settings)
    pd.testing.assert_frame_equal(before.inputs.iloc[[0]], after.inputs.iloc[[0]])
    assert before.rule_grades[0] == after.rule_grades[0]
    # The change was real: the same client's figures as of a later date do move.
    three_months_on = pd.Timestamp(graded_on) + pd.DateOffset(months=3)
    later = pd.DataFrame({"client_id": [event["client_id"]], "as_of": [three_months_on]})
    assert features_at(store, later)["avg_monthly_revenue"].iloc[0] > before.features["avg_monthly_revenue"].iloc[0]
    store.close()


def test_retraining_keeps_one_active_model(demo_db, tmp_path):
    # Its own copy of the trained demo (tests/conftest.py): retraining writes the registry, and the module's
    # trained_demo is read by the other tests.
    with Store(demo_db) as store:
        train_if_possible(store, tmp_path / "again", n_repeats=1)
        assert store.scalar("SELECT count(*) FROM model_registry WHERE is_active") == 1
        assert store.scalar("SELECT count(*) FROM model_registry") >= 2
