"""Demo assistance (困难帮扶) in 济南, through the assistance services (issue 10).

Called by demo/seeding.py after the benefits (the member accounts `member1`..`member6` exist then):

    from smartunion.demo.seed_assistance import build_assistance
    build_assistance(progress=progress)

What it makes (reviews by the demo cadres: `lixia_union` for the grassroots union, `lixia` for 历下区总工会, `jinan`
for 济南市总工会):
- 济南's living standard for this year (1,050.00 元 a month per person);
- hardship files: the `worker` persona's (深度困难, verified, re-verification due in a year), member1's (相对困难,
  verified), member5's and member6's (verified), member2's (waiting for the county's review), member3's (exited:
  已脱困, with its history), member4's (a draft);
- the programme 金秋助学 of 济南市总工会 (grassroots → county → city, 公示 5 days, budget 50,000.00 元) with
  applications in every state: the worker's paid (its notice ended, a payment made, the bank file exported, marked
  paid), member1's approved and under public notice (the 公示 page lists it), member5's pending at the county,
  member6's rejected with its reason.
"""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from smartunion.accounts.models import User
from smartunion.assistance.models import Application, Payment
from smartunion.assistance.services import applications, hardship, payments, programmes
from smartunion.core.actors import SYSTEM
from smartunion.members.models import Membership
from smartunion.orgs.models import Organisation

STANDARD_FEN = 105_000


def _user(username: str):
    return User.objects.filter(username=username).first() or SYSTEM


def _document():
    return ContentFile(b"%PDF-1.4\n% demo admission letter\n", name="录取通知书.pdf")


def _file_values(category: str, income_fen: int, *, child: bool = True) -> dict:
    members = [{"relation": "配偶", "age": 38, "health": "慢性病", "income_fen": 0}]
    if child:
        members.append({"relation": "子女", "age": 18, "health": "健康", "income_fen": 0, "in_school": True})
    return {"category": category, "household_size": 3, "household_income_fen": income_fen,
            "causes": ["illness", "education"], "health": "chronic", "housing": "rented",
            "household_members": members, "insurance": ["medical", "pension"], "labour_contract": "fixed",
            "note": "配偶患慢性病长期服药，子女在读大学"}


def build_assistance(*, progress) -> dict:
    today = timezone.localdate()
    jinan = Organisation.objects.get(kind=Organisation.Kind.CITY, region_id="370100")
    chair, county, city = _user("lixia_union"), _user("lixia"), _user("jinan")
    worker = User.objects.get(username="worker")
    members = {u.username: u for u in User.objects.filter(username__in=[f"member{i}" for i in range(1, 7)])}
    people = {"worker": worker, **members}
    union_of = {name: Membership.objects.select_related("union").get(person_id=u.person_id, status="active").union
                for name, u in people.items()}
    with transaction.atomic():
        programmes.set_living_standard(by=SYSTEM, org=jinan, region="370100", year=today.year,
                                       monthly_fen=STANDARD_FEN, note="济南市城乡低保标准（演示数据）")

        def open_file(name, category, income, *, child=True):
            return hardship.create_file(by=chair, person=people[name].person, union=union_of[name],
                                        **_file_values(category, income, child=child))

        def verified(name, category, income, **extra):
            f = open_file(name, category, income, **extra)
            f = hardship.submit_file(f, by=chair)
            f = hardship.forward_file(f, by=chair)
            return hardship.verify_file(f, by=county, note="入户核实，情况属实")

        files = {
            "worker": verified("worker", "deep", 3_240_000),        # 900.00 元 a month per person
            "member1": verified("member1", "relative", 4_680_000),  # 1,300.00 元
            "member5": verified("member5", "deep", 3_600_000),
            "member6": verified("member6", "relative", 5_040_000),
        }
        pending = hardship.forward_file(hardship.submit_file(open_file("member2", "deep", 2_880_000), by=chair),
                                        by=chair)
        exited = verified("member3", "relative", 5_400_000, child=False)
        exited = hardship.exit_file(exited, by=chair, reason="recovered", note="配偶康复后再就业，家庭收入稳定")
        draft = open_file("member4", "accident", 6_000_000, child=False)
        progress(f"困难职工档案：在档 {len(files)} 份，待审核 1 份，已退档 1 份，草稿 1 份")

        programme = programmes.create_programme(
            by=city, org=jinan, name=f"{today.year}年金秋助学", kind="golden_autumn",
            purpose="education", year=today.year, budget_fen=5_000_000,
            amount_rule={"by_category": {"deep": 300_000, "relative": 200_000}, "cap": 300_000},
            opens_on=today - dt.timedelta(days=20), closes_on=today + dt.timedelta(days=40),
            review_chain=["grassroots", "county", "city"],
            eligibility_rule={"categories": ["deep", "relative"], "child_in_school": True},
            required_documents=["录取通知书"], notice_days=5, objection_contact="济南市总工会帮扶中心 0531-12351",
            description="资助困难职工家庭中当年考入大学的子女，深度困难每人 3000 元，相对困难每人 2000 元。")

        def applied(name):
            user = people[name]
            application = applications.submit_application(
                programme, by=user, bank_name="中国工商银行济南泉城路支行",
                bank_account=f"62220216020{user.person_id:08d}", account_holder=user.person.name,
                reason="子女今年考入大学，家庭负担重")
            applications.add_document(application, by=user, name="录取通知书", upload=_document())
            return application

        def through(application, reviewers):
            for reviewer in reviewers:
                application = applications.approve_application(application, by=reviewer, note="情况属实")
            return application

        paid = through(applied("worker"), [chair, county, city])
        applications.publish_notice(programme, by=city)
        # The worker's notice ran a week ago and ended without objection.
        Application.objects.filter(pk=paid.pk).update(notice_starts_on=today - dt.timedelta(days=8),
                                                      notice_ends_on=today - dt.timedelta(days=3))
        paid.refresh_from_db()
        payment, _ = payments.create_payment(paid, by=city, idempotency_key=f"demo-{programme.pk}-{paid.pk}")
        payments.export_bank_file(Payment.objects.filter(pk=payment.pk).select_related("application", "programme"),
                                  by=city, programme=programme, fmt="xlsx")
        payments.mark_paid(payment, by=city)
        noticed = through(applied("member1"), [chair, county, city])
        applications.publish_notice(programme, by=city)
        waiting = through(applied("member5"), [chair])
        rejected = applications.reject_application(applied("member6"), by=chair,
                                                   note="子女已获其他助学金全额资助，本年度不再重复资助")
        progress(f"帮扶项目：{programme.name}，申请 4 份（已发放、公示中、审核中、未通过各 1 份），发放 1 笔")
    return {"living_standards": 1, "hardship_files": len(files) + 3, "programmes": 1, "applications": 4,
            "payments": 1, "ids": {"programme": programme.pk, "paid": paid.pk, "notice": noticed.pk,
                                   "pending": waiting.pk, "rejected": rejected.pk, "pending_file": pending.pk,
                                   "exited_file": exited.pk, "draft_file": draft.pk}}
