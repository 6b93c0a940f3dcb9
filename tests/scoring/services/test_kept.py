"""A month whose every day is in a current roll-up is counted and scored
once and kept; anything counted in it that changes later (a verdict, an
inspection, a ledger entry, a case) has it counted and scored again at
once, from the rows."""
from scoring.engine.periods import Period
from scoring.services.daily_tallies import tally_tick
from scoring.services.kept import Kept
from scoring.services.metrics import last_months, monthly_series
from scoring.services.scorecards import scorecards
from support.records import local
from support.statements import reading, statements_during

TZ = "Asia/Shanghai"
ENTERED = ("inspection", "complaint_verdict", "ledger_entry")


def settle(session, now: str = "2026-11-20 09:00") -> None:
    """Commit, then let the tick build every day that is over."""
    session.commit()
    while tally_tick(session, local(now), TZ, limit=400)["built"]:
        session.commit()


def card(session, unit, month="2026-10", scheme="satisfaction_50_20_30"):
    return next(c for c in scorecards(session, scheme, month, "unit", [unit.id], TZ) if c.subject == unit.code)


def recorded_october(rec, o1):
    """RULES 5.1: 3 problems (47), answers 5 and 4 (18), one valid complaint (24): 89."""
    rec.inspection(o1, "on_site", "2026-10", problems=3)
    rec.rating(o1, "2026-10-05 10:00", 5)
    rec.rating(o1, "2026-10-06 10:00", 4)
    rec.verdict(rec.case(o1, "2026-10-10 09:00"), "valid")


def test_a_settled_month_is_scored_once_then_kept(session, rec, tree):
    recorded_october(rec, tree["o1"])
    settle(session)
    first = card(session, tree["o1"])
    assert first.total == 89

    again = []
    statements = statements_during(session, lambda: again.append(card(session, tree["o1"])))

    assert again == [first]
    assert reading(statements, *ENTERED, '"case"', "rating", "daily_tally ") == []


def test_a_late_verdict_scores_the_month_again_at_once(session, rec, tree):
    recorded_october(rec, tree["o1"])
    settle(session)
    assert card(session, tree["o1"]).total == 89

    rec.verdict(rec.case(tree["o1"], "2026-10-11 09:00"), "major")  # judged in November
    session.commit()

    assert card(session, tree["o1"]).total == 77  # the worked example of RULES 5.1
    settle(session)
    assert card(session, tree["o1"]).total == 77


def test_an_inspection_entered_late_scores_its_month_again(session, rec, tree):
    recorded_october(rec, tree["o1"])
    settle(session)
    assert card(session, tree["o1"]).total == 89

    rec.inspection(tree["o1"], "mystery_shopper", "2026-10", problems=2)  # the report came in November
    session.commit()

    assert card(session, tree["o1"]).components["standards"].score == 45


def test_a_ledger_entry_recorded_late_counts_at_once_in_every_month_after(session, rec, tree):
    """The twelve-point ledger counts the year so far (RULES 5.6): an entry
    for March changes October's scorecard."""
    seller = rec.staff("seller", tree["o1"])
    rec.ledger("violation", "late_or_early", 2, "2026-10-12 09:00", staff=seller)
    rec.rating(tree["o1"], "2026-01-05 10:00", 5)  # the year's first record
    settle(session)

    def ledger():
        return scorecards(session, "twelve_point_ledger", "2026-10", "staff", [seller.id], TZ)[0]

    before = ledger()
    assert reading(statements_during(session, ledger), "ledger_entry") == []  # kept

    rec.ledger("violation", "late_or_early", 3, "2026-03-20 09:00", staff=seller)
    session.commit()

    assert ledger().total < before.total


def test_a_moved_unit_sums_into_its_new_branch_at_once(session, rec, tree):
    recorded_october(rec, tree["o1"])
    other = rec.unit("B2", tree["company"], level="branch")
    settle(session)
    assert card(session, tree["branch"]).components["complaints"].score == 24
    assert card(session, other).not_rated

    tree["o1"].parent_id = other.id
    session.commit()

    assert card(session, other).components["complaints"].score == 24


def test_a_month_still_running_is_never_kept(session, rec, tree):
    recorded_october(rec, tree["o1"])
    settle(session, now="2026-10-25 09:00")  # late October: the month is not over
    card(session, tree["o1"])

    statements = statements_during(session, lambda: card(session, tree["o1"]))

    assert reading(statements, *ENTERED) != []


def test_a_years_trend_is_counted_once_and_a_late_case_counts_at_once(session, rec, tree):
    recorded_october(rec, tree["o1"])
    settle(session)

    def trend():
        return monthly_series(session, "unit", tree["branch"].id, last_months(Period.parse("2026-10")), TZ)

    first = trend()
    assert reading(statements_during(session, trend), "daily_tally ", "rating", '"case"') == []
    assert first[-1]["complaints"] == 1

    rec.case(tree["o1"], "2026-10-30 09:00")  # entered late from a paper form
    session.commit()

    assert trend()[-1]["complaints"] == 2


def test_what_is_kept_stays_within_its_budget_the_oldest_let_go_first():
    kept = Kept(budget=5)
    kept.put(("september",), ["card"] * 3)
    kept.put(("october",), ["card"] * 2)
    kept.put(("november",), ["card"])  # 6 cards: September goes
    kept.put(("a whole year",), ["card"] * 9)  # more than the budget: not kept at all
    kept.put(None, ["card"])  # a period still open: never kept
    assert [kept.get((m,)) is not None for m in ("september", "october", "november", "a whole year")] \
        == [False, True, True, False]
