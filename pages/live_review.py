"""Live review: a coach and an owner walk the book one client at a time, decide, and leave with a written summary.

Large and readable for a shared screen. Every button has a stable key (``review-*``) and a keyboard shortcut, and
the inputs come before the buttons, so Tab walks caller-ID, plan, price, notice, owner, date and notes, then the
decision buttons, then Previous / Next.
"""

from datetime import date
from functools import partial

import streamlit as st

from grading.charts.review import client_trend_chart, decisions_chart
from grading.db.export import UTF8_BOM
from grading.errors import ClientGradeError
from grading import formatting
from grading.review import lift_plans as lifts
from grading.review import playbook, selection, sessions
from grading.review import summary as review_summary
from grading.text_safety import escape_markdown
from grading.views import client_card as cards
from grading.views import live_review as view
from ui import data
from ui.auth import READ_ONLY_HELP
from ui.meeting_pack import meeting_pack_button
from ui.page import graded_portfolio, page_setup
from ui.shared import KEEP_PREFIX, for_display

SESSION_KEY = f"{KEEP_PREFIX}review_session"
POSITION_KEY = "review-position"
POSITION_OWNER_KEY = "review-position-session"
MESSAGE_KEY = "review-message"
ERROR_KEY = "review-error"
NEW_SESSION = "new"

page = page_setup()
controls, store = page.controls, page.store
write_help = None if page.editable else READ_ONLY_HELP

st.title("Live review")
st.caption(
    "Walk the clients with the owner, one at a time: look at the card, ask the caller-ID question again, decide "
    "(keep, lift one grade with a plan, raise the price, or fire with notice), and leave with the summary. "
    "Turn on 'Anonymize names' in the sidebar before sharing your screen."
)

portfolio = graded_portfolio(controls, words=True)  # the client card reads the reasons

if portfolio.empty:
    with st.container(border=True, key="review-empty"):
        st.subheader("No clients to review yet")
        st.write("Import your clients and monthly figures, or reset to the demo portfolio, on Data & settings.")
        st.page_link("pages/data_settings.py", label="Go to Data & settings", icon=":material/upload:")
    st.stop()


shown = data.computed(for_display, portfolio, controls)  # names replaced while anonymizing
names, client_options = data.computed(view.review_book, shown)


# -- callbacks: they run before the page, so they may move the position and switch the session ---------------


def _report(error: ClientGradeError) -> None:
    st.session_state[ERROR_KEY] = escape_markdown(str(error))


def _start_session() -> None:
    try:
        chosen = selection.ClientSelection(
            grades=st.session_state["review-new-grades"],
            grade_column=controls.grade_column,
            flags=st.session_state["review-new-flags"],
            disagreement_only=st.session_state["review-new-disagreement"],
            order=st.session_state["review-new-order"],
            by_hand=st.session_state["review-new-by-hand"],
        )
        client_ids = selection.select_clients(portfolio, chosen)
        created = sessions.create_session(
            store,
            st.session_state["review-new-title"],
            st.session_state["review-new-date"],
            st.session_state["review-new-attendees"],
            client_ids,
            chosen,
        )
    except ClientGradeError as error:
        _report(error)
        return
    st.session_state[SESSION_KEY] = created.session_id
    st.session_state[POSITION_KEY] = 0
    st.session_state[POSITION_OWNER_KEY] = created.session_id
    st.session_state[MESSAGE_KEY] = f"Session '{escape_markdown(created.title)}' started with {len(created.client_ids)} clients."


def _resume() -> None:
    chosen = st.session_state[SESSION_KEY]
    if chosen != NEW_SESSION:
        st.session_state[POSITION_KEY] = sessions.resume_position(store, chosen)
        st.session_state[POSITION_OWNER_KEY] = chosen


def _move(step: int, count: int) -> None:
    st.session_state[POSITION_KEY] = min(max(st.session_state.get(POSITION_KEY, 0) + step, 0), count - 1)


