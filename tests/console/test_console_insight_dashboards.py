"""Console 数据看板 and 大屏: scope (a city cadre cannot open another city's dashboard, nor export it: 404), the
children table with drill-down links, the exports (.xlsx of every table shown), and a fixed number of queries
whatever the number of children."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from smartunion.core.actors import SYSTEM
from smartunion.core.models import AuditEvent
from smartunion.core.validators import make_id_number
from smartunion.insight.figures import month_of
from smartunion.insight.services.rollups import rollup
from smartunion.members.services import membership_start, person_upsert
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Organisation

pytestmark = pytest.mark.django_db
URL = "/console/insight/dashboard/"
SCREEN = "/console/insight/screen/"
K = Organisation.Kind


def this_month() -> dt.date:
    return month_of(dt.date.today())


def add_members(union, n, start=1):
    for i in range(start, start + n):
        person, _ = person_upsert(name=f"会员{i}", id_number=make_id_number("370202", dt.date(1991, 1, 1), i),
                                  by=SYSTEM)
        membership_start(person=person, union=union, card_number=f"37020200000{i:04d}", since=dt.date(2024, 1, 1),
                         by=SYSTEM)


def book(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    data = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(data)).active
    return [list(r) for r in sheet.iter_rows(values_only=True)]


@pytest.fixture
def rolled(tree, personas):
    add_members(tree.qd_grassroots, 2)
    rollup(months=[this_month()], by=SYSTEM)
    return tree


def test_the_city_cadre_sees_their_city_and_drills_down(rolled, personas, console):
    client = console(personas.city_cadre)
    page = client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert "数据看板：济南市总工会" in html
    assert f'href="?org={rolled.lixia.pk}&amp;month={this_month():%Y-%m}&amp;key=members"' in html
    assert page.context["rows"][0]["org"] == rolled.lixia
    assert page.context["headline"][0]["value"] == "1"  # live: 济南 has one member
    assert [(t["name"], t["value"], t["fill"]) for t in page.context["map"]["tiles"]] == [
        ("历下区", "1", "#a50f15")]
    down = client.get(URL, {"org": rolled.lixia.pk})
    assert down.status_code == 200 and "数据看板：历下区总工会" in down.content.decode()
    assert [o.name for o, _ in down.context["crumbs"]] == ["济南市总工会", "历下区总工会"]
    assert down.context["rows"][0]["org"] == rolled.lixia_town


@pytest.mark.parametrize("params", [{"org": "qingdao"}, {"org": "qingdao", "export": "children"},
                                    {"org": "qingdao", "export": "trend"}, {"org": "province"},
                                    {"org": "999999"}, {"org": "abc"}])
def test_another_city_is_not_found(rolled, personas, console, params):
    client = console(personas.city_cadre)
    query = {**params, "org": getattr(rolled, params["org"]).pk if hasattr(rolled, params["org"])
             else params["org"]}
    assert client.get(URL, query).status_code == 404
    assert client.get(SCREEN, {"org": query["org"]}).status_code == 404
    assert not AuditEvent.objects.filter(action="insight.dashboard.export").exists()


def test_the_province_sees_both_cities_and_exports_the_children(rolled, personas, console):
    client = console(personas.province_admin)
    page = client.get(URL, {"key": "members"})
    # Cities sit where they lie (济南 west of 青岛), named by their region.
    assert [(t["name"], t["x"], t["y"]) for t in page.context["map"]["tiles"]] == [("济南市", 120, 120),
                                                                                ("青岛市", 600, 120)]
    assert [r["org"].name for r in page.context["rows"]] == ["济南市总工会", "青岛市总工会"]
    assert [r["cells"][0] for r in page.context["rows"]] == ["1", "2"]
    rows = book(client.get(URL, {"export": "children"}))
    assert rows[0][:5] == ["单位", "类型", "行政区划", "会员数", "新就业形态会员数"]
    assert [r[:4] for r in rows[1:]] == [["济南市总工会", "市总工会", "济南市", 1],
                                         ["青岛市总工会", "市总工会", "青岛市", 2]]
    assert len(rows[0]) == 3 + 18
    event = AuditEvent.objects.get(action="insight.dashboard.export")
    assert event.data == {"table": "children", "month": f"{this_month():%Y-%m}", "rows": 2, "search": ""}
    searched = book(client.get(URL, {"export": "children", "q": "青岛"}))
    assert [r[0] for r in searched[1:]] == ["青岛市总工会"]
    trend = book(client.get(URL, {"export": "trend"}))
    assert trend[0][:2] == ["月份", "会员数"]
    assert len(trend) == 13 and trend[-1][:2] == [f"{this_month():%Y-%m}", 3]


def test_the_big_screen(rolled, personas, console):
    page = console(personas.city_cadre).get(SCREEN)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-refresh="60"' in html and "济南市总工会数据大屏" in html
    assert "console/insight_screen.js" in html and "<script>" not in html
    assert page.context["ranking"] == [("历下区总工会", "1")]


def test_the_figure_list_leads_to_the_dashboard(rolled, personas, console):
    response = console(personas.city_cadre).get("/console/insight/figure/")
    assert response.status_code == 302 and response["Location"] == URL


def _queries(client, org) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL, {"org": org.pk}).status_code == 200
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_the_children(rolled, personas, console):
    client = console(personas.province_admin)
    client.get(URL)  # warm the session and caches
    one = _queries(client, rolled.qingdao)
    for i in range(7):
        county = org_services.org_create(parent=rolled.qingdao, kind=K.COUNTY, name=f"青岛第{i}区总工会",
                                         region="370202", by=SYSTEM)
        town = org_services.org_create(parent=county, kind=K.TOWNSHIP, name=f"青岛第{i}街道工会", region="370202",
                                       by=SYSTEM)
        add_members(town, 1, start=100 + i)
    rollup(months=[this_month()], by=SYSTEM)
    assert Organisation.objects.filter(parent=rolled.qingdao).count() == 8
    eight = _queries(client, rolled.qingdao)
    assert eight == one and one >= 8
    page = client.get(URL, {"org": rolled.qingdao.pk})
    assert len(page.context["rows"]) == 8 and len(page.context["map"]["tiles"]) == 8
