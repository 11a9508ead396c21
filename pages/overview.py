"""Overview: the portfolio's headline numbers, the grade mix, and where to go next."""

from datetime import timedelta
from functools import partial

import streamlit as st

from grading.charts.overview import grade_mix_chart
from grading.errors import ClientGradeError
from grading.formatting import hourly_rate, hours, money, percent
from grading.views.overview import change, grade_mix_and_story, headline_now_and_a_year_before
from grading.views.shared import money_format
from grading.text_safety import escape_markdown
from ui import data
from ui.meeting_pack import meeting_pack_button
from ui.page import graded_portfolio, page_setup, require_figures

page = page_setup()
controls = page.controls
grade_title = f"{controls.grade_source.capitalize()} grade"

st.title("Your client portfolio")
st.caption(
    f"As of {controls.as_of:%d %B %Y}: figures are monthly averages over the last "
    f"{controls.settings['scoring_window_months']} complete months; grades shown: {controls.grade_source}."
)

require_figures(controls)
portfolio = graded_portfolio(controls)

if portfolio.empty:
    with st.container(border=True, key="overview-empty"):
        st.subheader("No clients yet")
        st.write(
            "ClientGrade grades the clients in its database, and this one holds none. Import your own "
            "clients and monthly figures (CSV files from your PSA, templates included), or reset to the demo "
            "portfolio to look around first. Both are on the Data & settings page."
        )
        st.page_link("pages/data_settings.py", label="Go to Data & settings", icon=":material/upload:")
    st.stop()

try:
    headline, earlier = data.computed(headline_now_and_a_year_before, portfolio,
                                      data.portfolio(controls.as_of - timedelta(days=365)))
except ClientGradeError as error:
    st.error(escape_markdown(str(error)))
    st.stop()


with st.container(key="overview-headline"):
    columns = st.columns(5)
    columns[0].metric(
        "Clients",
        f"{headline.clients:,}",
        delta=None if earlier is None else f"{headline.clients - earlier.clients:+,}",
        help="Clients in the database as of the date in the sidebar.",
    )
    columns[1].metric(
        "Revenue per month",
        money(headline.monthly_revenue, controls.currency),
        delta=change(headline.monthly_revenue, None if earlier is None else earlier.monthly_revenue),
        help="The sum of each client's average monthly revenue over the scoring window; the change is against "
        "a year before.",
    )
    columns[2].metric(
        "Labor hours per month",
        hours(headline.monthly_hours),
        delta=change(headline.monthly_hours, None if earlier is None else earlier.monthly_hours),
        delta_color="inverse",
        help="Technician time spent per month, summed over the clients.",
    )
    columns[3].metric(
        "Effective hourly rate",
        hourly_rate(headline.effective_hourly_rate, controls.currency),
        delta=change(headline.effective_hourly_rate, None if earlier is None else earlier.effective_hourly_rate),
        help="(Revenue - direct costs) / labor hours, over the whole portfolio.",
    )
    columns[4].metric(
        "Gross margin",
        percent(headline.gross_margin),
        help="Gross profit / revenue, where an hour of labor costs "
        f"{money(controls.settings['labor_cost_rate'], controls.currency)} (Data & settings).",
    )



with st.container(key="overview-meeting-pack"):
    meeting_pack_button(controls, key="overview-download-pdf")


mix, story = data.computed(grade_mix_and_story, portfolio, controls.grade_source)
st.subheader("Grade mix")
if story:
    st.markdown(story)
with st.container(key="overview-chart"):
    data.altair_chart(partial(grade_mix_chart, mix, currency=controls.currency, grade_title=grade_title))
with st.expander("The grade mix in numbers"):
    data.dataframe(
        mix,
        hide_index=True,
        column_order=("grade", "clients", "revenue", "revenue_share", "labor_hours", "hours_share"),
        column_config={
            "grade": st.column_config.TextColumn(grade_title),
            "clients": st.column_config.NumberColumn("Clients"),
            "revenue": st.column_config.NumberColumn("Revenue (window)", format=money_format(controls.currency)),
            "revenue_share": st.column_config.NumberColumn("Revenue share", format="percent", step=0.01),
            "labor_hours": st.column_config.NumberColumn("Labor hours (window)", format="%,.0f h"),
            "hours_share": st.column_config.NumberColumn("Hours share", format="percent", step=0.01),
        },
    )

st.subheader("Where next")
pointers = st.columns(3)
with pointers[0], st.container(border=True):
    st.page_link("pages/portfolio_matrix.py", label="Portfolio matrix", icon=":material/scatter_plot:")
    st.caption("Every client on financial against relationship score, the grade table, and each client's card.")
with pointers[1], st.container(border=True):
    st.page_link("pages/suggested_vs_manual.py", label="Suggested vs manual", icon=":material/compare:")
    st.caption("Where the model disagrees with your grades: accept or override, and see whom to grade next.")
with pointers[2], st.container(border=True):
    st.page_link("pages/churn_impact.py", label="Churn impact", icon=":material/trending_down:")
    st.caption("What firing the D clients would do to revenue, gross profit and your time.")
