"""``python -m grading demo-exports --out DIR``: the demo book as the raw files a PSA and the books export."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path

from grading.demo import DEFAULT_SEED, generate_demo
from grading.demo.raw_book import DEMO_TIMEZONE, NOT_ROUND_TRIPPED, draw_raw_book
from grading.demo.raw_exports import import_commands, write_demo_exports
from grading.errors import ClientGradeError


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the ``demo-exports`` command's parser."""
    parser = subparsers.add_parser(
        "demo-exports",
        parents=[common],
        help="write the demo book as ConnectWise, QuickBooks and Autotask export files, to try import-raw on",
        description="Write the demo book (the same clients and months as `init --demo` with the same seed) as raw "
        "exports: a ConnectWise PSA + QuickBooks Online set and a Datto Autotask set, each in its own folder "
        "under DIR, and print the import-raw command for each. Existing files of the same names are replaced.",
    )
    parser.add_argument("--out", metavar="DIR", required=True, help="folder to write to (created if missing)")
    parser.add_argument("--clients", type=int, default=60, metavar="N", help="how many demo clients (default 60)")
    parser.add_argument(
        "--seed", type=int, default=None, metavar="N", help=f"the generator's seed (default {DEFAULT_SEED})"
    )
    parser.add_argument(
        "--end-month",
        metavar="YYYY-MM",
        default=None,
        help="the last month of the book (default: the last complete month)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Write both sets; print the files and the commands that import them. Returns the exit status.

    Raises
    ------
    ClientGradeError
        ``--clients``, ``--seed`` or ``--end-month`` is not a valid value.
    """
    if args.clients < 1:
        raise ClientGradeError("--clients needs at least 1 client.")
    portfolio = generate_demo(args.clients, seed=args.seed, end_month=args.end_month)
    book = draw_raw_book(portfolio)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise ClientGradeError(f"{out} is a file, not a folder; give a folder for --out.")
    written = write_demo_exports(book, out)
    print(
        f"The demo book ({len(portfolio.clients)} clients, {portfolio.monthly['month'].min():%Y-%m} to "
        f"{portfolio.end_month:%Y-%m}, seed {portfolio.seed}) as raw exports in {out}:"
    )
    for name, command in import_commands(written, DEMO_TIMEZONE).items():
        files = sum(len(paths) for paths in written[name].files.values())
        print(f"\n{name}/ ({files} files); import it with:\n  {shlex.join(command)}")
    print("\nWhat these files cannot carry back exactly:")
    for metric, why in NOT_ROUND_TRIPPED.items():
        print(f"  - {metric}: {why}")
    return 0
