"""Laying the meeting pack out as a PDF with fpdf2: A4, one section after another, tables and chart images."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd

from grading.formatting import hourly_rate, hours, money, percent
from grading.report.content import MeetingPack, build_pack
from grading.report.fonts import FALLBACK_ENCODING, PackFont, find_font, printable
from grading.report.images import chart_png

if TYPE_CHECKING:
    from fpdf import FPDF

    from grading.db.store import Store

#: The section headings, in the order the pack has them (a test reads them back).
SECTIONS = (
    "Headline numbers",
    "Grade mix",
    "Portfolio matrix",
    "The D clients and why",
    "Churn impact of firing the D clients",
    "Review session decisions",
    "Lift plans",
    "Suggested vs manual disagreements",
)
_PAGE_WIDTH = 180  # mm between the margins of an A4 page


class _Writer:
    """The PDF being written, with the pack's font and a few layout helpers."""

    def __init__(self, font: PackFont):
        from fpdf import FPDF

        self.font = font
        self.pdf: FPDF = FPDF(orientation="portrait", unit="mm", format="A4")
        self.pdf.set_margins(15, 15, 15)
        self.pdf.set_auto_page_break(auto=True, margin=15)
        if font.is_unicode:
            self.pdf.add_font(font.family, "", str(font.regular))
            self.pdf.add_font(font.family, "B", str(font.bold))
        else:
            # The built-in fonts' code page: Windows-1252 has the euro sign, Latin-1 does not.
            self.pdf.core_fonts_encoding = FALLBACK_ENCODING

    def text(self, value: Any) -> str:
        return printable("" if value is None else str(value), self.font)

    def style(self, size: float, bold: bool = False) -> None:
        self.pdf.set_font(self.font.family, "B" if bold else "", size)

    def heading(self, title: str) -> None:
        if self.pdf.get_y() > 240:
            self.pdf.add_page()
        self.pdf.ln(4)
        self.style(14, bold=True)
        self.pdf.multi_cell(0, 8, self.text(title), new_x="LMARGIN", new_y="NEXT")
        self.style(10)

    def paragraph(self, words: str) -> None:
        self.style(10)
        self.pdf.multi_cell(0, 5.5, self.text(words), new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(1)

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[Any]], widths: Sequence[float]) -> None:
        self.style(8.5)
        with self.pdf.table(
            col_widths=tuple(widths),
            width=_PAGE_WIDTH,
            line_height=4.5,
            text_align="LEFT",
            borders_layout="HORIZONTAL_LINES",
            first_row_as_headings=True,
        ) as table:
            header = table.row()
            for title in headers:
                header.cell(self.text(title))
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(self.text("-" if _missing(value) else value))
        self.pdf.ln(2)
        self.style(10)

    def image(self, png: bytes, width: float = _PAGE_WIDTH) -> None:
        self.pdf.image(io.BytesIO(png), w=width)
        self.pdf.ln(2)


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value)) or value == ""


def _share(value: Any) -> str:
    return "-" if _missing(value) or not math.isfinite(float(value)) else percent(float(value))


def _day(value: Any) -> str:
    return "-" if _missing(value) else pd.Timestamp(value).date().isoformat()


def _title_block(writer: _Writer, pack: MeetingPack) -> None:
    writer.style(20, bold=True)
    title = f"Meeting pack: {pack.book}" if pack.book else "Meeting pack"
    writer.pdf.multi_cell(0, 10, writer.text(title), new_x="LMARGIN", new_y="NEXT")
    writer.style(10)
    writer.paragraph(
        f"As of {pack.as_of:%d %B %Y}. Figures cover the {pack.window_months} complete months before that date; "
        f"amounts in {pack.currency}; grades are effective grades (your own, else the model's suggestion, else the "
        "scorecard's)." + (" Client names are replaced by aliases." if pack.anonymized else "")
    )


def _headline(writer: _Writer, pack: MeetingPack) -> None:
    writer.heading(SECTIONS[0])
    numbers = pack.headline
    writer.table(
        ["Clients", "Revenue per month", "Labor hours per month", "Effective hourly rate", "Gross margin",
         "Gross profit (window)"],
        [[
            f"{numbers.clients:,}",
            money(numbers.monthly_revenue, pack.currency),
            hours(numbers.monthly_hours),
            hourly_rate(numbers.effective_hourly_rate, pack.currency),
            _share(numbers.gross_margin),
            money(numbers.gross_profit, pack.currency),
        ]],
        (1, 1.3, 1.3, 1.3, 1, 1.4),
    )


def _grade_mix(writer: _Writer, pack: MeetingPack, images: dict[str, bytes]) -> None:
    writer.heading(SECTIONS[1])
    if pack.mix_story:
        writer.paragraph(pack.mix_story)
    writer.image(images["Grade mix"], width=170)
    writer.table(
        ["Grade", "Clients", "Revenue", "Revenue share", "Labor hours", "Hours share"],
        [
            [row.grade, f"{int(row.clients):,}", money(row.revenue, pack.currency), _share(row.revenue_share),
             hours(row.labor_hours), _share(row.hours_share)]
            for row in pack.mix.itertuples(index=False)
        ],
        (1, 1, 1.4, 1.1, 1.2, 1.1),
    )


def _matrix(writer: _Writer, images: dict[str, bytes]) -> None:
    writer.pdf.add_page()
    writer.heading(SECTIONS[2])
    writer.paragraph("Financial score against relationship score, one dot per client, sized by revenue.")
    writer.image(images["Portfolio matrix"], width=165)


