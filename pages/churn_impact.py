"""Churn impact: choose whom to fire and what the freed time becomes; see gross profit, revenue and hours before
and after, month by month, with uncertainty bands."""

from functools import partial

import streamlit as st

from grading.charts.churn import TIMELINE_METRICS, hours_freed_chart, timeline_chart
from grading.views.churn_impact import (
    PAGE_CHOICES,
    break_even_card,
    has_uncertainty,
    month_after,
    picked_caption,
    impact_cards,
    monthly_level,
    scenario_from_choices,
    scenario_report,
    simulation_book,
    story_and_timeline,
)
from grading.errors import ClientGradeError
from grading.db.export import download_csv_bytes
from grading.formatting import hourly_rate, hours, money
from grading.views.shared import money_format
from grading.simulation import simulate_bands
from grading.simulation.plan import WORST_FIRST_WORDS
from grading.vocabulary import GRADES
from grading.text_safety import escape_markdown
from ui import data
from ui.page import graded_portfolio, page_setup, require_figures
from ui.shared import KEEP_PREFIX, for_display

page = page_setup()
controls = page.controls
currency = controls.currency
labor_cost_rate = float(controls.settings["labor_cost_rate"])
window = int(controls.settings["scoring_window_months"])
grade_title = f"{controls.grade_source.capitalize()} grade"

st.title("Churn impact")
st.caption(
    f"What firing clients (worst first), raising prices or moving break/fix clients to managed services would do, "
    f"measured on the last {window} complete months before {controls.as_of:%d %B %Y}. Grades: "
    f"{controls.grade_source}. Gross profit counts labor at {hourly_rate(labor_cost_rate, currency)}."
)

require_figures(controls)
portfolio = graded_portfolio(controls)

if portfolio.empty:
    with st.container(border=True, key="churn-empty"):
        st.subheader("No clients to simulate")
        st.write(
            "The simulation needs clients with monthly figures. Import your clients and monthly.csv, or reset to "
            "the demo portfolio, on the Data & settings page."
        )
        st.page_link("pages/data_settings.py", label="Go to Data & settings", icon=":material/upload:")
    st.stop()

# Names are replaced before the simulation sees them, so every table and the CSV carry the aliases.
shown, picker_labels = data.computed(simulation_book, data.computed(for_display, portfolio, controls), window,
                                     controls.grade_column)

# The story comes first on the page but depends on every choice below: its place is kept here and filled once the
# simulation has run.
story_box = st.container(key="churn-story")

for name, value in PAGE_CHOICES.widget_values(GRADES).items():
    st.session_state.setdefault(f"{KEEP_PREFIX}{name}", value)
# A client picked by hand may have left the book since (another as-of date or an import).
picked = st.session_state[f"{KEEP_PREFIX}churn_clients"]
st.session_state[f"{KEEP_PREFIX}churn_clients"] = [client for client in picked if client in picker_labels]


def kept(name: str):
    """A remembered choice, whether or not its widget is drawn in this rerun."""
    return st.session_state[f"{KEEP_PREFIX}{name}"]


def folded(label: str, name: str):
    """An expander whose widgets run only while it is open (its choices are remembered while it is closed)."""
    return st.expander(label, key=f"{KEEP_PREFIX}churn_open_{name}", on_change="rerun")


# -- whom to fire -------------------------------------------------------------------------------------------
st.subheader("Whom to fire")
by_grade, by_hand = st.columns(2)
with by_grade:
    fire_grades = st.multiselect(
        f"Every client of grade ({controls.grade_source})",
        options=list(GRADES),
        key=f"{KEEP_PREFIX}churn_grades",
        help="Fire every client with one of these grades. The grade shown in the sidebar decides.",
    )
with by_hand:
    # Every client of the book is a long list to send on each rerun: the picker runs only while it is open.
    picker = folded("And these clients, picked by name", "by_hand")
    with picker:
        if picker.open:
            st.multiselect(
                "Clients",
                options=list(picker_labels),
                format_func=picker_labels.get,
                key=f"{KEEP_PREFIX}churn_clients",
                placeholder="Type a client's name",
            )
    fire_clients = kept("churn_clients")
    if fire_clients and not picker.open:
        st.caption(picked_caption(picker_labels, fire_clients, escape=escape_markdown))

