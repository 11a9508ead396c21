"""``python -m grading simulate``: what firing, lifting or repricing clients would do, as JSON or text."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import Any

from grading.commands.json_text import dumps_indented
from grading.db import paths
from grading.errors import ClientGradeError
from grading.simulation.defaults import CHURN_DEFAULTS
from grading.simulation.scenario import (
    MAX_HORIZON_MONTHS,
    MIN_HORIZON_MONTHS,
    ManagedMove,
    Range,
    Redeployment,
    Repricing,
    Scenario,
    ScenarioError,
)
from grading.vocabulary import GRADES, GRADE_SOURCES


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the ``simulate`` command's parser."""
    parser = subparsers.add_parser(
        "simulate",
        parents=[common],
        help="what firing, lifting or repricing clients does to revenue, gross profit and hours",
        description="Simulate a churn scenario on the graded portfolio: fire clients by grade or by id, redeploy "
        "the freed hours, raise prices or move break/fix clients to managed services. Prints the static impact "
        "(before and after over the scoring window), and with --timeline the month-by-month series; with --draws, "
        "P10/P50/P90 bands where an input is a range LOW:HIGH.",
    )
    parser.add_argument("--as-of", type=date.fromisoformat, metavar="DATE", help="grade as of this date (YYYY-MM-DD)")
    parser.add_argument(
        "--fire-grade", action="extend", nargs="+", default=[], metavar="G", type=_grade, help="fire clients of grade G"
    )
    parser.add_argument(
        "--fire", action="extend", nargs="+", default=[], metavar="CLIENT_ID", help="fire this client by id"
    )
    parser.add_argument(
        "--grade-source",
        choices=GRADE_SOURCES,
        default=CHURN_DEFAULTS.grade_source,
        help=f"which grade decides (default: {CHURN_DEFAULTS.grade_source})",
    )
    parser.add_argument("--format", choices=("json", "text"), default="json", help="output format (default: json)")
    parser.add_argument(
        "--redeploy-share",
        type=_number_or_range,
        default=CHURN_DEFAULTS.redeployment().share,
        metavar="X",
        help="fraction of freed hours resold (put back to paid work), 0-1, or a range LOW:HIGH (default "
        f"{CHURN_DEFAULTS.redeployment().share:g}: nothing resold, as the Churn impact page opens)",
    )
    parser.add_argument(
        "--redeploy-rate",
        type=float,
        default=CHURN_DEFAULTS.redeploy_rate,
        metavar="R",
        help="revenue per resold hour (default: the A clients' effective hourly rate)",
    )
    parser.add_argument(
        "--labor-cost-goes",
        action="store_true",
        default=CHURN_DEFAULTS.labor_cost_goes,
        help="the labor cost of the freed hours not resold goes too (someone is let go); by default those hours "
        "are your time, still paid for, and save no cost",
    )
    parser.add_argument(
        "--ramp-months",
        type=_number_or_range,
        default=CHURN_DEFAULTS.redeployment().ramp_months,
        metavar="N",
        help="months until freed hours are fully resold, or a range LOW:HIGH "
        f"(default {CHURN_DEFAULTS.redeployment().ramp_months:g})",
    )
    parser.add_argument(
        "--price-increase",
        action="extend",
        nargs="+",
        default=[],
        type=_grade_value,
        metavar="G=PCT",
        help="raise prices of grade G by PCT percent, e.g. D=25",
    )
    parser.add_argument(
        "--leave-chance",
        action="extend",
        nargs="+",
        default=[],
        type=_grade_value,
        metavar="G=PCT",
        help="chance in percent that a repriced client of grade G leaves instead, or a range, e.g. D=20:40",
    )
    parser.add_argument(
        "--move-to-managed",
        type=float,
        default=None,
        metavar="PRICE",
        help="move break/fix clients to managed services at PRICE per seat and month",
    )
    parser.add_argument(
        "--pace",
        type=int,
        default=CHURN_DEFAULTS.pace,
        metavar="N",
        help="give notice to N clients a month, worst first (default: all at once)",
    )
    parser.add_argument("--notice-months", type=int, default=CHURN_DEFAULTS.notice_months, metavar="N",
                        help=f"months of notice (default {CHURN_DEFAULTS.notice_months})")
    parser.add_argument(
        "--months",
        type=int,
        default=CHURN_DEFAULTS.horizon_months,
        metavar="H",
        help=f"timeline horizon, {MIN_HORIZON_MONTHS}-{MAX_HORIZON_MONTHS} months "
        f"(default {CHURN_DEFAULTS.horizon_months})",
    )
    parser.add_argument(
        "--start-month",
        type=str,
        default=None,
        metavar="YYYY-MM",
        help="calendar month of month 1 (default: the month of --as-of, else this month)",
    )
    parser.add_argument("--timeline", action="store_true", help="add the month-by-month series")
    parser.add_argument("--draws", type=int, default=None, metavar="N", help="Monte Carlo draws for P10/P50/P90 bands")
    parser.add_argument("--seed", type=int, default=None, metavar="S", help="seed of the Monte Carlo draws")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Build the scenario, grade the portfolio, simulate and print the result. Returns the exit status.

    Raises
    ------
    ClientGradeError
        The scenario is invalid (e.g. an unknown client id or a share outside 0-1), or there is no database.
    """
    scenario = scenario_from_args(args)
    if args.draws is not None and args.draws < 1:
        raise ScenarioError(f"--draws needs at least 1 draw; got {args.draws}.")
    db_path = paths.database_path(args.db)
    if str(db_path) != ":memory:" and not db_path.exists():
        raise ClientGradeError(f"There is no database at {db_path}; create one with `python -m grading init`.")

    from grading import books
    from grading.commands.model_notice import warn_if_model_refused
    from grading.scoring.portfolio import grade_portfolio
    from grading.settings import load_settings
    from grading.simulation import simulate_bands, simulate_timeline
    from grading.simulation.static import records
    from grading.simulation.story import churn_story
    from grading.db.store import Store

    with Store(db_path) as store:
        settings = load_settings(store)
        # The simulation reads figures and grades only: no reason texts.
        models_dir = books.models_dir_for(db_path, args.models)
        portfolio = grade_portfolio(store, args.as_of, models_dir=models_dir, settings=settings, explain=False)
        state = warn_if_model_refused(store, models_dir)
    if args.grade_source == "suggested" and portfolio["suggested_grade"].isna().all() and len(portfolio):
        # Without suggestions no client has a suggested grade, and the simulation would report that firing
        # changes nothing.
        reason = state.message if state.status != "active" else "the model suggested no grade for any client."
        raise ClientGradeError(
            f"--grade-source suggested needs the model's suggested grades, and there are none: {reason} "
            "Simulate on --grade-source effective (which falls back to the rule grade) or rule instead."
        )
    if "months_in_window" not in portfolio.columns:
        # The portfolio's amounts are totals over the scoring window, the same length for every client.
        portfolio = portfolio.assign(months_in_window=int(settings["scoring_window_months"]))
    rate = settings["labor_cost_rate"]
    currency = settings.get("currency", "")
    story = churn_story(portfolio, scenario, labor_cost_rate=rate,
                        window_months=int(settings["scoring_window_months"]), currency=currency)
    impact = story.scenario
    result: dict[str, Any] = {
        "as_of": args.as_of.isoformat() if args.as_of else None,
        **impact.to_dict(),
        "story": story.sentence,
        "break_even_hours_per_month": story.break_even.hours_per_month,
        "break_even_rate": story.break_even.rate,
        "freed_hours_per_month": story.break_even.freed_hours_per_month,
    }
    timeline = bands = None
    if args.timeline:
        timeline = simulate_timeline(portfolio, scenario, labor_cost_rate=rate)
        result["timeline"] = records(timeline)
    if args.draws is not None:
        bands = simulate_bands(portfolio, scenario, draws=args.draws, rng=args.seed, labor_cost_rate=rate)
        result["bands"] = records(bands)
        result["draws"] = args.draws
        result["seed"] = args.seed

    if args.format == "json":
        # One string, written once: json.dump writes every token separately (a million writes for a big book).
        # dumps_indented is json.dumps(result, indent=2, allow_nan=False) made in C for the long lists.
        # The text and its line end are written one after the other: added together, the text (over 100 MB for a
        # million clients) would be copied once more.
        sys.stdout.write(dumps_indented(result, 2))
        sys.stdout.write("\n")
    else:
        sys.stdout.write(story.sentence + "\n\n" + _as_text(impact, timeline, bands, currency))
    return 0


def scenario_from_args(args: argparse.Namespace) -> Scenario:
    """Return the :class:`Scenario` the command-line options describe (percentages become fractions).

    Raises
    ------
    ScenarioError
        An option is out of range or a grade is given twice.
    """
    repricing = None
    if args.price_increase or args.leave_chance:
        increases = _unique(args.price_increase, "--price-increase")
        chances = _unique(args.leave_chance, "--leave-chance")
        repricing = Repricing(
            price_increase={grade: _fraction(value) for grade, value in increases},
            leave_probability={grade: _fraction(value) for grade, value in chances},
        )
    # The scoring window ends with the month before the as-of date's, so the timeline starts in that month.
    start = args.start_month or (args.as_of or date.today()).strftime("%Y-%m")
    return Scenario(
        fire_grades=tuple(args.fire_grade),
        fire_clients=tuple(args.fire),
        grade_source=args.grade_source,
        redeployment=Redeployment(share=args.redeploy_share, rate=args.redeploy_rate, ramp_months=args.ramp_months,
                                  labor_cost_goes=bool(args.labor_cost_goes)),
        repricing=repricing,
        managed_move=None if args.move_to_managed is None else ManagedMove(args.move_to_managed),
        pace=args.pace,
        notice_months=args.notice_months,
        horizon_months=args.months,
        start_month=start,
    )


def _grade(text: str) -> str:
    grade = text.strip().upper()
    if grade not in GRADES:
        raise argparse.ArgumentTypeError(f"a grade is A, B, C or D; got '{text}'")
    return grade


def _number_or_range(text: str) -> float | Range:
    low, sep, high = text.partition(":")
    try:
        if not sep:
            return float(low)
        return Range(float(low), float(high))
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"expected a number or LOW:HIGH; got '{text}'") from error
    except ScenarioError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def _grade_value(text: str) -> tuple[str, float | Range]:
    grade, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected G=PCT, e.g. D=25; got '{text}'")
    return _grade(grade), _number_or_range(value)


def _fraction(percent: float | Range) -> float | Range:
    if isinstance(percent, Range):
        return Range(percent.low / 100, percent.high / 100)
    return percent / 100


def _unique(pairs: list[tuple[str, Any]], option: str) -> list[tuple[str, Any]]:
    grades = [grade for grade, _ in pairs]
    repeated = sorted({grade for grade in grades if grades.count(grade) > 1})
    if repeated:
        raise ScenarioError(f"{option} gives grade {', '.join(repeated)} more than once.")
    return pairs


def _as_text(impact, timeline, bands, currency: str) -> str:
    """A plain report for a terminal: gross profit first, then the rest, the fired clients and the freed time."""
    lines = [f"{'':24}{'before':>14}{'after':>14}{'change %':>10}"]
    for metric, row in impact.metrics.iterrows():
        pct = "" if row["change_pct"] != row["change_pct"] else f"{row['change_pct']:+.1f}"
        lines.append(f"{metric:24}{_figure(row['before']):>14}{_figure(row['after']):>14}{pct:>10}")
    fired = impact.clients_fired
    lines.append("")
    lines.append(f"Clients fired ({len(fired)}, worst first): {', '.join(fired) if fired else 'none'}")
    lines.append(
        f"Hours freed {impact.hours_freed:,.1f}; redeployed {impact.hours_redeployed:,.1f} earning "
        f"{impact.redeployed_revenue:,.2f} {currency}; back for the owner {impact.hours_back:,.1f}"
        + (" (their labor cost goes)." if impact.labor_cost_goes else " (still paid for: your time, no saving).")
    )
    if timeline is not None:
        lines += ["", timeline.to_string(index=False, float_format=lambda value: f"{value:,.2f}")]
    if bands is not None:
        lines += ["", bands.to_string(index=False, float_format=lambda value: f"{value:,.2f}")]
    return "\n".join(lines) + "\n"


def _figure(value: float) -> str:
    return "n/a" if value != value else f"{value:,.2f}"
