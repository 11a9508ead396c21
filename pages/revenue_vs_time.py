"""Revenue vs time: what each client and each grade brings against the time it takes, and how grades moved."""

from datetime import date, timedelta
from functools import partial

import streamlit as st

from grading import trends
from grading.views import revenue_vs_time
from grading.charts.revenue_time import (
    MONTHLY_MEASURES,
    grade_history_chart,
    monthly_chart,
    revenue_hours_chart,
    share_chart,
)
from grading.errors import ClientGradeError
from grading.db.export import download_csv_bytes
from grading.formatting import count, hourly_rate, percent
from grading.views.shared import money_format
from grading.text_safety import escape_markdown
from ui import data
from ui.page import graded_portfolio, page_setup, require_figures
from ui.shared import KEEP_PREFIX, for_display

page = page_setup()
controls, store = page.controls, page.store
currency = controls.currency
grade_title = f"{controls.grade_source.capitalize()} grade"
window = int(controls.settings["scoring_window_months"])

st.title("Revenue against time")
st.caption(
    f"As of {controls.as_of:%d %B %Y}, over the last {window} complete months; grades shown: "
    f"{controls.grade_source}. Labor costs {hourly_rate(controls.settings['labor_cost_rate'], currency)}."
)

require_figures(controls)
portfolio = graded_portfolio(controls)

if portfolio.empty:
    with st.container(border=True, key="revenue-empty"):
        st.subheader("No clients yet")
        st.write(
            "There is nothing to compare: this database holds no clients. Import your clients and monthly "
            "figures (revenue and labor hours per client and month), or reset to the demo portfolio, on the "
            "Data & settings page."
        )
        st.page_link("pages/data_settings.py", label="Go to Data & settings", icon=":material/upload:")
    st.stop()

points = data.computed(revenue_vs_time.client_points, portfolio, controls.grade_column)
shown_points = data.computed(for_display, points, controls)

# -- per client ---------------------------------------------------------------------------------------------
st.subheader("Per client: revenue against labor hours")
portfolio_rate = data.computed(revenue_vs_time.portfolio_hourly_rate, portfolio)
rates = revenue_vs_time.reference_rates(controls.settings["labor_cost_rate"], portfolio_rate,
                                        controls.settings["target_hourly_rate"], currency)
lines, has_hours = data.computed(revenue_vs_time.rate_lines_for, points, rates)
if not has_hours:
    st.info(
        f"No labor hours are recorded in the last {window} months, so there is no rate to draw. Import monthly "
        "figures with labor hours, or move the 'As of' date in the sidebar to a period with figures."
    )
with st.container(key="revenue-time-chart"):
    data.altair_chart(partial(revenue_hours_chart, data.computed(data.hide_ids, shown_points, controls.anonymize),
                              lines, currency=currency, grade_title=grade_title))
st.caption(
    "A dot above the labor-cost line pays for the time it takes; below it, the client costs you money for every "
    "hour. The effective hourly rate is (revenue - direct costs) / labor hours."
)

labor_cost = float(controls.settings["labor_cost_rate"])
under_line = data.computed(revenue_vs_time.labor_cost_line_clients, shown_points, labor_cost, window_months=window)
st.markdown(f"**Below the labor-cost line, or within {percent(revenue_vs_time.NEAR_LABOR_COST)} above it "
            f"({count(len(under_line), 'client')})**")
if under_line.empty:
    st.write("Every client with hours earns more than the labor cost per hour, with room to spare.")
else:
    money_column = money_format(currency)
    data.dataframe(
        under_line,
        hide_index=True, key="revenue-under-line",
        column_config={
            "client_id": st.column_config.TextColumn("Id"),
            "name": st.column_config.TextColumn("Client"),
            "grade": st.column_config.TextColumn(grade_title),
            "where": st.column_config.TextColumn("Line"),
            "effective_hourly_rate": st.column_config.NumberColumn("Effective rate", format=f"{money_column}/h"),
            "labor_hours": st.column_config.NumberColumn("Labor hours (window)", format="%,.0f h"),
            "net_revenue": st.column_config.NumberColumn("Revenue less direct costs (window)", format=money_column),
            "short_per_month": st.column_config.NumberColumn(
                "Short of its labor cost, per month", format=money_column,
                help="Its hours at the labor cost rate less its revenue less direct costs, per month; negative: "
                "it pays for its hours with that to spare."),
        },
    )
    st.download_button(
        "Download these clients (CSV)",
        data=lambda numbers=data.alias_numbers(), hidden=controls.anonymize: download_csv_bytes(
            data.hide_ids(under_line, hidden, numbers)),
        file_name=f"below-labor-cost-{controls.as_of:%Y-%m-%d}.csv", mime="text/csv",
        icon=":material/download:", key="revenue-under-line-download",
    )

# -- per grade ----------------------------------------------------------------------------------------------
st.subheader("Per grade: share of revenue against share of time")
shares, worst = data.computed(revenue_vs_time.shares_and_the_d_row, portfolio, controls.grade_column)
left, right = st.columns([3, 2])
with left, st.container(key="revenue-share-chart"):
    data.altair_chart(partial(share_chart, shares, grade_title=grade_title))
