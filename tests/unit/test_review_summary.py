"""The review summary: decisions by kind, the projected impact through the simulation engine, and the exports."""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd
import pytest

from grading.scoring.portfolio import grade_portfolio
from grading.review import sessions
from grading.review.playbook import plan_steps
from grading.review.summary import build_summary, projected_impact, to_csv, to_markdown
from grading.simulation import Repricing, Scenario, simulate_impact
from tests.review_book import AS_OF, write_review_book


def small_portfolio() -> pd.DataFrame:
    """Five clients with round figures; the only C clients are C1 and C2."""
    return pd.DataFrame(
        {
            "client_id": ["A1", "B1", "C1", "C2", "D1"],
            "name": ["Alpha", "Beta", "Gamma", "Delta", "Epsilon"],
            "effective_grade": ["A", "B", "C", "C", "D"],
            "revenue": [60000.0, 40000.0, 20000.0, 15000.0, 25000.0],
            "direct_costs": [6000.0, 4000.0, 2000.0, 1500.0, 2500.0],
            "labor_hours": [400.0, 350.0, 250.0, 200.0, 800.0],
            "months_in_window": 12,
        }
    )


@pytest.mark.parametrize("fired", [[], ["D1"], ["D1", "C2"], ["A1", "B1", "C1", "C2", "D1"]])
def test_the_impact_of_firing_equals_the_simulation_engines(fired):
    portfolio = small_portfolio()
    ours = projected_impact(portfolio, fired, {}, labor_cost_rate=45.0)
    engine = simulate_impact(portfolio, Scenario(fire_clients=tuple(fired)), labor_cost_rate=45.0)
    pd.testing.assert_frame_equal(ours.metrics, engine.metrics)
    assert ours.clients_fired == engine.clients_fired


def test_the_impact_of_firing_and_raising_prices_equals_the_engines_per_grade_repricing():
    portfolio = small_portfolio()
    ours = projected_impact(portfolio, ["D1"], {"C1": 10, "C2": 10}, labor_cost_rate=45.0)
    engine = simulate_impact(
        portfolio, Scenario(fire_clients=("D1",), repricing=Repricing({"C": 0.10})), labor_cost_rate=45.0
    )
    pd.testing.assert_frame_equal(ours.metrics, engine.metrics)
    pd.testing.assert_frame_equal(ours.grade_shares, engine.grade_shares)
    assert ours.clients_repriced == engine.clients_repriced == 2


def test_each_client_keeps_its_own_price_increase():
    portfolio = small_portfolio()
    impact = projected_impact(portfolio, [], {"C1": 10, "B1": 25}, labor_cost_rate=45.0)
    assert impact.after("revenue") - impact.before("revenue") == pytest.approx(20000 * 0.10 + 40000 * 0.25)


def test_a_client_both_fired_and_repriced_is_only_fired():
    portfolio = small_portfolio()
    impact = projected_impact(portfolio, ["C1"], {"C1": 50}, labor_cost_rate=45.0)
    assert impact.after("revenue") == pytest.approx(portfolio["revenue"].sum() - 20000)


@pytest.fixture
def reviewed(store, tmp_path):
    """The review book, a session over its C and D clients, and three decisions."""
    write_review_book(store)
    portfolio = grade_portfolio(store, AS_OF, models_dir=tmp_path / "none")
    ids = portfolio.loc[portfolio["rule_grade"].isin(["C", "D"]), "client_id"].tolist()[:5]
    session = sessions.create_session(store, "Autumn review", AS_OF, "Anna", ids)
    sessions.record_decision(store, session.session_id, ids[0], "fire", notice_months=2, handover_note="Keys")
    sessions.record_decision(store, session.session_id, ids[1], "raise_price", price_increase_pct=15)
    sessions.record_decision(
        store, session.session_id, ids[2], "lift", plan_steps=plan_steps(["electronic_payment", "review_meeting"]),
        owner="Ben", due_on="2030-01-31", note="Mentioned by name",
    )
    sessions.set_grade(store, session.session_id, ids[3], "B", grader="Anna")
    return store, session, portfolio, ids


def test_the_summarys_impact_equals_the_engine_for_the_sessions_decisions(reviewed):
    store, session, portfolio, ids = reviewed
    summary = build_summary(store, session.session_id, portfolio)
    scenario_impact = projected_impact(portfolio, [ids[0]], {ids[1]: 15.0})
    pd.testing.assert_frame_equal(summary.impact.metrics, scenario_impact.metrics)
    fired_only = simulate_impact(portfolio.assign(months_in_window=12), Scenario(fire_clients=(ids[0],)))
    assert summary.impact.before("revenue") == pytest.approx(fired_only.before("revenue"))
    repriced_revenue = portfolio.set_index("client_id").at[ids[1], "revenue"] * 0.15
    assert summary.impact.after("revenue") == pytest.approx(fired_only.after("revenue") + repriced_revenue)


