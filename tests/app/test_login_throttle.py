"""Wrong passwords slow the login in every tab, not just the one that typed them (issue 15, finding 10)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from grading import access

APP = Path(__file__).resolve().parents[2] / "app.py"
PASSWORD = "the-right-password"


class Clock:
    def __init__(self):
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(access, "LOGIN_THROTTLE", access.LoginThrottle(clock=clock))
    return clock


@pytest.fixture
def password(monkeypatch, demo_db):
    for variable in access.PASSWORD_HASH_ENV.values():
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv(access.PASSWORD_HASH_ENV["editor"], access.hash_password(PASSWORD))


def new_tab() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=300)
    at.run()
    assert not at.exception, [item.value for item in at.exception]
    return at


def try_password(at: AppTest, password: str) -> AppTest:
    next(box for box in at.text_input if box.label == "Password").input(password)
    next(button for button in at.button if button.label == "Log in").click()
    at.run()
    assert not at.exception, [item.value for item in at.exception]
    return at


def logged_in(at: AppTest) -> bool:
    return at.session_state["clientgrade_role"] == "editor" if "clientgrade_role" in at.session_state else False


def test_wrong_passwords_in_one_tab_make_a_new_tab_wait_too(password, clock):
    guesser = new_tab()
    for guess in range(access.LOGIN_THROTTLE.free_failures + 1):
        try_password(guesser, f"guess number {guess}")
    assert "next password can be checked in" in guesser.error[0].value

    # A new tab (or a reload, which is a new session) with the right password is made to wait as well.
    owner = try_password(new_tab(), PASSWORD)
    assert not logged_in(owner)
    assert "Too many wrong passwords" in owner.error[0].value

    clock.now += access.LOGIN_THROTTLE.base_delay
    owner = try_password(new_tab(), PASSWORD)
    assert logged_in(owner)