# -- assumptions --------------------------------------------------------------------------------------------
st.subheader("Assumptions")
time_column, pace_column = st.columns(2)
with time_column:
    share = st.slider(
        "Freed hours put back to paid work (%)",
        min_value=0,
        max_value=100,
        key=f"{KEEP_PREFIX}churn_share",
        help="A range: somewhere between these shares of the freed hours go to projects for the best clients or to "
        "new clients like them; the rest is time back for you. The bands show what the range means.",
    )
    use_a_rate = st.toggle(
        "Redeployed hours earn what the A clients pay per hour",
        key=f"{KEEP_PREFIX}churn_use_a_rate",
    )
    rate = st.number_input(
        f"Revenue per redeployed hour ({currency})",
        min_value=0.0,
        step=5.0,
        key=f"{KEEP_PREFIX}churn_rate",
        disabled=use_a_rate,
    )
    ramp = st.slider(
        "Ramp-up until the freed hours are fully redeployed (months)",
        min_value=0,
        max_value=12,
        key=f"{KEEP_PREFIX}churn_ramp",
    )
    cost_goes = st.toggle(
        "The labor cost of the hours not resold goes (someone is let go)",
        key=f"{KEEP_PREFIX}churn_cost_goes",
        help="Off: the hours that come back are your time, still paid for, so they save no cost. On: their labor "
        "cost is saved as well.",
    )
with pace_column:
    pace = st.slider(
        "Clients given notice per month (0: all at once)",
        min_value=0,
        max_value=20,
        key=f"{KEEP_PREFIX}churn_pace",
        help=f"Worst first: {WORST_FIRST_WORDS}.",
    )
    notice = st.slider("Months of notice", min_value=0, max_value=6, key=f"{KEEP_PREFIX}churn_notice")
    horizon = st.slider("Months to show", min_value=12, max_value=24, key=f"{KEEP_PREFIX}churn_horizon")


# The three groups below hold most of the page's widgets and are seldom changed: their expanders run their
# widgets only while open, and the scenario reads the remembered choices either way.
prices = folded("Raise prices instead (or as well), per grade", "prices")
with prices:
    if prices.open:
        st.caption("A repriced client pays more from the end of the notice period, or leaves with the chance you "
                   "give.")
        for column, grade in zip(st.columns(len(GRADES)), GRADES, strict=True):
            with column:
                increase = st.slider(f"{grade}: price increase (%)", min_value=0, max_value=50,
                                     key=f"{KEEP_PREFIX}churn_increase_{grade}")
                st.slider(f"{grade}: chance of leaving (%)", min_value=0, max_value=100,
                          key=f"{KEEP_PREFIX}churn_leave_{grade}", disabled=not increase)
price_increase = {grade: kept(f"churn_increase_{grade}") for grade in GRADES}
leave = {grade: tuple(kept(f"churn_leave_{grade}")) for grade in GRADES}

to_managed = folded("Move break/fix clients to managed services", "managed")
with to_managed:
    if to_managed.open:
        managed = st.toggle("Move them, at a price per seat and month", key=f"{KEEP_PREFIX}churn_managed")
        st.number_input(f"Managed price per seat and month ({currency})", min_value=1.0, step=5.0,
                        key=f"{KEEP_PREFIX}churn_seat_price", disabled=not managed)
        st.multiselect("Only break/fix clients of these grades (none: all)", options=list(GRADES),
                       key=f"{KEEP_PREFIX}churn_managed_grades", disabled=not managed)
managed, seat_price, managed_grades = kept("churn_managed"), kept("churn_seat_price"), kept("churn_managed_grades")

uncertainty = folded("Uncertainty", "uncertainty")
with uncertainty:
    if uncertainty.open:
        st.slider("Draws", min_value=100, max_value=5000, step=100, key=f"{KEEP_PREFIX}churn_draws",
                  help="How many times the timeline is drawn with the ranges above; more draws, smoother bands.")
        st.number_input("Seed (the same seed gives the same bands)", min_value=0, step=1,
                        key=f"{KEEP_PREFIX}churn_seed")
draws, seed = kept("churn_draws"), kept("churn_seed")

# -- the simulation -----------------------------------------------------------------------------------------
next_month = month_after(controls.as_of)
try:
    scenario = scenario_from_choices(
        fire_grades=fire_grades,
        fire_clients=fire_clients,
        grade_source=controls.grade_source,
        redeploy_share_pct=share,
        redeploy_rate=None if use_a_rate else rate,
        ramp_months=ramp,
        labor_cost_goes=cost_goes,
        pace=pace,
        notice_months=notice,
        horizon_months=horizon,
        price_increase_pct=price_increase,
        leave_pct=leave,
        managed_price_per_seat=seat_price if managed else None,
        managed_grades=managed_grades,
        start_month=next_month,
    )
    # Kept by the book and the scenario itself (every choice it is made of), so a rerun that changes none of them
    # (a chart's metric, another session's rerun) reuses the simulation.
    story, timeline = data.computed(story_and_timeline, shown, scenario, labor_cost_rate=labor_cost_rate,
                                    window_months=window, currency=currency)
    impact = story.scenario
    bands = None
    if has_uncertainty(scenario):
        with st.spinner(f"Drawing the timeline {draws:,} times..."):
            bands = data.computed(simulate_bands, shown, scenario, draws=int(draws), rng=int(seed),
                                  labor_cost_rate=labor_cost_rate)
