"""The "Download the meeting pack (PDF)" button shared by Overview and the Live review summary.

The PDF is made only when the button is pressed (Streamlit calls the function given as ``data`` then), because
grading the book with its reasons and rendering two charts takes seconds that a page view should not pay. For the
same reason :mod:`grading.report` is imported only then: it brings scikit-learn, fpdf2 and vl-convert with it (about
2 s on two busy cores), which would otherwise fall on the first view of Overview, the page a new session opens on.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from ui.resources import current_book, get_store
from ui.shared import SharedControls


def _pack_maker(controls: SharedControls, session_id: int | None) -> Callable[[], bytes]:
    # Everything the function needs is taken now, in the page's run: it runs later, when the button is pressed.
    store, book = get_store(), current_book()
    as_of, anonymize = controls.as_of, controls.anonymize

    def make() -> bytes:
        from grading.report import meeting_pack_pdf

        return meeting_pack_pdf(
            store, as_of, book=book.name, models_dir=book.models_dir, session_id=session_id, anonymize=anonymize
        )

    return make


def meeting_pack_button(controls: SharedControls, *, key: str, session_id: int | None = None) -> None:
    """Draw the download button of the meeting pack for this session's book, as of the sidebar's date.

    ``session_id`` names the review session to report (default: the book's latest). The sidebar's "Anonymize
    names" switch carries into the PDF.
    """
    book = current_book()
    st.download_button(
        "Download the meeting pack (PDF)",
        data=_pack_maker(controls, session_id),
        file_name=f"meeting-pack-{book.name}-{controls.as_of.isoformat()}.pdf",
        mime="application/pdf",
        key=key,
        on_click="ignore",
        icon=":material/picture_as_pdf:",
        help="Headline numbers, the grade mix and the matrix, the D clients and why, what firing them would do "
        "(gross profit first), the review's decisions and lift plans, and where the model disagrees with you"
        + (". Client names are replaced by aliases (the sidebar's switch)." if controls.anonymize else "."),
    )
