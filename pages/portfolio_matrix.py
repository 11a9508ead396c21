"""Portfolio matrix: every client on financial against relationship score, the grade table, and a client's card."""

from functools import partial

import streamlit as st

from grading.charts.matrix import clicked_client_id, client_sparkline_chart
from grading.vocabulary import FLAGS, GRADES, UNGRADED
from grading.errors import ClientGradeError
from grading.db.export import download_csv_bytes
from grading.views.portfolio_matrix import SORT_ORDERS, TABLE_PAGE_ROWS, filter_options, table_page_count
from grading.views.shared import money_format
from grading.text_safety import escape_markdown
from grading.views import client_card
from ui import data
from ui.matrix_values import MatrixFilters, grade_title as title_of_grade, matrix_chart, shown_clients, table_page
from ui.page import graded_portfolio, page_setup, require_figures
from ui.shared import KEEP_PREFIX

page = page_setup()
controls, store = page.controls, page.store
grade_title = title_of_grade(controls)
GRADE_KEY = f"{KEEP_PREFIX}matrix_grades"
MODEL_KEY = f"{KEEP_PREFIX}matrix_models"
FLAG_KEY = f"{KEEP_PREFIX}matrix_flags"
SORT_KEY = f"{KEEP_PREFIX}matrix_sort"
CLIENT_KEY = f"{KEEP_PREFIX}matrix_client"
TABLE_KEY = "matrix_table"
PAGE_KEY = f"{KEEP_PREFIX}matrix_table_page"
SHOW_TABLE_KEY = f"{KEEP_PREFIX}matrix_show_table"

st.title("Portfolio matrix")
st.caption(
    "Each client's financial score (rate, margin, size) against its relationship score (payment, process, "
    f"survey), coloured by its {controls.grade_source} grade. Click a dot (or a row of the grade table) to open the "
    "client's card."
)

require_figures(controls)
portfolio = graded_portfolio(controls, words=True)  # the table shows the flags, the card the reasons

if portfolio.empty:
    st.info(
        "No clients to place yet. Import your clients and monthly figures, or reset to the demo portfolio, on the "
        "Data & settings page."
    )
    st.page_link("pages/data_settings.py", label="Go to Data & settings", icon=":material/upload:")
    st.stop()


def keep_only(key: str, options: list[str]) -> None:
    """Drop remembered filter values that are no longer on offer (another book, another date)."""
    if key in st.session_state:
        st.session_state[key] = [value for value in st.session_state[key] if value in options]


grade_options = [*GRADES, UNGRADED]
model_options, flag_options = data.computed(filter_options, portfolio)
for key, options in ((GRADE_KEY, grade_options), (MODEL_KEY, model_options), (FLAG_KEY, flag_options)):
    keep_only(key, options)

# In a popover: four selection widgets on the first screen cost a new session a tenth of its wait before the chart
# (measured in the browser benchmark's turns). Its label stays the same, so it stays open while filters change; the
# grade table's heading says how many clients pass them.
with st.popover("Filter and sort", icon=":material/filter_list:"), st.container(key="matrix-filters"):
    chosen_grades = st.multiselect(
        grade_title, grade_options, key=GRADE_KEY, placeholder="All grades",
        help="Show only clients with these grades (of the grade source chosen in the sidebar).",
    )
    chosen_models = st.multiselect(
        "Service model", model_options, key=MODEL_KEY, placeholder="All service models",
        format_func=lambda model: model.replace("_", "/"),
    )
    chosen_flags = st.multiselect(
        "Flag", flag_options, key=FLAG_KEY, placeholder="Any flag or none", format_func=FLAGS.get,
        help="Show only clients that carry at least one of these flags.",
    )
    sort_order = st.selectbox("Sort by", list(SORT_ORDERS), key=SORT_KEY)

try:
    # The warm-up at server start made these for the opening filters (ui.matrix_values).
    displayed, shown = shown_clients(
        portfolio, controls, MatrixFilters(tuple(chosen_grades), tuple(chosen_models), tuple(chosen_flags), sort_order)
    )  # names replaced while anonymizing
except ClientGradeError as error:
    st.error(escape_markdown(str(error)))
    st.stop()

with st.container(key="matrix-chart"):
    if shown.empty:
        st.info("No client matches these filters. Clear a filter above to see more clients.")
    else:
        chart_event = data.altair_chart(matrix_chart(shown, controls), on_select="rerun", key="matrix-chart-click")
        # A click on a dot opens its client's card (the chart carries alias ids while anonymizing).
        clicked = clicked_client_id(chart_event, data.alias_numbers() if controls.anonymize else None)
        if clicked is not None and clicked != st.session_state.get("matrix_clicked"):
            st.session_state["matrix_clicked"] = clicked
            st.session_state[CLIENT_KEY] = clicked