except ClientGradeError as error:
    st.error(escape_markdown(str(error)))
    st.stop()

def show_cards(cards, per_row: int = 2) -> None:
    """Before/after cards, ``per_row`` to a row."""
    columns = st.columns(per_row)
    for position, card in enumerate(cards):
        columns[position % per_row].metric(card.label, card.value, delta=card.delta, delta_color=card.delta_color,
                                           help=card.help, border=True)


with story_box:
    st.markdown(escape_markdown(story.sentence))
    plain_column, owners_column = st.columns(2)
    with plain_column, st.container(border=True, key="churn-plain"):
        st.subheader("The plain story: fire them, resell nothing")
        st.caption(f"Only the firing, over the {window} months of the scoring window: nothing of the freed time is "
                   "resold" + ("; the labor cost of the freed hours goes." if cost_goes else
                               "; the hours that come back are your time, still paid for."))
        show_cards(data.computed(impact_cards, story.plain, currency))
    with owners_column, st.container(border=True, key="churn-scenario"):
        st.subheader("Your scenario")
        st.caption("With your assumptions below (resold hours, prices, moves to managed), once every change is in "
                   "effect; the deltas are against today.")
        if not len(impact.fired) and not impact.clients_repriced and not impact.clients_moved:
            st.info("Nothing changes yet: pick a grade or clients to fire below, or raise prices, to see the impact.")
        show_cards(data.computed(impact_cards, impact, currency))
        even_value, even_help = break_even_card(story.break_even, currency)
        st.metric("Break-even: resold hours", even_value, help=even_help, border=True)

st.subheader("The time that comes back")
freed_columns = st.columns(3)
freed_columns[0].metric("Hours freed (window)", hours(impact.hours_freed),
                        help=f"Hours over {window} months no longer spent on clients that go.")
freed_columns[1].metric(
    "Redeployed to paid work (window)",
    hours(impact.hours_redeployed),
    delta=f"earning {money(impact.redeployed_revenue, currency)}",
    delta_color="off",
    help=f"At {hourly_rate(impact.redeploy_rate, currency)} ({impact.redeploy_rate_source}).",
)
freed_columns[2].metric("Back to you (window)", hours(impact.hours_back),
                        help="Freed hours not resold: your time for the best clients, projects and referrals. "
                        + ("Their labor cost goes." if impact.labor_cost_goes else
                           "Still paid for, so they save no cost."))
with st.container(key="churn-hours-chart"):
    data.altair_chart(partial(hours_freed_chart, timeline))

st.subheader("Month by month")
st.session_state.setdefault(f"{KEEP_PREFIX}churn_metric", "gross_profit")
metric = st.segmented_control(
    "Show",
    options=list(TIMELINE_METRICS),
    format_func=TIMELINE_METRICS.get,
    key=f"{KEEP_PREFIX}churn_metric",
) or "gross_profit"
with st.container(key="churn-timeline-chart"):
    data.altair_chart(partial(timeline_chart, timeline, bands, metric,
                              before_per_month=monthly_level(impact, metric), currency=currency))
if bands is None:
    st.caption("No band: every assumption is a single number. Give a range (e.g. the share of hours put back) to "
               "see how uncertain the outcome is.")

if len(impact.fired):
    st.subheader(f"Clients fired, worst first ({len(impact.fired):,})")
    data.dataframe(
        impact.fired,
        hide_index=True,
        key="churn-fired-table",
        column_config={
            "order": st.column_config.NumberColumn("#"),
            "client_id": None,
            "name": st.column_config.TextColumn("Client"),
            "grade": st.column_config.TextColumn(grade_title),
            "revenue": st.column_config.NumberColumn("Revenue (window)", format=money_format(currency)),
            "direct_costs": st.column_config.NumberColumn("Direct costs (window)", format=money_format(currency)),
            "labor_hours": st.column_config.NumberColumn("Labor hours (window)", format="%,.0f h"),
            "gross_profit": st.column_config.NumberColumn("Gross profit (window)", format=money_format(currency)),
            "effective_hourly_rate": st.column_config.NumberColumn("Effective rate",
                                                                   format=money_format(currency) + "/h"),
            "notice_month": st.column_config.NumberColumn("Notice in month"),
            "exit_month": st.column_config.NumberColumn("Gone from month"),
        },
    )

st.download_button(
    "Download the scenario (CSV)",
    # Made when the owner clicks, not on every rerun.
    data=lambda numbers=data.alias_numbers(), hidden=controls.anonymize: download_csv_bytes(scenario_report(
        scenario, impact, timeline, bands, currency=currency, fired=data.hide_ids(impact.fired, hidden, numbers))),
    file_name=f"churn-scenario-{controls.as_of:%Y-%m-%d}.csv",
    mime="text/csv",
    icon=":material/download:",
    key="churn-download",
)
