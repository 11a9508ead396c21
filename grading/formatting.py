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
    """Format a fraction as a percentage, e.g. ``percent(0.253)`` gives ``"25%"``; ``signed`` adds a ``+``."""
    if _missing(value):
        return "n/a"
    text = f"{value * 100:.{decimals}f}%"
    return f"+{text}" if signed and value > 0 else text


def hours(value: float | None) -> str:
    """Format a number of hours, e.g. ``"1,234 h"``."""
    if _missing(value):
        return "n/a"
    return f"{value:,.0f} h"
