"""A refused model is said on every page, from the next rerun on (issue 15, finding 3, the app's side)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from grading import access

APP = Path(__file__).resolve().parents[2] / "app.py"
PAGES = [
    "pages/overview.py", "pages/portfolio_matrix.py", "pages/suggested_vs_manual.py", "pages/revenue_vs_time.py",
    "pages/churn_impact.py", "pages/live_review.py", "pages/data_settings.py",
]


@pytest.fixture(autouse=True)
def open_mode(monkeypatch):
    for variable in access.PASSWORD_HASH_ENV.values():
        monkeypatch.delenv(variable, raising=False)


def _flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def banners(at: AppTest) -> list[str]:
    return [warning.value for warning in at.warning if "model file" in warning.value]


def test_a_model_file_changed_on_disk_is_said_on_every_page_at_the_next_rerun(demo_db):
    model_file = next((demo_db.parent / "models").glob("*.skops"))
    at = AppTest.from_file(str(APP), default_timeout=300)
    at.run()
    assert not at.exception and banners(at) == []

    _flip_a_byte(model_file)
    at.run()  # no write happened: only the file on disk changed
    assert not at.exception, [item.value for item in at.exception]
    shown = banners(at)
    assert len(shown) == 1
    # The banner is escaped Markdown: compare what the owner reads.
    readable = shown[0].replace("\\", "").replace("\u2060", "")
    assert model_file.name in readable and "grades come from the rules" in readable

    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, (page, [item.value for item in at.exception])
        assert len(banners(at)) == 1, f"no banner on {page}"


def test_a_deleted_model_file_is_said_too(demo_db):
    model_file = next((demo_db.parent / "models").glob("*.skops"))
    at = AppTest.from_file(str(APP), default_timeout=300)
    at.run()
    model_file.unlink()
    at.run()
    assert any("is missing" in banner for banner in banners(at))
