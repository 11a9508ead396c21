"""``python -m grading train``: train the suggestion model on the manual grade history and print its metrics."""

from __future__ import annotations

import argparse
import json
import sys

from grading import books
from grading.db import paths
from grading.db.store import Store


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the ``train`` command's parser."""
    parser = subparsers.add_parser(
        "train",
        parents=[common],
        help="train the suggestion model on the manual grades and print its metrics as JSON",
        description="Train the model that suggests grades on the manual grade history (each grade with the "
        "client's figures as of its date), compare it by grouped cross-validation with the rule grade and a "
        "dummy baseline, save it in the models folder and make it active. Prints the metrics as JSON; exits "
        "with status 1 when there are not yet enough manual grades.",
    )
    parser.add_argument(
        "--seed", type=int, default=0, metavar="N", help="seed of the cross-validation folds (default 0)"
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=None,
        metavar="N",
        help="cross-validation repeats (default 5 up to 1,000 grades, else 3)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Train and print the outcome as JSON; return 0, or 1 on a cold start (the reason goes to stderr)."""
    from grading.errors import ClientGradeError
    from grading.model.training import train_if_possible

    if args.repeats is not None and args.repeats < 1:
        raise ClientGradeError("--repeats needs at least 1.")
    db_path = paths.database_path(args.db)
    with Store(db_path) as store:
        outcome = train_if_possible(
            store, books.models_dir_for(db_path, args.models), n_repeats=args.repeats, seed=args.seed
        )
    print(json.dumps(outcome.summary(), indent=2))
    if not outcome.trained:
        print(f"error: {outcome.message}", file=sys.stderr)
        return 1
    return 0