def _decide(kind: str, session_id: int, client_id: str, suffix: str, count: int) -> None:
    state = st.session_state
    try:
        sessions.record_decision(
            store,
            session_id,
            client_id,
            kind,
            plan_steps=playbook.plan_from_text(state[f"review-plan-{suffix}"], state[f"review-steps-{suffix}"]),
            price_increase_pct=state[f"review-price-{suffix}"],
            notice_months=state[f"review-notice-{suffix}"],
            handover_note=state[f"review-handover-{suffix}"],
            owner=state[f"review-owner-{suffix}"],
            due_on=state[f"review-due-{suffix}"],
            caller_id_again=state[f"review-caller-{suffix}"],
            note=state[f"review-note-{suffix}"],
        )
    except ClientGradeError as error:
        _report(error)
        return
    state[MESSAGE_KEY] = f"Saved: {sessions.DECISIONS[kind]} for {escape_markdown(names.get(client_id, client_id))}."
    _move(1, count)


def _save_note(session_id: int, client_id: str, suffix: str) -> None:
    try:
        sessions.record_decision(
            store,
            session_id,
            client_id,
            sessions.client_state(store, session_id, client_id)["decision"],
            **view.kept_decision_values(sessions.client_state(store, session_id, client_id)),
            caller_id_again=st.session_state[f"review-caller-{suffix}"],
            note=st.session_state[f"review-note-{suffix}"],
        )
    except ClientGradeError as error:
        _report(error)
        return
    st.session_state[MESSAGE_KEY] = f"Notes saved for {escape_markdown(names.get(client_id, client_id))}."


def _set_grade(session_id: int, client_id: str, suffix: str) -> None:
    grade = st.session_state[f"review-grade-{suffix}"]
    if not grade:
        st.session_state[ERROR_KEY] = "Pick the new grade first."
        return
    try:
        sessions.set_grade(
            store,
            session_id,
            client_id,
            grade,
            grader=st.session_state[f"review-grader-{suffix}"],
            note=st.session_state[f"review-note-{suffix}"],
        )
    except ClientGradeError as error:
        _report(error)
        return
    st.session_state[MESSAGE_KEY] = f"Manual grade {grade} recorded for {escape_markdown(names.get(client_id, client_id))}."


def _plan_from_steps(suffix: str) -> None:
    st.session_state[f"review-plan-{suffix}"] = playbook.plan_text(
        playbook.plan_steps(st.session_state[f"review-steps-{suffix}"])
    )


# -- choosing or starting a session --------------------------------------------------------------------------

past, past_labels = data.computed(view.past_sessions, store)
labels = {NEW_SESSION: "Start a new session", **past_labels}
if st.session_state.get(SESSION_KEY) not in labels:
    st.session_state[SESSION_KEY] = NEW_SESSION if past.empty else int(past["session_id"].iloc[0])
chosen = st.selectbox(
    "Review session", options=list(labels), format_func=labels.get, key=SESSION_KEY, on_change=_resume,
    help="Sessions are saved as you go; pick one to resume it where you left off.",
)

if ERROR_KEY in st.session_state:
    st.error(st.session_state.pop(ERROR_KEY))
if MESSAGE_KEY in st.session_state:
    st.success(st.session_state.pop(MESSAGE_KEY))

