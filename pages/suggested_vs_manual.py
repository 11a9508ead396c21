"""Suggested vs manual: how far the model agrees with your grades, where it does not, and the model behind it."""

from datetime import date
from functools import partial

import streamlit as st

from grading.charts.agreement import candidates_chart, confusion_chart
from grading.charts.learning_curve import learning_curve_chart
from grading.vocabulary import GRADES
from grading.errors import ClientGradeError
from grading.formatting import percent
from grading.grade_history import grades_still_needed, record_grade
from grading.views.client_card import client_row
from grading.views.shared import money_format
from grading.views.suggested_vs_manual import (
    agreement_figures,
    decision_view,
    graded_by_both,
    latest_against_today,
    learning_curve,
    model_candidates,
)
from grading.model.agreement import rater_agreement
from grading.model.suggest import model_state
from grading.model.training import train_if_possible
from grading.text_safety import escape_markdown
from ui import data
from ui.auth import READ_ONLY_HELP
from ui.page import graded_portfolio, page_setup
from ui.resources import get_models_dir
from ui.shared import KEEP_PREFIX, for_display

page = page_setup()
controls, store = page.controls, page.store
models_dir = get_models_dir()
write_help = None if page.editable else READ_ONLY_HELP
CLIENT_KEY, NOTE_KEY, GRADE_KEY = "suggested_client", "suggested_note", "suggested_grade_choice"
GRADER_KEY = f"{KEEP_PREFIX}grader"

st.title("Suggested vs manual")
st.caption(
    "The model learns from your own past grades and suggests a grade for every client. Here you see how far to "
    "trust it, where it disagrees with you, and you accept or override its suggestions."
)

portfolio = graded_portfolio(controls, words=True)  # the queue and the card show the reasons
try:
    state = data.computed(model_state, store, models_dir)
except ClientGradeError as error:
    st.error(escape_markdown(str(error)))
    st.stop()

if portfolio.empty:
    st.info(
        "No clients yet, so nothing to compare. Import your clients and grades, or reset to the demo portfolio, on "
        "the Data & settings page."
    )
    st.page_link("pages/data_settings.py", label="Go to Data & settings", icon=":material/upload:")
    st.stop()

for message_kind in ("suggested_done", "suggested_failed", "suggested_trained"):
    if message_kind in st.session_state:
        text = st.session_state.pop(message_kind)
        # Names and error messages in these texts were escaped when they were written.
        {"suggested_done": st.success, "suggested_failed": st.error, "suggested_trained": st.info}[message_kind](text)

card = state.card
if state.status == "refused":
    st.error(f"{escape_markdown(state.message)} Grades come from the rules until a model is retrained below.")
elif card is None:
    needed = grades_still_needed(store)
    st.info(needed or "No model yet, but there are enough grades: train one with Retrain at the bottom of the page.")

# Agreement ---------------------------------------------------------------------------------------------------
if card is not None:
    st.subheader("How far to trust the suggestions")
    st.caption(
        f"Cross-validated on {card.get('n_labels')} of your grades of {card.get('n_clients')} clients: each "
        "client's grade is predicted by a model that never saw that client."
    )
    figures = agreement_figures(card)
    for column, figure in zip(st.columns(len(figures)), figures, strict=True):
        column.metric(figure.label, figure.value, delta=figure.delta, help=figure.help)

    curve, curve_summary = data.computed(learning_curve, state)
    if not curve.empty:
        with st.container(key="suggested-learning-curve"):
            data.altair_chart(partial(learning_curve_chart, curve))
            st.caption(escape_markdown(curve_summary))

    graded, agreeing = data.computed(graded_by_both, portfolio)
    left, right = st.columns([3, 2])
    with left, st.container(key="suggested-chart"):
        data.altair_chart(partial(confusion_chart, data.computed(latest_against_today, graded),
                                  title="Your latest grade against today's suggestion"))
    with right:
        st.markdown(f"**{agreeing} of {len(graded)}** clients you graded get the same grade from the model today.")
        st.caption(
            "Today's model was trained on these very grades, so it agrees with them more than it will with a new "
            "client: the cross-validated figures above are the honest measure."
        )

# The disagreement queue ----------------------------------------------------------------------------------------
shown = data.computed(for_display, portfolio, controls)  # names replaced while anonymizing
queue, next_up, labels = data.computed(decision_view, store, shown, controls.as_of)

st.subheader(f"Where the model disagrees with you: {len(queue)} clients")
if queue.empty:
    st.caption(
        "No disagreements: every client you graded gets your grade from the model."
        if card is not None
        else "The queue fills once a model suggests grades."
    )
