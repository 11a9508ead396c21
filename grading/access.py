"""Who may look and who may change: the viewer and editor passwords.

Two roles. A *viewer* sees every page and changes nothing; an *editor* may also import, grade, record review
decisions, change settings, train models, back up and restore. Each role has its own password, configured as a
salted scrypt hash (never the password itself), from the environment first, else from the ``[access]`` section
of ``.streamlit/secrets.toml``:

=====================  ====================================  ==============================
role                   environment variable                  ``[access]`` key in secrets
=====================  ====================================  ==============================
viewer                 ``CLIENTGRADE_VIEWER_PASSWORD_HASH``  ``viewer_password_hash``
editor                 ``CLIENTGRADE_EDITOR_PASSWORD_HASH``  ``editor_password_hash``
=====================  ====================================  ==============================

``python -m grading hash-password`` (or :func:`hash_password`) makes a hash. With no password configured the app
runs *open*: everyone is an editor, and ``.streamlit/config.toml`` binds the server to 127.0.0.1 so only this
machine can reach it. With only an editor password, everyone must log in as editor; with only a viewer password,
nobody can change anything in the app (the CLI still can).

A typed password is compared with each configured hash in constant time (:func:`hmac.compare_digest` on the
derived keys), and both hashes are always tried, so neither the time taken nor the answer tells which role a
wrong password came close to.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from grading.errors import ClientGradeError

VIEWER = "viewer"
EDITOR = "editor"
ROLES: tuple[str, ...] = (VIEWER, EDITOR)

#: Environment variables holding each role's password hash.
PASSWORD_HASH_ENV: dict[str, str] = {
    VIEWER: "CLIENTGRADE_VIEWER_PASSWORD_HASH",
    EDITOR: "CLIENTGRADE_EDITOR_PASSWORD_HASH",
}
#: The section of ``.streamlit/secrets.toml`` and its keys, the second place a hash may come from.
SECRETS_SECTION = "access"
PASSWORD_HASH_KEY: dict[str, str] = {VIEWER: "viewer_password_hash", EDITOR: "editor_password_hash"}

_SCHEME = "scrypt"
# scrypt's cost: n=2**14, r=8 is the interactive-login level (about 16 MB and a few tens of milliseconds per try),
# which keeps a login snappy while making each guess of a stolen hash expensive.
_N, _R, _P = 2**14, 8, 1
_SALT_BYTES = 16
_KEY_BYTES = 32
_MAX_N = 2**20  # refuse absurd costs in a hand-edited hash instead of exhausting memory


class AccessConfigError(ClientGradeError):
    """A configured password hash cannot be read (mistyped or truncated); the message names where it came from."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _derive(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=length, maxmem=256 * 1024**2)


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """Return a salted scrypt hash of ``password`` to put in the environment or in secrets.toml.

    Parameters
    ----------
    password:
        The password; at least 8 characters.
    salt:
        Random bytes mixed in (default: 16 fresh random bytes; give one only to make a test repeatable).

    Returns
    -------
    str
        ``scrypt$16384$8$1$<salt>$<key>`` (salt and key in base64): self-describing, so the cost can be raised
        later without breaking stored hashes.

    Raises
    ------
    ClientGradeError
        The password is shorter than 8 characters.
    """
    if len(password) < 8:
        raise ClientGradeError("Choose a password of at least 8 characters.")
    salt = salt if salt is not None else secrets.token_bytes(_SALT_BYTES)
    key = _derive(password, salt, _N, _R, _P, _KEY_BYTES)
    return f"{_SCHEME}${_N}${_R}${_P}${_b64(salt)}${_b64(key)}"


@dataclass(frozen=True)
class _ParsedHash:
    salt: bytes
    key: bytes
    n: int
    r: int
    p: int


def _parse(stored: str, where: str) -> _ParsedHash:
    parts = stored.strip().split("$")
    problem = f"The password hash in {where} is not one made by 'python -m grading hash-password'; make a new one."
    if len(parts) != 6 or parts[0] != _SCHEME:
        raise AccessConfigError(problem)
    try:
        n, r, p = (int(part) for part in parts[1:4])
        salt = base64.b64decode(parts[4], validate=True)
        key = base64.b64decode(parts[5], validate=True)
    except ValueError as error:
        raise AccessConfigError(problem) from error
    if not (2 <= n <= _MAX_N and n & (n - 1) == 0 and 1 <= r <= 32 and 1 <= p <= 16 and salt and len(key) >= 16):
        raise AccessConfigError(problem)
    return _ParsedHash(salt, key, n, r, p)


