"""The Suggested vs manual page (AppTest): agreement, the disagreement queue, accepting and overriding a
suggestion, grade these next, the model card, retraining and the cold start."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from grading.grade_history import count_grade_events, grade_history
from grading.db.store import Store
from ui.resources import get_store

APP = Path(__file__).resolve().parents[2] / "app.py"
PAGE = "pages/suggested_vs_manual.py"


def open_page() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=180)
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def table(at: AppTest, key: str):
    return next(frame.value for frame in at.dataframe if frame.key == key)


def test_page_shows_cross_validated_agreement_and_the_confusion_matrix(demo_db):
    at = open_page()
    metrics = {metric.label: metric for metric in at.metric}
    assert {"QWK", "Accuracy", "Within one grade", "Rule grade's QWK"} <= set(metrics)
    assert -1 <= float(metrics["QWK"].value) <= 1
    assert "against the rule grade" in metrics["QWK"].delta
    charts = at.get("vega_lite_chart")
    assert any("manual_grade" in chart.proto.spec and "suggested_grade" in chart.proto.spec for chart in charts)
    assert any("qwk" in chart.proto.spec for chart in charts), "the candidates chart is missing"


def test_page_shows_the_learning_curve_beside_the_rules_line(demo_db):
    at = open_page()
    specs = [chart.proto.spec for chart in at.get("vega_lite_chart")]
    assert any("n_grades" in spec and "Rule grade" in spec for spec in specs), "the learning curve is missing"
    said = " ".join(caption.value for caption in at.caption)
    assert "After your first 24 grades the suggestions agreed with your grades at QWK" in said


def test_disagreement_queue_lists_clients_whose_suggestion_differs(demo_db):
    at = open_page()
    queue = table(at, "suggested_queue")
    assert len(queue) > 0
    assert (queue["manual_grade"] != queue["suggested_grade"]).all()
    assert queue["suggestion_reasons"].str.len().gt(0).all()
    assert f"{len(queue)} clients" in " ".join(header.value for header in at.main.subheader)


def test_accepting_a_suggestion_appends_a_grade_event_and_the_page_updates_at_once(demo_db):
    at = open_page()
    store = get_store()
    queue_before = table(at, "suggested_queue")
    client_id = at.selectbox(key="suggested_client").value
    assert client_id == queue_before["client_id"].iat[0]
    suggested = queue_before["suggested_grade"].iat[0]
    events_before = count_grade_events(store)

    at.button(key="suggested_accept").click().run()
    assert not at.exception, at.exception

    assert count_grade_events(store) == events_before + 1
    latest = grade_history(store, client_id).iloc[0]
    assert (latest["grade"], latest["source"], latest["graded_on"]) == (suggested, "accepted", date.today())
    assert f"Saved grade {suggested}" in at.success[0].value
    queue_after = table(at, "suggested_queue") if any(f.key == "suggested_queue" for f in at.dataframe) else None
    assert queue_after is None or client_id not in set(queue_after["client_id"])


def test_overriding_with_my_own_grade_and_a_note_appends_that_grade(demo_db):
    at = open_page()
    store = get_store()
    client_id = at.selectbox(key="suggested_client").value
    manual = table(at, "suggested_queue").set_index("client_id").loc[client_id, "manual_grade"]
    chosen = next(grade for grade in "ABCD" if grade != manual)
    events_before = count_grade_events(store)

    at.text_input(key="keep_grader").input("Ann").run()
    at.text_input(key="suggested_note").input("Moved to managed services in June").run()
    from grading.anonymize import stored_aliases

    # The widget's key holds the client's alias number, never its id (keys reach the browser).
    alias_number = stored_aliases(store)[client_id]
    at.button_group(key=f"suggested_grade_choice_{alias_number}").set_value(chosen).run()
    at.button(key="suggested_override").click().run()
    assert not at.exception, at.exception

    assert count_grade_events(store) == events_before + 1
    latest = grade_history(store, client_id).iloc[0]
    assert (latest["grade"], latest["grader"], latest["note"], latest["source"]) == (
        chosen, "Ann", "Moved to managed services in June", "app"
    )


def test_selecting_a_client_to_grade_next_puts_it_in_the_picker(demo_db):
    at = open_page()
    next_up = table(at, "suggested_next")
    assert len(next_up) > 0
    assert next_up["why"].str.len().gt(0).all()
    at.session_state["suggested_next"] = {"selection": {"rows": [1], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert at.selectbox(key="suggested_client").value == next_up["client_id"].iat[1]


def test_model_card_names_the_model_its_data_and_versions(demo_db):
    at = open_page()
    assert not [frame for frame in at.dataframe if "candidate" in frame.value.columns], "folded: not drawn"
    at.session_state["keep_suggested_model_details"] = True  # as a click on the expander does
    at.run()
    assert not at.exception
    # Values from the model card are escaped for Markdown; read them as they show.
    text = re.sub(r"\\(.)", r"\1", " ".join(element.value for element in at.markdown))
    assert "**Chosen:**" in text
    assert "grades of" in text and "clients" in text
    assert "scikit-learn" in text
    candidates = next(frame.value for frame in at.dataframe if "candidate" in frame.value.columns)
    assert candidates["chosen"].sum() == 1
    assert len(candidates) >= 4


def test_retrain_trains_a_new_model_and_says_how_it_did(demo_db):
    at = open_page()
    models_before = get_store().scalar("SELECT count(*) FROM model_registry")
    at.button(key="suggested_retrain").click().run()
    assert not at.exception, at.exception
    assert get_store().scalar("SELECT count(*) FROM model_registry") == models_before + 1
    assert any(message.value.startswith("Trained") for message in at.info)


def test_without_enough_grades_the_page_says_how_many_more_are_needed(empty_db):
    with Store(empty_db) as store, store.transaction() as tx:
        tx.execute(
            "INSERT INTO clients (client_id, name, service_model, seats) VALUES "
            "('C1', 'Alderbrook Dental', 'managed', 10), ('C2', 'Birchfield Legal', 'break_fix', 3)"
        )
        tx.execute(
            "INSERT INTO monthly_metrics (client_id, month, revenue, labor_hours) VALUES "
            "('C1', DATE '2024-01-01', 2000, 10), ('C2', DATE '2024-01-01', 300, 9)"
        )
        tx.execute("INSERT INTO grade_events (client_id, graded_on, grade) VALUES ('C1', DATE '2024-02-01', 'A')")
    at = open_page()
    info = " ".join(message.value for message in at.info)
    assert "11 more graded clients" in info
    assert "graded D" in info
    assert not at.metric
    # Never graded comes before graded long ago.
    assert table(at, "suggested_next")["client_id"].tolist() == ["C2", "C1"]


def test_page_on_an_empty_database_says_how_to_get_data_in(empty_db):
    at = open_page()
    assert "Data & settings" in at.info[0].value
    assert not at.dataframe
