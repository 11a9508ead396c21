"""Access: passwords stored as salted hashes, compared in constant time, viewer and editor roles, open mode."""

from __future__ import annotations

import hmac
import io

import pytest

from grading import access, cli
from grading.errors import ClientGradeError

VIEWER_PASSWORD = "look-but-do-not-touch"
EDITOR_PASSWORD = "change-the-grades-1"


@pytest.fixture(scope="module")
def hashes():
    return {"viewer": access.hash_password(VIEWER_PASSWORD), "editor": access.hash_password(EDITOR_PASSWORD)}


@pytest.fixture
def both_roles(hashes):
    return access.load_access_config(
        {access.PASSWORD_HASH_ENV["viewer"]: hashes["viewer"], access.PASSWORD_HASH_ENV["editor"]: hashes["editor"]}
    )


def test_a_hash_holds_neither_the_password_nor_the_same_text_twice():
    first, second = access.hash_password(EDITOR_PASSWORD), access.hash_password(EDITOR_PASSWORD)
    assert EDITOR_PASSWORD not in first
    assert first != second, "each hash has its own random salt"
    assert first.startswith("scrypt$")


def test_the_right_password_matches_its_hash_and_a_wrong_one_does_not(hashes):
    assert access.verify_password(EDITOR_PASSWORD, hashes["editor"])
    assert not access.verify_password(EDITOR_PASSWORD + "x", hashes["editor"])
    assert not access.verify_password(VIEWER_PASSWORD, hashes["editor"])


def test_the_final_comparison_is_constant_time(hashes, monkeypatch):
    compared = []
    original = hmac.compare_digest

    def spy(left, right):
        compared.append((left, right))
        return original(left, right)

    monkeypatch.setattr(access.hmac, "compare_digest", spy)
    assert access.verify_password(EDITOR_PASSWORD, hashes["editor"])
    assert len(compared) == 1 and all(isinstance(side, bytes) for side in compared[0])


def test_a_short_password_is_refused_when_hashing():
    with pytest.raises(ClientGradeError, match="at least 8 characters"):
        access.hash_password("short")


@pytest.mark.parametrize(
    ("password", "role"),
    [(EDITOR_PASSWORD, "editor"), (VIEWER_PASSWORD, "viewer"), ("wrong password", None), ("", None)],
    ids=["editor", "viewer", "wrong", "empty"],
)
def test_a_password_logs_in_as_its_role_and_a_wrong_one_as_nobody(both_roles, password, role):
    assert access.role_for_password(password, both_roles) == role


def test_only_an_editor_may_edit():
    assert access.may_edit("editor")
    assert not access.may_edit("viewer")
    assert not access.may_edit(None)


def test_no_configured_password_means_open_mode():
    config = access.load_access_config({}, {})
    assert config.is_open and config.roles_with_password == ()


def test_the_environment_wins_over_the_secrets_file(hashes):
    config = access.load_access_config(
        {access.PASSWORD_HASH_ENV["editor"]: hashes["editor"]},
        {"editor_password_hash": hashes["viewer"], "viewer_password_hash": hashes["viewer"]},
    )
    assert access.role_for_password(EDITOR_PASSWORD, config) == "editor"
    assert access.role_for_password(VIEWER_PASSWORD, config) == "viewer"
    assert "environment variable" in config.sources["editor"] and "secrets.toml" in config.sources["viewer"]


@pytest.mark.parametrize(
    "broken",
    ["plain-password", "scrypt$16384$8$1$bm90LWJhc2U2NA", "scrypt$3$8$1$c2FsdA==$a2V5a2V5a2V5a2V5a2V5a2V5",
     "scrypt$16384$8$1$!!!$a2V5"],
    ids=["a password instead of a hash", "truncated", "cost not a power of two", "not base64"],
)
def test_a_malformed_hash_stops_the_app_instead_of_running_open(broken):
    with pytest.raises(access.AccessConfigError, match=access.PASSWORD_HASH_ENV["viewer"]):
        access.load_access_config({access.PASSWORD_HASH_ENV["viewer"]: broken})


@pytest.mark.parametrize(
    ("section", "email", "role"),
    [
        ({}, "anyone@example.com", "editor"),
        ({"editor_emails": ["Boss@Example.com"]}, "boss@example.com", "editor"),
        ({"editor_emails": ["boss@example.com"], "viewer_emails": ["tech@example.com"]}, "tech@example.com", "viewer"),
        ({"editor_emails": ["boss@example.com"]}, "stranger@example.com", None),
        ({"viewer_emails": "tech@example.com"}, None, None),
    ],
    ids=["no lists: everyone signed in edits", "listed editor", "listed viewer", "not listed", "no address"],
)
def test_single_sign_on_roles_come_from_the_email_lists(section, email, role):
    assert access.role_for_email(email, section) == role


def test_the_hash_password_command_prints_a_hash_that_verifies(monkeypatch, capsys):
    monkeypatch.setattr(cli, "COMMANDS", ("hash_password",))
    monkeypatch.setattr("sys.stdin", io.StringIO(EDITOR_PASSWORD + "\n"))
    assert cli.main(["hash-password", "--stdin", "--role", "viewer"]) == 0
    captured = capsys.readouterr()
    printed = captured.out.strip()
    assert access.verify_password(EDITOR_PASSWORD, printed)
    assert "viewer_password_hash" in captured.err and access.PASSWORD_HASH_ENV["viewer"] in captured.err


def test_the_hash_password_command_refuses_a_short_password_in_one_line(monkeypatch, capsys):
    monkeypatch.setattr(cli, "COMMANDS", ("hash_password",))
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert cli.main(["hash-password", "--stdin"]) == 1
    assert capsys.readouterr().err.strip() == "error: Choose a password of at least 8 characters."
