"""Console 接口密钥 / 开放数据 / 数据上报: create (key shown once), list with uses, revoke behind a confirmation, the
key's audit page, the open statistics page and its download, the national export (masked by default, clear when
asked, with a reason), scope from inside and outside; query counts of the key list."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from smartunion.core.actors import SYSTEM
from smartunion.core.models import AuditEvent
from smartunion.core.validators import make_id_number
from smartunion.insight.models import ApiKey, Figure
from smartunion.insight.services import open as services

pytestmark = pytest.mark.django_db
ID = make_id_number("370102", dt.date(1990, 3, 7), 123)
LIST = "console:insight_apikey_changelist"


def test_create_shows_the_key_once_and_it_works(tree, personas, console):
    client = console(personas.province_admin)
    form = client.get(reverse("console:insight_open_key_create")).content.decode()
    assert "山东省总工会" in form and "济南市总工会" in form and "历下区总工会" not in form
    refused = client.post(reverse("console:insight_open_key_create"),
                          {"org": tree.province.pk, "name": "共享平台", "rate_per_minute": 60})
    assert refused.status_code == 200 and ApiKey.objects.count() == 0
    done = client.post(reverse("console:insight_open_key_create"),
                       {"org": tree.province.pk, "name": "共享平台", "scopes": ["open:statistics"],
                        "rate_per_minute": 30, "expires_on": "2099-12-31"})
    assert done.status_code == 200 and "no-store" in done["Cache-Control"]
    key = ApiKey.objects.get()
    page = done.content.decode()
    start = page.index('id="api-key-secret"')
    secret = page[page.index(">", start) + 1: page.index("</code>", start)]
    assert secret.startswith(f"suk_{key.prefix}.")
    assert (key.org, key.scopes, key.rate_per_minute, key.created_by) == (
        tree.province, ["open:statistics"], 30, personas.province_admin)
    assert Client(headers={"X-Api-Key": secret}).get("/api/v1/open/statistics").status_code == 200
    listing = client.get(reverse(LIST)).content.decode()
    assert f"suk_{key.prefix}…" in listing and secret not in listing
    assert "开放统计" in listing and "有效" in listing
    assert secret not in client.get(reverse("console:insight_open_key_audit", args=[key.pk])).content.decode()
    key.refresh_from_db()
    assert key.uses == 1  # the use was moved into the row


def test_who_may_create(tree, personas, console):
    assert console(personas.county_cadre).get(reverse("console:insight_open_key_create")).status_code == 403
    assert console(personas.grassroots_cadre).get(reverse("console:insight_open_key_create")).status_code == 403
    city = console(personas.city_cadre)
    form = city.get(reverse("console:insight_open_key_create")).content.decode()
    assert "济南市总工会" in form and "山东省总工会" not in form
    refused = city.post(reverse("console:insight_open_key_create"),
                        {"org": tree.province.pk, "name": "x", "scopes": ["open:statistics"], "rate_per_minute": 60})
    assert refused.status_code == 200 and ApiKey.objects.count() == 0


def test_revoke_asks_first_and_the_audit_page_lists_the_life(tree, personas, console):
    key, _ = services.create_key(org=tree.jinan, name="市大数据局", scopes=["open:statistics"], rate_per_minute=60,
                                 by=personas.city_cadre)
    other = console(personas.other_city_cadre)
    assert other.get(reverse("console:insight_open_key_revoke", args=[key.pk])).status_code == 404
    assert other.get(reverse("console:insight_open_key_audit", args=[key.pk])).status_code == 404
    assert f"suk_{key.prefix}" not in other.get(reverse(LIST)).content.decode()
    client = console(personas.city_cadre)
    question = client.get(reverse("console:insight_open_key_revoke", args=[key.pk])).content.decode()
    assert "确定吊销接口密钥“市大数据局”" in question
    key.refresh_from_db()
    assert key.revoked_at is None
    assert client.post(reverse("console:insight_open_key_revoke", args=[key.pk])).status_code == 302
    key.refresh_from_db()
    assert key.active is False and key.revoked_at is not None
    audit = client.get(reverse("console:insight_open_key_audit", args=[key.pk])).content.decode()
    assert "吊销接口密钥" in audit and "创建接口密钥" in audit and "已吊销" in audit
    # The province above sees it too.
    assert "市大数据局" in console(personas.province_admin).get(reverse(LIST)).content.decode()


def test_open_data_page_and_download(tree, personas, console):
    Figure.objects.create(org=tree.jinan, org_path=tree.jinan.path, parent_id=tree.province.pk,
                          month=dt.date(2026, 10, 1), key="joins", own=0, subtree=12)
    client = console(personas.city_cadre)
    page = client.get(reverse("console:insight_open_data"), {"month": "2026-10"}).content.decode()
    assert "济南市总工会" in page and "青岛市总工会" not in page
    assert "<td>12</td>" in page
    download = client.get(reverse("console:insight_open_data"), {"month": "2026-10", "download": "1"})
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows[1][:8] == ["370100", "济南市", "济南市总工会", "市总工会", "2026-10", "0", "0", "12"]
    event = AuditEvent.objects.get(action="insight.open_statistics.export")
    assert (event.org_path, event.data) == (tree.jinan.path, {"month": "2026-10", "region": "", "rows": 2,
                                                              "via": "console"})
    bad = client.get(reverse("console:insight_open_data"), {"month": "10/2026"}).content.decode()
    assert "月份格式应为 YYYY-MM" in bad


def test_open_data_page_is_paged_with_the_filters_kept(tree, personas, console, monkeypatch):
    from smartunion.console.admin import insight_open

    monkeypatch.setattr(insight_open, "OPEN_DATA_PAGE", 1)
    client = console(personas.city_cadre)
    url = reverse("console:insight_open_data")
    first = client.get(url, {"month": "2026-10", "region": ""}).content.decode()
    second = client.get(url, {"org": tree.jinan.pk, "month": "2026-10", "region": "", "p": "2"}).content.decode()
    assert "共 2 行，第 1 / 2 页" in first
    assert f'href="?org={tree.jinan.pk}&amp;month=2026-10&amp;region=&amp;p=2">下一页</a>' in first
    assert "共 2 行，第 2 / 2 页" in second and "上一页" in second and "下一页" not in second
    assert first.count("<td>370100</td>") == 1 and second.count("<td>370100</td>") == 0


def test_national_export_masked_by_default_clear_when_asked(tree, personas, console):
    client = console(personas.city_cadre)
    url = reverse("console:insight_open_national")
    assert "会员信息数据项" in client.get(url).content.decode()
    no_reason = client.post(url, {"org": tree.jinan.pk, "dataset": "members", "file_format": "csv"})
    assert no_reason.status_code == 200 and not AuditEvent.objects.filter(action="insight.national.export").exists()
    masked = client.post(url, {"org": tree.jinan.pk, "dataset": "members", "file_format": "csv", "reason": "核对"})
    line = masked.content.decode("utf-8-sig").splitlines()[1].split(",")
    assert line[:3] == ["370102000000001", "张伟", ID[:4] + "*" * 10 + ID[-4:]]
    clear = client.post(url, {"org": tree.jinan.pk, "dataset": "all", "file_format": "xlsx", "clear_ids": "on",
                              "reason": "报送全总"})
    book = load_workbook(io.BytesIO(clear.content), read_only=True)
    assert [c.value for c in next(book["会员信息"].iter_rows(min_row=2, max_row=2))][2] == ID
    events = AuditEvent.objects.filter(action="insight.national.export").order_by("id")
    assert [(e.actor_id, e.data["dataset"], e.data["clear_ids"], e.data["reason"]) for e in events] == [
        (personas.city_cadre.pk, "会员信息", False, "核对"), (personas.city_cadre.pk, "会员信息", True, "报送全总"),
        (personas.city_cadre.pk, "工会组织信息", False, "报送全总")]
    # Outside: another city's org is not offered, a grassroots chair may not export.
    refused = client.post(url, {"org": tree.qingdao.pk, "dataset": "orgs", "file_format": "csv", "reason": "x"})
    assert refused.status_code == 200 and AuditEvent.objects.filter(action="insight.national.export").count() == 3
    assert console(personas.grassroots_cadre).get(url).status_code == 403


def _list_queries(client) -> int:
    client.get(reverse(LIST))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse(LIST)).status_code == 200
    return len(queries)


def test_key_list_query_count_does_not_grow_with_rows(tree, personas, console):
    client = console(personas.province_admin)
    services.create_key(org=tree.province, name="甲", scopes=["open:statistics"], rate_per_minute=60, by=SYSTEM)
    one = _list_queries(client)
    for name in ("乙", "丙"):
        services.create_key(org=tree.jinan, name=name, scopes=["open:national"], rate_per_minute=60, by=SYSTEM)
    assert _list_queries(client) == one


def test_key_list_export(tree, personas, console):
    key, _ = services.create_key(org=tree.jinan, name="市大数据局", scopes=["open:statistics", "open:national"],
                                 rate_per_minute=60, by=SYSTEM)
    answer = console(personas.city_cadre).get(reverse("console:insight_apikey_export_current"))
    sheet = load_workbook(io.BytesIO(b"".join(answer.streaming_content)), read_only=True).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(r for r in rows if r and r[0] == "名称")
    body = rows[rows.index(header) + 1]
    assert header[:6] == ["名称", "所属单位", "密钥", "权限范围", "每分钟请求上限", "状态"]
    assert body[:6] == ["市大数据局", "济南市总工会", f"suk_{key.prefix}…", "全国数据元、开放统计", 60, "有效"]
