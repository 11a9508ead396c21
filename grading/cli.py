"""The command line: ``python -m grading COMMAND [options]``.

Each command lives in its own module under :mod:`grading.commands` with two functions: ``register(subparsers,
common)`` adds its parser, and ``run(args)`` does the work and returns the exit status. This module only wires
them together and turns the project's errors into one line on stderr and a non-zero exit (no traceback).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from grading.errors import ClientGradeError

COMMANDS = ("init", "import", "grade", "train", "simulate", "export", "backup", "restore", "hash_password")


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
        help="the folder of saved models (default: $CLIENTGRADE_MODELS, else models/)",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    """Return the full argument parser, with one sub-parser per command."""
    common = _common_options()
    parser = argparse.ArgumentParser(
        prog="python -m grading",
        description="ClientGrade: grade MSP clients A to D, lift them, and see what firing the rest would do.",
        parents=[common],
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        module = importlib.import_module(f"grading.commands.{name}_command")
        module.register(subparsers, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    parser = build_parser()
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
