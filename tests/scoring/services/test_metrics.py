"""The metrics of RULES 6 and the hotline three rates, counted by SQL from a
small data set whose every number is worked out by hand below."""
from decimal import Decimal as D

from scoring.engine.periods import Period
from scoring.services.metrics import (
    METRICS,
    drilldown,
    last_months,
    monthly_series,
    staff_metrics,
    unit_metrics,
)
from support.statements import reading, statements_during

TZ = "Asia/Shanghai"
OCTOBER, NOVEMBER = Period.parse("2026-10"), Period.parse("2026-11")


def test_every_metric_of_one_outlet_in_october(session, tree, october):
    m = unit_metrics(session, OCTOBER, TZ, [tree["o1"].id])[tree["o1"].id]
    assert set(m) == set(METRICS)
    # Ratings 5, 4, 2, 3 (the suspect 1 is left out): 2 satisfied of 4.
    assert m["ratings"] == 4
    assert m["satisfaction_rate"] == D("0.5")
    assert m["mean_score"] == D(14) / 4
    assert m["mean_attitude"] == D(10) / 3  # 5, 4, 1
    assert m["mean_skill"] == 4
    assert m["mean_promises"] == 2
    assert m["mean_timeliness"] is None  # nobody rated it
    # 8 services, 4 rated.
    assert m["services"] == 8
    assert m["evaluation_rate"] == D("0.5")
    # Cases c1, c2, c3, c5 (c4 came in November); complaints c1, c2, c5.
    assert m["complaints"] == 3
    assert m["valid_complaints"] == 2  # c1 valid, c2 major; c5's valid verdict was superseded
    assert m["major_complaints"] == 1
    assert m["complaint_rate"] == D(375)  # 3 per 8 services = 375 per 1,000
    # First response due on c1, c2, c3; on time on c1 and c3.
    assert m["on_time_first_response"] == D(2) / 3
    assert m["response_rate"] == D("0.5")  # 2 of the 4 cases
    # Resolution due on c1 (met late) and c3 (on time).
    assert m["on_time_resolution"] == D("0.5")
    assert m["resolution_rate"] == D("0.5")  # c1 and c3 resolved, of 4
    assert m["overdue"] == 2  # c1's resolution, c2's first response
    assert m["reopen_rate"] == D("0.5")  # c3 of the 2 resolved
    assert m["repeat_complaint_rate"] == D(1) / 3  # c2: the same caller complained before
    # Callbacks due in October: c1 done, c3 missed (c2's is due in November).
    assert (m["callbacks_due"], m["callbacks_done"], m["callbacks_missed"]) == (2, 1, 1)
    assert m["callback_completion"] == D("0.5")


def test_nothing_recorded_gives_counts_of_zero_and_no_rates(session, tree):
    m = unit_metrics(session, OCTOBER, TZ, [tree["o2"].id])[tree["o2"].id]
    assert m["ratings"] == 0 and m["complaints"] == 0 and m["callbacks_due"] == 0
    assert m["satisfaction_rate"] is None and m["response_rate"] is None and m["complaint_rate"] is None


def test_staff_metrics_count_a_case_for_its_first_responder_and_its_owner(session, october):
    alice, bob = october["alice"], october["bob"]
    m = staff_metrics(session, OCTOBER, TZ, [alice.id, bob.id])
    assert m[alice.id]["ratings"] == 2 and m[alice.id]["satisfaction_rate"] == 1
    assert m[bob.id]["ratings"] == 2 and m[bob.id]["satisfaction_rate"] == 0
    assert m[alice.id]["services"] == 8 and m[bob.id]["services"] == 0
    # alice: first responder of c1, owner of c2; bob: owner of c1 and c3.
    assert (m[alice.id]["complaints"], m[alice.id]["valid_complaints"], m[alice.id]["major_complaints"]) == (2, 2, 1)
    assert (m[bob.id]["complaints"], m[bob.id]["valid_complaints"]) == (1, 1)
    assert m[bob.id]["resolution_rate"] == 1  # c1 and c3 both resolved
    # alice made c1's callback; nobody made c3's, so it is its owner's, bob's.
    assert (m[alice.id]["callbacks_done"], m[bob.id]["callbacks_missed"]) == (1, 1)


def test_a_case_owned_and_first_answered_by_the_same_person_counts_once(session, rec, tree):
    carol = rec.staff("carol", tree["o2"])
    rec.case(tree["o2"], "2026-10-10 10:00", first_responder=carol, owner=carol)
    assert staff_metrics(session, OCTOBER, TZ, [carol.id])[carol.id]["complaints"] == 1


def test_units_roll_up_along_the_tree(session, rec, tree, october):
    rec.rating(tree["o2"], "2026-10-07 10:00", 5)
    rec.rating(tree["o2"], "2026-10-08 10:00", 5)
    rec.rating(tree["branch"], "2026-10-09 10:00", 1)  # the branch's own counter
    m = unit_metrics(session, OCTOBER, TZ)
    o1, o2, branch, company = (m[tree[k].id] for k in ("o1", "o2", "branch", "company"))
    assert (o1["ratings"], o2["ratings"]) == (4, 2)
    assert branch["ratings"] == 7 and branch["satisfaction_rate"] == D(4) / 7
    assert company["ratings"] == 7 and company["complaints"] == 3 and company["services"] == 8
    own = unit_metrics(session, OCTOBER, TZ, [tree["branch"].id], rollup=False)[tree["branch"].id]
    assert own["ratings"] == 1 and own["satisfaction_rate"] == 0


