"""The command line: ``python -m grading COMMAND [options]``.

Each command lives in its own module under :mod:`grading.commands` with two functions: ``register(subparsers,
common)`` adds its parser, and ``run(args)`` does the work and returns the exit status. This module only wires
them together and turns the project's errors into one line on stderr and a non-zero exit (no traceback).

Everything a command writes to stdout and stderr goes through :func:`grading.text_safety.terminal_safe`, so a
client's name holding terminal escape sequences is shown, not obeyed.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import sys
from collections.abc import Iterator, Sequence
from typing import TextIO

from grading.errors import ClientGradeError
from grading.text_safety import terminal_safe

COMMANDS = (
    "init", "import", "import_raw", "grade", "train", "simulate", "export", "backup", "restore", "hash_password",
    "demo_exports", "compare", "serve", "report",
)


def _common_options() -> argparse.ArgumentParser:
    """Options every command takes: where the database and the model files are."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="the DuckDB database file (default: $CLIENTGRADE_DB, else data/portfolio.duckdb)",
    )
    common.add_argument(
        "--models",
        metavar="DIR",
        default=argparse.SUPPRESS,
        help="the folder of saved models (default: the book's own, <name>.models/ beside --db; for the book "
        "ClientGrade opens first, $CLIENTGRADE_MODELS, else models/)",
    )
    return common


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """Return the argument parser, with one sub-parser per command (or for the command ``only`` alone).

    Each command's module is imported to add its parser, and some import a lot (the importer, the simulation):
    a command line that names its command builds that one alone, so ``grade`` never waits on the importer.
    """
    common = _common_options()
    parser = argparse.ArgumentParser(
        prog="python -m grading",
        description="ClientGrade: grade MSP clients A to D, lift them, and see what firing the rest would do.",
        parents=[common],
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS if only not in COMMANDS else (only,):
        module = importlib.import_module(f"grading.commands.{name}_command")
        module.register(subparsers, common)
    return parser


def _named_command(argv: Sequence[str]) -> str | None:
    """The command ``argv`` names (its first word that is not an option or an option's value), if a known one."""
    words = iter(argv)
    for word in words:
        if word in ("--db", "--models"):
            next(words, None)
        elif not word.startswith("-"):
            # A command's name on the command line may spell its module's underscore as a hyphen.
            name = word.replace("-", "_")
            return name if name in COMMANDS else None
    return None


class _SafeBytes(io.RawIOBase):
    """The byte side of :class:`_SafeText`: UTF-8 bytes written are made terminal-safe the same way.

    They go on to the target's own byte stream when it has one (as bytes, whatever the terminal's encoding), else
    to the target as text.
    """

    def __init__(self, target: TextIO):
        super().__init__()
        self._target = target

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # noqa: ANN001 - any bytes-like object, as io.RawIOBase.write takes
        text = terminal_safe(bytes(data).decode("utf-8", errors="replace"))
        raw = getattr(self._target, "buffer", None)
        if raw is None:
            self._target.write(text)
        else:
            self._target.flush()
            raw.write(text.encode("utf-8"))
        return len(data)

    def flush(self) -> None:
        raw = getattr(self._target, "buffer", None)
        (raw if raw is not None else self._target).flush()


class _SafeText(io.TextIOBase):
    """A text stream that writes through :func:`terminal_safe` to another (stdout or stderr)."""

    def __init__(self, target: TextIO):
        super().__init__()
        self._target = target
        self.buffer = _SafeBytes(target)

    @property
    def encoding(self) -> str:
        return getattr(self._target, "encoding", None) or "utf-8"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self._target.isatty()

    def write(self, text: str) -> int:
        self._target.write(terminal_safe(text))
        return len(text)

    def flush(self) -> None:
        self._target.flush()


@contextlib.contextmanager
def _terminal_safe_output() -> Iterator[None]:
    """Route stdout and stderr through :func:`terminal_safe` while a command runs."""
    stdout, stderr = sys.stdout, sys.stderr
    with contextlib.redirect_stdout(_SafeText(stdout)), contextlib.redirect_stderr(_SafeText(stderr)):
        try:
            yield
        finally:
            stdout.flush()
            stderr.flush()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit status.

    Control characters in anything written (a client's name in an error line, a grade table on stdout) are shown
    as visible escapes (:func:`grading.text_safety.terminal_safe`).
    """
    with _terminal_safe_output():
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_named_command(argv))
    args = parser.parse_args(argv)
    args.db = getattr(args, "db", None)
    args.models = getattr(args, "models", None)
    try:
        return int(args.run(args) or 0)
    except ClientGradeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted; nothing more was written.", file=sys.stderr)
        return 130
    except OSError as error:
        print(f"error: {error.strerror or error} ({error.filename or ''})".rstrip(" ()"), file=sys.stderr)
        return 1
