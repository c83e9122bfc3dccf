"""Excel import of orgs and employers: dry run, idempotent re-import, per-row errors, the errors workbook."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from smartunion.console.imports import EMPLOYER_COLUMNS, ORG_COLUMNS
from smartunion.core.actors import SYSTEM
from smartunion.core.models import AuditEvent
from smartunion.core.validators import make_credit_code
from smartunion.orgs.models import Employer, Organisation

ORG_IMPORT = "/console/orgs/organisation/import/"
EMPLOYER_IMPORT = "/console/orgs/employer/import/"
GOOD_CODE = make_credit_code("81370102MA0000002")
BAD_CODE = "81370102MA00000020"  # wrong check character


def test_import_urls():
    assert reverse("console:orgs_organisation_import") == ORG_IMPORT
    assert reverse("console:orgs_employer_import") == EMPLOYER_IMPORT


def org_rows(tree):
    return [
        ORG_COLUMNS,
        ["历下区戊公司工会委员会", "基层工会", tree.lixia_town.pk, "370102", GOOD_CODE, "解放路1号", "王芳",
         dt.date(2023, 4, 1)],
        ["历下区己公司工会委员会", "基层工会", tree.lixia_town.pk, "370102", BAD_CODE, None, None, None],
        ["越权工会", "基层工会", tree.shinan_town.pk, "370202", None, None, None, None],
        ["历下区庚联合工会", "联合基层工会", tree.lixia_town.pk, None, None, None, None, "2022-12-31"],
    ]


ORG_ERRORS = [
    (3, "统一社会信用代码", "统一社会信用代码校验码错误"),
]


def _report(response):
    assert response.status_code == 200
    report = response.context["report"]
    return (report.created, report.updated, report.unchanged, [(e.row, e.column, e.message) for e in report.errors],
            report.dry_run)


def _names(parent):
    return sorted(Organisation.objects.filter(parent=parent).values_list("name", flat=True))


def test_import_page_shows_the_columns(personas, console):
    response = console(personas.county_cadre).get(ORG_IMPORT)
    assert response.status_code == 200
    assert response.context["title"] == "导入工会组织"
    html = response.content.decode()
    assert "可用列：名称、类型、上级组织编号、行政区划代码、统一社会信用代码、地址、联系人、成立日期" in html
    assert "必填列：名称、类型、上级组织编号" in html


def test_dry_run_reports_counts_and_writes_nothing(tree, personas, console, excel):
    orgs, events = Organisation.objects.count(), AuditEvent.objects.count()
    response = console(personas.county_cadre).post(ORG_IMPORT, {"file": excel.upload(org_rows(tree)),
                                                                "dry_run": "on"})
    out_of_scope = f"组织编号 {tree.shinan_town.pk} 不存在或不在您的管辖范围内"
    assert _report(response) == (2, 0, 0, [*ORG_ERRORS, (4, "上级组织编号", out_of_scope)], True)
    html = response.content.decode()
    assert "试运行结果（未写入）" in html
    assert ("新增 <strong>2</strong> 行，更新 <strong>0</strong> 行，无变化 <strong>0</strong> 行，"
            "出错 <strong>2</strong> 行。") in html
    assert f"<tr><td>4</td><td>上级组织编号</td><td>{out_of_scope}</td></tr>" in html
    assert (Organisation.objects.count(), AuditEvent.objects.count()) == (orgs, events)


def test_import_creates_the_good_rows_and_reports_the_bad(tree, personas, console, excel):
    response = console(personas.county_cadre).post(ORG_IMPORT, {"file": excel.upload(org_rows(tree))})
    out_of_scope = f"组织编号 {tree.shinan_town.pk} 不存在或不在您的管辖范围内"
    assert _report(response) == (2, 0, 0, [*ORG_ERRORS, (4, "上级组织编号", out_of_scope)], False)
    assert "导入结果" in response.content.decode()
    assert _names(tree.lixia_town) == ["历下区庚联合工会", "历下区戊公司工会委员会", "甲公司工会委员会"]
    assert _names(tree.shinan_town) == ["丙公司工会委员会"]
    wu = Organisation.objects.get(name="历下区戊公司工会委员会")
    assert (wu.kind, wu.region_id, wu.credit_code, wu.address, wu.contact_name, wu.founded_on, wu.depth) == (
        "grassroots", "370102", GOOD_CODE, "解放路1号", "王芳", dt.date(2023, 4, 1), 5)
    geng = Organisation.objects.get(name="历下区庚联合工会")
    assert (geng.kind, geng.region_id, geng.founded_on) == ("joint", None, dt.date(2022, 12, 31))
    events = AuditEvent.objects.filter(action="orgs.organisation.create", actor=personas.county_cadre)
    assert sorted(events.values_list("target_label", flat=True)) == ["历下区庚联合工会", "历下区戊公司工会委员会"]


def test_reimporting_the_same_file_changes_nothing(tree, personas, console, excel):
    client = console(personas.county_cadre)
    client.post(ORG_IMPORT, {"file": excel.upload(org_rows(tree))})
    orgs, events = Organisation.objects.count(), AuditEvent.objects.count()
    response = client.post(ORG_IMPORT, {"file": excel.upload(org_rows(tree))})
    created, updated, unchanged, errors, _ = _report(response)
    assert (created, updated, unchanged, len(errors)) == (0, 0, 2, 2)
    assert (Organisation.objects.count(), AuditEvent.objects.count()) == (orgs, events)


def test_reimport_with_a_changed_cell_updates_the_row(tree, personas, console, excel):
    client = console(personas.county_cadre)
    client.post(ORG_IMPORT, {"file": excel.upload(org_rows(tree))})
    rows = org_rows(tree)
    rows[1][5] = "解放路99号"
    response = client.post(ORG_IMPORT, {"file": excel.upload(rows)})
    assert _report(response)[:3] == (0, 1, 1)
    assert Organisation.objects.get(name="历下区戊公司工会委员会").address == "解放路99号"
    event = AuditEvent.objects.filter(action="orgs.organisation.update").get()
    assert (event.actor_id, event.target_label, event.data) == (
        personas.county_cadre.pk, "历下区戊公司工会委员会", {"fields": ["address"]})


def test_row_errors_name_row_column_and_reason(tree, personas, console, excel):
    rows = [
        ORG_COLUMNS,
        ["无效类型", "工会", tree.lixia_town.pk, None, None, None, None, None],
        ["缺上级", "基层工会", None, None, None, None, None, None],
        ["上级非数字", "基层工会", "解放路街道", None, None, None, None, None],
        ["坏日期", "基层工会", tree.lixia_town.pk, None, None, None, None, "2023/04/01"],
        ["坏区划", "基层工会", tree.lixia_town.pk, "999999", None, None, None, None],
        ["错层级", "省总工会", tree.lixia_town.pk, None, None, None, None, None],
    ]
    response = console(personas.county_cadre).post(ORG_IMPORT, {"file": excel.upload(rows)})
    assert _report(response) == (0, 0, 0, [
        (2, "类型", "组织类型无效，可选：全国总工会、省总工会、市总工会、县（区）总工会、产业工会、"
                  "乡镇（街道）工会、基层工会、联合基层工会、分工会"),
        (3, "上级组织编号", "请填写上级组织编号"),
        (4, "上级组织编号", "应填写组织编号（数字）"),
        (5, "成立日期", "日期格式应为 2024-01-31"),
        (6, "行政区划代码", "行政区划代码不存在"),
        (7, "类型", "“乡镇（街道）工会”下不能设立“省总工会”"),
    ], False)
    assert _names(tree.lixia_town) == ["甲公司工会委员会"]


def test_errors_workbook_lists_row_column_reason(tree, personas, console, excel):
    response = console(personas.county_cadre).post(
        ORG_IMPORT, {"file": excel.upload(org_rows(tree)), "dry_run": "on", "errors_xlsx": "1"})
    assert response.status_code == 200
    assert response["Content-Type"] == excel.content_type
    assert response["Content-Disposition"] == (
        "attachment; filename*=UTF-8''%E5%AF%BC%E5%85%A5%E9%94%99%E8%AF%AF.xlsx")  # 导入错误.xlsx
    assert excel.rows(response) == [
        ("行号", "列", "原因"),
        (3, "统一社会信用代码", "统一社会信用代码校验码错误"),
        (4, "上级组织编号", f"组织编号 {tree.shinan_town.pk} 不存在或不在您的管辖范围内"),
    ]
    assert _names(tree.lixia_town) == ["甲公司工会委员会"]  # it was a dry run


def test_errors_button_without_errors_shows_the_report(tree, personas, console, excel):
    rows = org_rows(tree)[:2]
    response = console(personas.county_cadre).post(
        ORG_IMPORT, {"file": excel.upload(rows), "dry_run": "on", "errors_xlsx": "1"})
    assert response["Content-Type"].startswith("text/html")
    assert _report(response) == (1, 0, 0, [], True)


def test_a_file_that_is_not_xlsx_is_refused(personas, console):
    upload = SimpleUploadedFile("orgs.xlsx", "名称,类型\n甲,基层工会\n".encode(), content_type="text/csv")
    response = console(personas.county_cadre).post(ORG_IMPORT, {"file": upload, "dry_run": "on"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"file": ["无法读取文件，请上传 .xlsx 格式的 Excel 文件"]}
    assert response.context["report"] is None


def test_missing_required_columns_are_named(tree, personas, console, excel):
    upload = excel.upload([["名称", "地址"], ["历下区戊公司工会委员会", "解放路1号"]])
    response = console(personas.county_cadre).post(ORG_IMPORT, {"file": upload, "dry_run": "on"})
    assert response.context["form"].errors == {"file": ["缺少必填列：类型、上级组织编号"]}
    assert response.context["report"] is None


def test_an_empty_workbook_is_refused(personas, console, excel):
    response = console(personas.county_cadre).post(ORG_IMPORT, {"file": excel.upload([]), "dry_run": "on"})
    assert response.context["form"].errors == {"file": ["文件是空的"]}


def test_blank_rows_are_skipped_and_row_numbers_stay_true(tree, personas, console, excel):
    rows = [ORG_COLUMNS, [None] * 8, ["", "基层工会", tree.lixia_town.pk, None, None, None, None, None]]
    response = console(personas.county_cadre).post(ORG_IMPORT, {"file": excel.upload(rows), "dry_run": "on"})
    assert _report(response) == (0, 0, 0, [(3, "名称", "请填写组织名称")], True)


def test_reviewer_may_not_import(tree, personas, console, excel):
    from smartunion.accounts.models import User
    from smartunion.orgs import services
    from smartunion.orgs.models import Position

    reviewer = User.objects.create(username="reviewer", kind=User.Kind.CADRE, is_staff=True)
    services.position_grant(user=reviewer, org=tree.lixia, role=Position.Role.REVIEWER, by=SYSTEM)
    response = console(reviewer).post(ORG_IMPORT, {"file": excel.upload(org_rows(tree))})
    assert response.status_code == 403
    assert _names(tree.lixia_town) == ["甲公司工会委员会"]


def test_worker_is_sent_to_the_login_page(personas, console):
    response = console(personas.worker).get(ORG_IMPORT)
    assert (response.status_code, response.url) == (302, f"/console/login/?next={ORG_IMPORT}")


# Employers

NEW_CODE = make_credit_code("91370102MA0000009")


def employer_rows(tree):
    return [
        EMPLOYER_COLUMNS,
        ["济南丁餐饮有限公司", NEW_CODE, "370102", "h", "小型（10-99人）", None, tree.lixia_town.pk, "解放路2号"],
        ["济南甲科技有限公司", tree.employer.credit_code, 370102, "I", "中型（100-999人）", tree.grassroots.pk,
         tree.lixia_town.pk, "解放路3号"],
        ["坏代码公司", "91370102MA00000090", "370102", None, None, None, tree.lixia_town.pk, None],
        ["越权公司", None, "370202", None, None, tree.qd_grassroots.pk, None, None],
    ]


def _employer_report(tree):
    return [
        (4, "统一社会信用代码", "统一社会信用代码校验码错误"),
        (5, "所属工会编号", f"组织编号 {tree.qd_grassroots.pk} 不存在或不在您的管辖范围内"),
    ]


def test_employer_dry_run_writes_nothing(tree, personas, console, excel):
    before = list(Employer.objects.order_by("pk").values())
    events = AuditEvent.objects.count()
    response = console(personas.county_cadre).post(EMPLOYER_IMPORT, {"file": excel.upload(employer_rows(tree)),
                                                                     "dry_run": "on"})
    assert _report(response) == (1, 1, 0, _employer_report(tree), True)
    assert response.context["title"] == "导入用人单位"
    assert list(Employer.objects.order_by("pk").values()) == before
    assert AuditEvent.objects.count() == events


def test_employer_import_creates_and_updates_by_credit_code(tree, personas, console, excel):
    response = console(personas.county_cadre).post(EMPLOYER_IMPORT, {"file": excel.upload(employer_rows(tree))})
    assert _report(response) == (1, 1, 0, _employer_report(tree), False)
    new = Employer.objects.get(credit_code=NEW_CODE)
    assert (new.name, new.region_id, new.industry, new.size, new.address, new.covering_union_id,
            new.township_union_id) == ("济南丁餐饮有限公司", "370102", "H", "small", "解放路2号", None,
                                       tree.lixia_town.pk)
    jia = Employer.objects.get(pk=tree.employer.pk)
    assert (jia.industry, jia.size, jia.address) == ("I", "medium", "解放路3号")
    assert Employer.objects.count() == 4
    assert not Employer.objects.filter(name__in=["坏代码公司", "越权公司"]).exists()


def test_employer_reimport_is_all_unchanged(tree, personas, console, excel):
    client = console(personas.county_cadre)
    client.post(EMPLOYER_IMPORT, {"file": excel.upload(employer_rows(tree))})
    before = list(Employer.objects.order_by("pk").values())
    response = client.post(EMPLOYER_IMPORT, {"file": excel.upload(employer_rows(tree))})
    assert _report(response) == (0, 0, 2, _employer_report(tree), False)
    assert list(Employer.objects.order_by("pk").values()) == before


def test_employer_reimport_writes_no_audit_events(tree, personas, console, excel):
    client = console(personas.county_cadre)
    client.post(EMPLOYER_IMPORT, {"file": excel.upload(employer_rows(tree))})
    events = AuditEvent.objects.count()
    client.post(EMPLOYER_IMPORT, {"file": excel.upload(employer_rows(tree))})
    assert AuditEvent.objects.count() == events


def test_employer_without_credit_code_is_not_duplicated_by_reimport(tree, personas, console, excel):
    rows = [EMPLOYER_COLUMNS, ["济南戊个体工商户", None, "370102", None, None, None, tree.lixia_town.pk, None]]
    client = console(personas.county_cadre)
    client.post(EMPLOYER_IMPORT, {"file": excel.upload(rows)})
    response = client.post(EMPLOYER_IMPORT, {"file": excel.upload(rows)})
    assert _report(response)[:3] == (0, 0, 1)
    assert Employer.objects.filter(name="济南戊个体工商户").count() == 1


def test_employer_import_cannot_take_over_an_employer_out_of_scope(tree, personas, console, excel):
    qd_code = make_credit_code("91370202MA0000003")
    Employer.objects.filter(pk=tree.qd_employer.pk).update(credit_code=qd_code)
    rows = [EMPLOYER_COLUMNS, ["青岛丙物流有限公司", qd_code, "370102", None, None, tree.grassroots.pk,
                               tree.lixia_town.pk, None]]
    response = console(personas.county_cadre).post(EMPLOYER_IMPORT, {"file": excel.upload(rows)})
    assert _report(response) == (0, 0, 0, [(2, "所属工会编号", "您无权修改该单位")], False)
    qd = Employer.objects.get(pk=tree.qd_employer.pk)
    assert (qd.region_id, qd.covering_union_id, qd.township_union_id) == (
        "370202", tree.qd_grassroots.pk, tree.shinan_town.pk)


def test_employer_row_errors(tree, personas, console, excel):
    rows = [
        EMPLOYER_COLUMNS,
        ["外市无工会公司", None, "370202", None, None, None, None, None],
        ["坏区划公司", None, "999999", "Z", "巨型", None, tree.lixia_town.pk, None],
        ["错工会公司", None, "370102", None, None, tree.lixia_town.pk, tree.grassroots.pk, None],
    ]
    response = console(personas.county_cadre).post(EMPLOYER_IMPORT, {"file": excel.upload(rows)})
    assert _report(response) == (0, 0, 0, [
        (2, "行政区划代码", "您无权在该区域登记单位，请选择您管辖范围内的行政区划或所属工会"),
        (3, "行政区划代码", "行政区划代码不存在"),
        (3, "行业门类", "行业代码无效（应为 GB/T 4754 门类 A–T）"),
        (3, "规模", "单位规模无效"),
        (4, "所属工会编号", "所属工会应为基层工会或联合基层工会"),
        (4, "属地工会编号", "属地工会应为乡镇（街道）工会"),
    ], False)
    assert response.context["report"].rejected_rows == 3
    assert Employer.objects.count() == 3


def test_employer_missing_required_column(personas, console, excel):
    upload = excel.upload([["单位名称", "地址"], ["济南丁餐饮有限公司", "解放路2号"]])
    response = console(personas.county_cadre).post(EMPLOYER_IMPORT, {"file": upload, "dry_run": "on"})
    assert response.context["form"].errors == {"file": ["缺少必填列：行政区划代码"]}


def test_employer_errors_workbook(tree, personas, console, excel):
    response = console(personas.county_cadre).post(
        EMPLOYER_IMPORT, {"file": excel.upload(employer_rows(tree)), "dry_run": "on", "errors_xlsx": "1"})
    assert excel.rows(response) == [("行号", "列", "原因"), *_employer_report(tree)]


def test_exported_orgs_import_back_unchanged(tree, personas, console, excel):
    client = console(personas.county_cadre)
    exported = client.post(reverse("console:orgs_organisation_changelist"),
                           {"action": "export_xlsx", "_selected_action": [tree.lixia.pk], "select_across": "1",
                            "index": 0})
    file = SimpleUploadedFile("工会组织.xlsx", exported.content, content_type=excel.content_type)
    response = client.post(ORG_IMPORT, {"file": file})
    # 历下区总工会's parent (济南) is above the county cadre; the other two rows are theirs and unchanged.
    assert _report(response) == (0, 0, 2, [(2, "上级组织编号", f"组织编号 {tree.jinan.pk} 不存在或不在您的管辖范围内")],
                                 False)


# Regions through imports: the same rules as the forms and the API


def test_import_refuses_a_region_outside_the_federation(tree, personas, console, excel):
    rows = [ORG_COLUMNS, ["越界工会", "基层工会", tree.lixia_town.pk, "370202", None, None, None, None]]
    response = console(personas.county_cadre).post(ORG_IMPORT, {"file": excel.upload(rows)})
    message = "行政区划应在上级总工会“历下区总工会”的区域（历下区）内"
    assert _report(response) == (0, 0, 0, [(2, "行政区划代码", message)], False)
    assert _names(tree.lixia_town) == ["甲公司工会委员会"]


def test_import_cannot_change_the_region_of_the_importers_own_org(tree, personas, console, excel):
    from tests.conftest import make_user

    from smartunion.orgs.models import Position, Region
    from smartunion.orgs.services import position_grant

    Region.objects.create(code="370102002000", name="泉城路街道", level=Region.Level.TOWNSHIP, parent_id="370102")
    chair = make_user("jia_chair")
    position_grant(user=chair, org=tree.grassroots, role=Position.Role.CHAIR, by=SYSTEM)
    position_grant(user=chair, org=tree.lixia_town, role=Position.Role.REVIEWER,
                   by=SYSTEM)  # sees the parent, manages only 甲
    rows = [ORG_COLUMNS, ["甲公司工会委员会", "基层工会", tree.lixia_town.pk, "370102002000", None, "甲公司3楼", None,
                          None]]
    response = console(chair).post(ORG_IMPORT, {"file": excel.upload(rows)})
    assert _report(response) == (0, 0, 0, [(2, "行政区划代码", "变更组织的行政区划须由上级组织的管理员办理")], False)
    assert (Organisation.objects.get(pk=tree.grassroots.pk).region_id, AuditEvent.objects.filter(
        action__in=["orgs.organisation.change_region", "orgs.organisation.update"]).count()) == ("370102", 0)


def test_employer_rows_need_only_name_and_region(tree, personas, console, excel):
    rows = [["单位名称", "行政区划代码"], ["济南壬商贸有限公司", "370102"], ["濟南壬商貿有限公司", "370102"]]
    response = console(personas.county_cadre).post(EMPLOYER_IMPORT, {"file": excel.upload(rows)})
    # The second row is the same employer written in traditional characters: found by its key, not registered twice.
    assert _report(response)[:4] == (1, 1, 0, [])
    created = Employer.objects.get(normalized_name="壬商贸")
    assert (created.name, created.credit_code, created.township_union) == ("濟南壬商貿有限公司", None, tree.lixia_town)
