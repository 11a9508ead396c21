"""``python -m grading hash-password [--role viewer|editor] [--stdin]``: make a password hash for the app's login."""

from __future__ import annotations

import argparse
import getpass
import sys

from grading import access
from grading.errors import ClientGradeError


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the ``hash-password`` command's parser."""
    parser = subparsers.add_parser(
        "hash-password",
        parents=[common],
        help="make a salted hash of a viewer or editor password for the app's login",
        description="Ask for a password (twice) and print its salted scrypt hash, with the line to put in "
        ".streamlit/secrets.toml or the environment. The password itself is stored nowhere.",
    )
    parser.add_argument("--role", choices=access.ROLES, default=access.EDITOR, help="whose password (default editor)")
    parser.add_argument(
        "--stdin", action="store_true", help="read the password from the first line of stdin (for scripts)"
    )
    parser.set_defaults(run=run)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise ClientGradeError("The two passwords differ; nothing was made.")
    return first


def run(args: argparse.Namespace) -> int:
    """Print the hash and where to put it. Returns the exit status.

    Raises
    ------
    ClientGradeError
        The password is too short, or the two entries differ.
    """
    hashed = access.hash_password(_read_password(args.stdin))
    print(hashed)
    print(
        f"\nPut it in .streamlit/secrets.toml:\n  [{access.SECRETS_SECTION}]\n"
        f'  {access.PASSWORD_HASH_KEY[args.role]} = "{hashed}"\n'
        f"or in the environment:\n  {access.PASSWORD_HASH_ENV[args.role]}='{hashed}'",
        file=sys.stderr,
    )
    return 0
