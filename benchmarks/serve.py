"""A ``streamlit run`` server for the browser benchmarks, and headless Chromium launched the project's way."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from benchmarks.scale import REPO

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """``python -m streamlit run SCRIPT`` on 127.0.0.1 and a free port, until :meth:`stop`.

    Parameters
    ----------
    script:
        The app's main script.
    log_path:
        Where the server's output goes.
    env:
        Extra environment variables (the database and model folder).
    warmed:
        Serve through ``ui/serve.py``, as ``python -m grading serve`` (and ``scripts/run``) does: ``streamlit run``
        with the app warming itself in a background thread from the start (:mod:`ui.warmup`).
    """

    def __init__(self, script: Path, log_path: Path, env: dict[str, str] | None = None, *, warmed: bool = False):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log_path = log_path
        self._log = open(log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                *([sys.executable, str(REPO / "ui" / "serve.py")] if warmed else [sys.executable, "-m", "streamlit",
                                                                                  "run"]),
                str(script),
                "--server.port", str(self.port), "--server.address", "127.0.0.1",
                "--server.headless", "true", "--browser.gatherUsageStats", "false",
                "--server.fileWatcherType", "none",
            ],
            cwd=REPO,
            env={**os.environ, **(env or {})},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._wait_until_healthy()

    def _wait_until_healthy(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited early:\n{self._log_path.read_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as reply:
                    if reply.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"streamlit did not become healthy in {timeout:.0f}s:\n{self._log_path.read_text()}")

    def stop(self) -> None:
        """Stop the server (terminate, then kill after 10 s) and close its log."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def launch_chromium(playwright):
    """Launch Debian's headless Chromium through Playwright with the project's flags."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