def test_the_summary_counts_decisions_by_kind_and_lists_plans_and_grade_changes(reviewed):
    store, session, portfolio, ids = reviewed
    summary = build_summary(store, session.session_id, portfolio)
    counts = dict(zip(summary.counts["decision"], summary.counts["clients"], strict=True))
    assert counts == {"keep": 0, "lift": 1, "raise_price": 1, "fire": 1, "undecided": 2}
    assert summary.lift_plans[["owner", "grade_if_plan_works"]].notna().all(axis=None)
    assert summary.lift_plans.at[0, "plan"].startswith("Electronic payment / direct debit")
    assert summary.grade_changes["new_grade"].tolist() == ["B"]
    assert summary.fired == [ids[0]] and summary.repriced == [ids[1]]


def test_the_markdown_and_csv_exports_hold_every_decision(reviewed):
    store, session, portfolio, ids = reviewed
    summary = build_summary(store, session.session_id, portfolio)
    markdown = to_markdown(summary)
    for text in ("# Review: Autumn review", "Fire, 2 months' notice", "Raise price by 15%", "Keys",
                 "Half-hour review meeting", "## Grade changes made in this session", "Gross profit"):
        assert text in markdown
    exported = pd.read_csv(io.BytesIO(to_csv(summary)), dtype=str, keep_default_na=False)
    assert exported["client_id"].tolist() == ids
    assert exported["decision"].tolist()[:3] == ["fire", "raise_price", "lift"]


def test_anonymized_exports_show_aliases_and_hide_ids_names_and_free_text(reviewed):
    store, session, portfolio, ids = reviewed
    summary = build_summary(store, session.session_id, portfolio, anonymize=True)
    markdown, csv_text = to_markdown(summary), to_csv(summary).decode("utf-8")
    for name in portfolio["name"]:
        assert name not in markdown and name not in csv_text
    for client_id in ids:
        assert client_id not in csv_text
    assert "Mentioned by name" not in markdown and "Keys" not in csv_text
    assert np.all(summary.clients["name"].str.startswith("Client "))


def test_markdown_cells_cannot_break_the_table(reviewed):
    store, session, portfolio, ids = reviewed
    sessions.save_note(store, session.session_id, ids[4], "a | b\nc")
    markdown = to_markdown(build_summary(store, session.session_id, portfolio))
    assert "a \\| b c" in markdown


TRACKER = "![px](http://tracker/img.png)"
SCRIPT = "<img src=x onerror=alert(1)>"


def test_the_markdown_download_shows_typed_text_literally(store, tmp_path):
    # Issue 15, finding 5: a title or a note holding an image, HTML or a link went into the file as Markdown.
    write_review_book(store)
    portfolio = grade_portfolio(store, AS_OF, models_dir=tmp_path / "none")
    ids = portfolio.loc[portfolio["rule_grade"].isin(["C", "D"]), "client_id"].tolist()[:3]
    session = sessions.create_session(store, f"Review {TRACKER}", AS_OF, SCRIPT, ids)
    sessions.record_decision(store, session.session_id, ids[0], "fire", notice_months=1,
                             handover_note=f"see www.evil.example {SCRIPT}")
    sessions.record_decision(store, session.session_id, ids[1], "lift",
                             plan_steps=plan_steps(["review_meeting"]), owner=TRACKER, due_on="2030-01-31",
                             note=f"[click](http://evil.example) {SCRIPT}")
    markdown = to_markdown(build_summary(store, session.session_id, portfolio))
    for live in (r"(?<!\\)!(?<!\\)\[", r"(?<!\\)<", r"\]\(", "http://", "www\\."):
        assert not re.search(live, markdown), live
    assert "\\!\\[px\\]" in markdown and "\\<img src\\=x" in markdown


def test_the_summary_table_shows_no_none_cells_and_counts_clients_in_words(reviewed):
    store, session, portfolio, ids = reviewed
    summary = build_summary(store, session.session_id, portfolio)

    shown = summary.clients[["name", "grade", "detail", "owner", "due_on", "caller_id_again", "new_grade", "note",
                             "plan", "grade_if_plan_works"]]
    assert shown.notna().all(axis=None)
    assert not shown.isin(["None", "nan", "NaT", "<NA>"]).any(axis=None)
    assert summary.clients.loc[summary.clients["decision"].eq("lift"), "due_on"].tolist() == ["2030-01-31"]
    markdown = to_markdown(summary)
    assert "(s)" not in markdown and "1 client fired" in markdown


def test_the_summary_columns_are_the_decisions_fields_in_their_order():
    from dataclasses import fields

    from grading.review.sessions import Decision
    from grading.review.summary import CLIENT_COLUMNS

    stored = [field.name for field in fields(Decision)]
    # The plan is stored as JSON and summarized as text; every other field is a column of its own, in order.
    shown = ["plan" if name == "plan_steps_json" else name for name in stored]
    assert [column for column in CLIENT_COLUMNS if column in shown] == shown
    assert CLIENT_COLUMNS[:4] == ("position", "client_id", "name", "grade")
