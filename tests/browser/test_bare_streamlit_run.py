"""A bare `streamlit run app.py` (the README's command, not `python -m grading serve`) on a database it cannot use
stops at once with one sentence on stderr, instead of serving a page that fails only in the browser; a second
server on the file a first one serves is refused that way even before anyone has opened the first, and never
says "You can now view your Streamlit app" first."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import shutil

import pytest

from grading.db.store import Store
from tests.browser.conftest import StreamlitServer
from tests.held_database import held_by_another_process

pytestmark = pytest.mark.browser  # it starts a Streamlit server

REPO = Path(__file__).resolve().parents[2]


def streamlit_run(db_path: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    """`streamlit run app.py` on ``db_path``, on a free port; the timeout only keeps a server that starts from
    hanging the test (it would then fail on its status)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {**os.environ, "CLIENTGRADE_DB": str(db_path), "CLIENTGRADE_MODELS": str(tmp_path / "models")}
    try:
        return subprocess.run(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)],
            cwd=REPO, env=environment, capture_output=True, text=True, timeout=120,
        )
    except subprocess.TimeoutExpired as expired:
        pytest.fail(f"the server kept running on a database it cannot use: {expired.stdout!r} {expired.stderr!r}")


def test_a_bare_streamlit_run_on_a_database_another_program_holds_exits_with_one_sentence(tmp_path):
    db_path = tmp_path / "held.duckdb"
    with Store(db_path):
        pass
    with held_by_another_process(db_path):
        result = streamlit_run(db_path, tmp_path)

    assert result.returncode == 1
    assert f"ClientGrade cannot start: The database file {db_path} is in use by another program" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bare_streamlit_run_with_clientgrade_db_in_a_missing_folder_exits_and_creates_nothing(tmp_path):
    db_path = tmp_path / "no-such-folder" / "portfolio.duckdb"
    result = streamlit_run(db_path, tmp_path)

    assert result.returncode == 1
    assert "does not exist" in result.stderr and "Traceback" not in result.stderr
    assert not db_path.parent.exists()


def test_a_second_server_on_the_file_of_a_first_nobody_has_opened_yet_is_refused_at_once(demo_database_template,
                                                                                       tmp_path):
    folder = tmp_path / "book"
    shutil.copytree(demo_database_template, folder)
    db_path = folder / "portfolio.duckdb"
    # The first server is healthy, and no browser session has opened it.
    first = StreamlitServer(folder, tmp_path / "first.log")
    try:
        second = streamlit_run(db_path, tmp_path)
        first_says = (tmp_path / "first.log").read_text()
        assert first.process.poll() is None, first_says
    finally:
        first.stop()

    assert second.returncode == 1
    assert f"ClientGrade cannot start: The database file {db_path} is in use by another program" in second.stderr
    assert "Traceback" not in second.stderr
    # The refused server never announced itself; the first one did, once it held the file.
    assert "You can now view" not in second.stdout + second.stderr
    assert "You can now view your Streamlit app in your browser" in first_says
