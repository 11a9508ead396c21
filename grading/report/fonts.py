"""The font the meeting pack is written in: a Unicode TrueType font if the machine has one, else a safe fallback.

fpdf2's built-in fonts (Helvetica) know only one 8-bit code page, so a name in another script would not print.
A TrueType font embeds every character it has: DejaVu Sans (Debian's ``fonts-dejavu-core``, which most desktop and
server installs carry) or Liberation Sans is used when found, or any pair named by ``$CLIENTGRADE_PDF_FONT``
(regular) and ``$CLIENTGRADE_PDF_FONT_BOLD``. Without any, Helvetica is used with the Windows-1252 code page,
which has the euro sign, and a character outside it prints as "?" rather than failing the pack.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

FONT_ENV = "CLIENTGRADE_PDF_FONT"
BOLD_FONT_ENV = "CLIENTGRADE_PDF_FONT_BOLD"

#: Where Debian, Ubuntu, Fedora and Arch keep the fonts tried, regular and bold.
CANDIDATES: tuple[tuple[str, str], ...] = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/TTF/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf"),
    (
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    ),
)
FALLBACK_FAMILY = "helvetica"
FALLBACK_ENCODING = "windows-1252"


@dataclass(frozen=True)
class PackFont:
    """The font chosen: a family name to set, and the TrueType files (None for the built-in fallback)."""

    family: str
    regular: Path | None = None
    bold: Path | None = None

    @property
    def is_unicode(self) -> bool:
        """True for an embedded TrueType font (every character it has prints)."""
        return self.regular is not None


def find_font(candidates: tuple[tuple[str, str], ...] = CANDIDATES) -> PackFont:
    """Return the first font pair whose files exist: ``$CLIENTGRADE_PDF_FONT`` first, then ``candidates``."""
    wanted = os.environ.get(FONT_ENV, "").strip()
    pairs = ([(wanted, os.environ.get(BOLD_FONT_ENV, "").strip() or wanted)] if wanted else []) + list(candidates)
    for regular, bold in pairs:
        if Path(regular).is_file() and Path(bold).is_file():
            return PackFont("packfont", Path(regular), Path(bold))
    return PackFont(FALLBACK_FAMILY)


def printable(text: str, font: PackFont) -> str:
    """Return ``text`` as the font can print it: unchanged for a Unicode font, else in the fallback code page."""
    if font.is_unicode:
        return text
    return text.encode(FALLBACK_ENCODING, "replace").decode(FALLBACK_ENCODING)
