"""National data-element layout: the member and org rows (exact field mapping), the ID number clear in the upward
export (command, API key with open:national) and masked in the console's default download, scope, audit."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from django.core.management import call_command
from django.test import Client
from openpyxl import load_workbook

from smartunion.core.actors import SYSTEM
from smartunion.core.models import AuditEvent
from smartunion.core.validators import make_credit_code, make_id_number
from smartunion.insight import national
from smartunion.insight.services import open as services
from smartunion.members.models import Person

pytestmark = pytest.mark.django_db
ID = make_id_number("370102", dt.date(1990, 3, 7), 123)
MASKED = ID[:4] + "*" * 10 + ID[-4:]


def member_row(id_number):
    return ["370102000000001", "张伟", id_number, "1", "19900307", "", "", "", "", "济南甲科技有限公司",
            make_credit_code("91370102MA0000001"), "甲公司工会委员会", make_credit_code("81370102MA0000001"),
            "370102", "20200501", "0"]


def test_member_layout_exact(tree, personas):
    Person.objects.update(ethnicity="01", education="21", political_status="13", employment_form="01")
    assert national.headers("members") == [
        "会员证号", "姓名", "公民身份号码", "性别代码", "出生日期", "民族代码", "学历代码", "政治面貌代码",
        "用工形式代码", "工作单位名称", "工作单位统一社会信用代码", "所在工会名称", "所在工会统一社会信用代码",
        "所在工会行政区划代码", "入会日期", "是否挂靠会籍"]
    expected = member_row(ID)
    expected[5:9] = ["01", "21", "13", "01"]
    assert list(national.rows("members", tree.province, clear_ids=True)) == [expected]
    expected[2] = MASKED
    assert list(national.rows("members", tree.province)) == [expected]
    assert list(national.rows("members", tree.qingdao, clear_ids=True)) == []  # another subtree


def test_org_layout_exact(tree):
    rows = list(national.rows("orgs", tree.jinan))
    assert national.headers("orgs") == [
        "组织编号", "工会组织名称", "统一社会信用代码", "组织类型代码", "组织类型", "上级组织编号", "上级工会组织名称",
        "行政区划代码", "成立日期", "地址", "本级会员数", "含下级会员数", "组织状态代码"]
    assert [r[1] for r in rows] == ["济南市总工会", "历下区总工会", "历下区解放路街道工会", "甲公司工会委员会"]
    assert rows[3] == [str(tree.grassroots.pk), "甲公司工会委员会", make_credit_code("81370102MA0000001"), "70",
                       "基层工会", str(tree.lixia_town.pk), "历下区解放路街道工会", "370102", "", "", "0", "0", "1"]
    assert rows[0][3:8] == ["30", "市总工会", str(tree.province.pk), "山东省总工会", "370100"]


def test_command_writes_csv_and_xlsx_with_clear_ids_and_audits(tree, personas, tmp_path):
    target = tmp_path / "report.csv"
    call_command("export_national", "--org", str(tree.province.pk), "--to", str(target), "--reason", "年度报送")
    with (tmp_path / "report.members.csv").open(encoding="utf-8-sig") as fh:
        lines = list(csv.reader(fh))
    assert lines[1] == member_row(ID)
    with (tmp_path / "report.orgs.csv").open(encoding="utf-8-sig") as fh:
        assert len(list(csv.reader(fh))) == 1 + 9  # the province and its eight orgs below
    events = AuditEvent.objects.filter(action="insight.national.export").order_by("id")
    assert [(e.org_path, e.actor_label, e.data) for e in events] == [
        (tree.province.path, "命令行导出", {"dataset": "会员信息", "format": "csv", "rows": 1, "clear_ids": True,
                                         "reason": "年度报送", "via": "command"}),
        (tree.province.path, "命令行导出", {"dataset": "工会组织信息", "format": "csv", "rows": 9, "clear_ids": False,
                                         "reason": "年度报送", "via": "command"}),
    ]
    assert ID not in str(list(AuditEvent.objects.values_list("data", flat=True)))
    book_path = tmp_path / "report.xlsx"
    call_command("export-national", "--org", str(tree.province.pk), "--to", str(book_path), "--masked")
    book = load_workbook(book_path, read_only=True)
    assert book.sheetnames == ["会员信息", "工会组织信息"]
    assert [c.value for c in next(book["会员信息"].iter_rows(min_row=2, max_row=2))][:3] == [
        "370102000000001", "张伟", MASKED]


def national_client(org, scopes=("open:national",)):
    key, secret = services.create_key(org=org, name="全总报送", scopes=list(scopes), rate_per_minute=100, by=SYSTEM)
    return key, Client(headers={"X-Api-Key": secret})


def test_api_members_json_and_csv_with_clear_ids_audited_under_the_key(tree, personas):
    key, client = national_client(tree.jinan)
    answer = client.get("/api/v1/open/national/members")
    assert answer.status_code == 200
    data = answer.json()
    assert (data["count"], data["page"]) == (1, 1)
    assert data["items"][0]["id_number"] == ID
    assert data["items"][0]["card_number"] == "370102000000001"
    assert [e["id"] for e in data["elements"]][:3] == ["card_number", "name", "id_number"]
    text = client.get("/api/v1/open/national/members", {"format": "csv"})
    assert b"".join(text.streaming_content).decode("utf-8").splitlines()[1] == ",".join(member_row(ID))
    events = list(services.key_events(key).values_list("action", "actor_label", "data"))
    assert [a for a, _, _ in events] == ["insight.national.export", "insight.national.export", "insight.api_key.create"]
    assert [(label, d["format"], d["rows"], d["clear_ids"], d["via"]) for _, label, d in events[:2]] == [
        (f"接口密钥 全总报送（suk_{key.prefix}…）", "csv", 1, True, "api"),
        (f"接口密钥 全总报送（suk_{key.prefix}…）", "json", 1, True, "api")]


def test_api_national_scope_inside_and_outside(tree, personas):
    _, qingdao = national_client(tree.qingdao)
    assert qingdao.get("/api/v1/open/national/members").json()["items"] == []  # 张伟 is in 济南's subtree
    orgs = qingdao.get("/api/v1/open/national/orgs").json()
    assert [i["name"] for i in orgs["items"]] == [
        "青岛市总工会", "市南区总工会", "市南区八大湖街道工会", "丙公司工会委员会"]
    assert qingdao.get("/api/v1/open/national/orgs", {"page_size": 101}).status_code == 422
    _, stats_only = national_client(tree.province, scopes=("open:statistics",))
    assert stats_only.get("/api/v1/open/national/members").status_code == 403
