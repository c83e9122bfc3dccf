"""Roster import (dry run, commit, re-import, conflicts, errors, progress) and roster export, at the service level.

The workbook used throughout (imported into 甲公司工会委员会 by its chair):

    row 2   王芳   new person, every field filled in by name             → create
    row 3   李强   new person, codes given as codes, no join date         → create (joins today)
    row 4   张伟   member of this union, new phone                       → update
    row 5   赵敏   member of this union, same data                       → unchanged
    row 6   李娜   member of 丙公司工会委员会 (青岛)                       → conflict, never moved
    row 7   -      ID number with a wrong check digit                    → rejected
    row 8   -      the same ID number as row 2                           → rejected
    row 9   -      bad phone, unknown ethnicity, join date in the future → rejected (3 errors)
    row 10  -      no name                                              → rejected
    row 11  孙杰   registered before, membership ended, card still held  → create, keeps the card number
    row 12  周韬   ID number registered as 周涛                          → rejected (name differs)
    row 13  (empty)                                                      → skipped
"""

from __future__ import annotations

import datetime as dt
import io
import json
import threading
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from tests.members.conftest import luhn_ok

from smartunion.core import pii
from smartunion.core.actors import SYSTEM
from smartunion.core.errors import Forbidden, Invalid
from smartunion.core.models import AuditEvent
from smartunion.core.validators import make_id_number
from smartunion.core.xlsx import parse_date
from smartunion.members import roster, tasks
from smartunion.members.cards import card_number, issue_card
from smartunion.members.models import MemberCard, Membership, MembershipChange, Person, RosterImport
from smartunion.members.roster import jobs
from smartunion.members.roster.writer import RosterWriter
from smartunion.members.services import membership_end, membership_start, person_upsert
from smartunion.orgs.models import Organisation

TODAY = dt.date.today()
WANG_ID = make_id_number("370102", dt.date(1991, 2, 3), 11)
LI_ID = make_id_number("370102", dt.date(1993, 4, 5), 12)
ZHANG_ID = make_id_number("370102", dt.date(1990, 3, 7), 123)  # the worker persona
ZHAO_ID = make_id_number("370102", dt.date(1987, 6, 8), 14)
LINA_ID = make_id_number("370202", dt.date(1988, 11, 20), 246)
SUN_ID = make_id_number("370102", dt.date(1980, 1, 2), 15)
ZHOU_ID = make_id_number("370102", dt.date(1985, 5, 5), 16)
BAD_CHECK_ID = WANG_ID[:17] + ("0" if WANG_ID[17] != "0" else "1")
HEADER = ["姓名*", "身份证号码*", "手机号码", "民族", "学历", "政治面貌", "用工形式", "服务平台", "住址", "入会日期"]
ROWS = [
    ["王芳", WANG_ID, "13800000001", "汉族", "大学本科毕业", "群众", "全日制用工", None, "山东省济南市历下区泉城路1号",
     "2024-01-31"],
    ["李强", LI_ID, "13800000002", "01", "21", "13", "12", "美团", None, None],
    ["张伟", ZHANG_ID, "13900000011", None, None, None, None, None, None, None],
    ["赵敏", ZHAO_ID, "13900000022", "汉族", None, None, None, None, None, None],
    ["李娜", LINA_ID, None, None, None, None, None, None, None, None],
    ["钱多", BAD_CHECK_ID, None, None, None, None, None, None, None, None],
    ["王芳", WANG_ID, None, None, None, None, None, None, None, None],
    ["吴娟", make_id_number("370102", dt.date(1979, 9, 9), 17), "12345", "火星族", None, None, None, None, None,
     (TODAY + dt.timedelta(days=1)).isoformat()],
    [None, make_id_number("370102", dt.date(1979, 9, 9), 19), None, None, None, None, None, None, None, None],
    ["孙杰", SUN_ID, None, None, None, None, None, None, None, "2023-06-01"],
    ["周韬", ZHOU_ID, None, None, None, None, None, None, None, None],
    [None] * 10,
]
CONFLICT = "该职工已是“丙公司工会委员会”的会员，请通过会籍转移办理"
ERRORS = [
    (6, "身份证号码", CONFLICT, "conflict"),
    (7, "身份证号码", "身份证号码校验位错误", "invalid"),
    (8, "身份证号码", "与第2行身份证号码重复", "invalid"),
    (9, "手机号码", "手机号码格式不正确，应为11位中国大陆手机号", "invalid"),
    (9, "民族", "民族代码无效，请从下拉列表中选择，或填写代码表中的代码或名称", "invalid"),
    (9, "入会日期", "入会日期不能晚于今天", "invalid"),
    (10, "姓名", "请填写姓名", "invalid"),
    (12, "姓名", "姓名与该身份证号码已登记的姓名不一致，请核实", "mismatch"),
]


def workbook_bytes(rows, header=HEADER, *, write_only=False) -> bytes:
    book = Workbook(write_only=write_only)
    sheet = book.create_sheet("会员名册") if write_only else book.active
    if not write_only:
        sheet.title = "会员名册"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(rows=ROWS, name="会员名册.xlsx", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, workbook_bytes(rows, **kwargs), content_type=roster.XLSX)


def error_tuples(job):
    return [(e["row"], e["column"], e["message"], e["kind"]) for e in job.errors]


def counts_of(job):
    return (job.status, job.total, job.processed, job.percent, job.to_create, job.to_update, job.unchanged,
            job.rejected, job.conflicts)


def table_sizes():
    return (Person.objects.count(), Membership.objects.count(), MemberCard.objects.count(),
            MembershipChange.objects.count())


