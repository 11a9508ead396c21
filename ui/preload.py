"""Let the browser fetch the code of the app's charts and tables while the page is still starting.

Streamlit's frontend loads the code for an element (Vega-Lite for a chart, the data grid for a table) only when the
first such element arrives over the websocket: on a new session that is after the page's shell has loaded,
connected and drawn the sidebar, and the browser then waits for some twenty files before it can draw the chart.
Every page of this app shows charts and tables, so the page's HTML asks for those files at once
(``<link rel="modulepreload">``, as Streamlit's own index.html does for its core): they arrive and compile while
the shell starts, the server runs the page and the sidebar draws. Nothing on the page changes.

:class:`PreloadElementCode` is an ASGI middleware for ``st.App(middleware=...)``.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

#: The code files (by their name before the build's hash) the app's pages need beyond Streamlit's core: charts
#: (Vega-Lite), tables (the data grid and Arrow), and the sidebar's and filters' widgets.
ELEMENT_CODE = (
    "ArrowVegaLiteChart", "embed", "vega-interpreter", "loadVegaEmbed", "Quiver", "recordbatch", "serialization",
    "DataFrame", "arrowFormatUtils", "moment", "numbro", "reactJsonViewCompat",
    "DateInput", "DateField", "ReorderedSegments", "useMenuTrigger", "Selectbox", "Multiselect",
    "useSyncComboBoxEnterTargetFocus", "Checkbox", "BidiComponent",
)

# The server's own routes and files (also under a server.baseUrlPath): everything else is the app's HTML page.
_NOT_A_PAGE = re.compile(r"(?:^|/)(?:_stcore|static|media|component|auth|oauth2callback)(?:/|$)|\.[A-Za-z0-9]+$")


@cache
def preload_links() -> bytes:
    """Return the ``<link rel="modulepreload">`` tags of :data:`ELEMENT_CODE` in this Streamlit's build.

    A name the build does not have, or has more than once, is left out: a Streamlit release that renames its
    files only loses the head start.
    """
    import streamlit

    folder = Path(streamlit.__file__).parent / "static" / "static" / "js"
    links = []
    for name in ELEMENT_CODE:
        found = [path.name for path in folder.glob(f"{name}.*.js") if path.name.count(".") == 2]
        if len(found) == 1:
            links.append(f'<link rel="modulepreload" crossorigin href="./static/js/{found[0]}">')
    return "".join(links).encode()


class PreloadElementCode:
    """ASGI middleware: adds :func:`preload_links` to the head of the app's HTML page, and nothing else."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("method") != "GET" or _NOT_A_PAGE.search(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        # The page itself, uncompressed from inside (a few kB), so the links can be added to it.
        scope = {**scope, "headers": [(k, v) for k, v in scope.get("headers", []) if k.lower() != b"accept-encoding"]}
        start: dict | None = None
        body = []

        async def collect(message):
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            body.append(message.get("body", b""))
            if message.get("more_body"):
                return
            new_start, whole_body = _with_links(start, b"".join(body))
            await send(new_start)
            await send(whole_body)

        await self.app(scope, receive, collect)


def _with_links(start: dict, body: bytes):
    headers = dict(start.get("headers", []))
    is_html = headers.get(b"content-type", b"").startswith(b"text/html")
    if is_html and b"</head>" in body:
        body = body.replace(b"</head>", preload_links() + b"</head>", 1)
    start = {**start, "headers": [(k, str(len(body)).encode() if k.lower() == b"content-length" else v)
                                  for k, v in start.get("headers", [])]}
    return start, {"type": "http.response.body", "body": body, "more_body": False}
