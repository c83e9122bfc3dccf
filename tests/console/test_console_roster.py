"""Console roster pages: upload, progress (self-refreshing while running), commit, error list, template, export."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from tests.members.test_roster import (
    CONFLICT,
    ERRORS,
    LI_ID,
    SUN_ID,
    WANG_ID,
    ZHANG_ID,
    ZHAO_ID,
    make_people,
    table_sizes,
    upload,
)

from smartunion.core.models import AuditEvent
from smartunion.members.models import Membership, RosterImport

LIST = "/console/members/rosterimport/"
# The members of 甲公司 once the roster is committed: the worker persona and the four rows of the upload it takes.
FULL_IDS = sorted([ZHANG_ID, WANG_ID, LI_ID, SUN_ID, ZHAO_ID])
UPLOAD = LIST + "upload/"
TEMPLATE = LIST + "template/"
EXPORT = LIST + "export/"
MEMBERSHIPS = "/console/members/membership/"


@pytest.fixture(autouse=True)
def _sync_jobs(settings, tmp_path):
    settings.ROSTER_IMPORT_THREADS = False
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def people(tree, personas):
    return make_people(tree)


def progress_url(job):
    return f"{LIST}{job.pk}/progress/"


def sheet_rows(response):
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    return [tuple(r) for r in book.worksheets[0].iter_rows(values_only=True)]


def uploaded(client, tree):
    response = client.post(UPLOAD, {"union": tree.grassroots.pk, "file": upload()})
    assert response.status_code == 302
    return RosterImport.objects.get()


def test_urls():
    assert reverse("console:members_rosterimport_changelist") == LIST
    assert reverse("console:members_rosterimport_upload") == UPLOAD
    assert reverse("console:members_rosterimport_template") == TEMPLATE
    assert reverse("console:members_rosterimport_export") == EXPORT
    assert reverse("console:members_rosterimport_progress", args=[7]) == f"{LIST}7/progress/"
    assert reverse("console:members_rosterimport_commit", args=[7]) == f"{LIST}7/commit/"
    assert reverse("console:members_rosterimport_errors", args=[7]) == f"{LIST}7/errors/"


def test_list_page_offers_upload_template_and_export(personas, console):
    response = console(personas.grassroots_cadre).get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("上传会员名册", "下载导入模板", "导出会员名册", "名册导入导出"):
        assert text in html


def test_upload_page_and_template_download(personas, console):
    client = console(personas.grassroots_cadre)
    response = client.get(UPLOAD)
    assert response.status_code == 200
    html = response.content.decode()
    assert "可用列：姓名、身份证号码、手机号码、民族、学历、政治面貌、用工形式、服务平台、住址、入会日期" in html
    assert "上传并试运行" in html
    response = client.get(TEMPLATE)
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "filename*=UTF-8''%E4%BC%9A%E5%91%98" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["会员名册", "填写说明", "代码表"]


def test_union_field_searches_the_cadres_orgs(tree, personas, console):
    response = console(personas.city_cadre).get("/console/autocomplete/", {
        "app_label": "members", "model_name": "rosterimport", "field_name": "union", "term": "公司"})
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["甲公司工会委员会"]  # not 丙公司 in 青岛


def test_upload_runs_the_dry_run_and_the_progress_page_shows_it(tree, personas, people, console):
    client = console(personas.grassroots_cadre)
    before = table_sizes()
    response = client.post(UPLOAD, {"union": tree.grassroots.pk, "file": upload()})
    job = RosterImport.objects.get()
    assert response["Location"] == progress_url(job)
    assert table_sizes() == before
    response = client.get(progress_url(job))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'http-equiv="refresh"' not in html
    assert "状态：<strong id=\"roster-status\">已校验，待确认</strong>" in html
    assert "<tr><th class=\"text-left pr-4\">将新增</th><td>3</td></tr>" in html
    assert "<tr><th class=\"text-left pr-4\">冲突（已是其他工会会员）</th><td>1</td></tr>" in html
    assert "以上为试运行结果，尚未写入任何数据。" in html
    assert f"<tr><td>6</td><td>身份证号码</td><td>{CONFLICT}</td></tr>" in html
    assert "<tr><td>8</td><td>身份证号码</td><td>与第2行身份证号码重复</td></tr>" in html
    for button in ("下载错误清单", "确认导入", "重新上传"):
        assert button in html
    assert WANG_ID not in html


def test_a_running_job_refreshes_itself_and_shows_a_progress_bar(tree, personas, people, console):
    client = console(personas.grassroots_cadre)
    job = uploaded(client, tree)
    RosterImport.objects.filter(pk=job.pk).update(status="validating", processed=4, total=11)
    html = client.get(progress_url(job)).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in html
    assert '<progress class="w-full" max="100" value="36">36%</progress>' in html
    assert "已处理 4 / 11 行（36%）" in html
    for button in ("下载错误清单", "确认导入", "重新上传"):
        assert button not in html


def test_commit_from_the_progress_page(tree, personas, people, console):
    client = console(personas.grassroots_cadre)
    job = uploaded(client, tree)
    response = client.post(f"{LIST}{job.pk}/commit/", follow=True)
    assert response.redirect_chain[-1][0] == progress_url(job)
    html = response.content.decode()
    assert "已确认导入，正在写入" in html
    assert "导入完成：新增3人，更新1人" in html
    assert "<tr><th class=\"text-left pr-4\">新增</th><td>3</td></tr>" in html
    assert "确认导入</button>" not in html
    assert Membership.objects.filter(union=tree.grassroots, status="active").count() == 5
    assert AuditEvent.objects.filter(action="members.roster.commit", actor=personas.grassroots_cadre).count() == 1
    # Committing again is refused with a message, nothing more written.
    sizes = table_sizes()
    response = client.post(f"{LIST}{job.pk}/commit/", follow=True)
    assert "该导入任务当前不能确认导入" in response.content.decode()
    assert table_sizes() == sizes
    assert client.get(f"{LIST}{job.pk}/commit/").status_code == 405


def test_error_list_download(tree, personas, people, console):
    client = console(personas.grassroots_cadre)
    job = uploaded(client, tree)
    response = client.get(f"{LIST}{job.pk}/errors/")
    rows = sheet_rows(response)
    labels = {"conflict": "冲突", "invalid": "出错", "mismatch": "出错"}
    assert rows == [("行号", "列", "原因", "类别"), *[(r, c, m, labels[k]) for r, c, m, k in ERRORS]]


def test_another_cadres_job_is_not_found(tree, personas, people, console):
    job = uploaded(console(personas.grassroots_cadre), tree)
    outsider = console(personas.other_city_cadre)
    assert outsider.get(progress_url(job)).status_code == 404
    assert outsider.get(f"{LIST}{job.pk}/errors/").status_code == 404
    assert outsider.post(f"{LIST}{job.pk}/commit/").status_code == 404
    assert RosterImport.objects.get(pk=job.pk).status == "validated"
    assert job.file_name not in outsider.get(LIST).content.decode()
    # The change link of the list leads to the progress page.
    response = console(personas.county_cadre).get(f"{LIST}{job.pk}/change/")
    assert response["Location"] == progress_url(job)


def test_upload_into_an_out_of_scope_union_is_refused(tree, personas, console):
    response = console(personas.city_cadre).post(UPLOAD, {"union": tree.qd_grassroots.pk, "file": upload()})
    assert response.status_code == 200
    assert "请选择您管理的基层工会、联合基层工会、乡镇（街道）工会或分工会" in response.content.decode()
    assert not RosterImport.objects.exists()


def test_a_reviewer_cannot_upload(tree, console):
    from tests.members.conftest import cadre

    reviewer = cadre("reviewer", tree.grassroots, role="reviewer")
    assert console(reviewer).get(UPLOAD).status_code == 403


def test_a_bad_file_is_refused_on_the_form(tree, personas, console, excel):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = console(personas.grassroots_cadre).post(
        UPLOAD, {"union": tree.grassroots.pk, "file": SimpleUploadedFile("名册.xls", b"\xd0\xcf\x11\xe0")})
    assert "请上传 .xlsx 格式的 Excel 文件（可先下载导入模板）" in response.content.decode()
    assert not RosterImport.objects.exists()


# Export -----------------------------------------------------------------------------------------------------------


@pytest.fixture
def committed(tree, personas, people, console):
    client = console(personas.grassroots_cadre)
    job = uploaded(client, tree)
    client.post(f"{LIST}{job.pk}/commit/")
    return job


def test_export_page_masked_by_default(tree, personas, committed, console):
    client = console(personas.county_cadre)
    assert "导出脱敏名册" in client.get(EXPORT).content.decode()
    response = client.post(EXPORT, {"org": tree.grassroots.pk, "mode": "masked"})
    rows = sheet_rows(response)
    wang = next(r for r in rows if r[2] == "王芳")
    assert wang[3:5] == (WANG_ID[:4] + "**********" + WANG_ID[-4:], "138****0001")
    assert len(rows) == 6
    event = AuditEvent.objects.get(action="members.roster.export")
    assert (event.actor, event.org, event.data["count"]) == (personas.county_cadre, tree.grassroots, 5)


def test_full_export_needs_a_reason_and_is_audited(tree, personas, committed, console):
    client = console(personas.county_cadre)
    response = client.post(EXPORT, {"org": tree.grassroots.pk, "mode": "full", "reason": " "})
    assert response.status_code == 200
    assert "完整导出包含身份证号码、手机号码和住址，请填写导出原因" in response.content.decode()
    assert not AuditEvent.objects.filter(action="members.roster.export_full").exists()
    response = client.post(EXPORT, {"mode": "full", "reason": "年度会员统计报送"})
    rows = sheet_rows(response)
    # The county's scope: the five members of 甲公司, their ID numbers in clear.
    assert sorted(r[3] for r in rows[1:]) == FULL_IDS
    event = AuditEvent.objects.get(action="members.roster.export_full")
    assert (event.actor, event.org, event.data) == (
        personas.county_cadre, tree.lixia, {"count": 5, "org": tree.lixia.pk, "reason": "年度会员统计报送"})


def test_full_export_of_an_org_the_cadre_does_not_manage_is_forbidden(tree, personas, committed, console):
    from tests.members.conftest import cadre

    reviewer = cadre("reviewer", tree.grassroots, role="reviewer")
    client = console(reviewer)
    response = client.post(EXPORT, {"org": tree.grassroots.pk, "mode": "full", "reason": "核对"})
    assert response.status_code == 200  # the refusal on the form, as every service refusal in the console
    assert response.context["form"].non_field_errors() == ["您无权导出该工会的完整名册"]
    assert not AuditEvent.objects.filter(action="members.roster.export_full").exists()
    response = client.post(EXPORT, {"org": tree.grassroots.pk, "mode": "masked"})
    assert len(sheet_rows(response)) == 6
    response = console(personas.other_city_cadre).post(EXPORT, {"org": tree.grassroots.pk, "mode": "masked"})
    assert response.status_code == 200  # not among the choices: the form is shown again
    assert "请选择您管辖范围内的组织" in response.content.decode()
    assert not AuditEvent.objects.filter(action="members.roster.export", actor=personas.other_city_cadre).exists()


def test_membership_list_actions_export_masked_and_full_with_a_reason(tree, personas, committed, console):
    client = console(personas.county_cadre)
    ids = [str(pk) for pk in Membership.objects.filter(union=tree.grassroots).values_list("pk", flat=True)]
    response = client.post(MEMBERSHIPS, {"action": "export_selected", "_selected_action": ids, "index": 0})
    rows = sheet_rows(response)
    assert sorted(r[3] for r in rows[1:]) == sorted(i[:4] + "**********" + i[-4:] for i in FULL_IDS)
    assert AuditEvent.objects.filter(action="members.roster.export").count() == 1
    # Full: first a confirmation page asking for the reason, then the file.
    response = client.post(MEMBERSHIPS, {"action": "export_selected_full", "_selected_action": ids, "index": 0})
    html = response.content.decode()
    assert response.status_code == 200 and "请填写导出原因" not in html
    assert "将导出 5 名在册会员的完整信息" in html
    response = client.post(MEMBERSHIPS, {"action": "export_selected_full", "_selected_action": ids, "confirm": "1",
                                         "reason": "", "select_across": "0"})
    assert "请填写导出原因" in response.content.decode()
    assert not AuditEvent.objects.filter(action="members.roster.export_full").exists()
    response = client.post(MEMBERSHIPS, {"action": "export_selected_full", "_selected_action": ids, "confirm": "1",
                                         "reason": "换届选举核对", "select_across": "0"})
    rows = sheet_rows(response)
    assert sorted(r[3] for r in rows[1:]) == FULL_IDS
    event = AuditEvent.objects.get(action="members.roster.export_full")
    assert event.data["reason"] == "换届选举核对" and event.data["count"] == 5


def test_an_export_over_the_limit_says_so(tree, personas, committed, console, settings):
    settings.ROSTER_EXPORT_MAX_ROWS = 3
    client = console(personas.county_cadre)
    response = client.post(EXPORT, {"org": tree.grassroots.pk, "mode": "masked"})
    assert "导出范围内有5名会员，超过单次导出上限3名，请选择更小的范围" in response.content.decode()
    ids = [str(pk) for pk in Membership.objects.filter(union=tree.grassroots).values_list("pk", flat=True)]
    response = client.post(MEMBERSHIPS, {"action": "export_selected", "_selected_action": ids, "index": 0},
                           follow=True)
    assert "导出范围内有5名会员，超过单次导出上限3名，请选择更小的范围" in response.content.decode()


def make_stale(job, status):
    RosterImport.objects.filter(pk=job.pk).update(status=status, heartbeat_at=timezone.now() - dt.timedelta(hours=1))


def test_a_commit_whose_process_died_shows_failed_and_can_be_resumed(tree, personas, people, console):
    client = console(personas.grassroots_cadre)
    job = uploaded(client, tree)
    make_stale(job, "committing")  # confirmed, then the worker died before writing anything
    html = client.get(progress_url(job)).content.decode()
    assert "状态：<strong id=\"roster-status\">失败</strong>" in html
    assert '<p class="mb-4" id="roster-message">后台任务意外中断，可以继续或重新开始</p>' in html
    assert 'http-equiv="refresh"' not in html
    assert "继续导入</button>" in html and "重新校验</button>" not in html
    assert AuditEvent.objects.filter(action="members.roster.stale", target_id=str(job.pk)).count() == 1
    # Without the confirmation box nothing happens.
    response = client.post(f"{LIST}{job.pk}/resume/", follow=True)
    assert "请勾选确认后再提交" in response.content.decode()
    assert RosterImport.objects.get(pk=job.pk).status == "failed"
    assert console(personas.other_city_cadre).post(f"{LIST}{job.pk}/resume/", {"confirm": "1"}).status_code == 404
    response = client.post(f"{LIST}{job.pk}/resume/", {"confirm": "1"}, follow=True)
    html = response.content.decode()
    assert "已继续导入，已写入的部分不会重复写入" in html
    assert "导入完成：新增3人，更新1人" in html
    assert Membership.objects.filter(union=tree.grassroots, status="active").count() == 5
    event = AuditEvent.objects.get(action="members.roster.resume")
    assert (event.actor, event.target_id) == (personas.grassroots_cadre, str(job.pk))
    assert client.get(f"{LIST}{job.pk}/resume/").status_code == 405


def test_a_dry_run_whose_process_died_can_be_checked_again(tree, personas, people, console, settings):
    client = console(personas.grassroots_cadre)
    settings.CELERY_TASK_ALWAYS_EAGER = False  # queued until the request's transaction commits: never, here
    job = uploaded(client, tree)
    settings.CELERY_TASK_ALWAYS_EAGER = True
    make_stale(job, "validating")
    client.get(LIST)  # the list page notices dead jobs too
    assert RosterImport.objects.get(pk=job.pk).status == "failed"
    html = client.get(progress_url(job)).content.decode()
    assert "重新校验</button>" in html and "继续导入</button>" not in html
    response = client.post(f"{LIST}{job.pk}/restart/", {"confirm": "1"}, follow=True)
    html = response.content.decode()
    assert "已重新开始试运行校验" in html
    assert "状态：<strong id=\"roster-status\">已校验，待确认</strong>" in html
    assert "<tr><th class=\"text-left pr-4\">将新增</th><td>3</td></tr>" in html
    assert AuditEvent.objects.filter(action="members.roster.revalidate", actor=personas.grassroots_cadre).count() == 1