with right:
    st.metric(
        "D clients: share of revenue",
        percent(worst["revenue_share"]),
        help="What the D clients bring, as a share of all revenue over the window.",
    )
    st.metric(
        "D clients: share of labor hours",
        percent(worst["hours_share"]),
        help="What the D clients take, as a share of all technician time over the window. The coaches' "
        "reference case: 25% of revenue for 40% of the time.",
    )
    data.dataframe(
        partial(revenue_vs_time.share_table, shares),
        hide_index=True,
        column_config={
            "grade": st.column_config.TextColumn(grade_title),
            "clients": st.column_config.NumberColumn("Clients"),
            "revenue": st.column_config.NumberColumn("Revenue (window)", format=money_format(currency)),
            "revenue_share": st.column_config.NumberColumn("Revenue share", format="percent"),
            "labor_hours": st.column_config.NumberColumn("Labor hours (window)", format="%,.0f h"),
            "hours_share": st.column_config.NumberColumn("Hours share", format="percent"),
            "effective_hourly_rate": st.column_config.NumberColumn(
                "Effective rate", format=money_format(currency) + "/h"
            ),
        },
    )

# -- month by month -----------------------------------------------------------------------------------------
st.subheader("Month by month, by grade")
st.session_state.setdefault(f"{KEEP_PREFIX}revenue_measure", "revenue")
st.session_state.setdefault(f"{KEEP_PREFIX}revenue_months", 24)
choice_left, choice_right = st.columns([3, 2])
with choice_left:
    measure = st.segmented_control(
        "Show",
        options=list(MONTHLY_MEASURES),
        format_func=MONTHLY_MEASURES.get,
        key=f"{KEEP_PREFIX}revenue_measure",
    ) or "revenue"
with choice_right:
    months_shown = st.slider("Months shown", min_value=6, max_value=60, step=1, key=f"{KEEP_PREFIX}revenue_months")
window_end = date(controls.as_of.year, controls.as_of.month, 1)
first_month = trends.months_before(window_end, months_shown)
monthly = data.computed(trends.monthly_by_grade, store, points, first_month, window_end,
                        labor_cost_rate=controls.settings["labor_cost_rate"])
if monthly.empty:
    st.info(
        f"No monthly figures between {first_month:%B %Y} and {window_end:%B %Y}. Import monthly.csv on the "
        "Data & settings page, or move the 'As of' date in the sidebar."
    )
else:
    with st.container(key="revenue-monthly-chart"):
        data.altair_chart(partial(monthly_chart, monthly, measure, currency=currency, grade_title=grade_title))

# -- grade history and migration ----------------------------------------------------------------------------
st.subheader("Grade history: who moved between two dates")
st.session_state.setdefault(f"{KEEP_PREFIX}migration_from", controls.as_of - timedelta(days=365))
st.session_state.setdefault(f"{KEEP_PREFIX}migration_to", controls.as_of)
from_column, to_column = st.columns(2)
with from_column:
    date_from = st.date_input("From", key=f"{KEEP_PREFIX}migration_from")
with to_column:
    date_to = st.date_input("To", key=f"{KEEP_PREFIX}migration_to")

if date_from >= date_to:
    st.warning("Pick a 'From' date before the 'To' date to see how grades moved.")
else:
    counts = data.computed(trends.grade_counts_by_month, store, date_from, date_to)
    if counts.empty:
        st.info(
            "No manual grades were given by then. Grade clients on the Suggested vs manual page, or import "
            "grades.csv on the Data & settings page, and their history shows here."
        )
    else:
        with st.container(key="revenue-history-chart"):
            data.altair_chart(partial(grade_history_chart, counts))

    try:
        moved = data.computed(revenue_vs_time.migration_between, data.portfolio(date_from), data.portfolio(date_to),
                              controls.grade_column)
    except ClientGradeError as error:
        st.error(escape_markdown(str(error)))
        st.stop()
    st.markdown(f"**{controls.grade_source.capitalize()} grades from {date_from:%d %b %Y} to {date_to:%d %b %Y}**")
    cards = st.columns(4)
    cards[0].metric("Moved up", f"{moved.summary['up']:,}", help="Clients whose grade got better (e.g. C to B).")
    cards[1].metric("Moved down", f"{moved.summary['down']:,}", help="Clients whose grade got worse.")
    cards[2].metric("Kept their grade", f"{moved.summary['same']:,}")
    cards[3].metric("Newly graded", f"{moved.summary['graded']:,}", help="Clients without a grade at the first date.")
    if moved.sentences:
        st.markdown("\n".join(f"- {sentence}" for sentence in moved.sentences))
    else:
        st.write("No client changed grade between these dates.")
    data.dataframe(moved.matrix, key="revenue-migration-table")
    st.caption("Rows: the grade at the first date; columns: the grade at the second; cells: clients.")

    events = data.computed(trends.grade_events_between, store, date_from, date_to)
    if not events.empty:
        with st.expander(f"Manual grades given in this period ({len(events):,})"):
            data.dataframe(
                data.computed(for_display, events, controls, free_text_columns=("note",)),
                hide_index=True,
                column_config={
                    "client_id": None,
                    "name": st.column_config.TextColumn("Client"),
                    "graded_on": st.column_config.DateColumn("Graded on"),
                    "previous_grade": st.column_config.TextColumn("Before"),
                    "grade": st.column_config.TextColumn("Grade"),
                    "grader": st.column_config.TextColumn("By"),
                    "note": st.column_config.TextColumn("Note"),
                    "source": st.column_config.TextColumn("Source"),
                },
            )
