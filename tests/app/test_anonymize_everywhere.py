"""Anonymize names hides names and ids on every page: tables, chart data, widget keys, texts (AppTest)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from grading.db.store import Store
from tests.app.page_bytes import page_bytes

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGES = ["pages/overview.py", "pages/portfolio_matrix.py", "pages/suggested_vs_manual.py",
         "pages/revenue_vs_time.py", "pages/churn_impact.py", "pages/live_review.py", "pages/data_settings.py"]


@pytest.mark.parametrize("page", PAGES, ids=[Path(page).stem for page in PAGES])
def test_no_client_name_or_id_leaves_the_server_while_anonymizing(demo_db, page):
    with Store(demo_db) as store:
        clients = store.query("SELECT client_id, name FROM clients")
    at = AppTest.from_file(APP, default_timeout=300)
    at.session_state["keep_anonymize"] = True
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception

    sent = page_bytes(at).decode("utf-8", errors="replace") + " ".join(frame.value.to_csv() for frame in at.dataframe)
    leaked_ids = [cid for cid in clients["client_id"] if re.search(rf"(?<![A-Za-z0-9]){cid}(?![0-9])", sent)]
    leaked_names = [name for name in clients["name"] if name in sent]
    assert leaked_ids == [] and leaked_names == []
    assert "Client 0" in sent or page.endswith(("data_settings.py", "live_review.py", "overview.py"))