if chosen == NEW_SESSION:
    with st.container(border=True, key="review-new"):
        st.subheader("Start a new session")
        left, right = st.columns(2)
        left.text_input("Title", value=f"Portfolio review {date.today():%B %Y}", key="review-new-title")
        left.date_input("Held on", value=date.today(), key="review-new-date")
        left.text_input("Who is present", placeholder="Owner, coach, service manager", key="review-new-attendees",
                        help="Names separated by commas.")
        right.multiselect(
            f"Grades to review ({controls.grade_source} grade)", options=list(selection.GRADES),
            default=["C", "D"], key="review-new-grades", help="Leave empty to review every grade.",
        )
        right.multiselect(
            "Only clients with one of these flags", options=list(selection.FLAGS), format_func=selection.FLAGS.get,
            key="review-new-flags",
        )
        right.checkbox("Only clients where the model and the owner disagree", key="review-new-disagreement")
        right.radio("Order", options=list(selection.ORDERS), format_func=selection.ORDERS.get,
                    key="review-new-order", horizontal=False)
        st.multiselect(
            "Clients by hand (used with the order 'By hand', in the order you pick them)",
            options=client_options, format_func=names.get, key="review-new-by-hand",
        )
        try:
            wanted = selection.ClientSelection(
                grades=st.session_state["review-new-grades"], grade_column=controls.grade_column,
                flags=st.session_state["review-new-flags"],
                disagreement_only=st.session_state["review-new-disagreement"],
                order=st.session_state["review-new-order"], by_hand=st.session_state["review-new-by-hand"],
            )
            preview = data.computed(selection.select_clients, portfolio, wanted)
        except ClientGradeError as error:
            st.error(escape_markdown(str(error)))
            preview = []
        st.write(f"**{len(preview)} clients** match: " + ", ".join(escape_markdown(names.get(cid, cid)) for cid in preview[:8])
                 + (" ..." if len(preview) > 8 else ""))
        st.button("Start the session", key="review-start", type="primary", on_click=_start_session,
                  disabled=not preview or not page.editable, help=write_help, shortcut="Ctrl+Enter")
    st.stop()

try:
    session = sessions.load_session(store, chosen)
except ClientGradeError as error:
    st.error(escape_markdown(str(error)))
    st.stop()

count = len(session.client_ids)
if st.session_state.get(POSITION_OWNER_KEY) != session.session_id:
    st.session_state[POSITION_KEY] = sessions.resume_position(store, session.session_id)
    st.session_state[POSITION_OWNER_KEY] = session.session_id
position = min(max(int(st.session_state.get(POSITION_KEY, 0)), 0), count - 1)
decided = view.decided_count(past, session.session_id)

st.subheader(escape_markdown(session.title))
st.caption(
    f"Held on {session.held_on:%d %B %Y}. "
    f"Present: {escape_markdown(', '.join(session.attendees)) or 'not recorded'}. "
    f"Clients: {escape_markdown(session.selection.describe())}."
)
st.progress(decided / count, text=f"Client {position + 1} of {count} · {decided} decided")

# Only the open tab runs: the summary re-simulates the decisions and the lift plans re-score every client, which
# a click on the walk (several per client) need not wait for. The key keeps the open tab across pages.
walk, summary_tab, plans_tab = st.tabs(
    ["Walk the clients", "Summary", "Lift plans"], key=f"{KEEP_PREFIX}review_tab", on_change="rerun"
)