def verify_password(password: str, stored_hash: str, *, where: str = "the configuration") -> bool:
    """Return True when ``password`` matches ``stored_hash``; the final comparison takes constant time.

    Raises
    ------
    AccessConfigError
        ``stored_hash`` is malformed (``where`` names its source in the message).
    """
    parsed = _parse(stored_hash, where)
    candidate = _derive(password, parsed.salt, parsed.n, parsed.r, parsed.p, len(parsed.key))
    return hmac.compare_digest(candidate, parsed.key)


@dataclass(frozen=True)
class AccessConfig:
    """The configured password hashes per role (a role without a password is missing) and where each came from."""

    hashes: Mapping[str, str]
    sources: Mapping[str, str]

    @property
    def is_open(self) -> bool:
        """True when no password is configured: the app runs open, on 127.0.0.1 only."""
        return not self.hashes

    @property
    def roles_with_password(self) -> tuple[str, ...]:
        """The roles one can log in as."""
        return tuple(role for role in ROLES if role in self.hashes)


def load_access_config(
    environ: Mapping[str, str] | None = None, secrets_section: Mapping[str, object] | None = None
) -> AccessConfig:
    """Read the configured password hashes: the environment first, else the ``[access]`` section of the secrets.

    Parameters
    ----------
    environ:
        The environment (default: ``os.environ``).
    secrets_section:
        The ``[access]`` table of ``.streamlit/secrets.toml`` (the app passes ``st.secrets.get("access", {})``).

    Returns
    -------
    AccessConfig
        The hashes found; empty (``is_open``) when none is configured.

    Raises
    ------
    AccessConfigError
        A configured hash is malformed: better to refuse to start than to run open by accident.
    """
    environ = os.environ if environ is None else environ
    secrets_section = secrets_section or {}
    hashes: dict[str, str] = {}
    sources: dict[str, str] = {}
    for role in ROLES:
        from_env = str(environ.get(PASSWORD_HASH_ENV[role], "") or "").strip()
        from_secrets = str(secrets_section.get(PASSWORD_HASH_KEY[role], "") or "").strip()
        if from_env:
            hashes[role], sources[role] = from_env, f"the environment variable {PASSWORD_HASH_ENV[role]}"
        elif from_secrets:
            hashes[role], sources[role] = from_secrets, f"[{SECRETS_SECTION}] {PASSWORD_HASH_KEY[role]} in secrets.toml"
    for role, stored in hashes.items():
        _parse(stored, sources[role])
    return AccessConfig(hashes, sources)


def role_for_password(password: str, config: AccessConfig) -> str | None:
    """Return the role ``password`` logs in as (``"editor"`` before ``"viewer"``), or None when it matches none.

    Every configured hash is tried whatever the outcome, so the time taken does not tell which role a password
    belongs to. An empty password never logs in.
    """
    matches = {
        role: verify_password(password, stored, where=config.sources[role]) for role, stored in config.hashes.items()
    }
    if not password:
        return None
    for role in (EDITOR, VIEWER):
        if matches.get(role):
            return role
    return None


def may_edit(role: str | None) -> bool:
    """Return True when ``role`` may change data (only an editor may)."""
    return role == EDITOR


def _emails(values: object) -> set[str]:
    if isinstance(values, str):
        values = [values]
    return {str(value).strip().lower() for value in (values or []) if str(value).strip()}


def role_for_email(email: str | None, secrets_section: Mapping[str, object] | None = None) -> str | None:
    """Return the role of a user signed in through the company's single sign-on, or None when it has no access.

    The ``[access]`` section may list ``editor_emails`` and ``viewer_emails``. When either list is given it is an
    allowlist: an address on neither list is refused. When neither is given, everyone the identity provider lets
    in is an editor (the provider's own app assignment then decides who may use ClientGrade).

    Parameters
    ----------
    email:
        The address the identity provider vouches for (``st.user.email``); compared without regard to case.
    secrets_section:
        The ``[access]`` table of ``.streamlit/secrets.toml``.
    """
    section = secrets_section or {}
    editors = _emails(section.get("editor_emails"))
    viewers = _emails(section.get("viewer_emails"))
    if not editors and not viewers:
        return EDITOR
    address = (email or "").strip().lower()
    if not address:
        return None
    if address in editors:
        return EDITOR
    if address in viewers:
        return VIEWER
    return None
