"""Charts as PNG images for the PDF: the pages' own Altair charts, rendered by vl-convert without a browser.

vl-convert (what Altair's own ``chart.save("x.png")`` uses) runs Vega in an embedded JavaScript engine with its
own fonts, so rendering needs neither a browser nor the network.
"""

from __future__ import annotations

import altair as alt

#: Pixels per chart unit: twice the screen size, sharp when printed.
PNG_SCALE = 2.0


def chart_png(chart: alt.TopLevelMixin, *, scale: float = PNG_SCALE) -> bytes:
    """Return ``chart`` rendered as a PNG image (bytes)."""
    import vl_convert

    return vl_convert.vegalite_to_png(chart.to_json(), scale=scale)