with walk:
    if walk.open:
        client_id = session.client_ids[position]
        # Widget keys reach the browser: the client's alias number, never its id, tells them apart.
        suffix = f"{session.session_id}-{data.alias_numbers().get(client_id, 0)}"
        saved = sessions.client_state(store, session.session_id, client_id)
        try:
            card = cards.review_card(shown, client_id, controls.currency)
        except ClientGradeError as error:
            st.warning(escape_markdown(str(error)))
            card = None
        if card is not None:
            with st.container(border=True, key="review-card"):
                st.header(f"{position + 1}. {escape_markdown(card.name)}")
                st.caption(escape_markdown(card.about))
                grade_columns = st.columns(3)
                for column, (label, grade) in zip(grade_columns, card.review_grades.items(), strict=True):
                    column.metric(f"{label} grade", grade,
                                  help=card.model_confidence if label == "Suggested" and card.model_confidence else None)
                figure_columns = st.columns(len(card.window_figures))
                for column, (label, figure) in zip(figure_columns, card.window_figures.items(), strict=True):
                    column.metric(label, figure)
                if card.flags:
                    st.warning(f"Flags: {card.flags}")
                st.markdown("\n".join(f"- {reason}" for reason in card.reason_lines) or "No reasons: no figures yet.")
                monthly = data.computed(cards.monthly_series, store, client_id, controls.as_of)
                with st.container(key="review-client-chart"):
                    if monthly.empty:
                        st.info("No monthly figures for this client in the last two years.")
                    else:
                        data.altair_chart(partial(client_trend_chart, monthly, controls.currency), width="stretch")

        if saved["decision"]:
            detail = review_summary.decision_detail(saved)
            st.info(f"Decided so far: **{escape_markdown(detail)}**. Choose again to replace it.")

        proposed = view.proposed_steps(saved, portfolio, client_id, in_book=card is not None)
        # Each client's inputs start from what was saved for it; afterwards they keep what is typed.
        for name, initial in view.initial_inputs(saved, proposed).items():
            st.session_state.setdefault(f"review-{name}-{suffix}", initial)

        st.radio(
            "Caller-ID test, asked again: how do you feel when their name shows on your phone?",
            options=list(sessions.CALLER_ID_ANSWERS), format_func=sessions.CALLER_ID_ANSWERS.get, horizontal=True,
            key=f"review-caller-{suffix}",
        )
        lift_column, price_column, fire_column = st.columns(3)
        with lift_column:
            st.markdown("**Lift one grade**")
            steps = st.multiselect(
                "Plan steps from the playbook", options=list(playbook.STEPS),
                format_func=lambda key: playbook.STEPS[key].title, key=f"review-steps-{suffix}",
                on_change=_plan_from_steps, args=(suffix,),
            )
            st.text_area("The plan (edit freely, one step a line)", key=f"review-plan-{suffix}", height=150)
            if card is not None:
                st.caption(lifts.lift_preview(portfolio, client_id, steps, controls.settings))
        with price_column:
            st.markdown("**Raise the price**")
            st.number_input("Price increase (%)", min_value=1.0, max_value=sessions.MAX_PRICE_INCREASE_PCT, step=1.0,
                            key=f"review-price-{suffix}")
        with fire_column:
            st.markdown("**Fire**")
            st.number_input("Notice period (months)", min_value=0, max_value=sessions.MAX_NOTICE_MONTHS, step=1,
                            key=f"review-notice-{suffix}")
            st.text_area("Handover note", key=f"review-handover-{suffix}",
                         placeholder="Passwords, documentation, open tickets, who takes over.")
        owner_column, due_column = st.columns(2)
        owner_column.text_input("Who carries it out", key=f"review-owner-{suffix}")
        due_column.date_input("By when", key=f"review-due-{suffix}")
        st.text_area("Notes on this client", key=f"review-note-{suffix}",
                     help="Shown as typed; avoid client names while sharing your screen.")

        with st.container(horizontal=True, key="review-decisions"):
            arguments = (session.session_id, client_id, suffix, count)
            st.button("Keep", key="review-decide-keep", on_click=_decide, args=("keep", *arguments),
                      shortcut="Alt+Shift+K", icon=":material/check:",
                      disabled=not page.editable, help=write_help)
            st.button("Lift one grade", key="review-decide-lift", on_click=_decide, args=("lift", *arguments),
                      shortcut="Alt+Shift+L", icon=":material/trending_up:",
                      disabled=not page.editable, help=write_help)
            st.button("Raise price", key="review-decide-raise_price", on_click=_decide,
                      args=("raise_price", *arguments), shortcut="Alt+Shift+U", icon=":material/sell:",
                      disabled=not page.editable, help=write_help)
            st.button("Fire", key="review-decide-fire", on_click=_decide, args=("fire", *arguments),
                      shortcut="Alt+Shift+F", icon=":material/logout:",
                      disabled=not page.editable, help=write_help)
            st.button("Save notes only", key="review-save-note", on_click=_save_note,
                      args=(session.session_id, client_id, suffix), icon=":material/edit_note:",
                      disabled=not page.editable, help=write_help)
        with st.container(horizontal=True, key="review-navigation"):
            st.button("Previous client", key="review-prev", on_click=_move, args=(-1, count),
                      disabled=position == 0, shortcut="Alt+Shift+P", icon=":material/arrow_back:")
            st.button("Next client", key="review-next", on_click=_move, args=(1, count),
                      disabled=position >= count - 1, shortcut="Alt+Shift+N", icon=":material/arrow_forward:")

        with st.expander("Set a new manual grade now"):
            grade_column, grader_column, button_column = st.columns([1, 2, 1], vertical_alignment="bottom")
            grade_column.selectbox("New grade", options=list(selection.GRADES), index=None,
                                   key=f"review-grade-{suffix}")
            grader_column.text_input("Graded by", value=session.attendees[0] if session.attendees else "",
                                     key=f"review-grader-{suffix}")
            button_column.button("Record grade", key="review-set-grade", on_click=_set_grade,
                                 args=(session.session_id, client_id, suffix), disabled=not page.editable,
                                 help=write_help)

