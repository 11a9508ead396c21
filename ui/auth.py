"""The login gate: who is using this session, and may they change anything.

app.py calls :func:`require_role` once per rerun, before the store is opened and before the navigation runs, so no
page (and no first-start demo set-up) runs for someone who has not logged in. Pages call :func:`can_edit` and
disable every widget that writes (``disabled=not can_edit()``, with ``help=READ_ONLY_HELP``).

Three modes, chosen by the configuration (see :mod:`grading.access` and SECURITY.md):

- **passwords**: a viewer and/or editor password hash is configured; a password form until one matches;
- **single sign-on**: ``.streamlit/secrets.toml`` has an ``[auth]`` section; Streamlit's OIDC login (``st.login``),
  with editors and viewers chosen by e-mail address in ``[access]``;
- **open**: nothing is configured; everyone is an editor, which is only allowed while the server listens on this
  machine alone (127.0.0.1, as ``.streamlit/config.toml`` sets); a notice in the sidebar says so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import streamlit as st

from grading import access
from grading.errors import ClientGradeError
from grading.text_safety import escape_markdown
from ui import upload_gate

ROLE_KEY = "clientgrade_role"
READ_ONLY_HELP = "You are logged in as a viewer: you can look at everything but change nothing."
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _secrets_section(name: str) -> Mapping[str, Any]:
    try:
        section = st.secrets.get(name)
    except FileNotFoundError:  # no secrets.toml at all: nothing configured there
        return {}
    return section if isinstance(section, Mapping) else {}


def _sso_configured() -> bool:
    return bool(_secrets_section("auth"))


def _access_config() -> access.AccessConfig:
    return access.load_access_config(secrets_section=_secrets_section(access.SECRETS_SECTION))


def _listens_on_this_machine_only() -> bool:
    address = (st.get_option("server.address") or "").strip().strip("[]")
    return address in _LOOPBACK or address.startswith("127.")


def current_role() -> str | None:
    """Return this session's role (``"viewer"`` or ``"editor"``), or None before a login.

    In open mode everyone is an editor, even on a page run without :func:`require_role` (as a page test does).
    """
    role = st.session_state.get(ROLE_KEY)
    if role in access.ROLES:
        return role
    try:
        if not _sso_configured() and _access_config().is_open:
            return access.EDITOR
    except ClientGradeError:
        return None
    return None


def can_edit() -> bool:
    """Return True when this session may change data; pages pass ``disabled=not can_edit()`` to write widgets."""
    return access.may_edit(current_role())


def _signed_in_as(role: str, logout: Any) -> None:
    with st.sidebar:
        if role == access.VIEWER:
            st.caption(":material/visibility: Logged in as viewer: you can look at everything but change nothing.")
        else:
            st.caption(":material/edit: Logged in as editor.")
        st.button("Log out", key="clientgrade_logout", on_click=logout, icon=":material/logout:")


def _log_out() -> None:
    st.session_state.pop(ROLE_KEY, None)
    upload_gate.mark_left()


def _sso_log_out() -> None:
    upload_gate.mark_left()
    st.logout()


def _password_gate(config: access.AccessConfig) -> str:
    role = st.session_state.get(ROLE_KEY)
    if role in config.roles_with_password:
        _signed_in_as(role, _log_out)
        return role
    st.session_state.pop(ROLE_KEY, None)
    upload_gate.mark_left()
    st.title("ClientGrade")
    with st.form("clientgrade_login", clear_on_submit=True):
        password = st.text_input("Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Log in", type="primary", icon=":material/login:")
    if submitted:
        # Wrong passwords are counted for the whole server, not this tab: a reload or a new tab waits just as long.
        wait = access.LOGIN_THROTTLE.wait_seconds()
        if wait > 0:
            st.error(f"Too many wrong passwords: the next one can be checked in {math.ceil(wait)} seconds.")
            st.stop()
        role = access.role_for_password(password or "", config)
        if role is not None:
            st.session_state[ROLE_KEY] = role
            st.rerun()
        wait = access.LOGIN_THROTTLE.record_failure()
        later = f" The next password can be checked in {math.ceil(wait)} seconds." if wait else ""
        st.error(f"Wrong password. Try again, or ask the owner for the viewer or editor password.{later}")
    st.stop()


def _sso_gate() -> str:
    if not st.user.is_logged_in:
        upload_gate.mark_left()
        st.title("ClientGrade")
        st.write("Sign in with your company account to open ClientGrade.")
        st.button("Log in", type="primary", icon=":material/login:", on_click=st.login)
        st.stop()
    role = access.role_for_email(st.user.get("email"), _secrets_section(access.SECRETS_SECTION))
    if role is None:
        st.error(
            f"The account {escape_markdown(st.user.get('email') or '(without an e-mail address)')} has no access to "
            "ClientGrade: "
            "ask the owner to add it to the editors or viewers."
        )
        st.button("Log out", on_click=_sso_log_out)
        st.stop()
    st.session_state[ROLE_KEY] = role
    _signed_in_as(role, _sso_log_out)
    return role


def _open_mode() -> str:
    if not _listens_on_this_machine_only():
        st.error(
            f"No password is set and the server listens on {st.get_option('server.address') or 'every address'}, "
            "so anyone on the network could change your data: set a password (see SECURITY.md) or run it on "
            "127.0.0.1."
        )
        st.stop()
    st.session_state[ROLE_KEY] = access.EDITOR
    st.sidebar.caption(
        ":material/lock_open: Open mode: no password is set, so the app serves this computer only (127.0.0.1). "
        "See SECURITY.md to add viewer and editor passwords."
    )
    return access.EDITOR


def require_role() -> str:
    """Make sure this session may use the app, and return its role (``"viewer"`` or ``"editor"``).

    Draws the login (a password form, or the single sign-on button) and stops the script until the user is in;
    draws the open-mode notice when nothing is configured. A malformed configuration stops the app with one
    error sentence rather than letting it run open by accident.

    Only a session that gets past this may upload files: the server's upload manager is gated
    (:mod:`ui.upload_gate`), so a visitor who has not logged in gets no upload URL and has no upload kept.
    """
    upload_gate.install()
    role = _role_through_the_gate()  # stops the script unless the session is in
    upload_gate.mark_passed()
    return role


def _role_through_the_gate() -> str:
    try:
        if _sso_configured():
            return _sso_gate()
        config = _access_config()
    except ClientGradeError as error:
        st.error(escape_markdown(str(error)))
        st.stop()
    if config.is_open:
        return _open_mode()
    return _password_gate(config)
