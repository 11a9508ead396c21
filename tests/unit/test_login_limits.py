"""Password hashes with a cost outside sane bounds, and wrong passwords counted for the whole process (issue 15,
findings 8 and 10)."""

from __future__ import annotations

import base64

import pytest

from grading import access

SALT = base64.b64encode(b"0123456789abcdef").decode()
KEY = base64.b64encode(b"k" * 32).decode()


@pytest.mark.parametrize(
    ("n", "r", "p"),
    [(2**20, 8, 1), (2**17, 8, 1), (2**14, 64, 1), (2**10, 8, 1), (2**14, 1, 1), (2**14, 8, 16)],
    ids=["1 GB per try (the probe's hash)", "128 MB", "r too high", "too cheap", "r too low", "p too high"],
)
def test_a_hash_asking_for_a_cost_out_of_bounds_is_refused_at_start_with_one_sentence(n, r, p):
    hashed = f"scrypt${n}${r}${p}${SALT}${KEY}"
    with pytest.raises(access.AccessConfigError) as refused:
        access.load_access_config({access.PASSWORD_HASH_ENV["editor"]: hashed})
    message = str(refused.value)
    assert access.PASSWORD_HASH_ENV["editor"] in message and "cost" in message and f"n={n}" in message
    assert message.count(". ") == 0 and message.endswith("."), "one sentence"


@pytest.mark.parametrize(("n", "r", "p"), [(2**14, 8, 1), (2**15, 8, 2), (2**16, 8, 1), (2**15, 16, 1)])
def test_costs_within_the_bounds_are_accepted(n, r, p):
    hashed = f"scrypt${n}${r}${p}${SALT}${KEY}"
    assert access.load_access_config({access.PASSWORD_HASH_ENV["viewer"]: hashed}).roles_with_password == ("viewer",)


def test_a_hash_made_by_hash_password_is_within_the_bounds():
    config = access.load_access_config({access.PASSWORD_HASH_ENV["viewer"]: access.hash_password("long enough")})
    assert access.role_for_password("long enough", config) == "viewer"


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_wrong_passwords_past_the_free_ones_double_the_wait_up_to_the_cap():
    clock = Clock()
    throttle = access.LoginThrottle(free_failures=3, base_delay=2.0, max_delay=30.0, clock=clock)
    waits = []
    for _ in range(8):
        waits.append(throttle.record_failure())
        assert throttle.wait_seconds() == waits[-1]
        clock.now += waits[-1]
    assert waits == [0, 0, 0, 2, 4, 8, 16, 30]


def test_the_wait_runs_down_and_the_count_is_forgotten_after_a_quiet_spell():
    clock = Clock()
    throttle = access.LoginThrottle(free_failures=0, base_delay=10.0, forget_after=600.0, clock=clock)
    throttle.record_failure()
    clock.now += 4
    assert throttle.wait_seconds() == pytest.approx(6)
    clock.now += 601
    assert throttle.wait_seconds() == 0
    assert throttle.record_failure() == 10.0, "counting starts again from one"
