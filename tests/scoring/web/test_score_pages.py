"""/scores: each person sees the scorecards they may see (RULES 7), ranked,
with every point explained, the rows behind every number, trends with the
targets of RULES 5.9, exports and the quarterly report; every view and export
is audited."""
import csv
import io
import re

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook
from sqlalchemy import select

from scoring.engine.scheme import available_schemes
from scoring.models import ScoreAudit
from scoring.reports.wording import explain
from scoring.services.scorecards import scorecards
from support.score_pages import PHONE, build_org, reading

MONTH = "2026-10"


@pytest.fixture
def org(session, clock):
    return build_org(session, clock)


def page(client, url):
    response = client.get(url + ("&" if "?" in url else "?") + "lang=en")
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def ranking(html):
    """Subject codes of the scorecards table, in the order shown."""
    table = html[html.index('id="scorecards"'):]
    table = table[:table.index("</table>")]
    return re.findall(r'data-subject="([^"]+)"', table)


def audits(app, action):
    with reading(app) as s:
        return list(s.scalars(select(ScoreAudit).where(ScoreAudit.action == action).order_by(ScoreAudit.id)))


# --- who sees what ---------------------------------------------------------------

def test_a_manager_sees_the_outlets_of_their_branch_ranked_best_first(client, login, org):
    login(org.manager)
    html = page(client, "/scores")
    assert ranking(html) == ["O2", "O1"]
    assert "Hill Road outlet" not in html
    assert "Scores for October 2026" in html
    assert ">100<" in html and "79.67" in html
    assert "Excellent" in html and "Unqualified" in html


def test_an_executive_sees_every_outlet(client, login, org):
    login(org.executive)
    assert ranking(page(client, "/scores")) == ["O2", "O3", "O1"]


def test_an_executive_may_narrow_to_one_branch_and_compare_branches(client, login, org):
    login(org.executive)
    assert ranking(page(client, f"/scores?unit={org.b2.id}")) == ["O3"]
    assert set(ranking(page(client, "/scores?level=branch"))) == {"B1", "B2"}


def test_every_level_of_the_tree_may_be_compared_at_once(client, login, org):
    login(org.manager)
    assert set(ranking(page(client, "/scores?level="))) == {"B1", "O1", "O2"}


def test_a_teller_sees_only_their_own_scorecard(client, login, org):
    login(org.ann)
    html = page(client, "/scores?kind=unit")
    assert ranking(html) == ["ann"]
    assert "My scorecard" in html
    assert "bob" not in ranking(html) and "East Gate outlet" not in html.split('id="scorecards"')[1].split("</table>")[0]


def test_a_manager_scores_the_people_of_their_tree(client, login, org):
    login(org.manager)
    shown = ranking(page(client, "/scores?kind=staff"))
    # Like with like: the handlers of the tree, ranked by a scheme for customer service staff; their
    # supervisor is not ranked among them, nor anyone outside the tree.
    assert {"ann", "bob"} <= set(shown) and not {"sup1", "mgr2", "boss"} & set(shown)


def test_scores_outside_ones_tree_are_forbidden(client, login, org):
    login(org.manager)
    assert client.get(f"/scores/unit/{org.o3.id}?period={MONTH}").status_code == 403
    assert client.get(f"/scores/drilldown?kind=unit&id={org.o3.id}&period={MONTH}&metric=ratings").status_code == 403
    assert client.get(f"/scores/staff/{org.other_manager.id}").status_code == 403
    assert client.get(f"/scores?unit={org.b2.id}").status_code == 403


def test_a_teller_may_not_open_a_colleagues_scorecard(client, login, org):
    login(org.ann)
    assert client.get(f"/scores/staff/{org.bob.id}").status_code == 403
    assert client.get(f"/scores/staff/{org.ann.id}?lang=en").status_code == 200
    assert client.get(f"/scores/unit/{org.o1.id}").status_code == 403


def test_scores_need_a_login(client, org):
    response = client.get("/scores")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_every_view_is_audited(app, client, login, org):
    login(org.manager)
    page(client, "/scores")
    page(client, f"/scores/unit/{org.o1.id}?period={MONTH}")
    page(client, f"/scores/drilldown?kind=unit&id={org.o1.id}&period={MONTH}&metric=ratings")
    views = audits(app, "view")
    assert [a.staff_id for a in views] == [org.manager.id] * 3
    assert views[0].what.startswith("dashboard satisfaction_50_20_30 2026-10 unit")
    assert "scorecard satisfaction_50_20_30 2026-10 unit O1" == views[1].what
    assert "drilldown ratings 2026-10 unit O1" == views[2].what


# --- reading a scorecard -----------------------------------------------------------

