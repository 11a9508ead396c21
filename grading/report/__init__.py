"""The meeting pack: a PDF for the owner and the coach to take away from a portfolio review.

:func:`~grading.report.content.build_pack` gathers what goes in (headline numbers, the grade mix and the matrix,
the D clients and why, the churn impact of firing them, a review session's decisions and lift plans, and where
the model disagrees with the owner); :func:`~grading.report.pdf.render_pdf` lays it out with fpdf2, the charts
drawn by the same Altair builders as the pages and rendered to PNG by vl-convert (no browser, no network).
:func:`meeting_pack_pdf` does both.
"""

from grading.report.content import MeetingPack, build_pack
from grading.report.pdf import SECTIONS, meeting_pack_pdf, render_pdf

__all__ = ["SECTIONS", "MeetingPack", "build_pack", "meeting_pack_pdf", "render_pdf"]