else:
    data.dataframe(
        queue,
        key="suggested_queue",
        on_select="rerun",
        selection_mode="single-row",
        hide_index=True,
        placeholder="-",
        column_order=("name", "manual_grade", "suggested_grade", "suggested_confidence", "rule_grade",
                      "manual_graded_on", "avg_monthly_revenue", "suggestion_reasons"),
        column_config={
            "name": st.column_config.TextColumn("Client", pinned=True),
            "manual_grade": st.column_config.TextColumn("Yours"),
            "suggested_grade": st.column_config.TextColumn("Suggested"),
            "suggested_confidence": st.column_config.ProgressColumn(
                "Model's confidence", min_value=0, max_value=1, format="percent", step=0.01
            ),
            "rule_grade": st.column_config.TextColumn("Rule"),
            "manual_graded_on": st.column_config.DateColumn("You graded on"),
            "avg_monthly_revenue": st.column_config.NumberColumn(
                "Revenue / month", format=money_format(controls.currency)
            ),
            "suggestion_reasons": st.column_config.TextColumn("Why the model suggests its grade", width="large"),
        },
    )

# Grade a client ------------------------------------------------------------------------------------------------
st.subheader("Accept or override")
candidates = list(dict.fromkeys([*queue["client_id"], *next_up["client_id"]]))


def newly_selected(table_key: str, frame) -> str | None:
    """The client of a row just selected in one of the two tables (they drive the picker below)."""
    state = st.session_state.get(table_key)
    rows = list(state["selection"]["rows"]) if state else []
    last_key = f"{table_key}_applied_rows"
    if rows == st.session_state.get(last_key):
        return None
    st.session_state[last_key] = rows
    return frame["client_id"].iat[rows[0]] if rows and rows[0] < len(frame) else None


for table_key, frame in (("suggested_queue", queue), ("suggested_next", next_up)):
    selected = newly_selected(table_key, frame)
    if selected is not None:
        st.session_state[CLIENT_KEY] = selected
if st.session_state.get(CLIENT_KEY) not in candidates:
    st.session_state[CLIENT_KEY] = candidates[0] if candidates else None
st.session_state.setdefault(GRADER_KEY, "Owner")


def save_grade(client_id: str, shown_name: str, grade: str | None, source: str, default_note: str) -> None:
    """Append the grade to the history; the page then reruns with the new grade everywhere."""
    if grade is None:
        st.session_state["suggested_failed"] = "Choose a grade first."
        return
    note = (st.session_state.get(NOTE_KEY) or "").strip() or default_note
    try:
        record_grade(store, client_id, grade, grader=st.session_state.get(GRADER_KEY, ""), note=note, source=source)
    except ClientGradeError as error:
        st.session_state["suggested_failed"] = escape_markdown(str(error))
        return
    st.session_state["suggested_done"] = f"Saved grade {grade} for {escape_markdown(shown_name)}."
    st.session_state[NOTE_KEY] = ""


if not candidates:
    st.caption("Nobody to grade right now: no disagreements, and every client was graded in the last six months.")
else:
    with st.container(border=True, key="suggested-decide"):
        client_id = st.selectbox("Client", candidates, key=CLIENT_KEY, format_func=labels.get)
        row = data.computed(client_row, shown, client_id)
        suggested = row["suggested_grade"] if isinstance(row["suggested_grade"], str) else None
        reason_column, action_column = st.columns([3, 2])
        with reason_column:
            if suggested is not None:
                st.markdown(f"**Why the model suggests {suggested}** ({percent(row['suggested_confidence'])} sure)")
                st.write(row["suggestion_reasons"] or "The model gave no reasons.")
            st.markdown(f"**Why the rules say {row['rule_grade']}**")
            st.write(row["reasons"] or "No reasons: the client could not be scored.")
        with action_column:
            st.text_input("Graded by", key=GRADER_KEY, max_chars=80)
            st.text_input("Note (why)", key=NOTE_KEY, max_chars=2000, placeholder="e.g. prepays hardware now")
            st.button(
                f"Accept the suggestion: {suggested}" if suggested else "No suggestion to accept",
                type="primary",
                disabled=suggested is None or not page.editable,
                help=write_help,
                on_click=save_grade,
                args=(client_id, row["name"], suggested, "accepted", f"Accepted the suggested grade {suggested}."),
                key="suggested_accept",
                icon=":material/check:",
            )
            choice = st.segmented_control(
                "Or give your own grade", list(GRADES), key=f"{GRADE_KEY}_{data.alias_numbers().get(client_id, 0)}",
                default=row["manual_grade"] if isinstance(row["manual_grade"], str) else None,
            )
            st.button(
                f"Save grade {choice}" if choice else "Save my grade",
                on_click=save_grade,
                args=(client_id, row["name"], choice, "app", "Graded on the Suggested vs manual page."),
                disabled=not page.editable,
                help=write_help,
                key="suggested_override",
                icon=":material/edit:",
            )
        if controls.as_of < date.today():
            st.caption(
                f"Grades are dated today; the pages show the portfolio as of {controls.as_of:%d %B %Y}, so a grade "
                "saved now shows once the sidebar's date is today."
            )

