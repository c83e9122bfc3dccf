"""Registry import (政务数据导入): CSV (UTF-8, GBK) and xlsx, rejects with reasons, the report, resume after a crash,
an unchanged re-import, tax and insured rows."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from smartunion.core.actors import SYSTEM
from smartunion.core.errors import Forbidden
from smartunion.core.validators import make_credit_code
from smartunion.insight import registry_formats as formats
from smartunion.insight.models import CompanyRecord, InsuredMonth, RegistryImport
from smartunion.insight.services import registries

A = make_credit_code("91370102MA0000001")  # 济南甲科技 (the tree's employer)
B = make_credit_code("91370102MA0000002")
C = make_credit_code("91370202MA0000003")

COMPANY_ROWS = [
    [A, "济南甲科技有限公司", "王一", "历下区解放路1号", "370102", "I", "存续", "2015-03-01"],
    [B, "济南乙商贸有限公司", "李二", "历下区经十路2号", "370102", "F 批发和零售业", "在业", "2018/6/1"],
    [C, "青岛丙物流有限公司", "赵三", "市南区香港路3号", "370202", "G", "注销", "20120101"],
    ["", "济南丁餐饮店", "钱四", "历下区泉城路4号", "370102", "", "存续", "2020年5月1日"],
    [A[:17] + ("0" if A[17] != "0" else "1"), "坏代码公司", "", "", "370102", "", "存续", ""],
    [make_credit_code("91370102MA0000005"), "", "", "", "370102", "", "存续", ""],
    [make_credit_code("91370102MA0000006"), "未知区划公司", "", "", "999999", "", "存续", ""],
    [make_credit_code("91370102MA0000007"), "坏日期公司", "", "", "370102", "", "存续", "2020-13-45"],
    [make_credit_code("91370102MA0000008"), "坏状态公司", "", "", "370102", "", "", ""],
]


@pytest.fixture(autouse=True)
def _synchronous(settings):
    settings.INSIGHT_REGISTRY_THREADS = False


def upload(kind, rows, *, name=None, encoding="utf-8"):
    content = formats.sample_csv(kind, rows, encoding=encoding)
    return SimpleUploadedFile(name or f"{kind}.csv", content, content_type="text/csv")


def xlsx_upload(kind, rows):
    book = Workbook()
    sheet = book.active
    sheet.append(formats.COLUMNS[kind])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(f"{kind}.xlsx", buffer.getvalue())


def report(job):
    job.refresh_from_db()
    return (job.status, job.rows_total, job.position, job.added, job.changed, job.unchanged, job.rejected)


def test_company_csv_report_and_rejects(tree):
    job = registries.create_import(org=tree.province, kind="company", upload=upload("company", COMPANY_ROWS),
                                   by=SYSTEM)
    assert report(job) == ("done", 9, 9, 4, 0, 0, 5)
    assert [(r.row_number, r.reason) for r in job.rejects.all()] == [
        (6, f"统一社会信用代码校验码错误（{COMPANY_ROWS[4][0]}）"),
        (7, "缺少企业名称"),
        (8, "未知的行政区划代码“999999”"),
        (9, "成立日期“2020-13-45”格式错误（应为 2015-03-01）"),
        (10, "缺少登记状态"),
    ]
    a = CompanyRecord.objects.get(credit_code=A)
    assert (a.record_key, a.normalized_name, a.industry, a.status, a.founded_on, a.area_path) == (
        A, "甲科技", "I", "active", dt.date(2015, 3, 1), tree.lixia_town.path)
    assert CompanyRecord.objects.get(credit_code=B).industry == "F"
    c = CompanyRecord.objects.get(credit_code=C)
    assert (c.status, c.area_path) == ("cancelled", tree.shinan_town.path)
    d = CompanyRecord.objects.get(name="济南丁餐饮店")
    assert d.credit_code is None and d.record_key.startswith("N:") and d.founded_on == dt.date(2020, 5, 1)


def test_gbk_and_xlsx_give_the_same_records(tree):
    gbk = registries.create_import(org=tree.province, kind="company",
                                   upload=upload("company", COMPANY_ROWS[:4], encoding="gbk"), by=SYSTEM)
    assert report(gbk) == ("done", 4, 4, 4, 0, 0, 0)
    assert CompanyRecord.objects.get(credit_code=B).name == "济南乙商贸有限公司"
    again = registries.create_import(org=tree.province, kind="company", upload=xlsx_upload("company", COMPANY_ROWS[:4]),
                                     by=SYSTEM)
    assert report(again) == ("done", 4, 4, 0, 0, 4, 0)


def test_reimport_unchanged_and_changed(tree):
    registries.create_import(org=tree.province, kind="company", upload=upload("company", COMPANY_ROWS[:4]), by=SYSTEM)
    rows = [list(r) for r in COMPANY_ROWS[:4]]
    rows[1][6] = "吊销，未注销"
    job = registries.create_import(org=tree.province, kind="company", upload=upload("company", rows), by=SYSTEM)
    assert report(job) == ("done", 4, 4, 0, 1, 3, 0)
    assert CompanyRecord.objects.get(credit_code=B).status == "revoked"
    assert CompanyRecord.objects.count() == 4


def test_resume_after_a_crash_continues_from_position(tree, monkeypatch):
    monkeypatch.setattr(registries, "CHUNK_ROWS", 2)
    calls = []

    def crash(job):
        calls.append(job.position)
        if len(calls) == 2:
            raise RuntimeError("worker killed")

    monkeypatch.setattr(registries, "after_chunk", crash)
    job = registries.create_import(org=tree.province, kind="company", upload=upload("company", COMPANY_ROWS),
                                   by=SYSTEM)
    job.refresh_from_db()
    assert (job.status, job.position, job.added, job.rejected) == ("failed", 4, 4, 0)
    assert job.error == "导入中断（已处理 4 行，可以继续导入）：RuntimeError"
    monkeypatch.setattr(registries, "after_chunk", lambda job: calls.append(job.position))
    registries.resume_import(job, by=SYSTEM)
    assert report(job) == ("done", 9, 9, 4, 0, 0, 5)
    assert calls == [2, 4, 6, 8, 9]
    assert CompanyRecord.objects.count() == 4 and job.rejects.count() == 5


def test_pause_keeps_position_and_resume_finishes(tree, monkeypatch):
    monkeypatch.setattr(registries, "CHUNK_ROWS", 3)

    def pause_after_first(job):
        if job.position == 3:
            RegistryImport.objects.filter(pk=job.pk).update(status="paused")

    monkeypatch.setattr(registries, "after_chunk", pause_after_first)
    job = registries.create_import(org=tree.province, kind="company", upload=upload("company", COMPANY_ROWS),
                                   by=SYSTEM)
    assert report(job) == ("paused", 9, 3, 3, 0, 0, 0)
    registries.resume_import(job, by=SYSTEM)
    assert report(job) == ("done", 9, 9, 4, 0, 0, 5)


def test_tax_and_insured(tree):
    registries.create_import(org=tree.province, kind="company", upload=upload("company", COMPANY_ROWS[:4]), by=SYSTEM)
    unknown = make_credit_code("91370102MA0000099")
    tax = registries.create_import(org=tree.jinan, kind="tax", upload=upload("tax", [
        [A, "正常"], [B, "非正常"], [unknown, "正常"], ["", "正常"]]), by=SYSTEM)
    assert report(tax) == ("done", 4, 4, 0, 2, 0, 2)
    assert [r.reason for r in tax.rejects.all()] == [registries.NOT_FOUND, "缺少统一社会信用代码"]
    insured = registries.create_import(org=tree.jinan, kind="insured", upload=upload("insured", [
        [A, "2026-09", "30"], [A, "2026-10", "32"], [B, "202610", "8"], [B, "2026-10", "9"], [A, "2026-1x", "3"],
        [C, "2026-10", "-1"]]), by=SYSTEM)
    assert report(insured) == ("done", 6, 6, 3, 0, 0, 3)
    assert [(r.row_number, r.reason) for r in insured.rejects.all()] == [
        (4, "与第 5 行是同一企业同一月份，以后一行为准"),
        (6, "月份“2026-1x”格式错误（应为 YYYY-MM）"),
        (7, "参保人数“-1”应为不小于0的整数")]
    a = CompanyRecord.objects.get(credit_code=A)
    assert (a.insured_count, a.insured_month, a.taxpayer_status) == (32, dt.date(2026, 10, 1), "正常")
    assert CompanyRecord.objects.get(credit_code=B).insured_count == 9
    older = registries.create_import(org=tree.jinan, kind="insured", upload=upload("insured", [
        [A, "2026-08", "20"], [A, "2026-10", "33"]]), by=SYSTEM)
    assert report(older) == ("done", 2, 2, 1, 1, 0, 0)
    a.refresh_from_db()
    assert (a.insured_count, a.insured_month) == (33, dt.date(2026, 10, 1))
    assert InsuredMonth.objects.filter(company=a).count() == 3


def test_repeated_rows_in_a_file_are_reported_and_the_later_one_wins(tree):
    rows = [list(r) for r in COMPANY_ROWS[:4]]
    rows.append([A, "济南甲科技有限公司", "王一", "历下区解放路9号", "370102", "I", "存续", "2015-03-01"])
    # No credit code: the same company is the same normalised name in the same county (width and brackets aside).
    rows.append(["", "济南丁餐饮店（历下）", "钱四", "历下区泉城路5号", "370102", "", "存续", "2020-05-01"])
    rows.append(["", "济南丁餐饮店", "钱四", "槐荫区经七路6号", "370104", "", "存续", "2020-05-01"])
    job = registries.create_import(org=tree.province, kind="company", upload=upload("company", rows), by=SYSTEM)
    assert report(job) == ("done", 7, 7, 5, 0, 0, 2)
    reason = "与第 {} 行是同一企业（统一社会信用代码相同，无代码时名称和所在区县相同），以后一行为准"
    assert [(r.row_number, r.reason) for r in job.rejects.all()] == [(2, reason.format(6)), (5, reason.format(7))]
    assert CompanyRecord.objects.get(credit_code=A).address == "历下区解放路9号"
    assert sorted(CompanyRecord.objects.filter(credit_code=None).values_list("county_code", "address")) == [
        ("370102", "历下区泉城路5号"), ("370104", "槐荫区经七路6号")]
    tax = registries.create_import(org=tree.province, kind="tax", upload=upload("tax", [[A, "正常"], [A, "非正常"]]),
                                   by=SYSTEM)
    assert report(tax) == ("done", 2, 2, 0, 1, 0, 1)
    assert [(r.row_number, r.reason) for r in tax.rejects.all()] == [
        (2, "与第 3 行是同一统一社会信用代码，以后一行为准")]
    assert CompanyRecord.objects.get(credit_code=A).taxpayer_status == "非正常"


def test_only_province_and_city_managers_import(tree, personas):
    with pytest.raises(Forbidden):
        registries.create_import(org=tree.lixia, kind="company", upload=upload("company", []),
                                 by=personas.county_cadre)
    with pytest.raises(Forbidden):
        registries.create_import(org=tree.province, kind="company", upload=upload("company", COMPANY_ROWS[:1]),
                                 by=personas.city_cadre)
    job = registries.create_import(org=tree.jinan, kind="company", upload=upload("company", COMPANY_ROWS[:1]),
                                   by=personas.city_cadre)
    assert report(job) == ("done", 1, 1, 1, 0, 0, 0)


def test_a_file_without_the_required_columns_fails_with_the_reason(tree):
    content = "统一社会信用代码,名称\n".encode() + f"{A},济南甲科技有限公司\n".encode()
    job = registries.create_import(org=tree.province, kind="company",
                                   upload=SimpleUploadedFile("缺列.csv", content), by=SYSTEM)
    job.refresh_from_db()
    assert (job.status, job.position) == ("failed", 0)
    assert job.error == "缺少必需的列：行政区划代码、登记状态（第1行应为表头）"


def test_a_stale_running_import_is_paused_and_resumable(tree, settings):
    from django.utils import timezone

    stale = timezone.now() - dt.timedelta(minutes=settings.JOB_STALE_MINUTES + 1)
    job = registries.create_import(org=tree.province, kind="company", upload=upload("company", COMPANY_ROWS[:2]),
                                   by=SYSTEM, background=False)
    RegistryImport.objects.filter(pk=job.pk).update(
        status="running", position=1, heartbeat_at=stale)
    assert registries.mark_stale_imports() == 1
    job.refresh_from_db()
    assert (job.status, job.error, registries.can_resume(job)) == ("paused", registries.STALE_MESSAGE, True)
    registries.resume_import(job, by=SYSTEM)
    assert report(job) == ("done", 2, 2, 2, 0, 1, 0)
