"""Numbers in the owner's currency and words, for pages, reasons and exports.

One place decides how an amount looks, so the matrix, the reasons and the review summary agree.
"""

from __future__ import annotations

import math

CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF ", "AUD": "A$", "CAD": "C$", "NZD": "NZ$"}


def currency_symbol(currency: str) -> str:
    """Return the symbol shown before amounts in ``currency`` (the ISO code and a space where none is common)."""
    return CURRENCY_SYMBOLS.get(currency, f"{currency} ")


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def money(value: float | None, currency: str = "EUR", *, decimals: int = 0) -> str:
    """Format an amount, e.g. ``money(-1234.5, "EUR")`` gives ``"-€1,235"``; a missing value gives ``"n/a"``."""
    if _missing(value):
        return "n/a"
    sign = "-" if value < 0 else ""
    return f"{sign}{currency_symbol(currency)}{abs(value):,.{decimals}f}"


def hourly_rate(value: float | None, currency: str = "EUR") -> str:
    """Format a rate per hour, e.g. ``"€85/h"``; a missing value (no hours) gives ``"n/a"``."""
    if _missing(value):
        return "n/a"
    return f"{money(value, currency)}/h"


def percent(value: float | None, *, decimals: int = 0, signed: bool = False) -> str:
    """Format a fraction as a percentage: the one percentage formatter of the app.

    ``percent(0.253)`` gives ``"25%"``; ``signed`` adds a ``+`` to a rise. A value that rounds to zero is written
    without a sign (``"0%"``, never ``"-0%"``); a missing value gives ``"n/a"``. Rounding is half away from zero,
    as people round, so 0.565 is ``"57%"`` wherever it is shown (``round`` would give 56).
    """
    if _missing(value):
        return "n/a"
    shown = _rounded(float(value) * 100, decimals)
    if shown == 0:
        shown = 0.0  # drops the sign of -0.0
    text = f"{shown:.{decimals}f}%"
    return f"+{text}" if signed and shown > 0 else text


def percent_points(value: float | None, *, decimals: int = 1) -> str:
    """Format a change of a share in percentage points, always signed, e.g. ``"+4.5 pp"`` (fraction in)."""
    if _missing(value):
        return "n/a"
    shown = _rounded(float(value) * 100, decimals)
    return f"{'+' if shown > 0 else ''}{(shown if shown else 0.0):.{decimals}f} pp"


def _rounded(value: float, decimals: int) -> float:
    """``value`` rounded to ``decimals`` places, halves away from zero (Python's ``round`` goes to even)."""
    from decimal import ROUND_HALF_UP, Decimal

    quantum = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def count(number: int, singular: str, plural: str | None = None) -> str:
    """Write a count with its noun in the right number: ``"1 client"``, ``"3 clients"``, ``"1,200 hours"``."""
    noun = singular if number == 1 else (plural or f"{singular}s")
    return f"{number:,} {noun}"


def hours(value: float | None) -> str:
    """Format a number of hours, e.g. ``"1,234 h"``."""
    if _missing(value):
        return "n/a"
    return f"{value:,.0f} h"
