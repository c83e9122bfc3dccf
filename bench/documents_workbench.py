"""The console's workbench (工作台) with the office tables at 100k documents, on SQLite and PostgreSQL.

    DATABASE_URL=... python bench/documents_workbench.py [--documents 100000] [--repeat 7] [--keep] [--no-fill]
                                                         [--explain]

Seed the org tree first (`smartunion seed --members 3000`). The script

1. fills the office tables with `--documents` documents (outgoing and incoming together; 30 % outgoing) spread over
   the federations of the province (the province weighs 20 counties, a city 5), every title marked 【基准】, by
   bulk inserts in chunks:
   - outgoing documents (发文) in every status, the ones in 会签 with pending countersigns (an org and a department);
   - exchanges of released province, city and county documents (to the cities, to the cities and counties, to a
     city's counties, or up to the parent) with one delivery and one incoming document per receiver: 85 % signed,
     10 % still to sign, 5 % returned; for 60 % of the incoming documents, the others registered by hand, every
     status, the ones being handled with a department, a handler and a deadline (a fifth of them past), a fifth of
     all circulated (传阅) to one or two cadres, 30 % unread;
   - as many information reports (信息报送) as a fifth of the documents, from counties, cities and townships to the
     org above; as many approval requests (移动审批) with two steps each; a fiftieth as many meetings, each with
     invitations to cadres and to the orgs below, and an action item for every second one;
   the rows name the cadres who hold positions in their org (the demo's, and the bench cadres below), and each
   bench cadre gets two more rows in every office queue whatever the spread gave them;
2. makes three bench cadres (accounts that stay), each chair and administrator of its org so that every office
   queue of the workbench is theirs to see: `bench_wb_province` (山东省总工会), `bench_wb_city` (济南市总工会),
   `bench_wb_county` (历下区总工会), each head of its org's 【基准】办公室 department;
3. refreshes the planner's statistics (ANALYZE; on PostgreSQL a VACUUM (ANALYZE) of the office tables first) and
   times, for each bench cadre and for the demo administrators (`admin`, `jinan`, `lixia`), the whole workbench page
   GET /console/ through Django's test Client (one warm-up, then the median and maximum of `--repeat`, with the
   number of SQL statements, their own time and the slowest of them), and for each bench cadre every queue's count
   alone (ORM and SQL, as the page calls it, with its statements) and the scope's member figures, so that the
   slowest queue shows; `--explain` prints the query plan of each cadre's slowest queue;
4. deletes what it wrote (unless `--keep`; `--no-fill` measures the rows a kept run left).

Target (issue 12): the workbench page well under a second at 100k documents.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartunion.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from smartunion.accounts.models import User  # noqa: E402
from smartunion.console import workbench  # noqa: E402
from smartunion.core.actors import SYSTEM  # noqa: E402
from smartunion.core.bulk import refresh_statistics  # noqa: E402
from smartunion.documents.models import (  # noqa: E402
    ActionItem,
    ApprovalForm,
    ApprovalRequest,
    ApprovalStep,
    Circulation,
    Countersign,
    Delivery,
    Department,
    Exchange,
    IncomingDocument,
    InfoReport,
    Invitation,
    Meeting,
    OutgoingDocument,
)
from smartunion.orgs import services as org_services  # noqa: E402
from smartunion.orgs.models import Organisation, Position  # noqa: E402
from smartunion.orgs.queries import clear_scope_cache, held_positions  # noqa: E402

MARK = "【基准】"
HOME = "/console/"
BACKEND = "smartunion.accounts.backends.UsernameOrPhoneBackend"
CHUNK = 5000
K = Organisation.Kind
R = Position.Role
OUT = OutgoingDocument.Status
IN = IncomingDocument.Status
DS = Delivery.Status
BENCH_CADRES = (("bench_wb_province", "370000", "省"), ("bench_wb_city", "370100", "市（济南）"),
                ("bench_wb_county", "370102", "县（历下）"))
DEMO_ADMINS = (("admin", "省 admin"), ("jinan", "市 jinan"), ("lixia", "县 lixia"))
WEIGHT = {K.PROVINCE: 20, K.CITY: 5, K.COUNTY: 1}
OUT_STATUS = {OUT.DRAFT: 5, OUT.CHECKING: 3, OUT.COUNTERSIGN: 2, OUT.SIGNING: 2, OUT.NUMBERING: 1.5, OUT.SEALING: 1.5,
              OUT.DISTRIBUTION: 10, OUT.ARCHIVED: 73, OUT.CANCELLED: 2}
IN_STATUS = {IN.REGISTERED: 5, IN.PROPOSED: 3, IN.INSTRUCTED: 2, IN.HANDLING: 8, IN.DONE: 30, IN.ARCHIVED: 52}
TITLES = ("关于开展职工技能竞赛的通知", "关于做好新就业形态劳动者入会工作的意见", "关于表彰先进职工之家的决定",
          "关于报送年度工作总结的通知", "关于开展金秋助学活动的通知", "关于加强基层工会经费管理的通知",
          "关于举办劳模工匠宣讲活动的函", "关于职工疗休养工作的批复", "关于开展安康杯竞赛的通知", "会议纪要")
SENDERS = ("山东省人力资源和社会保障厅", "济南市医疗保障局", "山东省应急管理厅", "中华全国总工会办公厅",
           "山东省财政厅", "青岛市人民政府办公厅")
BODY = "各有关单位：\n现将有关事项通知如下，请结合实际认真贯彻落实。" * 8


def pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


class SqlClock:
    """Each statement's own time (connection.execute_wrapper: the debug cursor's figure is rounded to 1 ms)."""

    def __init__(self):
        self.times: list[float] = []
        self.slowest = (0.0, "")

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.times.append((time.perf_counter() - start) * 1000)
            self.slowest = max(self.slowest, (self.times[-1], sql))


def timed(call):
    with CaptureQueriesContext(connection) as ctx:
        start = time.perf_counter()
        result = call()
        elapsed = time.perf_counter() - start
    return result, elapsed * 1000, ctx.captured_queries


def bulk(model, rows: list) -> list:
    """Insert in chunks (each chunk one bulk_create, split further by Django at SQLite's parameter limit)."""
    done = []
    for start in range(0, len(rows), CHUNK):
        done += model.objects.bulk_create(rows[start:start + CHUNK], batch_size=1000)
    return done


# The cadres -------------------------------------------------------------------------------------------------------


def bench_cadres() -> list[tuple[str, User, Organisation]]:
    """The three bench cadres, chair and administrator of their org (made once, kept)."""
    found = []
    for username, region, label in BENCH_CADRES:
        org = Organisation.objects.filter(region_id=region, kind__in=list(WEIGHT)).order_by("path").first()
        if org is None:
            sys.exit(f"no federation of region {region}: seed the demo province first (smartunion seed)")
        user = User.objects.filter(username=username).first() or User.objects.create(
            username=username, display_name=f"{org.name}基准干部", kind=User.Kind.CADRE, is_staff=True)
        for role in (R.CHAIR, R.ADMINISTRATOR):
            org_services.position_grant(user=user, org=org, role=role, by=SYSTEM)
        found.append((label, user, org))
    return found


# Filling ----------------------------------------------------------------------------------------------------------


class Filler:
    def __init__(self, documents: int, seed: int = 12):
        self.rng = random.Random(seed)
        self.n = documents
        self.now = timezone.now()
        self.today = timezone.localdate()
        province = Organisation.objects.filter(kind=K.PROVINCE).order_by("path").first()
        if province is None:
            sys.exit("no province: seed the database first (smartunion seed)")
        self.feds = list(Organisation.objects.filter(path__startswith=province.path, kind__in=list(WEIGHT),
                                                     status="active").order_by("path"))
        self.by_id = {o.pk: o for o in self.feds}
        self.weights = [WEIGHT[o.kind] for o in self.feds]
        self.children = defaultdict(list)
        for org in self.feds:
            if org.parent_id in self.by_id:
                self.children[org.parent_id].append(org)
        self.towns = list(Organisation.objects.filter(path__startswith=province.path, kind=K.TOWNSHIP,
                                                      status="active").select_related("parent").order_by("path"))
        self.cadres = defaultdict(list)
        for user_id, org_id in (Position.objects.filter(org_id__in=self.by_id, role__in=(R.CHAIR, R.ADMINISTRATOR,
                                                                                         R.REVIEWER),
                                                        user__is_active=True)
                                .values_list("user_id", "org_id").order_by("org_id", "user_id")):
            if user_id not in self.cadres[org_id]:
                self.cadres[org_id].append(user_id)
        self.province = province
        self.stats: dict[str, int] = {}

    def org(self) -> Organisation:
        return self.rng.choices(self.feds, weights=self.weights)[0]

    def cadre(self, org_id: int) -> int | None:
        pool = self.cadres.get(org_id)
        return self.rng.choice(pool) if pool else None

    def fill(self, cadres: list[tuple[User, Organisation]]) -> None:
        steps = [("departments", self.departments), ("outgoing", self.outgoing), ("exchanges", self.exchanges),
                 ("incoming", self.incoming), ("circulations", self.circulations), ("reports", self.reports),
                 ("approvals", self.approvals), ("meetings", self.meetings),
                 ("two rows in every queue of each bench cadre", lambda: self.waiting_for_bench(cadres))]
        for name, step in steps:
            start = time.perf_counter()
            with transaction.atomic():
                step()
            print(f"  {name}: {time.perf_counter() - start:.1f} s", flush=True)

    def departments(self) -> None:
        rows = [Department(org=o, org_path=o.path, name=f"{MARK}办公室", head_id=self.cadres[o.pk][-1]
                           if self.cadres.get(o.pk) else None) for o in self.feds]
        self.depts = {d.org_id: d for d in bulk(Department, rows)}
        members = [Department.members.through(department_id=d.pk, user_id=u)
                   for d in self.depts.values() for u in self.cadres.get(d.org_id, [])[:2]]
        Department.members.through.objects.bulk_create(members, batch_size=1000)
        self.stats["departments"] = len(rows)

    def outgoing(self) -> None:
        rng, rows = self.rng, []
        for i in range(int(self.n * 0.3)):
            org = self.org()
            status = pick(rng, OUT_STATUS)
            numbered = status in (OUT.SEALING, OUT.DISTRIBUTION, OUT.ARCHIVED)
            rows.append(OutgoingDocument(
                org=org, org_path=org.path, kind=rng.choice(OutgoingDocument.Kind.values),
                title=f"{MARK}{rng.choice(TITLES)}（{i}）", issuer_mark=f"{org.name}文件",
                number=f"工发〔2026〕{i}号" if numbered else "", signer_name="王强" if numbered else "",
                main_recipients="各县（市、区）总工会", body=BODY, status=status, created_by_id=self.cadre(org.pk),
                written_on=self.today - dt.timedelta(days=rng.randrange(365)),
                printed_on=self.today if numbered else None))
        self.out = bulk(OutgoingDocument, rows)
        signs = []
        for doc in self.out:
            if doc.status == OUT.COUNTERSIGN:
                other = self.org()
                if other.pk != doc.org_id:
                    signs.append(Countersign(document=doc, org=other))
                signs.append(Countersign(document=doc, department=self.depts[doc.org_id]))
            elif doc.status == OUT.ARCHIVED and rng.random() < 0.1:
                signs.append(Countersign(document=doc, department=self.depts[doc.org_id],
                                         status=Countersign.Status.AGREED, decided_at=self.now))
        bulk(Countersign, signs)
        self.stats["outgoing"] = len(rows)
        self.stats["countersigns"] = len(signs)

    def receivers(self, sender: Organisation) -> list[Organisation]:
        rng = self.rng
        if sender.kind == K.PROVINCE:
            cities = self.children[sender.pk]
            if rng.random() < 0.5:
                return cities
            return cities + [c for city in cities for c in self.children[city.pk]]
        parent = self.by_id.get(sender.parent_id)
        if (sender.kind == K.CITY and rng.random() < 0.8) or parent is None:
            return self.children[sender.pk]
        return [parent]

    def exchanges(self) -> None:
        rng = self.rng
        wanted = int(self.n * 0.7 * 0.6)
        released = [d for d in self.out if d.status in (OUT.DISTRIBUTION, OUT.ARCHIVED)]
        rng.shuffle(released)
        plans, total = [], 0
        for doc in released:
            if total >= wanted:
                break
            to = self.receivers(self.by_id[doc.org_id])[:wanted - total]
            if to:
                plans.append((doc, to))
                total += len(to)
        sent = bulk(Exchange, [Exchange(document=doc, org_id=doc.org_id, org_path=doc.org_path,
                                        envelope={"format": "bench"}, sent_by_id=self.cadre(doc.org_id),
                                        sign_due_at=self.now + dt.timedelta(days=rng.randrange(-5, 10)))
                               for doc, _ in plans])
        rows = []
        for exchange, (_, to) in zip(sent, plans, strict=True):
            for org in to:
                status = pick(rng, {DS.SIGNED: 85, DS.DELIVERED: 10, DS.RETURNED: 5})
                rows.append(Delivery(exchange=exchange, to_org=org, to_path=org.path, status=status,
                                     decided_at=None if status == DS.DELIVERED else self.now,
                                     decided_by_id=None if status == DS.DELIVERED else self.cadre(org.pk)))
        self.deliveries = bulk(Delivery, rows)
        self.plan_docs = {exchange.pk: doc for exchange, (doc, _) in zip(sent, plans, strict=True)}
        self.stats["exchanges"] = len(sent)
        self.stats["deliveries"] = len(rows)

    def incoming_row(self, org: Organisation, status: str, **values) -> IncomingDocument:
        rng = self.rng
        row = IncomingDocument(org=org, org_path=org.path, status=status, body=BODY,
                               received_on=self.today - dt.timedelta(days=rng.randrange(365)), **values)
        if status in (IN.PROPOSED, IN.INSTRUCTED, IN.HANDLING, IN.DONE, IN.ARCHIVED):
            row.proposal, row.proposed_by_id = "请办公室阅处。", self.cadre(org.pk)
        if status in (IN.INSTRUCTED, IN.HANDLING, IN.DONE, IN.ARCHIVED):
            row.instruction, row.instructed_by_id = "同意。", self.cadre(org.pk)
            row.due_at = self.now + dt.timedelta(days=rng.uniform(-5, 20))
        if status in (IN.HANDLING, IN.DONE, IN.ARCHIVED):
            row.department = self.depts[org.pk] if rng.random() < 0.5 else None
            row.handler_id = self.cadre(org.pk) if rng.random() < 0.6 else None
        if status in (IN.DONE, IN.ARCHIVED):
            row.done_at, row.result = self.now, "已办结。"
        return row

    def incoming(self) -> None:
        rng, rows = self.rng, []
        for delivery in self.deliveries:
            doc = self.plan_docs[delivery.exchange_id]
            org = self.by_id[delivery.to_org_id]
            status = {DS.DELIVERED: IN.REGISTERED, DS.RETURNED: IN.DONE}.get(delivery.status) or pick(rng, IN_STATUS)
            rows.append(self.incoming_row(org, status, source=IncomingDocument.Source.EXCHANGE, delivery=delivery,
                                          sender_name=self.by_id[doc.org_id].name, original_number=doc.number,
                                          title=doc.title))
        for i in range(int(self.n * 0.7) - len(rows)):
            org = self.org()
            rows.append(self.incoming_row(org, pick(rng, IN_STATUS), source=IncomingDocument.Source.MANUAL,
                                          sender_name=rng.choice(SENDERS), original_number=f"来文〔2026〕{i}号",
                                          title=f"{MARK}{rng.choice(TITLES)}（来文{i}）"))
        self.inc = bulk(IncomingDocument, rows)
        self.stats["incoming"] = len(rows)

    def circulations(self) -> None:
        rng, rows = self.rng, []
        for doc in self.inc:
            if rng.random() >= 0.2:
                continue
            pool = self.cadres.get(doc.org_id, [])
            for reader in rng.sample(pool, min(len(pool), rng.choice((1, 2)))):
                rows.append(Circulation(document=doc, reader_id=reader,
                                        read_at=None if rng.random() < 0.3 else self.now))
        bulk(Circulation, rows)
        self.stats["circulations"] = len(rows)

    def reports(self) -> None:
        rng, rows = self.rng, []
        counties = [o for o in self.feds if o.kind == K.COUNTY]
        cities = [o for o in self.feds if o.kind == K.CITY]
        for i in range(int(self.n * 0.2)):
            r = rng.random()
            org = rng.choice(counties if r < 0.6 else cities if r < 0.85 else self.towns)
            to = org.parent
            status = pick(rng, {InfoReport.Status.SUBMITTED: 10, InfoReport.Status.ADOPTED: 50,
                                InfoReport.Status.DECLINED: 35, InfoReport.Status.WITHDRAWN: 5})
            adopted = status == InfoReport.Status.ADOPTED
            rows.append(InfoReport(
                org=org, org_path=org.path, to_org=to, to_path=to.path,
                category=rng.choice(InfoReport.Category.values), title=f"{MARK}{org.name}工作动态（{i}）", body=BODY,
                status=status, level=InfoReport.Level.CITY if adopted else "", submitted_by_id=self.cadre(org.pk),
                decided_at=self.now if status in (InfoReport.Status.ADOPTED, InfoReport.Status.DECLINED) else None))
        bulk(InfoReport, rows)
        self.stats["reports"] = len(rows)

    def approvals(self) -> None:
        rng = self.rng
        self.form = form = ApprovalForm.objects.get_or_create(
            org=self.province, code="bench-leave",
            defaults={"org_path": self.province.path, "name": f"{MARK}请假", "fields": [], "steps": []})[0]
        A, P = ApprovalRequest.Status, ApprovalStep.Status
        shapes = {A.PENDING: (P.APPROVED, P.PENDING), A.APPROVED: (P.APPROVED, P.APPROVED),
                  A.REJECTED: (P.APPROVED, P.REJECTED), A.RETURNED: (P.RETURNED, P.WAITING),
                  A.WITHDRAWN: (P.PENDING, P.WAITING)}
        rows, plans = [], []
        for i in range(int(self.n * 0.2)):
            org = self.org()
            applicant = self.cadre(org.pk)
            if applicant is None:
                continue
            status = pick(rng, {A.PENDING: 10, A.APPROVED: 70, A.REJECTED: 10, A.RETURNED: 5, A.WITHDRAWN: 5})
            first = shapes[status]
            if status == A.PENDING and rng.random() < 0.5:
                first = (P.PENDING, P.WAITING)
            parent = self.by_id.get(org.parent_id)
            approvers = (self.cadre(org.pk), self.cadre(parent.pk) if parent else None)
            approvers = tuple(a or applicant for a in approvers)
            rows.append(ApprovalRequest(form=form, org=org, org_path=org.path, applicant_id=applicant,
                                        title=f"{MARK}请假申请（{i}）", data={"days": rng.randint(1, 5)},
                                        subject_key=f"bench-{i}", status=status,
                                        current_step=1 if first[0] == P.PENDING else 2,
                                        finished_at=None if status in ApprovalRequest.OPEN_STATES else self.now))
            plans.append(tuple(zip(first, approvers, strict=True)))
        requests = bulk(ApprovalRequest, rows)
        steps = [ApprovalStep(request=request, position=n, label=("部门负责人", "分管领导")[n - 1], approver_id=who,
                              status=status)
                 for request, plan in zip(requests, plans, strict=True)
                 for n, (status, who) in enumerate(plan, start=1)]
        bulk(ApprovalStep, steps)
        self.stats["approvals"] = len(rows)
        self.stats["approval steps"] = len(steps)

    def meetings(self) -> None:
        rng, rows = self.rng, []
        M = Meeting.Status
        for i in range(int(self.n * 0.02)):
            org = self.org()
            status = pick(rng, {M.SCHEDULED: 20, M.FINISHED: 75, M.CANCELLED: 5})
            days = rng.uniform(1, 30) if status == M.SCHEDULED else -rng.uniform(1, 365)
            starts = self.now + dt.timedelta(days=days)
            rows.append(Meeting(org=org, org_path=org.path, title=f"{MARK}工作例会（{i}）", place="第一会议室",
                                starts_at=starts, ends_at=starts + dt.timedelta(hours=2), status=status,
                                reply_due_at=starts - dt.timedelta(hours=12), organiser_id=self.cadre(org.pk)))
        meetings = bulk(Meeting, rows)
        invitations, items = [], []
        for meeting in meetings:
            scheduled = meeting.status == M.SCHEDULED
            pool = self.cadres.get(meeting.org_id, [])
            below = self.children[meeting.org_id]
            for user in rng.sample(pool, min(len(pool), 4)):
                invitations.append(Invitation(meeting=meeting, user_id=user, reply=Invitation.Reply.PENDING
                                              if scheduled and rng.random() < 0.5 else Invitation.Reply.ATTEND))
            for org in rng.sample(below, min(len(below), 8)):
                invitations.append(Invitation(meeting=meeting, org=org, reply=Invitation.Reply.PENDING
                                              if scheduled and rng.random() < 0.5 else Invitation.Reply.ATTEND))
            parent = self.by_id.get(meeting.org.parent_id)
            if parent is not None and rng.random() < 0.3:
                invitations.append(Invitation(meeting=meeting, org=parent))
            if pool and rng.random() < 0.5:
                items.append(ActionItem(meeting=meeting, org_id=meeting.org_id, org_path=meeting.org_path,
                                        title=f"{MARK}落实会议事项", owner_id=rng.choice(pool),
                                        due_on=self.today + dt.timedelta(days=rng.randrange(-20, 40)),
                                        status=ActionItem.Status.OPEN if rng.random() < 0.4 else
                                        ActionItem.Status.DONE))
        bulk(Invitation, invitations)
        bulk(ActionItem, items)
        self.stats["meetings"] = len(meetings)
        self.stats["invitations"] = len(invitations)
        self.stats["action items"] = len(items)

    def waiting_for_bench(self, cadres: list[tuple[User, Organisation]]) -> None:
        """Whatever the random spread gave them, two rows in every office queue of each bench cadre: documents of
        their org to check, sign, number and seal, countersigns asked of their org and their department, deliveries
        to sign for, incoming documents to propose, instruct and handle, unread circulations, reports sent to their
        org, approval steps, meeting notices to them and to their org, open action items."""
        now, rows = self.now, 0
        for user, org in cadres:
            other = self.by_id.get(org.parent_id) or self.children[org.pk][0]
            below = self.children[org.pk] or [t for t in self.towns if t.parent_id == org.pk]
            docs = []
            for n, (at, status) in enumerate([(org, OUT.CHECKING), (org, OUT.SIGNING), (org, OUT.NUMBERING),
                                              (org, OUT.SEALING), (other, OUT.COUNTERSIGN), (org, OUT.COUNTERSIGN),
                                              (other, OUT.DISTRIBUTION)] * 2):
                docs.append(OutgoingDocument(org=at, org_path=at.path, title=f"{MARK}待办公文（{user.pk}-{n}）",
                                             issuer_mark=f"{at.name}文件", body=BODY, status=status,
                                             created_by_id=self.cadre(at.pk)))
            docs = bulk(OutgoingDocument, docs)
            bulk(Countersign, [Countersign(document=d, org=org) if d.org_id != org.pk else
                               Countersign(document=d, department=self.depts[org.pk])
                               for d in docs if d.status == OUT.COUNTERSIGN])
            sent = bulk(Exchange, [Exchange(document=d, org_id=d.org_id, org_path=d.org_path, envelope={})
                                   for d in docs if d.status == OUT.DISTRIBUTION])
            deliveries = bulk(Delivery, [Delivery(exchange=e, to_org=org, to_path=org.path) for e in sent])
            incoming = [self.incoming_row(org, IN.REGISTERED, source=IncomingDocument.Source.EXCHANGE, delivery=d,
                                          sender_name=other.name, title=f"{MARK}交换来文") for d in deliveries]
            for status in (IN.REGISTERED, IN.PROPOSED, IN.HANDLING) * 2:
                row = self.incoming_row(org, status, sender_name=SENDERS[0], title=f"{MARK}来文")
                if status == IN.HANDLING:
                    row.handler_id = user.pk
                incoming.append(row)
            incoming = bulk(IncomingDocument, incoming)
            bulk(Circulation, [Circulation(document=d, reader_id=user.pk) for d in incoming[-2:]])
            bulk(InfoReport, [InfoReport(org=b, org_path=b.path, to_org=org, to_path=org.path, category="news",
                                         title=f"{MARK}{b.name}报送信息", body=BODY) for b in below[:2]])
            requests = bulk(ApprovalRequest, [
                ApprovalRequest(form=self.form, org=org, org_path=org.path, applicant_id=user.pk,
                                title=f"{MARK}待审批（{n}）", subject_key=f"bench-{user.pk}-{n}", current_step=1)
                for n in range(2)])
            bulk(ApprovalStep, [ApprovalStep(request=r, position=1, label="部门负责人", approver_id=user.pk,
                                             status=ApprovalStep.Status.PENDING) for r in requests])
            starts = now + dt.timedelta(days=7)
            meetings = bulk(Meeting, [
                Meeting(org=other, org_path=other.path, title=f"{MARK}工作会议（{n}）", starts_at=starts,
                        ends_at=starts + dt.timedelta(hours=2), reply_due_at=starts - dt.timedelta(days=1))
                for n in range(2)])
            bulk(Invitation, [Invitation(meeting=m, user_id=user.pk) for m in meetings]
                 + [Invitation(meeting=m, org=org) for m in meetings])
            bulk(ActionItem, [ActionItem(meeting=m, org_id=m.org_id, org_path=m.org_path, owner_id=user.pk,
                                         title=f"{MARK}会议督办事项", due_on=self.today + dt.timedelta(days=10))
                              for m in meetings])
            rows += len(docs) + len(incoming) + 4 * len(meetings) + 6
        self.stats["rows for the bench cadres"] = rows


def cleanup() -> None:
    """Delete every row the bench wrote (children first, each by one statement where Django allows)."""
    mine_in = IncomingDocument.objects.filter(title__startswith=MARK)
    mine_out = OutgoingDocument.objects.filter(title__startswith=MARK)
    Circulation.objects.filter(document__in=mine_in).delete()
    mine_in.delete()
    Delivery.objects.filter(exchange__document__in=mine_out).delete()
    Exchange.objects.filter(document__in=mine_out).delete()
    Countersign.objects.filter(document__in=mine_out).delete()
    mine_out.delete()
    InfoReport.objects.filter(title__startswith=MARK).delete()
    ApprovalStep.objects.filter(request__title__startswith=MARK).delete()
    ApprovalRequest.objects.filter(title__startswith=MARK).delete()
    ApprovalForm.objects.filter(code="bench-leave", name__startswith=MARK).delete()
    meetings = Meeting.objects.filter(title__startswith=MARK)
    Invitation.objects.filter(meeting__in=meetings).delete()
    ActionItem.objects.filter(meeting__in=meetings).delete()
    meetings.delete()
    Department.objects.filter(name__startswith=MARK).delete()


OFFICE_TABLES = (Department, Department.members.through, OutgoingDocument, Countersign, Exchange, Delivery,
                 IncomingDocument, Circulation, InfoReport, ApprovalForm, ApprovalRequest, ApprovalStep, Meeting,
                 Invitation, ActionItem)


def vacuum() -> None:
    """PostgreSQL: VACUUM the office tables (this server runs with autovacuum off: the dead rows of the previous
    run's deletion would otherwise stay in the heap and the indexes, and a bitmap scan walks them), then ANALYZE
    everything (core.bulk.refresh_statistics)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) " + ", ".join(connection.ops.quote_name(m._meta.db_table)
                                                          for m in OFFICE_TABLES))
    refresh_statistics()


# Measuring --------------------------------------------------------------------------------------------------------


def counts_on(page: str) -> dict[str, int]:
    """Queue key -> the count the page shows (as tests/console/test_workbench.py reads it)."""
    found = re.findall(r'data-queue="([\w.]+)".*?data-count>(\d+)<', page, flags=re.S)
    return {key: int(count) for key, count in found}


def time_page(user: User, repeat: int) -> dict:
    client = Client()
    client.force_login(user, backend=BACKEND)
    first = client.get(HOME)  # warm-up
    if first.status_code != 200:
        sys.exit(f"GET {HOME} as {user.username}: {first.status_code}")
    times, sql_times, slowest, statements = [], [], [], []
    for _ in range(repeat):
        clock = SqlClock()
        with connection.execute_wrapper(clock):
            response, ms, queries = timed(lambda: client.get(HOME))
        times.append(ms)
        sql_times.append(sum(clock.times))
        slowest.append(max(clock.times))
        statements.append(clock.slowest)
    counts = counts_on(response.content.decode())
    return {"median": statistics.median(times), "max": max(times), "queries": len(queries),
            "sql": statistics.median(sql_times), "slowest": statistics.median(slowest),
            "statement": max(statements)[1],
            "queues": len(counts), "waiting": sum(counts.values()), "counts": counts}


def fresh(user: User) -> User:
    """The user as a request sees it: read again, with its positions read (outside the timing)."""
    user = User.objects.get(pk=user.pk)
    clear_scope_cache(user)
    held_positions(user)
    return user


def time_queues(user: User, repeat: int) -> dict[str, tuple[int, float, int, list]]:
    """key -> (count, median ms, statements, the statements) for every queue the user sees."""
    found = {}
    for queue in workbench.registered():
        if not queue.visible(fresh(user)):
            continue
        queue.count(fresh(user))  # warm-up
        times = []
        for _ in range(repeat):
            who = fresh(user)
            count, ms, queries = timed(lambda q=queue, u=who: q.count(u))
            times.append(ms)
        found[queue.key] = (count, statistics.median(times), len(queries), queries)
    figures = []
    for _ in range(repeat):
        who = fresh(user)
        _, ms, queries = timed(lambda u=who: workbench.figures_for(u))
        figures.append(ms)
    found["(figures_for)"] = (0, statistics.median(figures), len(queries), queries)
    return found


def explain(sql: str) -> str:
    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql)
        rows = cursor.fetchall()
    return "\n".join("    " + " | ".join(str(c) for c in row) for row in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the rows written (for a later --no-fill)")
    parser.add_argument("--no-fill", action="store_true", help="measure the rows a run with --keep left")
    parser.add_argument("--explain", action="store_true", help="print the plan of each cadre's slowest queue")
    args = parser.parse_args()
    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS.append("testserver")

    cadres = bench_cadres()
    print(f"backend {connection.vendor}; load average {os.getloadavg()[0]:.1f} "
          f"({os.cpu_count()} cores)", flush=True)
    if not args.no_fill:
        start = time.perf_counter()
        cleanup()
        print(f"removed earlier bench rows: {time.perf_counter() - start:.1f} s", flush=True)
        filler = Filler(args.documents)
        start = time.perf_counter()
        print(f"filling {args.documents:,} documents over {len(filler.feds)} federations", flush=True)
        filler.fill([(user, org) for _, user, org in cadres])
        fill_s = time.perf_counter() - start
        print(f"filled in {fill_s:.1f} s: " + ", ".join(f"{k} {v:,}" for k, v in filler.stats.items()))
    start = time.perf_counter()
    vacuum()
    vacuumed = "VACUUM and " if connection.vendor == "postgresql" else ""
    print(f"{vacuumed}ANALYZE {time.perf_counter() - start:.1f} s; office rows now: outgoing "
          f"{OutgoingDocument.objects.count():,}, incoming {IncomingDocument.objects.count():,}, "
          f"deliveries {Delivery.objects.count():,}, reports {InfoReport.objects.count():,}, approvals "
          f"{ApprovalRequest.objects.count():,}, meetings {Meeting.objects.count():,}", flush=True)

    print(f"\n### Workbench page GET {HOME} ({connection.vendor}, median of {args.repeat} after a warm-up)\n")
    print("| cadre | queues shown | items waiting | median | max | SQL statements | their time | slowest one |")
    print("|---|---|---|---|---|---|---|---|")
    pages = {}
    who = [(f"{label} bench（主席+管理员）", user) for label, user, _ in cadres]
    who += [(label, user) for username, label in DEMO_ADMINS
            if (user := User.objects.filter(username=username).first()) is not None]
    for label, user in who:
        page = time_page(user, args.repeat)
        pages[user.pk] = page
        print(f"| {label} | {page['queues']} | {page['waiting']:,} | {page['median']:.1f} ms | "
              f"{page['max']:.1f} ms | {page['queries']} | {page['sql']:.1f} ms | {page['slowest']:.1f} ms |",
              flush=True)

    print()
    for label, user in who:
        print(f"slowest statement of {label}'s pages: {pages[user.pk]['statement'][:150]}")

    results = [(label, user, time_queues(user, args.repeat)) for label, user, _ in cadres]
    keys = list(dict.fromkeys(k for _, _, found in results for k in found))
    labels = {q.key: f"{q.group} · {q.label}" for q in workbench.registered()}
    print(f"\n### Each queue's count alone (median of {args.repeat}; count / time / statements when not 1)\n")
    print("| queue | " + " | ".join(label for label, _, _ in results) + " |")
    print("|---|" + "---|" * len(results))
    for key in keys:
        cells = []
        for _, user, found in results:
            if key not in found:
                cells.append("—")
                continue
            count, ms, statements, _ = found[key]
            extra = f" [{statements} q]" if statements != 1 else ""
            shown = pages[user.pk]["counts"].get(key)
            mismatch = f" (page {shown})" if shown is not None and shown != count and key[0] != "(" else ""
            cells.append(f"{count:,}{mismatch} / {ms:.2f} ms{extra}" if key[0] != "(" else f"{ms:.2f} ms{extra}")
        print(f"| `{key}` {labels.get(key, '')} | " + " | ".join(cells) + " |")
    print()
    for label, _, found in results:
        total = sum(ms for _, ms, _, _ in found.values())
        slowest = sorted(found.items(), key=lambda item: -item[1][1])[:3]
        print(f"{label}: the queues and figures sum to {total:.1f} ms; slowest "
              + ", ".join(f"{k} {v[1]:.2f} ms" for k, v in slowest))
        if args.explain:
            key, (_, _, _, queries) = next(item for item in slowest if item[0][0] != "(")
            for query in queries:
                print(f"  plan of {key}: {query['sql'][:300]}\n{explain(query['sql'])}")
    if not args.keep:
        start = time.perf_counter()
        cleanup()
        vacuum()
        print(f"\ndeleted the bench rows (and vacuumed): {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
