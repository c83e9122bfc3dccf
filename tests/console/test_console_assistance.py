"""Console pages of assistance (困难帮扶): living standards, hardship files (create, steps, versions, exit), programmes
(create, budget bar, notice, bank file), the review queue per level with bulk approval, payments, statistics, the
scope of every list and export, masking and the audited reveal, and the lists' fixed query counts."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from tests.assistance.conftest import active_file, apply, approve_all, make_aid, make_member
from tests.conftest import make_user
from tests.console.test_console_query_counts import changelist, show
from tests.rows import assert_queries

from smartunion.assistance.models import Application, HardshipFile, LivingStandard, Payment, Programme
from smartunion.assistance.services import applications, payments
from smartunion.core.actors import SYSTEM
from smartunion.core.models import AuditEvent
from smartunion.orgs.models import Position
from smartunion.orgs.services import position_grant

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Uploaded documents go to a temporary directory, not the project's var/media."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def aid(tree, personas):
    return make_aid(tree, personas)


def payable(aid, personas, user=None):
    application = approve_all(apply(aid.programme, user or personas.worker), personas)
    applications.publish_notice(aid.programme, by=personas.city_cadre)
    Application.objects.filter(pk=application.pk).update(notice_ends_on=timezone.localdate() - dt.timedelta(days=1))
    return Application.objects.get(pk=application.pk)


def test_living_standard_set_and_listed_in_scope(tree, personas, console, aid):
    client = console(personas.city_cadre)
    response = client.post(reverse("console:assistance_standard_set"), {
        "org": tree.jinan.pk, "region": "370100", "year": aid.year + 1, "monthly": "1080.50",
        "note": "济民政〔2026〕1号"})
    assert response.status_code == 302
    assert LivingStandard.objects.get(year=aid.year + 1).monthly_fen == 108_050
    page = client.get(changelist("assistance_livingstandard")).content.decode()
    assert "1080.50" in page and "1000.00" in page
    assert "1080.50" not in console(personas.other_city_cadre).get(changelist("assistance_livingstandard")).content \
        .decode()
    refused = console(personas.other_city_cadre).post(reverse("console:assistance_standard_set"), {
        "org": tree.jinan.pk, "region": "370100", "year": 2030, "monthly": "1"})
    assert "请选择管辖范围内的总工会" in refused.content.decode()
    assert console(personas.grassroots_cadre).get(reverse("console:assistance_standard_set")).status_code == 403


def test_thresholds_page(tree, personas, console, aid):
    client = console(personas.city_cadre)
    response = client.post(reverse("console:assistance_thresholds"), {"org": tree.jinan.pk, "category": "relative",
                                                                        "percent": "120"})
    assert response.status_code == 302
    assert "120%" in client.get(reverse("console:assistance_thresholds")).content.decode()


def test_file_created_reviewed_and_exited_through_the_console(tree, personas, console, aid):
    member = make_member(tree.grassroots, name="王建国")
    chair = console(personas.grassroots_cadre)
    response = chair.post(reverse("console:assistance_file_create"), {
        "id_number": member.person.id_number, "union": tree.grassroots.pk, "category": "relative",
        "causes": ["illness"], "health": "chronic", "disability_grade": "", "housing": "rented", "household_size": 2,
        "household_income": "24000", "household_members": "子女|10|健康|0|是", "insurance": ["medical"],
        "labour_contract": "fixed", "note": ""})
    assert response.status_code == 302, response.content.decode()
    f = HardshipFile.objects.get(person=member.person)
    assert (f.per_capita_monthly_fen, f.household_members[0]["in_school"]) == (100_000, True)
    detail = reverse("console:assistance_file_detail", args=[f.pk])
    page = chair.get(detail).content.decode()
    assert "王**" in page and "王建国" not in page
    edit = reverse("console:assistance_file_edit", args=[f.pk])
    form = chair.get(edit).context["form"]
    assert form.initial["household_members"] == "子女|10|健康|0.00|是"
    response = chair.post(edit, {**{k: v for k, v in form.initial.items() if v is not None},
                                 "household_size": 3, "household_income": "36000"})
    assert response.status_code == 302, response.content.decode()
    f.refresh_from_db()
    assert (f.household_size, f.per_capita_monthly_fen, f.version) == (3, 100_000, 2)
    chair.post(reverse("console:assistance_file_step", args=[f.pk, "submit"]))
    chair.post(reverse("console:assistance_file_step", args=[f.pk, "forward"]))
    # The grassroots chair cannot verify: the page says so and nothing changes.
    chair.post(reverse("console:assistance_file_step", args=[f.pk, "verify"]))
    assert HardshipFile.objects.get(pk=f.pk).status == "pending_federation"
    console(personas.county_cadre).post(reverse("console:assistance_file_step", args=[f.pk, "verify"]))
    assert HardshipFile.objects.get(pk=f.pk).status == "active"
    response = chair.post(reverse("console:assistance_file_step", args=[f.pk, "exit"]),
                          {"exit_reason": "recovered", "note": "已再就业"})
    f.refresh_from_db()
    assert (f.status, f.exit_reason) == ("exited", "recovered")
    page = chair.get(detail).content.decode()
    assert page.count("<tr class=\"align-top\">") == 6  # versions 1..6
    assert "已脱困" in page


def test_file_lists_scope_filters_and_queue(tree, personas, console, aid):
    member = make_member(tree.grassroots)
    f = active_file(member.person, tree.grassroots)
    HardshipFile.objects.filter(pk=f.pk).update(next_verification_due=timezone.localdate() - dt.timedelta(days=1))
    url = changelist("assistance_hardshipfile")
    assert len(console(personas.city_cadre).get(url).context["cl"].result_list) == 2
    assert len(console(personas.other_city_cadre).get(url).context["cl"].result_list) == 0
    overdue = console(personas.city_cadre).get(url + "?due=overdue")
    assert [o.pk for o in overdue.context["cl"].result_list] == [f.pk]
    assert "已逾期" in overdue.content.decode()
    assert console(personas.other_city_cadre).get(reverse("console:assistance_file_detail", args=[f.pk])) \
        .status_code == 404



def test_files_and_applications_are_found_by_the_worker_s_whole_name(tree, personas, console, aid):
    member = make_member(tree.grassroots, name="欧阳明月")
    f = active_file(member.person, tree.grassroots)
    mine = apply(aid.programme, personas.worker)  # 张伟, whose file the aid fixture keeps
    theirs = apply(aid.programme, member)
    client = console(personas.city_cadre)
    files = changelist("assistance_hardshipfile")
    assert [o.pk for o in client.get(files, {"q": "欧阳明月"}).context["cl"].result_list] == [f.pk]
    assert [o.pk for o in client.get(files, {"q": "欧阳"}).context["cl"].result_list] == []  # whole names only
    assert len(client.get(files, {"q": "甲公司"}).context["cl"].result_list) == 2  # the union, as before
    page = client.get(files)
    assert page.context["cl"].search_help_text == "按职工完整姓名或建档工会名称搜索"
    listed = changelist("assistance_application")
    assert [o.pk for o in client.get(listed, {"q": " 欧阳明月 "}).context["cl"].result_list] == [theirs.pk]
    assert [o.pk for o in client.get(listed, {"q": "张伟"}).context["cl"].result_list] == [mine.pk]
    assert list(console(personas.other_city_cadre).get(listed, {"q": "张伟"}).context["cl"].result_list) == []


def test_a_reviewer_reveals_the_worker_behind_a_file_or_an_application_with_a_reason_audited(
        tree, personas, console, aid):
    member = make_member(tree.grassroots, name="欧阳明月")
    f = active_file(member.person, tree.grassroots)
    application = apply(aid.programme, member)
    client = console(personas.county_cadre)
    reveal = reverse("console:members_person_reveal", args=[member.person.pk])
    for page in (reverse("console:assistance_file_detail", args=[f.pk]),
                 reverse("console:assistance_application_detail", args=[application.pk])):
        text = client.get(page).content.decode()
        assert "欧阳**" in text and "欧阳明月" not in text and f'href="{reveal}"' in text
    shown = client.post(reveal, {"reason": "复核困难档案，电话核实家庭情况"}).content.decode()
    assert "欧阳明月" in shown and member.person.phone in shown
    event = AuditEvent.objects.get(action="members.person.reveal")
    assert (event.actor_id, event.data["reason"]) == (personas.county_cadre.pk, "复核困难档案，电话核实家庭情况")

def test_programme_created_with_rules_and_budget_bar(tree, personas, console, aid):
    client = console(personas.city_cadre)
    today = timezone.localdate()
    response = client.post(reverse("console:assistance_programme_create"), {
        "org": tree.jinan.pk, "name": "冬季送温暖", "kind": "winter", "purpose": "winter", "year": today.year,
        "budget": "50000", "fixed_amount": "800", "member_required": "on", "file_required": "on",
        "categories": ["deep"], "required_documents": "困难证明\n身份证", "opens_on": today.isoformat(),
        "closes_on": (today + dt.timedelta(days=20)).isoformat(), "review_chain": ["grassroots", "city"],
        "notice_days": 7, "objection_contact": "0531-12351"})
    assert response.status_code == 302, response.content.decode()
    p = Programme.objects.get(name="冬季送温暖")
    assert (p.budget_fen, p.amount_rule, p.eligibility, p.review_chain, p.required_documents) == (
        5_000_000, {"fixed": 80_000}, {"member_required": True, "file_required": True, "categories": ["deep"]},
        ["grassroots", "city"], ["困难证明", "身份证"])
    page = client.get(reverse("console:assistance_programme_detail", args=[p.pk])).content.decode()
    assert "0.00 / 50000.00 元（0.0%）" in page and f"{today.year} 年 · 送温暖（生活救助）" in page
    # 结束受理 cannot be undone: the console asks first (console/editorial_confirm.js reads data-confirm).
    assert 'data-confirm="确定结束“冬季送温暖”的受理吗？' in page and "console/editorial_confirm.js" in page
    assert console(personas.other_city_cadre).get(reverse("console:assistance_programme_detail", args=[p.pk])) \
        .status_code == 404


def test_review_queue_per_level_and_bulk_approve(tree, personas, console, aid):
    first = apply(aid.programme, personas.worker)
    member = make_member(tree.grassroots)
    active_file(member.person, tree.grassroots)
    second = apply(aid.programme, member)
    url = changelist("assistance_application") + "?queue=mine"
    assert len(console(personas.county_cadre).get(url).context["cl"].result_list) == 0
    chair = console(personas.grassroots_cadre)
    assert {a.pk for a in chair.get(url).context["cl"].result_list} == {first.pk, second.pk}
    response = chair.post(changelist("assistance_application") + "?queue=mine", {
        "action": "bulk_approve", "_selected_action": [first.pk, second.pk]})
    assert response.status_code == 302
    assert set(Application.objects.values_list("level", flat=True)) == {1}
    assert {a.pk for a in console(personas.county_cadre).get(url).context["cl"].result_list} == {first.pk, second.pk}
    assert len(console(personas.other_city_cadre).get(changelist("assistance_application")).context["cl"]
               .result_list) == 0


def test_bank_account_masked_everywhere_and_reveal_audited(tree, personas, console, aid):
    application = apply(aid.programme, personas.worker)
    client = console(personas.city_cadre)
    for url in (changelist("assistance_application"),
                reverse("console:assistance_application_detail", args=[application.pk])):
        page = client.get(url).content.decode()
        assert "6222***********3445" in page and "6222020200112233445" not in page
    export = client.get(reverse("console:assistance_application_export_current"))
    assert export.status_code == 200
    assert b"6222020200112233445" not in b"".join(export.streaming_content)
    reveal = reverse("console:assistance_application_reveal", args=[application.pk])
    assert "6222020200112233445" not in client.get(reveal).content.decode()
    page = client.post(reveal, {"reason": "代发退票核对"}).content.decode()
    assert "6222020200112233445" in page
    assert AuditEvent.objects.filter(action="assistance.application.reveal_account",
                                     actor=personas.city_cadre).count() == 1
    document = application.documents.get()
    url = reverse("console:assistance_application_document", args=[application.pk, document.pk])
    assert b"".join(client.get(url).streaming_content) == b"%PDF-1.4 test"
    assert console(personas.other_city_cadre).get(url).status_code == 404
    # Out of scope, the reveal is not found either.
    page = console(personas.other_city_cadre).get(reveal)
    assert page.status_code == 404


def test_bank_file_export_managers_only_and_audited(tree, personas, console, aid):
    application = payable(aid, personas)
    empty = console(personas.city_cadre).get(reverse("console:assistance_bank_file", args=[aid.programme.pk, "csv"]))
    assert empty.status_code == 302  # nothing to pay yet: no empty file, a message on the programme's page
    assert empty["Location"] == reverse("console:assistance_programme_detail", args=[aid.programme.pk])
    assert not AuditEvent.objects.filter(action="assistance.payment.export").exists()
    payments.create_payment(application, by=personas.city_cadre, idempotency_key="console-000001")
    client = console(personas.city_cadre)
    csv = client.get(reverse("console:assistance_bank_file", args=[aid.programme.pk, "csv"]))
    assert csv.status_code == 200
    assert csv.content.decode("utf-8-sig") == (f"姓名,账号,金额（元）,用途\r\n张伟,6222020200112233445,3000.00,"
                                               f"2026年金秋助学（{aid.year}）\r\n")
    xlsx = client.get(reverse("console:assistance_bank_file", args=[aid.programme.pk, "xlsx"]))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert AuditEvent.objects.filter(action="assistance.payment.export").count() == 2
    reviewer = make_user("jinan_reviewer")
    position_grant(user=reviewer, org=tree.jinan, role=Position.Role.REVIEWER, by=SYSTEM)
    url = reverse("console:assistance_bank_file", args=[aid.programme.pk, "csv"])
    assert console(reviewer).get(url).status_code == 403  # sees the programme, does not manage it
    assert console(personas.county_cadre).get(url).status_code == 404  # the city's programme is out of its scope
    assert console(personas.other_city_cadre).get(
        reverse("console:assistance_bank_file", args=[aid.programme.pk, "csv"])).status_code == 404


def test_payments_list_mark_paid_and_failed(tree, personas, console, aid):
    application = payable(aid, personas)
    pay = reverse("console:assistance_application_act", args=[application.pk, "pay"])
    client = console(personas.city_cadre)
    client.post(pay, {"key": "console-key-1"})
    client.post(pay, {"key": "console-key-1"})  # a double click: the same payment
    assert Payment.objects.count() == 1
    payment = Payment.objects.get()
    page = client.get(changelist("assistance_payment")).content.decode()
    assert "张*" in page and "3000.00" in page and "助学" in page and ">education<" not in page
    detail = client.get(reverse("console:assistance_payment_change", args=[payment.pk])).content.decode()
    assert "3000.00" in detail and "助学" in detail and "console-key-1" in detail
    assert "300000" not in detail and "education" not in detail and "幂等键" not in detail
    assert len(console(personas.other_city_cadre).get(changelist("assistance_payment")).context["cl"]
               .result_list) == 0
    client.post(reverse("console:assistance_payment_fail", args=[payment.pk]), {"reason": "账户已销户"})
    assert Payment.objects.get().status == "failed"
    client.post(pay, {"key": "console-key-2"})
    second = Payment.objects.get(status="pending")
    response = client.post(changelist("assistance_payment"), {"action": "mark_paid", "_selected_action": [second.pk]})
    assert response.status_code == 302
    assert (Payment.objects.get(pk=second.pk).status, Application.objects.get(pk=application.pk).status) == (
        "paid", "paid")


def test_statistics_with_chart(tree, personas, console, aid):
    approve_all(apply(aid.programme, personas.worker), personas)
    page = console(personas.city_cadre).get(reverse("console:assistance_statistics"))
    assert page.status_code == 200
    rows = page.context["rows"]
    assert [(r["name"], r["n"], r["n_approved"], r["approved"]) for r in rows] == [("2026年金秋助学", 1, 1,
                                                                                   "3000.00")]
    assert page.context["kinds"] == [("金秋助学", 1, "3000.00")]
    assert 'class="results-chart"' in page.content.decode()
    export = console(personas.city_cadre).get(reverse("console:assistance_statistics") + "?export=1")
    sheet = load_workbook(io.BytesIO(export.content)).active
    row = list(next(sheet.iter_rows(min_row=2, max_row=2)))
    assert [c.value for c in row] == ["2026年金秋助学", "金秋助学", aid.year, 1, 1, 0, 3000, 0, 10000]
    assert row[6].number_format == "#,##0.00"  # amounts are numbers, not text
    assert console(personas.other_city_cadre).get(reverse("console:assistance_statistics")).context["rows"] == []


@pytest.mark.parametrize("name", ["assistance_hardshipfile", "assistance_application", "assistance_programme",
                                  "assistance_payment", "assistance_livingstandard"])
def test_list_query_counts_fixed(tree, personas, console, aid, name):
    client = console(personas.city_cadre)

    def add(n):
        for _ in range(n):
            member = make_member(tree.grassroots)
            active_file(member.person, tree.grassroots)
            application = payable(aid, personas, member)
            payments.create_payment(application, by=personas.city_cadre,
                                    idempotency_key=f"count-{application.pk:08d}")

    add(1)
    one = show(client, changelist(name))
    add(2)
    three = show(client, changelist(name))
    assert_queries(one.count, one, three)


def test_file_list_export_is_scoped_and_masked_unless_full(tree, personas, console, aid):
    import io

    from openpyxl import load_workbook

    def cells(response):
        book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        return [[c for c in row] for row in book.active.iter_rows(values_only=True)]

    url = reverse("console:assistance_hardshipfile_export_current")
    city = cells(console(personas.city_cadre).get(url))
    assert ["张*", "甲公司工会委员会", "深度困难", "在档"] == list(city[-1][:4])
    other = cells(console(personas.other_city_cadre).get(url))
    assert not any("甲公司工会委员会" in str(row) for row in other)
    full = console(personas.city_cadre).post(reverse("console:assistance_hardshipfile_export_current_full"),
                                             {"reason": "年度复核名单"})
    assert cells(full)[-1][0] == "张伟"
    assert AuditEvent.objects.filter(action="console.list.export_full").count() == 1
