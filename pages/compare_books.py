"""Compare books: every book of the folder side by side, the current one first, the others anonymizable."""

import streamlit as st

from grading import books
from grading.charts.books import d_shares_chart
from grading.compare import MIN_BOOKS_FOR_PERCENTILES
from grading.errors import ClientGradeError
from grading.text_safety import escape_markdown
from grading.views.compare_books import comparison_of, comparison_view, notes_view
from ui import data
from ui.page import page_setup
from ui.resources import current_book, open_stores
from ui.shared import KEEP_PREFIX

page = page_setup()
controls, store = page.controls, page.store
this_book = current_book()

st.title("Compare books")
st.caption(
    f"As of {controls.as_of:%d %B %Y}: every book in the books folder, each over its own scoring window and with "
    "its own settings, in one query over all of them. Grades are each book's effective grades; amounts are in each "
    "book's own currency (not converted)."
)
choices = books.books_to_pick()
if len(choices) < 2:
    st.info(
        "There is only this book in the books folder. Create another (empty, the demo, or from files) on the "
        "Data & settings page, under Books, to compare them."
    )
hide_others = st.toggle(
    "Show the other books as 'Book 2', 'Book 3'...",
    key=f"{KEEP_PREFIX}compare_hide_others",
    help="For showing on screen: the book open here keeps its name, the others are numbered. On whenever the "
    "sidebar's 'Anonymize names' is.",
) or controls.anonymize


def files_signature() -> tuple:
    """What changes when any book changes: each book file's (and its write-ahead log's) size and time."""
    signature = []
    for book in choices:
        for path in (book.path, book.path.with_name(book.path.name + ".wal")):
            if path.exists():
                stat = path.stat()
                signature.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(signature)


try:
    with st.spinner("Comparing the books..."):
        comparison = data.computed(comparison_of, choices, controls.as_of, files_signature(), open_stores)
except ClientGradeError as error:
    st.error(escape_markdown(str(error)))
    st.stop()

book_names = [book.name for book in choices]
for note in notes_view(comparison.notes, book_names, this_book.name, anonymize_others=hide_others):
    st.caption(f":material/info: {escape_markdown(note)}")

shown = comparison_view(comparison.table, this_book.name, anonymize_others=hide_others, all_names=book_names)
percent = {"format": "percent"}
column_config = {
    "book": st.column_config.TextColumn("Book", pinned=True),
    "clients": st.column_config.NumberColumn("Clients"),
    "revenue": st.column_config.NumberColumn("Revenue (window)", format="%,.0f"),
    "labor_hours": st.column_config.NumberColumn("Labor hours (window)", format="%,.0f h"),
    "effective_hourly_rate": st.column_config.NumberColumn("Effective rate /h", format="%,.0f"),
    "gross_margin": st.column_config.NumberColumn("Gross margin", **percent),
    "d_revenue_share": st.column_config.NumberColumn("D share of revenue", **percent),
    "d_hours_share": st.column_config.NumberColumn("D share of hours", **percent),
    "grades_a": st.column_config.NumberColumn("A"),
    "grades_b": st.column_config.NumberColumn("B"),
    "grades_c": st.column_config.NumberColumn("C"),
    "grades_d": st.column_config.NumberColumn("D"),
    "largest_client_share": st.column_config.NumberColumn("Largest client", **percent),
    "concentrated_clients": st.column_config.NumberColumn("Concentrated clients"),
    "currency": st.column_config.TextColumn("Currency"),
    "current": None,
}
for column in shown.columns:
    if column.endswith("_percentile"):
        label = column.removesuffix("_percentile").replace("_", " ")
        column_config[column] = st.column_config.ProgressColumn(
            f"Percentile: {label}", min_value=0, max_value=100, format="%.0f"
        )


def highlight_current(row):
    """The current book's row stands out."""
    return ["background-color: rgba(66, 133, 244, 0.15); font-weight: bold" if row["current"] else ""] * len(row)


with st.container(key="compare-books-table"):
    st.dataframe(shown.style.apply(highlight_current, axis=1), hide_index=True, column_config=column_config)
if shown["d_revenue_share"].notna().any():
    with st.container(key="compare-books-chart"):
        st.altair_chart(d_shares_chart(shown), width="stretch")
if len(shown) >= MIN_BOOKS_FOR_PERCENTILES:
    st.caption("Percentiles: where each book stands among these books (100 is the highest value).")
else:
    st.caption(f"Percentiles show from {MIN_BOOKS_FOR_PERCENTILES} books on.")