def test_the_breakdown_page_explains_every_point(app, client, login, org):
    login(org.manager)
    html = page(client, f"/scores/unit/{org.o1.id}?period={MONTH}")
    with reading(app) as s:
        card = next(c for c in scorecards(s, "satisfaction_50_20_30", MONTH, "unit", [org.o1.id, org.o2.id])
                    if c.subject == "O1")
    with app.test_request_context("/?lang=en"):
        app.preprocess_request()
        reasons = [explain(line) for line in card.breakdown]
    table = html[html.index('id="breakdown"'):html.index("</table>", html.index('id="breakdown"'))]
    for reason in reasons:
        assert reason.replace("'", "&#39;") in table
    assert table.count('class="why"') == len(card.breakdown)
    assert f"Valid complaint {org.complaint.reference}" in table and "\u22126" in table
    assert table.count("Problem found in inspection") == 3
    assert "Mean of 3 survey answers: 14.67" in table
    assert "79.67" in html and "2 of 2" in html


def test_a_line_is_worded_in_the_language_in_force_when_it_is_read(app, org):
    """The catalogue is looked up once a request, yet a notice worded for a
    customer in another language mid-request reads in that language."""
    with reading(app) as s:
        card = next(c for c in scorecards(s, "satisfaction_50_20_30", MONTH, "unit", [org.o1.id]) if c.subject == "O1")
    complaint = next(line for line in card.breakdown if line.reason == "valid_complaint")
    with app.test_request_context("/?lang=en"):
        app.preprocess_request()
        english = explain(complaint)
        with force_locale("zh_Hans_CN"):
            chinese = explain(complaint)
        again = explain(complaint)
    assert english.startswith("Valid complaint") and chinese.startswith("有效投诉") and again == english


def test_a_scorecard_not_rated_says_why(client, login, org):
    login(org.manager)
    html = page(client, f"/scores/staff/{org.bob.id}?period={MONTH}")
    assert "Not rated." in html and "No inspection and no complaint this period" in html


def test_a_valid_complaint_in_the_breakdown_links_to_its_case(client, login, org):
    login(org.manager)
    html = page(client, f"/scores/unit/{org.o1.id}?period={MONTH}")
    assert f'href="/cases/{org.complaint.reference}"' in html


def test_trend_charts_are_drawn_on_the_server_with_the_targets(client, login, org):
    login(org.manager)
    html = page(client, "/scores")
    satisfaction = html[html.index('id="trend-satisfaction_rate"'):html.index('id="trend-complaint_rate"')]
    assert "<svg" in satisfaction and 'class="line" d="M' in satisfaction
    assert satisfaction.count('class="target"') == 3
    for value, whose in (("90%", "tobacco retail"), ("85%", "quality management"), ("93%", "telecom engineering")):
        assert re.search(rf"Target {value}: the {whose}|Target {value}: {whose}", satisfaction), value
    for metric in ("complaint_rate", "on_time_first_response", "on_time_resolution"):
        assert f'id="trend-{metric}"' in html


def test_targets_are_configurable(app, client, login, org):
    app.config["SCORE_TARGETS"] = {"satisfaction_rate": [0.95]}
    login(org.manager)
    html = page(client, "/scores")
    satisfaction = html[html.index('id="trend-satisfaction_rate"'):html.index('id="trend-complaint_rate"')]
    assert satisfaction.count('class="target"') == 1 and "Target 95%" in satisfaction


# --- the rows behind a number ----------------------------------------------------

def test_a_number_opens_the_ratings_behind_it(client, login, org):
    login(org.manager)
    html = page(client, "/scores")
    link = re.search(rf'href="(/scores/drilldown\?kind=unit&amp;id={org.o1.id}&amp;period=2026-10&amp;metric=satisfaction_rate[^"]*)"', html)
    assert link, "the satisfaction rate of O1 links to its ratings"
    rows = page(client, link.group(1).replace("&amp;", "&"))
    assert "66.7%" in rows  # 2 of 3 ratings satisfied
    body = rows[rows.index('id="drilldown-rows"'):]
    assert body.count("<tr") == 4  # a header and three ratings
    assert "Not satisfied" in body


def test_complaints_behind_a_number_show_masked_phone_numbers(client, login, org):
    login(org.manager)
    html = page(client, f"/scores/drilldown?kind=unit&id={org.o1.id}&period={MONTH}&metric=complaints")
    assert org.complaint.reference in html and org.open_complaint.reference in html
    assert PHONE not in html and "13812345678" not in html and "5678" in html


