"""The settings registry: defaults, validation, storage, and documentation in the README."""

from __future__ import annotations

from pathlib import Path

import pytest

from grading import settings
from grading.errors import SettingError

README = Path(__file__).resolve().parents[2] / "README.md"


def test_defaults_apply_until_the_owner_changes_a_setting(store):
    assert settings.load_settings(store)["labor_cost_rate"] == 45.0
    settings.save_settings(store, {"labor_cost_rate": "52.5"})
    assert settings.load_settings(store)["labor_cost_rate"] == 52.5
    settings.reset_settings(store, ["labor_cost_rate"])
    assert settings.load_settings(store)["labor_cost_rate"] == 45.0


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("labor_cost_rate", -1, "at least"),
        ("labor_cost_rate", "abc", "needs a float"),
        ("labor_cost_rate", float("nan"), "needs a float"),
        ("currency", "XYZ", "must be one of"),
        ("scoring_window_months", 2.5, "needs a int"),
        ("no_such_setting", 1, "no setting called"),
    ],
)
def test_a_bad_setting_is_refused_and_nothing_is_stored(store, name, value, message):
    before = settings.load_settings(store)
    with pytest.raises(SettingError, match=message):
        settings.save_settings(store, {"currency": "USD", name: value})
    assert settings.load_settings(store) == before


def test_every_setting_has_help_and_is_documented_in_the_readme():
    readme = README.read_text(encoding="utf-8")
    for item in settings.SETTINGS:
        assert item.help.strip(), item.name
        assert f"`{item.name}`" in readme, f"README does not document setting {item.name}"