# Grade these next ----------------------------------------------------------------------------------------------
st.subheader("Grade these next")
st.caption(
    "Clients never graded or graded over six months ago, ranked by how much your grade would teach the model: "
    "where it is unsure, or where it and the rules disagree. Pick one above to grade it."
)
if next_up.empty:
    st.caption("Every client has a recent grade.")
else:
    data.dataframe(
        next_up,
        key="suggested_next",
        on_select="rerun",
        selection_mode="single-row",
        hide_index=True,
        placeholder="-",
        column_order=("name", "rule_grade", "suggested_grade", "suggested_confidence", "last_graded_on", "why"),
        column_config={
            "name": st.column_config.TextColumn("Client", pinned=True),
            "rule_grade": st.column_config.TextColumn("Rule"),
            "suggested_grade": st.column_config.TextColumn("Suggested"),
            "suggested_confidence": st.column_config.NumberColumn("Confidence", format="percent", step=0.01),
            "last_graded_on": st.column_config.DateColumn("Last graded"),
            "why": st.column_config.TextColumn("Why now", width="large"),
        },
    )

# Rater agreement -----------------------------------------------------------------------------------------------
st.subheader("Do your graders agree?")
raters = data.computed(rater_agreement, store)
if raters.empty:
    st.caption("Only one grader so far: when two people grade the same clients, their agreement shows here.")
else:
    st.caption("The model can only be as consistent as the grades it learns from.")
    data.dataframe(
        raters,
        hide_index=True,
        column_config={
            "grader_a": st.column_config.TextColumn("Grader"),
            "grader_b": st.column_config.TextColumn("and grader"),
            "n_clients": st.column_config.NumberColumn("Clients both graded"),
            "qwk": st.column_config.NumberColumn("QWK", format="%.2f"),
            "accuracy": st.column_config.NumberColumn("Same grade", format="percent", step=0.01),
            "within_one": st.column_config.NumberColumn("Within one grade", format="percent", step=0.01),
        },
    )

# The model card ------------------------------------------------------------------------------------------------
st.subheader("The model")
st.write(escape_markdown(state.message))
if card is not None:
    candidates_table = data.computed(model_candidates, state)
    chart_column, facts_column = st.columns([3, 2])
    with chart_column:
        if not candidates_table.empty:
            data.altair_chart(partial(candidates_chart, candidates_table))
    with facts_column:
        st.markdown(
            f"**Chosen:** {escape_markdown(card.get('model_title', card.get('model')))}  \n"
            f"**Trained:** {str(card.get('trained_at', ''))[:16].replace('T', ' ')}  \n"
            f"**Learned from:** {card.get('n_labels')} grades of {card.get('n_clients')} clients, given "
            f"{card.get('graded_from')} to {card.get('graded_to')}  \n"
            f"**Cross-validation:** {card.get('cross_validation', {}).get('n_splits')} folds, "
            f"{card.get('cross_validation', {}).get('n_repeats')} repeats, grouped by client"
        )
    details = st.expander("Every candidate, the figures it reads, and the versions",
                          key=f"{KEEP_PREFIX}suggested_model_details", on_change="rerun")
    with details:
        # Runs only while open: a rerun of this page (a grade saved) need not redraw the model's fine print.
        if details.open:
            data.dataframe(
                candidates_table,
                hide_index=True,
                column_order=("candidate", "qwk", "accuracy", "within_one", "chosen"),
                column_config={
                    "candidate": st.column_config.TextColumn("Candidate"),
                    "qwk": st.column_config.NumberColumn("QWK", format="%.2f"),
                    "accuracy": st.column_config.NumberColumn("Accuracy", format="percent", step=0.01),
                    "within_one": st.column_config.NumberColumn("Within one", format="percent", step=0.01),
                    "chosen": st.column_config.CheckboxColumn("In use"),
                },
            )
            st.markdown("**Figures the model reads:** "
                        + ", ".join(escape_markdown(feature) for feature in card.get("features", [])))
            st.markdown(
                "**Versions:** " + ", ".join(f"{escape_markdown(name)} {escape_markdown(version)}"
                                             for name, version in card.get("versions", {}).items())
            )

if st.button("Retrain the model", key="suggested_retrain", icon=":material/model_training:",
             disabled=not page.editable, help=write_help):
    bar = st.progress(0.0, text="Starting")
    try:
        outcome = train_if_possible(store, models_dir, progress=lambda fraction, text: bar.progress(fraction, text))
    except ClientGradeError as error:
        st.session_state["suggested_failed"] = escape_markdown(str(error))
    else:
        st.session_state["suggested_trained"] = escape_markdown(outcome.message)
    st.rerun()