def _draw_table(table, money_column: str):
    """Draw the grade table's page ``table`` (rows selectable) and return its selection event."""
    with st.container(key="matrix-table"):
        return data.dataframe(
            table.rows,
            key=TABLE_KEY,
            on_select="rerun",
            selection_mode="single-row",
            hide_index=True,
            placeholder="-",
            column_config={
                "client_id": st.column_config.TextColumn("Id"),
                "name": st.column_config.TextColumn("Client", pinned=True),
                "service_model": st.column_config.TextColumn("Service model"),
                "rule_grade": st.column_config.TextColumn("Rule", help="The scorecard's grade"),
                "suggested_grade": st.column_config.TextColumn("Suggested", help="The model's grade"),
                "manual_grade": st.column_config.TextColumn("Manual", help="Your latest grade"),
                "effective_grade": st.column_config.TextColumn(
                    "Effective", help="Manual if set, else suggested, else rule"
                ),
                "rule_score": st.column_config.ProgressColumn(
                    "Rule score", min_value=0, max_value=100, format="%.0f", color="auto"
                ),
                "suggested_confidence": st.column_config.NumberColumn("Confidence", format="percent", step=0.01),
                "flags": st.column_config.TextColumn("Flags", width="large"),
                "avg_monthly_revenue": st.column_config.NumberColumn("Revenue / month", format=money_column),
                "revenue": st.column_config.NumberColumn("Revenue (window)", format=money_column),
                "gross_profit": st.column_config.NumberColumn("Gross profit (window)", format=money_column),
                "gross_margin": st.column_config.NumberColumn("Gross margin", format="percent", step=0.01),
                "labor_hours": st.column_config.NumberColumn("Labor hours (window)", format="%,.0f h"),
                "effective_hourly_rate": st.column_config.NumberColumn("Effective rate", format=f"{money_column}/h"),
                "financial_score": st.column_config.NumberColumn("Financial score", format="%.0f"),
                "relationship_score": st.column_config.NumberColumn("Relationship score", format="%.0f"),
            },
        )


money_column = money_format(controls.currency)
st.subheader(f"Grade table: {len(shown):,} of {len(portfolio):,} clients")
# Drawn when asked: the table's grid is the browser's heaviest work after the chart, and a new session waits for
# it before the matrix shows. The choice is remembered for the session; the download holds every row either way.
show_table = st.toggle(
    "Show the grade table", key=SHOW_TABLE_KEY,
    help="Every client that passes the filters, with its grades, flags and figures; select a row to open its card.",
)
page_count = table_page_count(len(shown)) if show_table else 1
page_number = 1
if page_count > 1:
    # A remembered page may be past the end once a filter shortens the table.
    st.session_state[PAGE_KEY] = min(max(int(st.session_state.get(PAGE_KEY, 1)), 1), page_count)
    page_number = st.number_input(
        f"Table page (of {page_count:,})", min_value=1, max_value=page_count, step=1, key=PAGE_KEY,
        help=f"The table shows {TABLE_PAGE_ROWS:,} clients at a time; the download holds them all.",
    )

table, names = table_page(shown, page_number)
if show_table and table.count > 1:
    st.caption(f"Clients {table.first_row:,} to {table.last_row:,} of {table.total_rows:,}, in the order chosen "
               "above; the client card below lists this page's clients.")
table_event = None
if show_table:
    table_event = _draw_table(table, money_column)

st.download_button(
    "Download this table (CSV)",
    # Made when the owner clicks, not on every rerun.
    # Every row that passes the filters, not only one page; made when clicked, so what it needs is read now.
    data=lambda numbers=data.alias_numbers(), hidden=controls.anonymize: download_csv_bytes(
        data.hide_ids(shown, hidden, numbers)),
    file_name=f"grade-table-{controls.as_of:%Y-%m-%d}.csv",
    mime="text/csv",
    icon=":material/download:",
    key="matrix_download",
)

# The client card ---------------------------------------------------------------------------------------------
# A newly selected row opens its client's card; the card's picker can then move on without the old selection
# pulling it back on every rerun.
# Rows are compared by position, so a filter that reorders the table does not reopen a different client.
selected_rows = list(table_event.selection.rows) if table_event is not None else []
if selected_rows != st.session_state.get("matrix_selected_rows"):
    st.session_state["matrix_selected_rows"] = selected_rows
    if selected_rows and selected_rows[0] < len(table.rows):
        st.session_state[CLIENT_KEY] = table.rows["client_id"].iat[selected_rows[0]]