def _d_clients(writer: _Writer, pack: MeetingPack) -> None:
    writer.heading(SECTIONS[3])
    if pack.d_clients.empty:
        writer.paragraph("No client has an effective grade of D.")
        return
    writer.table(
        ["Client", "Revenue", "Hours", "Rate", "Margin", "Why D"],
        [
            [row.name, money(row.revenue, pack.currency), hours(row.labor_hours),
             hourly_rate(row.effective_hourly_rate, pack.currency), _share(row.gross_margin),
             f"({row.effective_grade_source}) {row.reasons}"]
            for row in pack.d_clients.itertuples(index=False)
        ],
        (1.5, 1.1, 0.8, 0.9, 0.8, 4.2),
    )


def _churn(writer: _Writer, pack: MeetingPack) -> None:
    writer.heading(SECTIONS[4])
    if pack.churn is None:
        writer.paragraph("There are no D clients to fire.")
        return
    writer.paragraph(pack.churn.sentence)
    writer.table(
        ["Figure (scoring window)", "Before", "After", "Change"],
        pack.churn_table[["figure", "before", "after", "change"]].to_numpy().tolist(),
        (2, 1.3, 1.3, 1),
    )


def _review(writer: _Writer, pack: MeetingPack) -> None:
    writer.heading(SECTIONS[5])
    summary = pack.summary
    if summary is None:
        writer.paragraph(" ".join(pack.notes) or "No review session.")
        writer.heading(SECTIONS[6])
        writer.paragraph("No review session, so no lift plans.")
        return
    session = summary.session
    title = f"Review session {session.session_id}" if pack.anonymized else session.title
    present = "" if pack.anonymized or not session.attendees else f" Present: {', '.join(session.attendees)}."
    writer.paragraph(f"{title}, held on {session.held_on.isoformat()}.{present} {len(session.client_ids)} clients.")
    writer.table(
        ["Decision", "Clients"], summary.counts[["label", "clients"]].to_numpy().tolist(), (3, 1)
    )
    writer.table(
        ["#", "Client", "Grade", "Decision", "Owner", "Due"],
        [
            [row.position, row.name, row.grade, row.detail, row.owner, _day(row.due_on)]
            for row in summary.clients.itertuples(index=False)
        ],
        (0.4, 1.6, 0.6, 3.2, 1.1, 1),
    )
    if summary.impact is not None:
        writer.paragraph("Projected impact of the firing and price decisions, gross profit first:")
        from grading.review.summary import impact_table

        writer.table(
            ["Figure", "Before", "After", "Change"],
            impact_table(summary.impact, pack.currency)[["figure", "before", "after", "change"]].to_numpy().tolist(),
            (2, 1.3, 1.3, 1),
        )
    writer.heading(SECTIONS[6])
    if summary.lift_plans.empty:
        writer.paragraph("No lift was decided in this session.")
        return
    writer.table(
        ["Client", "Grade", "Plan", "Owner", "Due", "Grade if it works"],
        [
            [row.name, row.grade, str(row.plan).replace(" | ", "; "), row.owner, _day(row.due_on),
             row.grade_if_plan_works]
            for row in summary.lift_plans.itertuples(index=False)
        ],
        (1.4, 0.6, 3.4, 1.1, 1, 0.9),
    )


def _disagreements(writer: _Writer, pack: MeetingPack) -> None:
    writer.heading(SECTIONS[7])
    if pack.disagreements.empty:
        writer.paragraph("The model's suggestions agree with every grade you have given (or there is no model yet).")
        return
    writer.paragraph("Where the model suggests another grade than yours, surest suggestions first.")
    writer.table(
        ["Client", "Your grade", "Suggested", "Confidence", "Rule grade"],
        [
            [row.name, row.manual_grade, row.suggested_grade, _share(row.suggested_confidence), row.rule_grade]
            for row in pack.disagreements.itertuples(index=False)
        ],
        (2.2, 1, 1, 1, 1),
    )


def render_pdf(pack: MeetingPack, *, font: PackFont | None = None) -> bytes:
    """Lay ``pack`` out as a PDF and return its bytes.

    Parameters
    ----------
    pack:
        :func:`grading.report.content.build_pack`.
    font:
        The font (default :func:`grading.report.fonts.find_font`).
    """
    writer = _Writer(font or find_font())
    pdf = writer.pdf
    # The metadata carries no client name: the book (the MSP) and the date only.
    pdf.set_title(writer.text(f"ClientGrade meeting pack {pack.as_of.isoformat()}"))
    pdf.set_subject(writer.text(pack.book or "ClientGrade"))
    pdf.set_author("ClientGrade")
    pdf.set_creator("ClientGrade")
    pdf.set_creation_date(_midnight(pack.as_of))
    pdf.add_page()
    images = {title: chart_png(chart) for title, chart in pack.charts.items()}
    _title_block(writer, pack)
    _headline(writer, pack)
    _grade_mix(writer, pack, images)
    _matrix(writer, images)
    _d_clients(writer, pack)
    _churn(writer, pack)
    _review(writer, pack)
    _disagreements(writer, pack)
    return bytes(pdf.output())


def _midnight(day: date):
    from datetime import datetime, timezone

    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc)


def meeting_pack_pdf(store: Store, as_of: date | str | None = None, **options: Any) -> bytes:
    """Return the meeting pack of ``store`` as PDF bytes: :func:`build_pack` (which takes ``options``: ``book``,
    ``models_dir``, ``session_id``, ``anonymize``, ``portfolio``, ``settings``), then :func:`render_pdf`."""
    return render_pdf(build_pack(store, as_of, **options))
