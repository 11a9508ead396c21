"""No upload is taken from a session that has not passed the login gate.

Rendering no ``st.file_uploader`` before login is not enough: Streamlit's server hands upload URLs to any
websocket session that asks (a ``file_urls_request`` message), and its upload route stores whatever is PUT to
``/_stcore/upload_file/<session>/<file>`` for any live session, until that session has been gone for
``server.disconnectedSessionTTL`` seconds. An anonymous visitor could so park ``server.maxUploadSize`` per request
in the server's memory, as often as they liked.

Streamlit 1.67 offers no supported hook to authorise uploads, so :func:`install` wraps the two methods of the
process's upload manager that the server calls: ``get_upload_urls`` answers a session that has not passed the gate
with no URL, and ``add_file`` drops a file PUT for such a session instead of keeping it. :func:`mark_passed` (called
by :func:`ui.auth.require_role` once a session is in) and :func:`mark_left` (at logout, which also drops the
session's files) keep the set of sessions that passed. What remains: the server still reads one PUT request's body
(up to ``server.maxUploadSize``) into memory before the manager sees it, so an anonymous request costs memory while
it is in flight, but nothing is kept after it.

This relies on Streamlit's runtime internals (pinned in requirements.txt); when they are not there (a test runner
without a server, a later Streamlit that renames them), :func:`install` does nothing and says so in the log.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

from streamlit.runtime.scriptrunner import get_script_run_ctx

_LOG = logging.getLogger(__name__)
_LOCK = threading.Lock()
_PASSED: set[str] = set()
_INSTALLED: set[int] = set()  # ids of the upload managers wrapped (one per server process)


def _session_id() -> str | None:
    ctx = get_script_run_ctx()
    return None if ctx is None else ctx.session_id


def has_passed(session_id: str) -> bool:
    """Return True when the session ``session_id`` passed the login gate (and has not logged out)."""
    with _LOCK:
        return session_id in _PASSED


def mark_passed() -> None:
    """Let this session upload: it passed the login gate (any mode: password, single sign-on or open)."""
    session_id = _session_id()
    if session_id is not None:
        with _LOCK:
            _PASSED.add(session_id)


def mark_left() -> None:
    """Stop this session's uploads and drop the files it uploaded (a logout)."""
    session_id = _session_id()
    if session_id is None:
        return
    with _LOCK:
        _PASSED.discard(session_id)
    manager = _upload_manager()
    if manager is not None:
        manager.remove_session_files(session_id)


def _upload_manager() -> Any:
    try:
        from streamlit import runtime

        return runtime.get_instance().uploaded_file_mgr if runtime.exists() else None
    except Exception:  # noqa: BLE001 - internals missing or renamed: no gate, said by install()
        return None


def _forget_closed_sessions() -> None:
    """Drop sessions the server no longer knows, so the set stays as small as the sessions alive."""
    try:
        from streamlit import runtime

        alive = runtime.get_instance().is_active_session
    except Exception:  # noqa: BLE001
        return
    with _LOCK:
        for session_id in [session for session in _PASSED if not alive(session)]:
            _PASSED.discard(session_id)


def gate(manager: Any) -> None:
    """Wrap ``manager``'s ``get_upload_urls`` and ``add_file`` so that only sessions that passed the gate upload."""
    ask_urls: Callable[[str, Sequence[str]], list] = manager.get_upload_urls
    add_file: Callable[[str, Any], None] = manager.add_file

    def get_upload_urls(session_id: str, file_names: Sequence[str]) -> list:
        if not has_passed(session_id):
            _LOG.warning("Upload URLs refused to a session that has not logged in.")
            return []
        _forget_closed_sessions()
        return ask_urls(session_id, file_names)

    def gated_add_file(session_id: str, file: Any) -> None:
        if not has_passed(session_id):
            _LOG.warning("An upload from a session that has not logged in was dropped.")
            return
        add_file(session_id, file)

    manager.get_upload_urls = get_upload_urls
    manager.add_file = gated_add_file


def install() -> bool:
    """Gate the running server's uploads (once per process); return True when the gate is in place."""
    manager = _upload_manager()
    if manager is None or not all(hasattr(manager, name) for name in ("get_upload_urls", "add_file")):
        return False
    with _LOCK:
        if id(manager) in _INSTALLED:
            return True
        _INSTALLED.add(id(manager))
    gate(manager)
    _LOG.info("Uploads are taken only from sessions that passed the login gate.")
    return True