@pytest.fixture(autouse=True)
def _sync_jobs(settings, tmp_path):
    settings.ROSTER_IMPORT_THREADS = False
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def chair(personas):
    return personas.grassroots_cadre


def make_people(tree) -> dict:
    """赵敏 (member here), 李娜 (member in 青岛), 孙杰 (ended membership, card kept), 周涛 (registered, no union)."""
    zhao, _ = person_upsert(name="赵敏", id_number=ZHAO_ID, phone="13900000022", ethnicity="01", by=SYSTEM)
    membership_start(person=zhao, union=tree.grassroots, card_number="370102000000002", since=dt.date(2019, 1, 1),
                     by=SYSTEM)
    lina, _ = person_upsert(name="李娜", id_number=LINA_ID, phone="13700000002", employer=tree.qd_employer, by=SYSTEM)
    membership_start(person=lina, union=tree.qd_grassroots, card_number="370202000000001", by=SYSTEM)
    sun, _ = person_upsert(name="孙杰", id_number=SUN_ID, by=SYSTEM)
    card = issue_card(sun, union=tree.qd_grassroots, by=SYSTEM)
    membership_end(membership_start(person=sun, union=tree.qd_grassroots, card_number=card.card_number, by=SYSTEM),
                   by=SYSTEM)
    zhou, _ = person_upsert(name="周涛", id_number=ZHOU_ID, by=SYSTEM)
    return {"zhao": zhao, "lina": lina, "sun": sun, "sun_card": card, "zhou": zhou}


@pytest.fixture
def people(tree, personas):
    return make_people(tree)


def validated(tree, chair, rows=ROWS, **kwargs):
    return roster.create_job(union=tree.grassroots, upload=upload(rows, **kwargs), by=chair)


# Dry run ----------------------------------------------------------------------------------------------------------


def test_dry_run_classifies_every_row_and_writes_nothing(tree, chair, people):
    before = table_sizes()
    member_count = Organisation.objects.get(pk=tree.grassroots.pk).member_count
    job = validated(tree, chair)
    assert counts_of(job) == ("validated", 11, 11, 100, 3, 1, 1, 5, 1)
    assert error_tuples(job) == ERRORS
    assert table_sizes() == before
    assert Organisation.objects.get(pk=tree.grassroots.pk).member_count == member_count
    assert AuditEvent.objects.filter(action="members.roster.upload", target_id=str(job.pk)).count() == 1
    assert not AuditEvent.objects.filter(action="members.roster.commit").exists()


def test_the_plaintext_upload_is_gone_after_the_dry_run_and_the_rows_are_kept_encrypted(tree, chair, people):
    job = validated(tree, chair)
    assert not default_storage.exists(job.file.name)
    stored = default_storage.open(f"{job.file.name}.rows").read().decode()
    assert pii.parse_header(stored)[0] == "a" and WANG_ID not in stored
    rows = json.loads(pii.decrypt(stored))
    assert [r[0] for r in rows] == [2, 3, 4, 5, 6, 11, 12]
    assert rows[1] == [3, "李强", LI_ID, pii.blind_index(LI_ID, purpose="id_number"), "13800000002", "01", "21",
                       "13", "12", "美团", "", ""]


def test_the_error_file_names_row_column_and_reason(tree, chair, people):
    job = validated(tree, chair)
    sheet = load_workbook(io.BytesIO(roster.errors_workbook(job))).worksheets[0]
    rows = [tuple(r) for r in sheet.iter_rows(values_only=True)]
    labels = {"conflict": "冲突", "invalid": "出错", "mismatch": "出错"}
    assert rows == [("行号", "列", "原因", "类别"), *[(r, c, m, labels[k]) for r, c, m, k in ERRORS]]


def test_only_the_first_thousand_errors_stay_on_the_job_and_the_file_has_them_all(tree, chair):
    rows = [[f"职工{i}", "123", None, None, None, None, None, None, None, None] for i in range(1200)]
    job = validated(tree, chair, rows)
    assert counts_of(job) == ("validated", 1200, 1200, 100, 0, 0, 0, 1200, 0)
    assert len(job.errors) == 1000
    assert job.errors[999] == {"row": 1001, "column": "身份证号码", "message": "身份证号码应为18位",
                               "kind": "invalid"}
    every = roster.all_errors(job)
    assert len(every) == 1200
    assert every[-1]["row"] == 1201


