"""Warming at server start grades the book once, and the first page uses that result instead of grading again."""

from __future__ import annotations

import logging
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

import grading.scoring.portfolio as scoring_portfolio
from ui import warmup

APP = Path(__file__).resolve().parents[2] / "app.py"


def test_the_first_matrix_page_after_warming_does_not_grade_the_book_again(demo_db, monkeypatch):
    st.cache_resource.clear()
    warmup.start_warming().join(timeout=300)
    graded = []
    original = scoring_portfolio.grade_portfolio

    def counting(*args, **kwargs):
        graded.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(scoring_portfolio, "grade_portfolio", counting)
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    at.switch_page("pages/portfolio_matrix.py").run()
    assert not at.exception, at.exception
    assert at.get("vega_lite_chart")
    assert graded == []


def test_a_failed_warm_up_is_logged_and_leaves_the_work_to_the_page(tmp_path, monkeypatch, caplog):
    st.cache_resource.clear()

    def broken(*_args, **_kwargs):
        raise RuntimeError("no book today")

    monkeypatch.setattr(warmup, "warm", broken)
    with caplog.at_level(logging.WARNING, logger="ui.warmup"):
        warmup.start_warming().join(timeout=60)
    assert "Warming the app at start failed" in caplog.text


def _made_on_demand(monkeypatch) -> list:
    """Record what the pages' kept values (ui.data) have to make because nobody made it before."""
    from ui import data

    made = []
    original = data._KeptValues.get

    def recording(self, key, compute):
        if not self._kept(key)[0]:
            made.append(key[4] if len(key) > 5 else key[4:])
        return original(self, key, compute)

    monkeypatch.setattr(data._KeptValues, "get", recording)
    return made


def test_warming_at_start_makes_everything_the_first_matrix_page_shows(demo_db, monkeypatch):
    st.cache_resource.clear()
    warmup.start_warming().join(timeout=300)
    made = _made_on_demand(monkeypatch)
    at = AppTest.from_file(str(APP.parent / "pages" / "portfolio_matrix.py"), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    assert at.get("vega_lite_chart")
    assert made == []


def test_without_warming_the_first_matrix_page_makes_its_values_itself(demo_db, monkeypatch):
    # The other side of the test above: the recording sees what a cold page makes, so an empty list there means
    # the warm-up made it, not that nothing was recorded.
    st.cache_resource.clear()
    made = _made_on_demand(monkeypatch)
    at = AppTest.from_file(str(APP.parent / "pages" / "portfolio_matrix.py"), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    names = {key[1] for key in made if isinstance(key, tuple) and len(key) == 2 and isinstance(key[1], str)}
    assert {"filter_grade_table", "_chart_spec", "page_with_names"} <= names, made


def test_a_bare_streamlit_run_warms_too_when_it_imports_app_py(demo_db, tmp_path):
    # `streamlit run app.py` (the README's command) imports app.py once at server start: that import holds the
    # book and starts the warm-up, without `python -m grading serve`. Run in its own process, as the server is.
    import os
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent("""
        import app  # what `streamlit run app.py` does at server start
        from ui import data, warmup
        from ui.resources import open_stores
        warmup.start_warming().join(timeout=300)
        kept = {key[4][1] for key in data._kept_values()._values if len(key) > 5 and isinstance(key[4], tuple)}
        print("open:", [path.name for path in open_stores()])
        print("kept:", sorted(kept))
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=APP.parent, capture_output=True, text=True,
                            timeout=600, env={**os.environ, "PYTHONPATH": str(APP.parent)})
    assert result.returncode == 0, result.stderr
    assert f"open: ['{demo_db.name}']" in result.stdout
    kept = result.stdout.split("kept:", 1)[1]
    for made in ("filter_grade_table", "_chart_spec", "page_with_names", "load_settings"):
        assert made in kept, result.stdout


def test_warming_pays_the_first_sessions_one_off_costs_at_start(tmp_path):
    # In its own process, as the server is: what the warm-up does to the interpreter (garbage collector, Streamlit's
    # REPL check) must not leak into the test run, and the collector is frozen only in a server.
    import os
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent("""
        import gc, sys
        from streamlit import delta_generator, runtime
        from ui import warmup
        runtime.exists = lambda: True  # as in the server, which has a Streamlit runtime
        before = gc.get_freeze_count()
        warmup.start_warming().join(timeout=300)
        print("frozen:", gc.get_freeze_count() > before + 10_000)
        print("repl check skipped:", delta_generator._use_warning_has_been_displayed)
        print("page modules:", all(name in sys.modules for name in warmup.FIRST_PAGES_MODULES))
    """)
    env = {**os.environ, "PYTHONPATH": str(APP.parent), "CLIENTGRADE_DB": str(tmp_path / "book.duckdb"),
           "CLIENTGRADE_MODELS": str(tmp_path / "models")}
    result = subprocess.run([sys.executable, "-c", script], cwd=APP.parent, capture_output=True, text=True,
                            timeout=600, env=env)
    assert result.returncode == 0, result.stderr
    assert "frozen: True" in result.stdout, result.stdout + result.stderr
    assert "repl check skipped: True" in result.stdout
    assert "page modules: True" in result.stdout
