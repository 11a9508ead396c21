"""``python -m grading init [--demo]``: create the database (and fill it with the demo portfolio)."""

from __future__ import annotations

import argparse

from grading import books
from grading.db import bootstrap, paths
from grading.errors import ClientGradeError
from grading.db.store import Store


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the ``init`` command's parser."""
    parser = subparsers.add_parser(
        "init",
        parents=[common],
        help="create the database; with --demo, fill it with the demo portfolio",
        description="Create the database file with the current schema (or bring an existing one up to date). "
        "With --demo, fill it with a realistic demo portfolio and train a first model on its manual grades.",
    )
    parser.add_argument("--demo", action="store_true", help="fill the new database with the demo portfolio")
    parser.add_argument(
        "--clients", type=int, default=60, metavar="N", help="with --demo: how many demo clients (default 60)"
    )
    parser.add_argument("--seed", type=int, default=None, metavar="N", help="with --demo: the generator's seed")
    parser.add_argument("--no-train", action="store_true", help="with --demo: do not train a first model")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Create or migrate the database; with ``--demo``, fill it. Returns the exit status."""
    db_path = paths.database_path(args.db)
    with Store(db_path) as store:
        if args.demo:
            if not bootstrap.is_empty(store):
                raise ClientGradeError(
                    f"{db_path} already holds clients; the demo portfolio goes only into an empty database. "
                    "Use another --db, or delete the file to start over."
                )
            if args.clients < 1:
                raise ClientGradeError("--clients needs at least 1 client.")
            bootstrap.fill_with_demo(
                store,
                books.models_dir_for(db_path, args.models),
                n_clients=args.clients,
                seed=args.seed,
                train=not args.no_train,
                progress=lambda step: print(f"{step}...", flush=True),
            )
        clients = store.scalar("SELECT count(*) FROM clients")
    print(f"Database ready: {db_path} ({clients} clients).")
    return 0
