"""Training with cross-validation on 500 and 5,000 grade events, against a bare scikit-learn cross-validation.

The figure is the whole of ``train_if_possible``: point-in-time features for every event, the repeated grouped
cross-validation of every candidate, the final fit and saving the model. The floor is the least a trainer could
do with the same rows: five-fold cross-validation of one scikit-learn logistic regression (after median
imputation and scaling) on the same model inputs, features already in hand.
"""

from __future__ import annotations

import shutil
from collections import Counter

from benchmarks.config import Config
from benchmarks.measure import time_median
from benchmarks.report import Row, Target
from benchmarks.scale import prepare_training_book, training_available
from grading.db.store import Store

GROUP = "Training"
TARGET_EVENTS = 5_000
TARGET = Target(max_value=30.0)


def _bare_cross_validation(inputs, grades) -> None:
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    # Stratified folds need every grade at least once per fold; tiny smoke-test sets have fewer than five.
    folds = min(5, min(Counter(grades).values()))
    cross_val_score(
        make_pipeline(
            SimpleImputer(strategy="median", keep_empty_features=True), StandardScaler(), LogisticRegression(max_iter=1000)
        ),
        inputs,
        grades,
        cv=max(2, folds),
    )


def run(config: Config) -> None:
    """Time training and the bare cross-validation for each event count; emit one row each."""
    if not training_available():
        config.say("training: grading.model.training is not there yet; skipped")
        for events in config.training_events:
            config.emit(
                Row(GROUP, "train_if_possible (not available yet)", f"{events:,} grade events", float("nan"),
                    repeats=0, target=TARGET if events == TARGET_EVENTS else None,
                    note="grading.model.training does not exist yet, so nothing was timed")
            )
        return
    from grading.model.dataset import build_training_set
    from grading.model.training import train_if_possible
    from grading.settings import load_settings

    for events in config.training_events:
        book = prepare_training_book(events, cache=config.cache, progress=config.say)
        scratch = config.scratch / f"training-{events}"
        repeats, warmup = config.repeats()
        # Training takes seconds to tens of seconds; three runs give a median without doubling the run's length.
        repeats = min(repeats, 3)
        warmup = 0
        config.say(f"training on {events:,} grade events, {repeats} runs")

        def fresh_store() -> Store:
            shutil.rmtree(scratch, ignore_errors=True)
            scratch.mkdir(parents=True)
            target = scratch / "portfolio.duckdb"
            shutil.copyfile(book.database, target)
            return Store(target)

        trained = time_median(
            lambda store: train_if_possible(store, scratch / "models"),
            repeats=repeats,
            warmup=warmup,
            setup=fresh_store,
            teardown=lambda store: store.close(),
        )
        with Store(book.database) as store:
            training_set = build_training_set(store, load_settings(store))
        floor = time_median(
            lambda _: _bare_cross_validation(training_set.inputs, training_set.grades), repeats=repeats, warmup=1
        )
        config.emit(
            Row(
                GROUP,
                "train_if_possible (features, repeated cross-validation of every candidate, fit, save)",
                f"{training_set.n_labels:,} grade events",
                trained.median,
                repeats=trained.repeats,
                floor_what="scikit-learn 5-fold CV of one logistic regression, bare",
                floor_value=floor.median,
                target=TARGET if events == TARGET_EVENTS else None,
            )
        )
        shutil.rmtree(scratch, ignore_errors=True)
