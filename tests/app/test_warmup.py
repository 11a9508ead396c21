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
