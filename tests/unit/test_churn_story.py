"""The churn story: the plain story beside the owner's scenario, the break-even, the sentence, the shared defaults."""

from __future__ import annotations

import pandas as pd
import pytest

from grading.commands.simulate_command import scenario_from_args
from grading.cli import build_parser
from grading.simulation import Range, Redeployment, Repricing, Scenario, simulate_impact
from grading.simulation.defaults import CHURN_DEFAULTS
from grading.simulation.story import churn_story, plain_scenario


def book(rows, months: int = 12) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["client_id", "effective_grade", "revenue", "direct_costs", "labor_hours"])
    frame["name"] = "Client " + frame["client_id"]
    frame["months_in_window"] = months
    return frame


# Over 12 months: the D client brings 24,000 of revenue and 2,400 of direct costs over 600 hours.
BOOK = book([("a1", "A", 120_000.0, 12_000.0, 1_200.0), ("b1", "B", 36_000.0, 0.0, 400.0),
             ("d1", "D", 24_000.0, 2_400.0, 600.0)])


def test_the_plain_story_fires_the_same_clients_and_resells_nothing():
    owners = Scenario(fire_grades=("D",), redeployment=Redeployment(share=Range(0.3, 0.6)),
                      repricing=Repricing(price_increase={"C": 0.1}))

    plain = plain_scenario(owners)

    assert plain.fire_grades == ("D",)
    assert plain.redeployment.share == 0.0
    assert plain.repricing is None and plain.managed_move is None


def test_the_break_even_is_the_resold_hours_a_month_at_which_gross_profit_is_unchanged():
    story = churn_story(BOOK, Scenario(fire_grades=("D",)), labor_cost_rate=45.0)
    even = story.break_even

    # The A clients earn (120,000 - 12,000) / 1,200 = 90 an hour; the D client's 21,600 a year of revenue less
    # direct costs is 1,800 a month, so 20 resold hours a month make it up (the technicians are paid anyway).
    assert even.rate == 90.0
    assert even.hours_per_month == pytest.approx(20.0)
    assert even.freed_hours_per_month == pytest.approx(50.0)
    resold = simulate_impact(
        BOOK, Scenario(fire_grades=("D",), redeployment=Redeployment(share=20.0 / 50.0)), labor_cost_rate=45.0
    )
    assert resold.after("gross_profit") == pytest.approx(resold.before("gross_profit"))


def test_when_the_labor_cost_goes_a_resold_hour_earns_its_rate_less_the_labor_cost():
    scenario = Scenario(fire_grades=("D",), redeployment=Redeployment(labor_cost_goes=True))
    even = churn_story(BOOK, scenario, labor_cost_rate=45.0).break_even

    # The D client's gross profit is 21,600 - 600 h x 45 = -5,400: firing it alone raises gross profit.
    assert even.hours_per_month == 0.0


def test_a_rate_below_the_labor_cost_never_breaks_even_and_the_sentence_says_so():
    scenario = Scenario(fire_grades=("D",), redeployment=Redeployment(rate=40.0, labor_cost_goes=True))
    thin = book([("a1", "A", 120_000.0, 0.0, 1_200.0), ("d1", "D", 60_000.0, 0.0, 600.0)])

    story = churn_story(thin, scenario, labor_cost_rate=45.0)

    assert story.break_even.hours_per_month is None
    assert "no amount of it makes up the difference" in story.sentence


def test_the_sentence_tells_the_plain_story_per_month_with_the_break_even():
    story = churn_story(BOOK, Scenario(fire_grades=("D",)), labor_cost_rate=45.0, currency="EUR")

    assert story.sentence.startswith("Firing the one D client loses 13% of revenue (€2,000 a month) and frees 27% of "
                                     "the hours (50 h a month)")
    assert "gross profit falls" in story.sentence
    assert "It pays off once you resell 20 h of the 50 h freed a month at €90/h" in story.sentence
    assert "(s)" not in story.sentence and "-0%" not in story.sentence


def test_nobody_fired_says_so_in_one_sentence():
    story = churn_story(BOOK, Scenario(), labor_cost_rate=45.0)

    assert story.sentence.startswith("Nobody is fired yet")


def test_the_cli_and_the_page_share_one_set_of_defaults():
    args = build_parser().parse_args(["simulate", "--fire-grade", "D"])
    from_cli = scenario_from_args(args)
    from_defaults = CHURN_DEFAULTS.scenario(start_month=from_cli.start_month)

    assert from_cli == from_defaults
    assert from_cli.redeployment.share == 0.0
    assert not from_cli.redeployment.labor_cost_goes


@pytest.mark.parametrize(
    "owners",
    [
        Scenario(fire_grades=("D",)),
        Scenario(fire_grades=("D",), redeployment=Redeployment(share=0.0, labor_cost_goes=True), pace=1),
        Scenario(fire_grades=("D",), redeployment=Redeployment(share=0.5, rate=120.0)),
        Scenario(fire_grades=("D",), repricing=Repricing(price_increase={"B": 0.1})),
    ],
)
def test_the_owners_impact_is_the_scenarios_own_whether_or_not_it_is_the_firing_alone(owners):
    # A scenario that is its own plain story reuses the plain impact; any other is worked out itself.
    story = churn_story(BOOK, owners, labor_cost_rate=45.0)

    assert story.scenario.to_dict() == simulate_impact(BOOK, owners, labor_cost_rate=45.0).to_dict()
    assert story.plain.to_dict() == simulate_impact(BOOK, plain_scenario(owners), labor_cost_rate=45.0).to_dict()