def test_progress_is_recorded_every_thousand_rows(tree, chair, monkeypatch):
    seen = []
    real = jobs._update

    def spy(job_id, **fields):
        if "processed" in fields:
            seen.append((fields["processed"], fields.get("status", "")))
        real(job_id, **fields)

    monkeypatch.setattr(jobs, "_update", spy)  # stays: a spy on the real writes, the only view of one run's steps
    rows = [[f"职工{i}", make_id_number("370102", dt.date(1990, 1, 1) + dt.timedelta(days=i // 1000), i % 1000),
             None, None, None, None, None, None, None, None] for i in range(2500)]
    job = validated(tree, chair, rows)
    assert seen == [(0, ""), (1000, ""), (2000, ""), (2500, ""), (2500, "validated")]
    assert (job.total, job.processed, job.percent, job.to_create) == (2500, 2500, 100, 2500)


def test_percent_of_a_running_job():
    assert RosterImport(total=2500, processed=1000).percent == 40
    assert RosterImport(total=0, processed=0).percent == 0


# Commit -----------------------------------------------------------------------------------------------------------


def test_commit_writes_exactly_the_planned_rows(tree, chair, people, personas):
    job = validated(tree, chair)
    before = table_sizes()
    job = roster.request_commit(job, by=chair)
    assert counts_of(job) == ("done", 11, 11, 100, 3, 1, 1, 5, 1)
    assert job.finished_at is not None
    assert job.message == "导入完成：新增3人，更新1人"
    assert error_tuples(job) == ERRORS
    # Two new people; three new memberships; cards for the two new people only (孙杰 keeps his); three history rows.
    assert table_sizes() == (before[0] + 2, before[1] + 3, before[2] + 2, before[3] + 3)
    wang = Person.objects.get(id_number_index=pii.blind_index(WANG_ID, purpose="id_number"))
    assert (wang.name, wang.id_number, wang.sex, wang.birth_date, wang.phone, wang.ethnicity, wang.education,
            wang.political_status, wang.employment_form, wang.address, wang.employer_id) == (
        "王芳", WANG_ID, "1", dt.date(1991, 2, 3), "13800000001", "01", "21", "13", "01",
        "山东省济南市历下区泉城路1号", tree.employer.pk)
    assert wang.phone_index == pii.blind_index("13800000001", purpose="phone")
    new = Membership.objects.filter(union=tree.grassroots, person__in=[wang]).get()
    card = MemberCard.objects.get(person=wang)
    assert (new.status, new.since, new.card_number, new.union_path, new.provisional) == (
        "active", dt.date(2024, 1, 31), card.card_number, tree.grassroots.path, False)
    assert card.card_number.startswith("370100") and luhn_ok(card.card_number) and card.issuer == tree.jinan
    li = Membership.objects.get(person__name="李强", status="active")
    assert li.since == TODAY
    assert Person.objects.get(pk=li.person_id).gig_platform == "美团"
    # 孙杰 is back with the number on the card he still holds.
    sun = Membership.objects.get(person=people["sun"], status="active")
    assert (sun.union, sun.card_number, sun.since) == (tree.grassroots, people["sun_card"].card_number,
                                                          dt.date(2023, 6, 1))
    assert MemberCard.objects.filter(person=people["sun"]).count() == 1
    change = MembershipChange.objects.get(membership=new)
    assert (change.change_type, change.reason, change.to_union, change.actor, change.note) == (
        "01", "0103", tree.grassroots, chair, "名册导入：会员名册.xlsx")
    # The update: the worker's new phone, index included; nothing else of his moved.
    worker = Person.objects.get(pk=personas.worker.person_id)
    assert (worker.phone, worker.phone_index) == ("13900000011", pii.blind_index("13900000011", purpose="phone"))
    assert Membership.objects.get(person=worker, status="active").card_number == "370102000000001"
    # The conflict was never moved; 周涛 keeps his name.
    assert Membership.objects.get(person=people["lina"], status="active").union == tree.qd_grassroots
    assert Person.objects.get(pk=people["zhou"].pk).name == "周涛"
    figures = {o.pk: (o.member_count, o.subtree_member_count) for o in Organisation.objects.all()}
    assert figures[tree.grassroots.pk] == (5, 5)
    assert figures[tree.lixia.pk] == (0, 5)
    assert figures[tree.qd_grassroots.pk] == (1, 1)
    event = AuditEvent.objects.get(action="members.roster.commit")
    assert (event.actor, event.org, event.target_id) == (chair, tree.grassroots, str(job.pk))
    assert event.data == {"created": 3, "updated": 1, "unchanged": 1, "rejected": 5, "conflicts": 1, "total": 11,
                          "file_name": "会员名册.xlsx"}
    assert not default_storage.exists(f"{job.file.name}.rows")


def test_card_numbers_are_consecutive_and_allocated_in_one_call(tree, chair, monkeypatch):
    calls = []
    real = jobs.allocate_numbers

    def spy(issuer, count):
        calls.append(count)
        return real(issuer, count)

    monkeypatch.setattr(jobs, "allocate_numbers", spy)  # stays: a spy counting the real calls, one per batch
    rows = [[f"职工{i}", make_id_number("370102", dt.date(1990, 1, 1) + dt.timedelta(days=i // 1000), i % 1000),
             None, None, None, None, None, None, None, None] for i in range(1500)]
    job = roster.request_commit(validated(tree, chair, rows), by=chair)
    assert (job.status, job.to_create) == ("done", 1500)
    assert calls == [1500]
    numbers = sorted(Membership.objects.filter(union=tree.grassroots).exclude(card_number="370102000000001")
                     .values_list("card_number", flat=True))
    assert numbers == [card_number("370100", n) for n in range(1, 1501)]  # 济南市总工会 issues them
    assert all(luhn_ok(n) for n in numbers)
    assert Organisation.objects.get(pk=tree.grassroots.pk).member_count == 1501  # with the worker


def test_re_importing_the_same_file_changes_nothing(tree, chair, people):
    roster.request_commit(validated(tree, chair), by=chair)
    sizes, events = table_sizes(), AuditEvent.objects.exclude(action="members.roster.upload").count()
    phones = list(Person.objects.order_by("id").values_list("phone", flat=True))
    again = validated(tree, chair)
    assert counts_of(again) == ("validated", 11, 11, 100, 0, 0, 5, 5, 1)
    assert table_sizes() == sizes
    assert list(Person.objects.order_by("id").values_list("phone", flat=True)) == phones
    with pytest.raises(roster.ImportStateError):
        roster.request_commit(again, by=chair)
    assert RosterImport.objects.get(pk=again.pk).status == "validated"
    assert AuditEvent.objects.exclude(action="members.roster.upload").count() == events


def test_a_person_who_joined_another_union_meanwhile_becomes_a_conflict_at_commit(tree, chair):
    new_id = make_id_number("370102", dt.date(1996, 7, 7), 21)
    rows = [["陈晨", new_id, None, None, None, None, None, None, None, None],
            ["郭靖", make_id_number("370102", dt.date(1996, 7, 7), 23), None, None, None, None, None, None, None,
             None]]
    job = validated(tree, chair, rows)
    assert (job.to_create, job.conflicts) == (2, 0)
    person, _ = person_upsert(name="陈晨", id_number=new_id, by=SYSTEM)
    membership_start(person=person, union=tree.qd_grassroots, card_number="370202000000009", by=SYSTEM)
    job = roster.request_commit(job, by=chair)
    assert counts_of(job) == ("done", 2, 2, 100, 1, 0, 0, 0, 1)
    assert error_tuples(job) == [(2, "身份证号码", CONFLICT, "conflict")]
    assert Membership.objects.get(person=person, status="active").union == tree.qd_grassroots
    assert Organisation.objects.get(pk=tree.grassroots.pk).member_count == 2  # the worker and 郭靖


def test_a_person_registered_meanwhile_is_matched_not_duplicated(tree, chair, monkeypatch):
    """Someone registers a person between the commit's matching and its insert: the batch is matched again."""
    new_id = make_id_number("370102", dt.date(1996, 7, 7), 25)
    job = validated(tree, chair, [["陈晨", new_id, None, None, None, None, None, None, None, None]])
    real = jobs.allocate_numbers

    def allocate_while_someone_registers(issuer, count):  # runs after the matching, before the insert
        person_upsert(name="陈晨", id_number=new_id, phone="13600000001", by=SYSTEM)
        return real(issuer, count)

    # Stays: the only way to put another writer between the matching and the insert of one run.
    monkeypatch.setattr(jobs, "allocate_numbers", allocate_while_someone_registers)
    job = roster.request_commit(job, by=chair)
    assert (job.status, job.to_create) == ("done", 1)
    person = Person.objects.get(id_number_index=pii.blind_index(new_id, purpose="id_number"))
    assert person.phone == "13600000001"
    membership = Membership.objects.get(person=person)
    assert membership.union == tree.grassroots
    assert membership.card_number == MemberCard.objects.get(person=person).card_number == card_number("370100", 1)


def test_commit_is_refused_for_another_state_or_an_outsider(tree, chair, people, personas):
    job = validated(tree, chair)
    with pytest.raises(Forbidden):
        roster.request_commit(job, by=personas.other_city_cadre)
    roster.request_commit(job, by=chair)
    with pytest.raises(roster.ImportStateError):
        roster.request_commit(RosterImport.objects.get(pk=job.pk), by=chair)


# Upload checks ----------------------------------------------------------------------------------------------------


def test_upload_only_into_a_union_the_cadre_manages(tree, personas):
    with pytest.raises(Forbidden):
        roster.create_job(union=tree.qd_grassroots, upload=upload(), by=personas.city_cadre)
    with pytest.raises(Invalid) as exc:
        roster.create_job(union=tree.lixia, upload=upload(), by=personas.city_cadre)
    assert exc.value.fields == {"union": "会员只能导入到基层工会、联合基层工会、乡镇（街道）工会或分工会"}
    assert not RosterImport.objects.exists()


def test_a_file_that_is_not_xlsx_is_refused_at_once(tree, chair):
    with pytest.raises(Invalid) as exc:
        roster.create_job(union=tree.grassroots, upload=SimpleUploadedFile("a.csv", b"a,b"), by=chair)
    assert exc.value.fields == {"file": "请上传 .xlsx 格式的 Excel 文件（可先下载导入模板）"}
    with pytest.raises(Invalid) as exc:
        roster.create_job(union=tree.grassroots, upload=SimpleUploadedFile("a.xlsx", b"not a zip"), by=chair)
    assert exc.value.fields == {"file": "无法读取文件，请上传 .xlsx 格式的 Excel 文件"}


@pytest.mark.parametrize(("content", "message"), [
    (workbook_bytes([["王芳", WANG_ID]], header=["姓名", "证件号"]), "缺少必填列：身份证号码（请使用下载的导入模板）"),
    (workbook_bytes([], header=HEADER), "文件中没有数据行"),
    (b"PK\x03\x04broken", "无法读取文件，请上传 .xlsx 格式的 Excel 文件"),
])
def test_an_unreadable_roster_fails_the_job_with_the_reason(tree, chair, content, message):
    job = roster.create_job(union=tree.grassroots, upload=SimpleUploadedFile("x.xlsx", content), by=chair)
    job.refresh_from_db()
    assert (job.status, job.message, job.total) == ("failed", message, 0)
    assert not default_storage.exists(job.file.name)


# Reading cells ----------------------------------------------------------------------------------------------------


def test_cells_written_by_other_tools_read_the_same(tree, chair):
    """Inline strings (write-only openpyxl), numbers for phones and codes, real dates, spaces and a lower-case x."""
    id_x = next(make_id_number("370102", dt.date(1992, 8, 15), n) for n in range(200)
                if make_id_number("370102", dt.date(1992, 8, 15), n).endswith("X"))
    rows = [
        [" 刘敏 ", id_x.lower(), 13800000003, 1, 21.0, "中共党员", "快递员", "顺丰速运", "济南", dt.date(2022, 5, 6)],
        ["何平", make_id_number("370102", dt.date(1992, 8, 15), 7), "+86 138 0000 0004", "01 汉族", None, None,
         None, None, None, "2022/5/7"],
    ]
    job = validated(tree, chair, rows, write_only=True)
    assert counts_of(job) == ("validated", 2, 2, 100, 2, 0, 0, 0, 0)
    stored = json.loads(pii.decrypt(default_storage.open(f"{job.file.name}.rows").read().decode()))
    assert [r[1:3] + r[4:] for r in stored] == [
        ["刘敏", id_x, "13800000003", "01", "21", "01", "11", "顺丰速运", "济南", "2022-05-06"],
        ["何平", make_id_number("370102", dt.date(1992, 8, 15), 7), "13800000004", "01", "", "", "", "", "",
         "2022-05-07"],
    ]


def excel_style_workbook(rows_xml: str, strings: list[str]) -> bytes:
    """A workbook laid out the way Excel writes one: shared strings, a prefixed namespace, the roster as the
    second sheet, a workbook relationship with an absolute target."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": "<Types xmlns='http://schemas.openxmlformats.org/package/2006/content-types'/>",
        "xl/workbook.xml": f"<workbook xmlns='{main}' xmlns:r='{rel}'><sheets>"
                           f"<sheet name='填写说明' sheetId='1' r:id='rId1'/><sheet name='会员名册' sheetId='2' "
                           f"r:id='rId2'/></sheets></workbook>",
        "xl/_rels/workbook.xml.rels": (
            "<Relationships xmlns='http://schemas.openxmlformats.org/package/2006/relationships'>"
            f"<Relationship Id='rId1' Type='{rel}/worksheet' Target='worksheets/sheet1.xml'/>"
            f"<Relationship Id='rId2' Type='{rel}/worksheet' Target='/xl/worksheets/sheet2.xml'/>"
            f"<Relationship Id='rId3' Type='{rel}/sharedStrings' Target='sharedStrings.xml'/></Relationships>"),
        "xl/worksheets/sheet1.xml": f"<worksheet xmlns='{main}'><sheetData><row r='1'><c r='A1' t='s'><v>0</v>"
                                    f"</c></row></sheetData></worksheet>",
        "xl/worksheets/sheet2.xml": f"<x:worksheet xmlns:x='{main}'><x:dimension ref='A1:J3'/><x:sheetData>"
                                    f"{rows_xml}</x:sheetData></x:worksheet>",
        "xl/sharedStrings.xml": f"<sst xmlns='{main}'>{''.join(strings)}</sst>",
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as book:
        for name, text in parts.items():
            book.writestr(name, text)
    return buffer.getvalue()


def test_an_excel_style_workbook_with_shared_strings_reads_the_same(tree, chair):
    header = "".join(f"<si><t>{h}</t></si>" for h in HEADER)  # strings 0-9
    strings = [header, "<si><t>王芳</t></si>",  # 10
               "<si><r><rPr><b/></rPr><t>李</t></r><r><t xml:space='preserve'>强</t></r></si>",  # 11: rich text
               "<si><t>汉族</t><rPh sb='0' eb='2'><t>hanzu</t></rPh></si>",  # 12: a phonetic run
               f"<si><t>{WANG_ID}</t></si>", f"<si><t>{LI_ID}</t></si>",  # 13, 14
               "<si><t>泉城路_x000D_1号</t></si>"]  # 15: an escaped control character
    head = "".join(f"<x:c r='{chr(65 + i)}1' t='s'><x:v>{i}</x:v></x:c>" for i in range(10))
    rows_xml = (f"<x:row r='1'>{head}</x:row>"
                "<x:row r='2'><x:c r='A2' t='s'><x:v>10</x:v></x:c><x:c r='B2' t='s'><x:v>13</x:v></x:c>"
                "<x:c r='C2'><x:v>13800000001</x:v></x:c><x:c r='D2' t='s'><x:v>12</x:v></x:c>"
                "<x:c r='J2' s='1'><x:v>45322</x:v></x:c></x:row>"
                # No cell references: positions count from the left.
                "<x:row><x:c t='s'><x:v>11</x:v></x:c><x:c t='s'><x:v>14</x:v></x:c><x:c/><x:c/><x:c/><x:c/>"
                "<x:c/><x:c/><x:c t='s'><x:v>15</x:v></x:c></x:row>")
    content = excel_style_workbook(rows_xml, strings)
    positions, data = roster.read_roster(io.BytesIO(content))
    assert positions == {c: i for i, c in enumerate(roster.COLUMNS)}
    assert data == [(2, ["王芳", WANG_ID, 13800000001.0, "汉族", None, None, None, None, None, 45322.0]),
                    (3, ["李强", LI_ID, None, None, None, None, None, None, "泉城路\r1号"])]
    job = roster.create_job(union=tree.grassroots, by=chair, upload=SimpleUploadedFile("excel.xlsx", content))
    assert (job.total, job.to_create, job.rejected, job.errors) == (2, 2, 0, [])


@pytest.mark.parametrize(("value", "expected"), [
    ("2024-01-31", dt.date(2024, 1, 31)), ("2024/1/3", dt.date(2024, 1, 3)), ("2024年1月3日", dt.date(2024, 1, 3)),
    ("20240131", dt.date(2024, 1, 31)), ("2024-01-31 00:00:00", dt.date(2024, 1, 31)),
    ("2024-01-31T08:30:00", dt.date(2024, 1, 31)), ("2024-01-31 上午", None),
    (45322.0, dt.date(2024, 1, 31)), ("2024-02-30", None), ("31/01/2024", None), ("明天", None),
])
def test_join_dates(value, expected):
    assert parse_date(value) == expected


def test_join_date_before_birth_is_rejected(tree, chair):
    job = validated(tree, chair, [["王芳", WANG_ID, None, None, None, None, None, None, None, "1990-01-01"]])
    assert error_tuples(job) == [(2, "入会日期", "入会日期不能早于出生日期", "invalid")]


# Template ---------------------------------------------------------------------------------------------------------


def test_template_has_the_header_a_guide_and_dropdowns_fed_by_a_hidden_code_sheet():
    book = load_workbook(io.BytesIO(roster.template_workbook()))
    assert book.sheetnames == ["会员名册", "填写说明", "代码表"]
    sheet, guide, table = book["会员名册"], book["填写说明"], book["代码表"]
    assert [c.value for c in sheet[1]] == HEADER
    assert (sheet.sheet_state, guide.sheet_state, table.sheet_state) == ("visible", "visible", "hidden")
    assert guide["A1"].value == "会员名册导入填写说明"
    validations = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert validations == {
        "D2:D10001": "'代码表'!$B$2:$B$59",
        "E2:E10001": "'代码表'!$D$2:$D$13",
        "F2:F10001": "'代码表'!$F$2:$F$14",
        "G2:G10001": "'代码表'!$H$2:$H$12",
    }
    assert [table["A2"].value, table["B2"].value, table["H13"].value, table["G12"].value] == [
        "01", "汉族", None, "90"]
    assert sheet.column_dimensions["B"].number_format == "@"


def test_the_template_itself_imports_as_an_empty_roster(tree, chair):
    job = roster.create_job(union=tree.grassroots, by=chair,
                            upload=SimpleUploadedFile("模板.xlsx", roster.template_workbook()))
    job.refresh_from_db()
    assert (job.status, job.message) == ("failed", "文件中没有数据行")


# Export -----------------------------------------------------------------------------------------------------------


def _sheet_rows(content: bytes):
    return [tuple(r) for r in load_workbook(io.BytesIO(content), read_only=True).worksheets[0].iter_rows(
        values_only=True)]


def test_export_is_masked_by_default_and_audited(tree, chair, people):
    roster.request_commit(validated(tree, chair), by=chair)
    content, count = roster.export_roster(roster.roster_queryset(chair, tree.grassroots), by=chair,
                                          org=tree.grassroots)
    rows = _sheet_rows(content)
    assert rows[0] == ("会员卡号", "所在工会", *roster.COLUMNS)
    assert count == len(rows) - 1 == 5
    wang = next(r for r in rows if r[2] == "王芳")
    assert wang[3:] == (WANG_ID[:4] + "**********" + WANG_ID[-4:], "138****0001", "汉族", "大学本科毕业", "群众",
                        "全日制用工", None, "山东省济南市****", "2024-01-31")
    assert {r[2] for r in rows[1:]} == {"王芳", "李强", "张伟", "赵敏", "孙杰"}
    assert all(WANG_ID not in str(r) for r in rows)
    event = AuditEvent.objects.get(action="members.roster.export")
    assert (event.actor, event.org, event.data) == (chair, tree.grassroots,
                                                    {"count": 5, "org": tree.grassroots.pk, "masked": True})


def test_full_export_needs_a_reason_and_is_audited_with_it(tree, chair, people):
    roster.request_commit(validated(tree, chair), by=chair)
    queryset = roster.roster_queryset(chair, tree.grassroots, full=True)
    with pytest.raises(Invalid):
        roster.export_roster(queryset, by=chair, full=True, reason="  ", org=tree.grassroots)
    assert not AuditEvent.objects.filter(action__startswith="members.roster.export").exists()
    content, _count = roster.export_roster(queryset, by=chair, full=True, reason="年度会员统计报送",
                                          org=tree.grassroots)
    wang = next(r for r in _sheet_rows(content) if r[2] == "王芳")
    assert wang[3:5] == (WANG_ID, "13800000001")
    assert wang[10] == "山东省济南市历下区泉城路1号"
    event = AuditEvent.objects.get(action="members.roster.export_full")
    assert event.data == {"count": 5, "org": tree.grassroots.pk, "reason": "年度会员统计报送"}


def test_export_scope(tree, personas, people):
    assert roster.roster_queryset(personas.other_city_cadre).count() == 1  # 李娜 in 青岛
    assert roster.roster_queryset(personas.city_cadre).count() == 2  # the worker and 赵敏
    assert roster.roster_queryset(personas.city_cadre, tree.lixia_town).count() == 2
    with pytest.raises(Forbidden):
        roster.roster_queryset(personas.other_city_cadre, tree.grassroots, full=True)


# Background work --------------------------------------------------------------------------------------------------


class FakeTask:
    name = "fake"

    def __init__(self):
        self.calls, self.delayed = [], []

    def __call__(self, *args):
        self.calls.append((threading.current_thread().name, args))

    def delay(self, *args):
        self.delayed.append(args)


def test_jobs_run_synchronously_when_threads_are_off(settings):
    task = FakeTask()
    tasks.schedule(task, 5)
    assert task.calls == [(threading.current_thread().name, (5,))]


def test_in_the_embedded_shape_jobs_run_in_a_thread_after_the_commit(db, settings, monkeypatch,
                                                                      django_capture_on_commit_callbacks):
    settings.ROSTER_IMPORT_THREADS = True
    started = []
    real_start = tasks._start_thread
    # Stays: the real start, keeping each thread so that the test can wait for it.
    monkeypatch.setattr(tasks, "_start_thread", lambda task, args: started.append(real_start(task, args)))
    task = FakeTask()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.schedule(task, 6)
        assert task.calls == []  # not before the commit
    started[0].join(5)
    assert task.calls == [("fake-6", (6,))]


def test_with_a_broker_jobs_are_queued_after_the_commit(db, settings, django_capture_on_commit_callbacks):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    task = FakeTask()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.schedule(task, 7, 8)
    assert (task.calls, task.delayed) == ([], [(7, 8)])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps the migrated regions for later tests
def test_a_real_dry_run_and_commit_in_background_threads(tree, personas, settings, monkeypatch):
    """The upload returns at once; a thread validates, another commits, each closing its connection."""
    settings.ROSTER_IMPORT_THREADS = True
    threads = []
    real_start = tasks._start_thread
    # Stays: the real start, keeping each thread so that the test can wait for it.
    monkeypatch.setattr(tasks, "_start_thread", lambda task, args: threads.append(real_start(task, args)))
    rows = [["王芳", WANG_ID, "13800000001", "汉族", None, None, None, None, None, None]]
    job = roster.create_job(union=tree.grassroots, upload=upload(rows), by=personas.grassroots_cadre)
    threads[0].join(180)  # generous: on a loaded 2-core machine the thread may wait long for its turn
    assert not threads[0].is_alive()
    job.refresh_from_db()
    assert (job.status, job.to_create) == ("validated", 1)
    roster.request_commit(job, by=personas.grassroots_cadre)
    threads[1].join(180)
    assert not threads[1].is_alive()
    job.refresh_from_db()
    assert (job.status, job.to_create, job.processed) == ("done", 1, 1)
    assert Membership.objects.filter(union=tree.grassroots, status="active").count() == 2


def test_an_export_larger_than_the_limit_is_refused(tree, chair, people, settings):
    settings.ROSTER_EXPORT_MAX_ROWS = 1
    with pytest.raises(Invalid) as exc:
        roster.export_roster(roster.roster_queryset(chair, tree.grassroots), by=chair, org=tree.grassroots)
    assert exc.value.fields == {"org": "导出范围内有2名会员，超过单次导出上限1名，请选择更小的范围"}
    assert not AuditEvent.objects.filter(action__startswith="members.roster.export").exists()


# Jobs that die: heartbeat, stale jobs, restart and resume ---------------------------------------------------------


def make_stale(job, status, minutes=11):
    RosterImport.objects.filter(pk=job.pk).update(
        status=status, heartbeat_at=timezone.now() - dt.timedelta(minutes=minutes))


def test_a_running_job_writes_its_heartbeat(tree, chair, people):
    started = timezone.now()
    job = validated(tree, chair)
    assert started <= job.heartbeat_at <= timezone.now()
    validated_at = job.heartbeat_at
    job = roster.request_commit(job, by=chair)
    assert job.status == "done" and job.heartbeat_at > validated_at


def test_a_job_without_a_heartbeat_for_the_stale_period_is_marked_failed(tree, chair, people, settings):
    settings.JOB_STALE_MINUTES = 10
    dead, alive, old = validated(tree, chair), validated(tree, chair), validated(tree, chair)
    make_stale(dead, "committing", minutes=11)
    make_stale(alive, "validating", minutes=9)
    # A job from before heartbeats existed: its upload time counts.
    RosterImport.objects.filter(pk=old.pk).update(status="validating", heartbeat_at=None,
                                                  created_at=timezone.now() - dt.timedelta(minutes=30))
    assert roster.mark_stale_jobs() == 2
    statuses = dict(RosterImport.objects.values_list("pk", "status"))
    assert (statuses[dead.pk], statuses[alive.pk], statuses[old.pk]) == ("failed", "validating", "failed")
    dead.refresh_from_db()
    assert dead.message == "后台任务意外中断，可以继续或重新开始" and dead.finished_at is not None
    events = AuditEvent.objects.filter(action="members.roster.stale").order_by("id")
    assert [(e.target_id, e.org_id, e.actor_label, e.data["status"]) for e in events] == [
        (str(dead.pk), tree.grassroots.pk, "系统", "committing"),
        (str(old.pk), tree.grassroots.pk, "系统", "validating")]
    assert roster.mark_stale_jobs() == 0
    settings.JOB_STALE_MINUTES = 5
    assert roster.mark_stale_jobs() == 1  # now the 9-minute-old one too
    assert tasks.mark_stale_jobs() == 0  # the beat task runs the same
    make_stale(alive, "validating", minutes=30)
    call_command("check-deadlines", stdout=io.StringIO())  # cron in the embedded shape, which has no beat
    assert RosterImport.objects.get(pk=alive.pk).status == "failed"


def test_a_dry_run_that_died_is_restarted_from_its_upload(tree, chair, people, monkeypatch):
    real, calls = jobs.match_rows, []

    def dies_in_the_second_batch(rows, union, **kwargs):
        calls.append(len(rows))
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return real(rows, union, **kwargs)

    # Stays: small batches and a worker killed in the second one, a crash mid-run no real input causes.
    monkeypatch.setattr(jobs, "BATCH", 4)
    monkeypatch.setattr(jobs, "match_rows", dies_in_the_second_batch)
    with pytest.raises(RuntimeError):
        validated(tree, chair)
    job = RosterImport.objects.get()
    assert (job.status, job.processed) == ("failed", 4)
    assert job.message == "校验失败：系统错误，可以重新校验；如仍失败请联系管理员"
    assert default_storage.exists(job.file.name)
    assert (roster.can_restart(job), roster.can_resume(job)) == (True, False)
    before = table_sizes()
    monkeypatch.setattr(jobs, "match_rows", real)
    job = roster.restart_job(job, by=chair)
    assert counts_of(job) == ("validated", 11, 11, 100, 3, 1, 1, 5, 1)
    assert error_tuples(job) == ERRORS
    assert table_sizes() == before
    assert not default_storage.exists(job.file.name)
    event = AuditEvent.objects.get(action="members.roster.revalidate")
    assert (event.actor, event.target_id, event.org) == (chair, str(job.pk), tree.grassroots)
    with pytest.raises(roster.ImportStateError):
        roster.restart_job(job, by=chair)  # only a failed job


def test_a_commit_killed_midway_resumes_without_writing_anybody_twice(tree, chair, people, monkeypatch):
    """Write batches of two rows; the second batch raises: the first stays written, the resumed run finds it
    unchanged and ends with exactly what an uninterrupted commit writes."""
    monkeypatch.setattr(jobs, "WRITE_BATCH", 2)  # stays, with the killed writer below: a crash between two batches
    real, calls = RosterWriter.write, []

    def killed_in_the_second_batch(self, plans):
        calls.append([p.row.name for p in plans])
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return real(self, plans)

    monkeypatch.setattr(RosterWriter, "write", killed_in_the_second_batch)  # stays: the process dies mid-commit
    job = validated(tree, chair)
    before = table_sizes()
    with pytest.raises(RuntimeError):
        roster.request_commit(job, by=chair)
    job.refresh_from_db()
    assert calls == [["王芳", "李强"], ["张伟", "赵敏"]]
    assert (job.status, job.processed) == ("failed", 6)  # 4 rejected rows + the first batch
    assert job.message == "导入中断：已写入的部分不会重复导入，可以继续导入完成剩余部分；如仍失败请联系管理员"
    assert table_sizes() == (before[0] + 2, before[1] + 2, before[2] + 2, before[3] + 2)
    assert (roster.can_resume(job), roster.can_restart(job)) == (True, False)

    monkeypatch.setattr(RosterWriter, "write", real)
    job = roster.resume_job(job, by=chair)
    assert counts_of(job) == ("done", 11, 11, 100, 3, 1, 1, 5, 1)
    assert job.message == "导入完成：新增3人，更新1人"
    assert table_sizes() == (before[0] + 2, before[1] + 3, before[2] + 2, before[3] + 3)
    for id_number in (WANG_ID, LI_ID, SUN_ID):
        person = Person.objects.get(id_number_index=pii.blind_index(id_number, purpose="id_number"))
        assert Membership.objects.filter(person=person, status="active", union=tree.grassroots).count() == 1
    assert Person.objects.get(pk=people["zhao"].pk).phone == "13900000022"
    assert Organisation.objects.get(pk=tree.grassroots.pk).member_count == 5
    assert [e.data for e in AuditEvent.objects.filter(action="members.roster.commit_batch").order_by("id")] == [
        {"rows": 2, "created": 2, "updated": 0},  # the first run; the resumed one found those two unchanged
        {"rows": 2, "created": 0, "updated": 1}, {"rows": 2, "created": 1, "updated": 0}]
    event = AuditEvent.objects.get(action="members.roster.commit")
    assert event.data == {"created": 3, "updated": 1, "unchanged": 1, "rejected": 5, "conflicts": 1, "total": 11,
                          "file_name": "会员名册.xlsx"}
    resumed = AuditEvent.objects.get(action="members.roster.resume")
    assert (resumed.actor, resumed.target_id, resumed.data) == (chair, str(job.pk), {"processed": 6, "total": 11})
    with pytest.raises(roster.ImportStateError):
        roster.resume_job(job, by=chair)


def test_a_stale_commit_that_wakes_up_after_being_resumed_writes_nothing(tree, chair, people, monkeypatch):
    """The first run stalls after matching (no heartbeat), is marked stale and resumed; the resumed run finishes.
    When the first run wakes up its heartbeat no longer matches: its batch is rolled back and it stops."""
    real = jobs.allocate_numbers
    job = validated(tree, chair)
    before = table_sizes()

    def stall_and_get_taken_over(issuer, count):
        monkeypatch.setattr(jobs, "allocate_numbers", real)
        make_stale(job, "committing")
        assert roster.mark_stale_jobs() == 1
        roster.resume_job(RosterImport.objects.get(pk=job.pk), by=chair)  # runs to the end here
        return real(issuer, count)

    # Stays: the stalled run must be overtaken at this exact point, which no real timing guarantees.
    monkeypatch.setattr(jobs, "allocate_numbers", stall_and_get_taken_over)
    job = roster.request_commit(job, by=chair)
    assert counts_of(job) == ("done", 11, 11, 100, 3, 1, 1, 5, 1)
    assert table_sizes() == (before[0] + 2, before[1] + 3, before[2] + 2, before[3] + 3)
    assert AuditEvent.objects.filter(action="members.roster.commit").count() == 1


def test_resume_and_restart_are_for_the_jobs_managers_only(tree, chair, people, personas):
    job = validated(tree, chair)
    make_stale(job, "committing")
    roster.mark_stale_jobs()
    job.refresh_from_db()
    with pytest.raises(Forbidden):
        roster.resume_job(job, by=personas.other_city_cadre)
    assert RosterImport.objects.get(pk=job.pk).status == "failed"
    assert not AuditEvent.objects.filter(action__in=["members.roster.resume", "members.roster.revalidate"]).exists()
