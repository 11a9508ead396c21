"""No upload before login: a visitor who has not passed the login gate gets no upload URL, and a file PUT for
their session is not kept (issue 15, finding 2). Talks to a real server the way the probe did: the websocket's
own messages and a forged PUT, with no browser."""

from __future__ import annotations

import asyncio
import os
import re
import urllib.request
import uuid
from pathlib import Path

import pytest

from grading import access
from grading.db.store import Store
from tests.browser.conftest import StreamlitServer

pytestmark = pytest.mark.browser

UPLOAD_MB = 8


@pytest.fixture(scope="module")
def password_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("upload-gate")
    with Store(folder / "portfolio.duckdb"):
        pass  # an existing, empty database: no demo set-up at the first start
    os.environ[access.PASSWORD_HASH_ENV["editor"]] = access.hash_password("the editor's password")
    try:
        server = StreamlitServer(folder, folder / "streamlit.log")
    finally:
        del os.environ[access.PASSWORD_HASH_ENV["editor"]]
    yield server
    server.stop()


async def _anonymous_session(url: str) -> tuple[str, list]:
    """Open a websocket session as the browser would, run the app (the login form), and ask for upload URLs."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    async with websockets.connect(url.replace("http", "ws") + "/_stcore/stream", subprotocols=["streamlit"],
                                  max_size=None) as socket:
        rerun = BackMsg()
        rerun.rerun_script.query_string = ""
        rerun.rerun_script.page_script_hash = ""
        await socket.send(rerun.SerializeToString())
        session_id, finished = None, False
        while not (session_id and finished):
            message = ForwardMsg()
            message.ParseFromString(await asyncio.wait_for(socket.recv(), 120))
            if message.WhichOneof("type") == "new_session":
                session_id = message.new_session.initialize.session_id
            finished = finished or message.WhichOneof("type") == "script_finished"
        ask = BackMsg()
        ask.file_urls_request.request_id = "probe"
        ask.file_urls_request.session_id = session_id
        ask.file_urls_request.file_names.append("big.csv")
        await socket.send(ask.SerializeToString())
        while True:
            message = ForwardMsg()
            message.ParseFromString(await asyncio.wait_for(socket.recv(), 60))
            if message.WhichOneof("type") == "file_urls_response":
                urls = list(message.file_urls_response.file_urls)
                break
        # Forge a PUT for this (still open) session, as a probe that skips the URL request would, with the XSRF
        # cookie any visitor gets with the page.
        xsrf = await asyncio.to_thread(_xsrf_cookie, url)
        put = _multipart_put(f"{url}/_stcore/upload_file/{session_id}/{uuid.uuid4()}", b"x" * (UPLOAD_MB << 20), xsrf)
        status = await asyncio.to_thread(_send, put)
        stored = await asyncio.to_thread(_uploaded_bytes, url)
        return session_id, urls, status, stored


def _xsrf_cookie(url: str) -> str:
    # Streamlit sets the cookie on its health check, which the page calls before it connects.
    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=30) as reply:
        cookies = reply.headers.get_all("Set-Cookie") or []
    found = [cookie.split(";")[0].split("=", 1)[1] for cookie in cookies if cookie.startswith("_streamlit_xsrf=")]
    assert found, "the server set no XSRF cookie"
    return found[0]


def _multipart_put(url: str, content: bytes, xsrf: str) -> urllib.request.Request:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n"
            "Content-Type: text/csv\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return urllib.request.Request(url, data=body, method="PUT", headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}", "X-Xsrftoken": xsrf,
        "Cookie": f"_streamlit_xsrf={xsrf}"})


def _send(request: urllib.request.Request) -> int:
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status
    except urllib.error.HTTPError as error:
        return error.code


def _uploaded_bytes(url: str) -> int:
    """The bytes the server's upload manager holds, from Streamlit's own metrics endpoint."""
    with urllib.request.urlopen(f"{url}/_stcore/metrics", timeout=30) as reply:
        text = reply.read().decode()
    found = re.findall(r'cache_memory_bytes\{cache_type="UploadedFileManager"[^}]*\} (\d+)', text)
    return sum(int(value) for value in found)


def _uploaded_bytes_once_fresh(url: str, wait_s: float = 15.0) -> int:
    """The upload manager's bytes, asked again until they show or the metrics cache has surely expired: Streamlit
    keeps the ``cache_memory_bytes`` family for 5 s, so a reading right after the visitor test's may be stale."""
    import time

    deadline = time.monotonic() + wait_s
    held = _uploaded_bytes(url)
    while held == 0 and time.monotonic() < deadline:
        time.sleep(1)
        held = _uploaded_bytes(url)
    return held


def test_a_visitor_who_has_not_logged_in_gets_no_upload_url_and_parks_no_file(password_server):
    session_id, urls, status, stored = asyncio.run(_anonymous_session(password_server.url))
    assert session_id
    assert urls == [], "no upload URL for a session that has not logged in"
    assert status == 204, "the server answers as for any upload; the file is dropped, not kept"
    assert stored == 0, f"the server keeps {stored:,} bytes uploaded by a visitor who never logged in"


def test_a_logged_in_editor_still_uploads_through_the_page(password_server, page, tmp_path):
    from tests.browser.helpers import go_to, open_page, wait_for_app

    open_page(page, password_server.url)
    page.get_by_label("Password", exact=True).fill("the editor's password")
    page.get_by_role("button", name="Log in").click()
    wait_for_app(page)
    go_to(page, "Data & settings")
    clients = tmp_path / "clients.csv"
    clients.write_text("client_id,name\nc1,Acme\n", encoding="utf-8")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(clients))
    page.get_by_text("No problems found").wait_for(timeout=60_000)
    assert _uploaded_bytes_once_fresh(password_server.url) > 0, "the editor's upload is kept for the import"
