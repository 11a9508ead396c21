"""ui.preload: the app's HTML page asks for the code of its charts and tables at once; nothing else changes."""

from __future__ import annotations

import asyncio
from pathlib import Path

import streamlit

from ui.preload import ELEMENT_CODE, PreloadElementCode, preload_links

PAGE = b"<!doctype html><html><head><title>x</title></head><body></body></html>"


def _served(path: str, body: bytes, content_type: bytes = b"text/html", accept_encoding: bool = True):
    """Run the middleware over an inner app that answers ``body``; return what the browser gets and the request
    headers the inner app saw."""
    seen = {}

    async def inner(scope, receive, send):
        seen["headers"] = dict(scope["headers"])
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]})
        # In two pieces, as a streamed response comes.
        await send({"type": "http.response.body", "body": body[:10], "more_body": True})
        await send({"type": "http.response.body", "body": body[10:], "more_body": False})

    sent = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    headers = [(b"host", b"127.0.0.1")] + ([(b"accept-encoding", b"gzip")] if accept_encoding else [])
    scope = {"type": "http", "method": "GET", "path": path, "headers": headers}
    asyncio.run(PreloadElementCode(inner)(scope, receive, send))
    start = sent[0]
    whole = b"".join(message.get("body", b"") for message in sent[1:])
    return dict(start["headers"]), whole, seen["headers"]


def test_every_named_file_is_in_this_streamlit_build_once():
    # A Streamlit release that renames its files would silently lose the head start: this says so.
    folder = Path(streamlit.__file__).parent / "static" / "static" / "js"
    for name in ELEMENT_CODE:
        assert len([path for path in folder.glob(f"{name}.*.js") if path.name.count(".") == 2]) == 1, name
    assert preload_links().count(b'rel="modulepreload"') == len(ELEMENT_CODE)


def test_a_page_gets_the_links_in_its_head_with_its_length_right():
    headers, body, inner_saw = _served("/portfolio_matrix", PAGE)
    assert body == PAGE.replace(b"</head>", preload_links() + b"</head>")
    assert int(headers[b"content-length"]) == len(body)
    assert b"embed." in body and b"DataFrame." in body
    assert b"accept-encoding" not in inner_saw  # asked uncompressed, so the links can go in


def test_static_files_and_the_server_s_own_routes_pass_untouched():
    for path in ("/static/js/index.js", "/_stcore/health", "/favicon.png", "/media/abc.png",
                 "/clientgrade/_stcore/host-config", "/clientgrade/static/css/index.css"):
        headers, body, inner_saw = _served(path, PAGE)
        assert body == PAGE and int(headers[b"content-length"]) == len(PAGE)
        assert inner_saw[b"accept-encoding"] == b"gzip"


def test_a_page_answer_that_is_not_html_passes_untouched():
    _headers, body, _inner_saw = _served("/", b'{"a": "</head>"}', content_type=b"application/json")
    assert body == b'{"a": "</head>"}'