chosen = st.session_state.get(CLIENT_KEY)
if chosen is not None and chosen not in names:
    # A dot clicked in the matrix may be a client of another table page (at 10,000 clients the D clients show
    # wherever they sort): the picker offers it too, rather than closing its card.
    others = shown.loc[shown["client_id"] == chosen, "name"]
    names = {**names, chosen: others.iat[0]} if len(others) else names
if st.session_state.get(CLIENT_KEY) not in names:
    st.session_state[CLIENT_KEY] = None
client_id = st.selectbox(
    "Client card",
    list(names),
    key=CLIENT_KEY,
    format_func=names.get,
    index=None,
    placeholder="Select a row above, or type a client's name" if show_table
    else "Click a dot in the matrix, or type a client's name",
)
if client_id is None:
    st.stop()

row = data.computed(client_card.client_row, displayed, client_id)
card = client_card.client_card(row, controls.currency)
grade_help = {
    "Rule": f"The scorecard's grade; rule score {card.rule_score} of 100.",
    "Suggested": f"The model's grade; it is {card.confidence} sure.",
    "Manual": "Your latest grade.",
    "Effective": f"Taken from the {card.effective_source} grade.",
}
with st.container(border=True, key="client-card"):
    shown_id = data.hide_ids(row.to_frame().T)["client_id"].iat[0]
    st.subheader(f"{escape_markdown(card.name)} ({escape_markdown(shown_id)})")
    for column, (label, grade) in zip(st.columns(len(card.grades)), card.grades.items(), strict=True):
        column.metric(f"{label} grade", grade, help=grade_help[label])
    for column, (label, figure) in zip(st.columns(len(card.monthly_figures)), card.monthly_figures.items(),
                                       strict=True):
        column.metric(label, figure)
    st.caption(escape_markdown(card.summary))

    left, right = st.columns([3, 2])
    with left:
        monthly = data.computed(client_card.monthly_series, store, client_id, controls.as_of)
        if monthly.empty:
            st.info("No monthly figures for this client in the last two years.")
        else:
            data.altair_chart(partial(client_sparkline_chart, monthly, currency=controls.currency, name=card.name))
    with right:
        st.markdown("**Why this rule grade**")
        st.write(card.reasons or "No reasons: the client could not be scored.")
        # The reasons already end with the small-client note; only what is missing is said apart.
        if card.incomplete:
            st.caption(card.incomplete)
        if card.suggestion_reasons is not None:
            st.markdown(f"**Why the model suggests {card.grades['Suggested']}**")
            st.write(card.suggestion_reasons or "The model gave no reasons.")

    st.markdown("**Criteria**")
    data.dataframe(
        partial(client_card.criteria_breakdown, row, controls.settings),
        hide_index=True,
        placeholder="-",
        column_order=("group", "criterion", "measured", "zero_at", "full_at", "score", "points", "counted"),
        column_config={
            "group": st.column_config.TextColumn("Group"),
            "criterion": st.column_config.TextColumn("Criterion"),
            "measured": st.column_config.TextColumn("Measured", width="medium"),
            "zero_at": st.column_config.TextColumn("0 points at"),
            "full_at": st.column_config.TextColumn("100 points at"),
            "score": st.column_config.ProgressColumn("Score", min_value=0, max_value=100, format="%.0f", color="auto"),
            "points": st.column_config.NumberColumn("Points in the rule score", format="%.1f"),
            "counted": st.column_config.CheckboxColumn("Counted", help="Missing data drops a criterion"),
        },
    )

    st.markdown("**Grade history**")
    history = data.computed(client_card.client_grade_history, store, client_id, controls.as_of)
    if history.empty:
        st.caption("Never graded by hand. Grade this client on the Suggested vs manual page.")
    else:
        if controls.anonymize:
            # A note is free text and may quote a name.
            history = history.assign(note="")
        st.dataframe(
            history,
            hide_index=True,
            column_config={
                "graded_on": st.column_config.DateColumn("Graded on"),
                "grade": st.column_config.TextColumn("Grade"),
                "grader": st.column_config.TextColumn("Grader"),
                "note": st.column_config.TextColumn("Note", width="large"),
                "source": st.column_config.TextColumn("Source"),
            },
        )