with summary_tab:
    if summary_tab.open:
        try:
            summary = review_summary.build_summary(
                store, session.session_id, portfolio, settings=controls.settings, grade_source=controls.grade_source,
                anonymize=controls.anonymize,
            )
        except ClientGradeError as error:
            st.error(escape_markdown(str(error)))
            st.stop()
        count_columns = st.columns(len(summary.counts))
        for column, row in zip(count_columns, summary.counts.itertuples(index=False), strict=True):
            column.metric(row.label, row.clients)
        with st.container(key="review-summary-chart"):
            st.altair_chart(decisions_chart(summary.clients), width="stretch")
        st.dataframe(
            summary.clients, hide_index=True, key="review-summary-table",
            column_order=["position", "name", "grade", "detail", "owner", "due_on", "caller_id_again", "new_grade",
                          "note"],
            column_config={"position": "#", "name": "Client", "grade": f"Grade ({controls.grade_source})",
                           "detail": "Decision", "owner": "Owner", "due_on": "Due", "caller_id_again": "Caller-ID",
                           "new_grade": "New grade", "note": "Note"},
        )
        st.subheader("Projected impact of the firing and price decisions")
        if summary.impact is None:
            st.info("No client is to be fired or repriced yet: decide 'Fire' or 'Raise price' to see the impact.")
        else:
            st.table(review_summary.impact_table(summary.impact, controls.currency).set_index("figure"))
            st.caption(f"{formatting.count(len(summary.fired), 'client')} fired, {len(summary.repriced):,} repriced, over the "
                       "scoring window; the freed hours count as the owner's time, still paid for.")
        st.subheader("Lift plans decided")
        if summary.lift_plans.empty:
            st.info("No lift decided yet.")
        else:
            st.dataframe(summary.lift_plans, hide_index=True,
                         column_config={"name": "Client", "grade": "Grade", "plan": "Plan", "owner": "Owner",
                                        "due_on": "Due", "grade_if_plan_works": "Grade if the plan works"})
        st.subheader("Grade changes made in this session")
        if summary.grade_changes.empty:
            st.info("No manual grade was changed in this session.")
        else:
            st.dataframe(summary.grade_changes, hide_index=True)
        stem = f"review-{session.session_id}-{session.held_on.isoformat()}"
        with st.container(horizontal=True, key="review-downloads"):
            st.download_button("Download the summary (Markdown)",
                               review_summary.to_markdown(summary, controls.currency),
                               file_name=f"{stem}.md", mime="text/markdown", key="review-download-md",
                               on_click="ignore", icon=":material/download:")
            st.download_button("Download the decisions (CSV)", UTF8_BOM + review_summary.to_csv(summary),
                               file_name=f"{stem}.csv",
                               mime="text/csv", key="review-download-csv", on_click="ignore",
                               icon=":material/download:")
            meeting_pack_button(controls, key="review-download-pdf", session_id=session.session_id)

with plans_tab:
    if plans_tab.open:
        st.caption("For each B, C and D client of this session: the weakest criteria, the playbook steps that "
                   "address them, and the rule grade if the plan worked (those criteria at full points, everything "
                   "else as is).")
        plans = lifts.lift_plans(shown, controls.settings, grade_column=controls.grade_column,
                                 client_ids=session.client_ids)
        if plans.empty:
            st.info("No B, C or D client in this session.")
        else:
            st.dataframe(
                plans, hide_index=True, key="review-lift-plans",
                column_order=["name", "grade", "target_grade", "weakest", "plan", "rule_grade", "grade_if_plan_works",
                              "reaches_target"],
                column_config={"name": "Client", "grade": "Grade", "target_grade": "Target", "weakest": "Weakest",
                               "plan": "Playbook steps", "rule_grade": "Rule grade now",
                               "grade_if_plan_works": "Rule grade if it works", "reaches_target": "Reaches target"},
            )
