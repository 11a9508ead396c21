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
wrong password came close to. A stored hash asking for a scrypt cost outside sane bounds (too cheap to protect the
password, or so dear that every login would exhaust memory) is refused when the configuration is read.

Wrong passwords are counted once for the whole process (:data:`LOGIN_THROTTLE`), not per browser tab: past a few,
every later try waits longer before it is checked, whichever tab or reload it comes from.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

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
# The costs a stored hash may ask for. scrypt needs 128 * n * r bytes per try: below 16 MB (what hash_password
# makes) a stolen hash is cheap to attack, above 64 MB every login would eat the server's memory (and past the cap
# below, fail with "memory limit exceeded"). p multiplies the time; more than 4 would make each login crawl.
_MIN_MEMORY = 128 * _N * _R
_MAX_MEMORY = 4 * _MIN_MEMORY
_MAX_P = 4
_MAXMEM = 2 * _MAX_MEMORY  # hashlib's own cap, above every accepted cost


class AccessConfigError(ClientGradeError):
    """A configured password hash cannot be read (mistyped or truncated); the message names where it came from."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _derive(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=length, maxmem=_MAXMEM)


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
    if not (n >= 2 and n & (n - 1) == 0 and r >= 1 and p >= 1 and salt and len(key) >= 16):
        raise AccessConfigError(problem)
    if not (_MIN_MEMORY <= 128 * n * r <= _MAX_MEMORY and p <= _MAX_P):
        raise AccessConfigError(
            f"The password hash in {where} asks for a scrypt cost ClientGrade does not accept (n={n}, r={r}, p={p}: "
            f"{128 * n * r / 1024**2:g} MB per try, where {_MIN_MEMORY // 1024**2} to {_MAX_MEMORY // 1024**2} MB "
            f"and p up to {_MAX_P} are accepted); make a new one with 'python -m grading hash-password'."
        )
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


#: The account the password form logs in to. Passwords are shared per role and the form asks for no name, so a
#: wrong password cannot be told apart by role: every wrong password counts against the one login.
PASSWORD_LOGIN = "password"


@dataclass
class LoginThrottle:
    """Wrong passwords make every later try wait, in every session of the process (reloads and new tabs included).

    The first ``free_failures`` wrong passwords cost nothing; after that each one doubles the wait before the next
    try is even checked (``base_delay``, then twice that, ...), up to ``max_delay``. The count is forgotten
    ``forget_after`` seconds after the last wrong password. A try during the wait is refused without being checked,
    so it costs the server no scrypt work and teaches the guesser nothing. There is no hard lock-out: the owner can
    always get in after at most ``max_delay``.

    Attributes
    ----------
    free_failures, base_delay, max_delay, forget_after:
        The schedule, in wrong passwords and seconds.
    clock:
        Returns the time in seconds (``time.monotonic``; a test passes its own).
    """

    free_failures: int = 3
    base_delay: float = 2.0
    max_delay: float = 60.0
    forget_after: float = 15 * 60.0
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, tuple[int, float]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _current(self, account: str, now: float) -> tuple[int, float]:
        count, last = self._failures.get(account, (0, now))
        if count and now - last > self.forget_after:
            self._failures.pop(account, None)
            return 0, now
        return count, last

    def _delay(self, count: int) -> float:
        if count <= self.free_failures:
            return 0.0
        return min(self.base_delay * 2 ** (count - self.free_failures - 1), self.max_delay)

    def wait_seconds(self, account: str = PASSWORD_LOGIN) -> float:
        """Return how many seconds remain before ``account`` may try a password again (0 when it may now)."""
        with self._lock:
            now = self.clock()
            count, last = self._current(account, now)
            return max(0.0, last + self._delay(count) - now) if count else 0.0

    def record_failure(self, account: str = PASSWORD_LOGIN) -> float:
        """Count a wrong password for ``account``; return the seconds until the next try is checked."""
        with self._lock:
            now = self.clock()
            count, _last = self._current(account, now)
            self._failures[account] = (count + 1, now)
            return self._delay(count + 1)

    def reset(self) -> None:
        """Forget every wrong password (a test's fresh start)."""
        with self._lock:
            self._failures.clear()


#: The process's one throttle: every session of a running app shares it.
LOGIN_THROTTLE = LoginThrottle()
