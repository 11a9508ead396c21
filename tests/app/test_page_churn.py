"""The Churn impact page, through Streamlit's AppTest, on the demo database and on an empty one."""

from __future__ import annotations

import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from grading.db.store import Store
from tests.app.page_bytes import page_bytes

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGE = "pages/churn_impact.py"


def open_page(*, anonymize: bool = False, **state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    # Set through the widgets' keys before the first run (AppTest loses sidebar widgets after the first run of an
    # app that uses st.navigation, so the sidebar toggle cannot be clicked).
    at.session_state["keep_anonymize"] = anonymize
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [item.value for item in at.exception]
    return at


def cards(at: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


def test_firing_the_d_clients_changes_the_after_figures(demo_db):
    at = open_page()
    at.multiselect(key="keep_churn_grades").set_value([])
    at.run()
    assert not at.exception
    nobody_fired = cards(at)
    assert any("Nothing changes yet" in item.value for item in at.info)
    at.multiselect(key="keep_churn_grades").set_value(["D"])
    at.run()
    assert not at.exception
    d_fired = cards(at)
    for label in ("Gross profit (window)", "Revenue (window)", "Labor hours (window)", "Effective hourly rate"):
        assert d_fired[label] != nobody_fired[label], label
    assert int(d_fired["Clients"]) < int(nobody_fired["Clients"])
    hours_delta = next(metric for metric in at.metric if metric.label == "Labor hours (window)").delta
    assert hours_delta.startswith("-")


def test_churn_page_shows_cards_charts_the_fired_table_and_a_download(demo_db):
    at = open_page()
    labels = [metric.label for metric in at.metric]
    assert labels[:1] == ["Gross profit (window)"]
    assert {"Revenue (window)", "Labor hours (window)", "Effective hourly rate", "Largest client's share",
            "Hours freed (window)", "Redeployed to paid work (window)", "Back to you (window)"} <= set(labels)
    # The hours freed, and the timeline with its uncertainty band.
    assert len(at.get("vega_lite_chart")) == 2
    fired = next(frame.value for frame in at.dataframe if "exit_month" in frame.value.columns)
    assert len(fired) > 0 and set(fired["grade"]) == {"D"}
    assert [button.label for button in at.get("download_button")] == ["Download the scenario (CSV)"]


def test_a_client_fired_by_hand_goes_too(demo_db):
    with Store(demo_db) as store:
        first_id = store.scalar("SELECT min(client_id) FROM clients")
    at = open_page(keep_churn_grades=[], keep_churn_clients=[first_id])
    fired = next(frame.value for frame in at.dataframe if "exit_month" in frame.value.columns)
    assert fired["client_id"].tolist() == [first_id]
    assert any(caption.value.startswith("Picked: ") for caption in at.caption), "the folded picker says who"


def test_the_picker_by_name_opens_and_picks_a_client(demo_db):
    with Store(demo_db) as store:
        last_id = store.scalar("SELECT max(client_id) FROM clients")
    at = open_page(keep_churn_grades=[], keep_churn_open_by_hand=True)
    at.multiselect(key="keep_churn_clients").set_value([last_id]).run()
    assert not at.exception
    fired = next(frame.value for frame in at.dataframe if "exit_month" in frame.value.columns)
    assert fired["client_id"].tolist() == [last_id]


def test_folded_assumptions_run_their_widgets_only_when_open_and_count_either_way(demo_db):
    at = open_page()
    assert not [slider for slider in at.slider if slider.key == "keep_churn_increase_D"], "folded: not drawn"
    before = cards(at)
    at.session_state["keep_churn_open_prices"] = True
    at.run()
    at.slider(key="keep_churn_increase_C").set_value(20)
    at.run()
    assert not at.exception
    repriced = cards(at)
    assert repriced["Revenue (window)"] != before["Revenue (window)"], "a price increase for C clients shows at once"
    at.session_state["keep_churn_open_prices"] = False
    at.run()
    assert not [slider for slider in at.slider if slider.key == "keep_churn_increase_C"]
    assert cards(at)["Revenue (window)"] == repriced["Revenue (window)"], "the increase counts with the group folded"


def test_churn_page_on_an_empty_database_says_what_to_do(empty_db):
    at = open_page()
    assert [item.value for item in at.main.subheader] == ["No clients to simulate"]
    assert not at.get("vega_lite_chart")
    assert not at.get("download_button")


def test_anonymize_switch_hides_every_client_name_on_the_churn_page(demo_db):
    with Store(demo_db) as store:
        names = store.query("SELECT name FROM clients")["name"].tolist()
    shown = page_bytes(open_page())
    assert any(name.encode() in shown for name in names), "the names show when not anonymizing"
    hidden = page_bytes(open_page(anonymize=True))
    assert [name for name in names if name.encode() in hidden] == []
    assert b"Client 0" in hidden


def test_the_page_opens_on_the_plain_story_with_the_cli_simulates_figures(demo_db, capsys):
    import json

    from grading.cli import main
    from grading.formatting import hourly_rate, hours, money

    assert main(["simulate", "--fire-grade", "D"]) == 0
    cli = json.loads(capsys.readouterr().out)
    at = open_page()

    plain = [metric for metric in at.metric][:6]
    figures = {metric.label: metric.value for metric in plain}
    assert figures["Gross profit (window)"] == money(cli["gross_profit_after"])
    assert figures["Revenue (window)"] == money(cli["revenue_after"])
    assert figures["Labor hours (window)"] == hours(cli["labor_hours_after"])
    assert figures["Effective hourly rate"] == hourly_rate(cli["effective_hourly_rate_after"])


    story = " ".join(re.sub(r"\\(.)", r"\1", element.value) for element in at.markdown)  # escapes taken off
    assert cli["story"] in story
    # The owner's scenario opens on the same assumptions, so its cards agree, and the break-even is shown.
    scenario = [metric for metric in at.metric][6:12]
    assert {metric.label: metric.value for metric in scenario} == figures
    even = next(metric for metric in at.metric if metric.label.startswith("Break-even"))
    assert even.value == f"{hours(cli['break_even_hours_per_month'])} a month"


def test_every_money_or_hours_card_on_the_page_says_its_period(demo_db):
    at = open_page()
    # A rate (€120/h) and a share are not figures of a period.
    money_or_hours = [metric for metric in at.metric if not metric.value.endswith("/h")
                      and ("€" in metric.value or re.search(r"\d h\b", metric.value))]
    assert len(money_or_hours) >= 9, "both sides' gross profit, revenue, hours; the break-even; the freed hours"
    for metric in money_or_hours:
        said = f"{metric.label} {metric.value}"
        assert "(window)" in said or "month" in said, said