def test_a_rating_counts_in_the_month_of_shanghai_not_of_utc(session, rec, tree):
    rec.rating(tree["o1"], "2026-10-31 23:30", 5)  # 15:30 UTC on the 31st
    rec.rating(tree["o1"], "2026-11-01 00:10", 1)  # still 31 October in UTC
    october, november = monthly_series(session, "unit", tree["o1"].id, [OCTOBER, NOVEMBER], TZ)
    assert (october["period"], october["ratings"], october["satisfaction_rate"]) == ("2026-10", 1, 1)
    assert (november["period"], november["ratings"], november["satisfaction_rate"]) == ("2026-11", 1, 0)
    assert unit_metrics(session, OCTOBER, TZ, [tree["o1"].id])[tree["o1"].id]["ratings"] == 1
    assert unit_metrics(session, Period.parse("2026-Q4"), TZ, [tree["o1"].id])[tree["o1"].id]["ratings"] == 2


def test_quarters_halves_and_years_hold_their_months(session, rec, tree):
    for month in (1, 3, 4, 7, 12):
        rec.rating(tree["o1"], f"2026-{month:02d}-15 12:00", 5)
    counts = {label: unit_metrics(session, Period.parse(label), TZ, [tree["o1"].id])[tree["o1"].id]["ratings"]
              for label in ("2026-Q1", "2026-Q2", "2026-H1", "2026-H2", "2026")}
    assert counts == {"2026-Q1": 2, "2026-Q2": 1, "2026-H1": 3, "2026-H2": 2, "2026": 5}


def test_a_twelve_month_trend_is_one_query_per_source(session, rec, tree):
    for month in range(1, 13):
        rec.rating(tree["o1"], f"2026-{month:02d}-10 12:00", 5 if month % 2 else 2)
    series = []
    statements = statements_during(session, lambda: series.extend(
        monthly_series(session, "unit", tree["branch"].id, last_months(Period.parse("2026-12")), TZ)))
    assert [row["period"] for row in series] == [f"2026-{m:02d}" for m in range(1, 13)]
    assert [row["satisfaction_rate"] for row in series] == [1 if m % 2 else 0 for m in range(1, 13)]
    # One grouped query a source, for all twelve months.
    assert len(reading(statements, "rating", "service_event", '"case"', "callback")) == 4


def test_a_drilldown_lists_the_complaints_behind_a_number_with_masked_phones(session, tree, october):
    rows = drilldown(session, "unit", tree["branch"].id, OCTOBER, "valid_complaints", TZ)
    assert [r["reference"] for r in rows] == [october["c2"].reference, october["c1"].reference]
    assert [r["verdict"] for r in rows] == ["major", "valid"]
    assert all(r["contact_phone"] == "+86 138****0001" for r in rows)


def test_a_drilldown_of_satisfaction_lists_the_counted_ratings(session, tree, october):
    rows = drilldown(session, "staff", october["bob"].id, OCTOBER, "satisfaction_rate", TZ)
    assert [(r["score"], r["satisfied"]) for r in rows] == [(3, False), (2, False)]


def test_a_drilldown_of_missed_callbacks(session, tree, october):
    rows = drilldown(session, "unit", tree["o1"].id, OCTOBER, "callbacks_missed", TZ)
    assert [(r["reference"], r["status"]) for r in rows] == [(october["c3"].reference, "missed")]


def test_a_series_of_some_metrics_counts_them_as_the_full_series_does(session, rec, tree):
    """The dashboard's trends ask only for the metrics they chart: the same
    values as the full series, the others left out."""
    for month in (3, 7, 11):
        rec.rating(tree["o1"], f"2026-{month:02d}-10 12:00", 5)
        rec.rating(tree["o2"], f"2026-{month:02d}-11 12:00", 2)
        rec.service(tree["o1"], f"2026-{month:02d}-10 11:00")
        case = rec.case(tree["o1"], f"2026-{month:02d}-12 09:00")
        rec.deadline(case, "first_response", f"2026-{month:02d}-12 17:00", met=f"2026-{month:02d}-12 10:00")
        rec.deadline(case, "resolution", f"2026-{month:02d}-13 17:00", breached=True)
        rec.verdict(case, "valid")
        rec.callback(case, f"2026-{month:02d}-14 10:00", "done")
    months = last_months(Period.parse("2026-12"))
    full = monthly_series(session, "unit", tree["branch"].id, months, TZ)
    asked = ("satisfaction_rate", "complaint_rate", "on_time_first_response", "on_time_resolution")
    some = monthly_series(session, "unit", tree["branch"].id, months, TZ, metrics=asked)
    assert [{m: row[m] for m in ("period", *asked)} for row in some] == \
        [{m: row[m] for m in ("period", *asked)} for row in full]
    assert all(row["callbacks_due"] is None and row["valid_complaints"] is None for row in some)
    assert some[10]["satisfaction_rate"] == 0.5 and some[10]["on_time_first_response"] == 1
