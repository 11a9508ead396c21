"""Housekeeping: counting and wiping the client data, resetting to the demo, exports and the settings checks."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest

from grading.db import maintenance
from grading.views import data_settings
from grading.errors import ClientGradeError, SettingError, ValidationIssue
from grading.importer.report import FileReport, ImportReport
from grading.settings import defaults, load_settings, save_settings


@pytest.fixture
def filled_store(store):
    """A store with two clients, their figures, a grade, a review session, a saved setting and an active model."""
    with store.transaction() as tx:
        tx.execute("INSERT INTO clients (client_id, name) VALUES ('k1', 'Kept Name Ltd'), ('k2', 'Other Ltd')")
        tx.execute(
            "INSERT INTO monthly_metrics (client_id, month, revenue, labor_hours) VALUES "
            "('k1', DATE '2024-01-01', 100, 1), ('k2', DATE '2024-01-01', 50, 2)"
        )
        tx.execute("INSERT INTO grade_events (client_id, graded_on, grade) VALUES ('k1', DATE '2024-01-02', 'B')")
        tx.execute("INSERT INTO review_sessions (title, held_on) VALUES ('Q1 review', DATE '2024-02-01')")
        tx.execute(
            "INSERT INTO model_registry (model_id, file_name, content_hash, card_json, is_active) "
            "VALUES ('m1', 'm1.skops', 'abc', '{}', true)"
        )
    save_settings(store, {"labor_cost_rate": 61.0, "currency": "GBP"})
    return store


def test_counts_name_every_client_table(filled_store):
    counts = maintenance.client_data_counts(filled_store)
    assert counts["clients"] == 2
    assert counts["monthly_metrics"] == 2
    assert counts["review_sessions"] == 1
    assert data_settings.describe_counts(counts) == (
        "1 live review sessions, 1 manual grades, 2 client-months of figures, 2 clients"
    )


def test_an_empty_store_has_no_client_data(store):
    assert data_settings.describe_counts(maintenance.client_data_counts(store)) == "no client data"


def test_wiping_deletes_client_data_keeps_settings_and_retires_models(filled_store):
    deleted = maintenance.wipe_client_data(filled_store)
    assert deleted["clients"] == 2 and deleted["grade_events"] == 1
    assert all(count == 0 for count in maintenance.client_data_counts(filled_store).values())
    assert load_settings(filled_store)["labor_cost_rate"] == 61.0
    assert filled_store.scalar("SELECT count(*) FROM model_registry WHERE is_active") == 0
    assert filled_store.scalar("SELECT count(*) FROM model_registry") == 1


def test_reset_to_demo_replaces_the_clients_and_keeps_the_settings(filled_store, tmp_path):
    steps = []
    result = maintenance.reset_to_demo(
        filled_store, tmp_path / "models", n_clients=12, seed=3, train=False,
        progress=lambda fraction, text: steps.append((fraction, text)),
    )
    assert result.clients_written == 12
    assert result.deleted["clients"] == 2
    assert filled_store.scalar("SELECT count(*) FROM clients") == 12
    assert not filled_store.scalar("SELECT count(*) FROM clients WHERE name = 'Kept Name Ltd'")
    assert filled_store.scalar("SELECT count(*) FROM grade_events") > 0
    assert load_settings(filled_store)["currency"] == "GBP"
    fractions = [fraction for fraction, _ in steps]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


def test_reset_with_a_bad_size_deletes_nothing(filled_store, tmp_path):
    with pytest.raises(ClientGradeError):
        maintenance.reset_to_demo(filled_store, tmp_path / "models", n_clients=0, train=False)
    assert filled_store.scalar("SELECT count(*) FROM clients") == 2


def test_export_zip_holds_one_csv_per_table(filled_store):
    archive = zipfile.ZipFile(io.BytesIO(maintenance.export_zip_bytes(filled_store)))
    names = set(archive.namelist())
    assert {"clients.csv", "monthly_metrics.csv", "grade_events.csv", "settings.csv"} <= names
    clients = pd.read_csv(archive.open("clients.csv"))
    assert sorted(clients["name"]) == ["Kept Name Ltd", "Other Ltd"]


def _report() -> ImportReport:
    return ImportReport(
        files={"clients": FileReport("clients", "clients.csv", rows_read=3, warnings=["semicolons"])},
        issues=[
            ValidationIssue("clients.csv", 3, "seats", "'Acme Ltd' is not a whole number"),
            ValidationIssue("monthly.csv", None, None, "the file is empty"),
        ],
    )


def test_issues_frame_names_file_row_and_column():
    frame = data_settings.issues_frame(_report())
    assert frame.iloc[0].to_dict() == {"file": "clients.csv", "row": 3, "column": "seats",
                                       "problem": "'Acme Ltd' is not a whole number"}
    assert pd.isna(frame.iloc[1]["row"])


def test_issues_frame_hides_quoted_values_for_screen_sharing():
    frame = data_settings.issues_frame(_report(), hide_values=True)
    assert "Acme" not in " ".join(frame["problem"])


def test_files_frame_lists_rows_read_and_warnings():
    frame = data_settings.files_frame(_report())
    assert frame.iloc[0]["rows_read"] == 3
    assert frame.iloc[0]["warnings"] == "semicolons"
    assert pd.isna(frame.iloc[0]["rows_new"])


def test_settings_are_grouped_in_registry_order():
    groups = data_settings.settings_by_group()
    assert list(groups)[0] == "general"
    assert groups["general"][0].name == "currency"
    assert sum(len(items) for items in groups.values()) == len(defaults())


def test_only_changed_settings_are_saved():
    current = defaults()
    proposed = dict(current, labor_cost_rate=current["labor_cost_rate"] + 5)
    assert data_settings.changed_settings(current, proposed) == {"labor_cost_rate": current["labor_cost_rate"] + 5}


@pytest.mark.parametrize(
    "change",
    [{"grade_a_min": 30.0}, {"tiny_client_revenue": 5000.0}],
)
def test_settings_that_contradict_each_other_are_refused(change):
    with pytest.raises(SettingError):
        data_settings.check_settings({**defaults(), **change})


def test_the_default_settings_agree_with_each_other():
    data_settings.check_settings(defaults())


def test_model_card_summary_lists_headline_numbers():
    card = {"model_id": "m7", "n_labels": 40, "metrics": {"qwk": 0.71234, "accuracy": 0.6}, "features": ["a"]}
    summary = data_settings.model_card_summary(card).set_index("item")["value"]
    assert summary["model_id"] == "m7"
    assert summary["metrics: qwk"] == "0.712"
    assert "features" not in summary.index
    assert data_settings.model_card_summary(None).empty
