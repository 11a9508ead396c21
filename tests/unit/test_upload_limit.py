"""The upload size the app promises is one its server accepts (issue 15, finding 7)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from grading.importer.limits import upload_limit_mb, upload_setting_problem
from grading.settings import setting

CONFIG = Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml"


def test_the_default_setting_and_the_shipped_server_limit_agree():
    server_mb = tomllib.loads(CONFIG.read_text(encoding="utf-8"))["server"]["maxUploadSize"]
    assert upload_limit_mb(setting("max_upload_mb").default, server_mb) == (setting("max_upload_mb").default, None)


def test_a_setting_above_the_server_limit_is_capped_and_said():
    limit, note = upload_limit_mb(100, 50)
    assert limit == 50
    assert "100 MB" in note and "50 MB" in note and "server.maxUploadSize" in note


def test_a_setting_below_the_server_limit_applies_as_is():
    assert upload_limit_mb(10, 50) == (10, None)


def test_the_app_refuses_to_save_a_setting_its_server_cannot_honour():
    assert upload_setting_problem(60, 50).startswith("max_upload_mb can be at most 50 MB in the app")
    assert upload_setting_problem(50, 50) is None