def test_a_drilldown_downloads_as_csv_with_masked_phones_and_is_audited(app, client, login, org):
    login(org.manager)
    response = client.get(f"/scores/drilldown?kind=unit&id={org.o1.id}&period={MONTH}&metric=complaints&format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["reference"] for r in rows} == {org.complaint.reference, org.open_complaint.reference}
    assert "13812345678" not in text
    assert audits(app, "export")[-1].what == "drilldown complaints 2026-10 unit O1 csv"


def test_a_bad_drilldown_request_is_a_clear_400(client, login, org):
    login(org.manager)
    for query in ("kind=unit&id=1&period=2026-13&metric=ratings", "kind=unit&id=1&period=2026-10&metric=nope",
                  "kind=planet&id=1&period=2026-10&metric=ratings", "kind=unit&id=x&period=2026-10&metric=ratings"):
        response = client.get(f"/scores/drilldown?{query}&lang=en")
        assert response.status_code == 400, query


# --- choosing what to see ----------------------------------------------------------

def test_a_period_of_every_kind_may_be_chosen(client, login, org):
    login(org.manager)
    for period, title in (("2026-Q4", "Q4 2026"), ("2026-H2", "second half of 2026"), ("2026", "Scores for 2026")):
        assert title in page(client, f"/scores?period={period}")


def test_every_scheme_renders(client, login, org):
    login(org.executive)

    def offered(query: str) -> list[str]:
        html = page(client, f"/scores?{query}")
        start = html.index('name="scheme"')
        return re.findall(r'<option[^>]*value="([a-z0-9_]+)"', html[start:html.index("</select>", start)])

    # Each scheme is offered where it fits: for outlets the outlet schemes only; every scheme somewhere.
    assert set(offered("level=outlet")) == {"bank_outlet", "hotline_three_rates", "satisfaction_50_20_30"}
    by_kind = {"unit": offered("level="), "staff": offered("kind=staff")}
    assert sorted(by_kind["unit"] + by_kind["staff"]) == sorted(available_schemes())
    for kind, names in by_kind.items():
        for name in names:
            assert 'id="scorecards"' in page(client, f"/scores?scheme={name}&kind={kind}&level=")


def test_an_unknown_scheme_or_period_is_a_clear_400(client, login, org):
    login(org.manager)
    response = client.get("/scores?scheme=no_such_scheme&lang=en")
    assert response.status_code == 400 and "There is no scheme called no_such_scheme" in response.get_data(as_text=True)
    response = client.get("/scores?period=2026-Q5&lang=en")
    assert response.status_code == 400 and "2026-Q3" in response.get_data(as_text=True)


# --- exports and the report ------------------------------------------------------

def test_the_scorecards_download_as_csv(app, client, login, org):
    login(org.manager)
    response = client.get(f"/scores/export.csv?period={MONTH}&lang=en")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header, lines = rows[0], rows[1:]
    assert header[:3] == ["Place", "Code", "Name"]
    assert [(r[0], r[1], r[5]) for r in lines] == [("1", "O2", "100"), ("2", "O1", "79.67")]
    breakdown = lines[1][header.index("Breakdown")]
    assert f"Valid complaint {org.complaint.reference}: \u2212" in breakdown, breakdown  # the line's points too
    chinese = client.get(f"/scores/export.csv?period={MONTH}&lang=zh_Hans_CN").get_data(as_text=True)
    assert f"有效投诉（{org.complaint.reference}）：\u2212" in chinese and "；" in chinese, chinese  # its punctuation
    assert audits(app, "export")[-1].what.endswith("csv")


def test_the_scorecards_download_as_a_workbook(app, client, login, org):
    login(org.executive)
    response = client.get(f"/scores/export.xlsx?period={MONTH}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    sheet = book.worksheets[0]
    codes = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert codes == ["O2", "O3", "O1"]
    assert audits(app, "export")[-1].what.endswith("xlsx")


def test_a_manager_exports_only_their_tree(client, login, org):
    login(org.manager)
    text = client.get(f"/scores/export.csv?period={MONTH}&kind=unit&level=").get_data(as_text=True)
    assert "O3" not in text and "Hill Road" not in text and "HQ" not in text


def test_the_quarterly_report_is_a_printable_page_and_a_pdf(app, client, login, org):
    login(org.manager)
    html = page(client, "/scores/report?period=2026-Q4")
    assert "Service quality analysis, Q4 2026" in html and "/static/scoring.css" in html
    with client.get("/static/scoring.css") as stylesheet:
        assert "@media print" in stylesheet.get_data(as_text=True)
    assert "East Gate outlet" in html and "Hill Road outlet" not in html
    assert "2027-01-10" in html  # the meeting, RULES 5.3
    pdf = client.get("/scores/report?period=2026-Q4&format=pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF") and pdf.mimetype == "application/pdf"
    assert [a.what.endswith("pdf") for a in audits(app, "export")] == [True]


def test_the_report_is_only_made_per_quarter(client, login, org):
    login(org.manager)
    assert client.get("/scores/report?period=2026-10").status_code == 400


def test_a_teller_may_not_open_the_report(client, login, org):
    login(org.ann)
    assert client.get("/scores/report").status_code == 403


def test_the_page_speaks_chinese_too(client, login, org):
    login(org.manager)
    response = client.get("/scores?lang=zh_Hans_CN")
    assert response.status_code == 200
    assert '<html lang="zh-Hans">' in response.get_data(as_text=True)
    assert "2026年10月" in response.get_data(as_text=True)
