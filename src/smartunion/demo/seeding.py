"""The demo province: 山东省总工会 with its real cities and counties, synthetic townships, employers, unions,
cadres and N members. Deterministic for a given seed; rows are built in memory and bulk-inserted with ids
assigned here, so the materialised paths are known before insert.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from smartunion.accounts.models import User
from smartunion.core import codes, pii
from smartunion.core.actors import SYSTEM
from smartunion.core.audit import log_event
from smartunion.core.bulk import insert_rows, next_id, refresh_statistics, reset_sequences
from smartunion.core.text import normalize_employer_name
from smartunion.core.validators import make_credit_code, make_id_number
from smartunion.members.cards import allocate_numbers, card_number, issuer_for
from smartunion.members.models import CardSequence, Membership, Person
from smartunion.members.services.people import recount_member_figures
from smartunion.orgs.models import SEGMENT, Employer, Organisation, Position, Region, segment
from smartunion.subsites.models import Notice, Subsite

DEMO_PASSWORD = "smartunion-demo"  # noqa: S105  documented demo password
PROVINCE = "370000"
BATCH = 5000

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志强文红梅玉兰春燕海波"
    "晓东丹丹鹏飞雪梅俊杰子涵浩然欣怡宇轩梓萱思远雨桐"
)
TOWN_WORDS = ["城关", "东城", "西城", "南关", "北园", "新华", "文化", "建设", "和平", "解放", "振兴", "兴隆", "龙泉",
              "凤凰", "青山", "白云", "金水", "光明", "幸福", "长安"]
FIRM_WORDS = ["鲁华", "齐鲁", "泰山", "黄河", "海岳", "金鼎", "瑞丰", "恒信", "华信", "宏达", "鑫源", "天成", "润和",
              "博远", "新元", "嘉禾", "东岳", "汇通", "众诚", "安泰", "祥和", "福瑞", "中联", "海纳"]
FIRM_TRADES = [("C", "机械制造"), ("C", "食品"), ("C", "纺织"), ("E", "建筑工程"), ("F", "商贸"), ("G", "物流"),
               ("H", "餐饮管理"), ("I", "信息技术"), ("J", "金融服务"), ("K", "物业服务"), ("L", "人力资源"),
               ("M", "检测技术"), ("O", "家政服务"), ("Q", "医疗管理"), ("P", "教育咨询"), ("C", "化工")]
FIRM_FORMS = ["有限公司", "有限责任公司", "股份有限公司"]
GIG_FORMS = {"11": ["顺丰速运", "京东物流", "中通快递"], "12": ["美团", "饿了么"], "13": ["滴滴出行", "曹操出行"],
             "14": ["货拉拉", "满帮"], "15": ["抖音", "快手"], "16": ["58到家", "天鹅到家"]}
STREETS = ["经十路", "泉城路", "解放路", "和平路", "文化路", "建设路", "人民路", "黄河路", "长江路", "香港路"]


@dataclass
class SeedReport:
    orgs: int = 0
    employers: int = 0
    members: int = 0
    accounts: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def members_per_second(self) -> float:
        return self.members / self.seconds if self.seconds else 0.0


class Seeder:
    def __init__(self, *, members: int, orgs: int | None, seed: int, progress: Callable[[str], None]):
        self.members = members
        self.target_orgs = orgs
        self.rng = random.Random(seed)
        self.progress = progress
        self.next_org_id = (Organisation.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        self.next_employer_id = (Employer.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        self.orgs: list[Organisation] = []
        self.employers: list[Employer] = []
        self.hash = make_password(DEMO_PASSWORD)
        self.report = SeedReport()

    # Orgs

    def org(self, *, name, kind, parent, region=None, **extra) -> Organisation:
        pk = self.next_org_id
        self.next_org_id += 1
        org = Organisation(
            pk=pk, name=name, kind=kind, parent=parent, region_id=region,
            path=(parent.path if parent else "") + segment(pk), depth=(parent.depth + 1) if parent else 0,
            founded_on=dt.date(1950, 1, 1) + dt.timedelta(days=self.rng.randrange(0, 26000)), **extra,
        )
        self.orgs.append(org)
        return org

    def build_tree(self) -> None:
        counties = [r for r in codes.entries("regions") if r["level"] == "county" and r["code"].startswith("37")]
        cities = [r for r in codes.entries("regions") if r["level"] == "city" and r["code"].startswith("37")]
        if self.target_orgs:
            townships_per_county = 12
            per_township = self.target_orgs / (len(counties) * townships_per_county)
            employers_per_township = max(2, math.ceil((per_township - 2) / 0.66))
        else:
            townships_per_county, employers_per_township = 4, 6
        self.root = Organisation.objects.filter(kind=Organisation.Kind.NATIONAL).first() or self.org(
            name="中华全国总工会", kind=Organisation.Kind.NATIONAL, parent=None)
        self.province = self.org(name="山东省总工会", kind=Organisation.Kind.PROVINCE, parent=self.root,
                                 region=PROVINCE, address="山东省济南市历下区")
        self.cities: dict[str, Organisation] = {}
        self.counties: dict[str, Organisation] = {}
        self.townships: list[tuple[Organisation, str]] = []
        regions: list[Region] = []
        for city in cities:
            org = self.org(name=f"{city['name']}总工会", kind=Organisation.Kind.CITY, parent=self.province,
                           region=city["code"])
            self.cities[city["code"]] = org
            for trade in ("教育", "建设"):
                self.org(name=f"{city['name']}{trade}工会", kind=Organisation.Kind.INDUSTRY, parent=org,
                         region=city["code"])
        for county in counties:
            city = self.cities[county["parent"]]
            name = county["name"]
            org = self.org(name=f"{name}总工会", kind=Organisation.Kind.COUNTY, parent=city, region=county["code"])
            self.counties[county["code"]] = org
            words = self.rng.sample(TOWN_WORDS, min(townships_per_county, len(TOWN_WORDS)))
            for i in range(townships_per_county):
                word = words[i] if i < len(words) else f"第{i + 1}"
                kind_word = "街道" if name.endswith("区") else "镇"
                code = f"{county['code']}{i + 1:03d}"
                regions.append(Region(code=code, name=f"{word}{kind_word}", level=Region.Level.TOWNSHIP,
                                      parent_id=county["code"]))
                town = self.org(name=f"{name}{word}{kind_word}工会", kind=Organisation.Kind.TOWNSHIP, parent=org,
                                region=code)
                self.townships.append((town, county["code"]))
        Region.objects.bulk_create(regions, ignore_conflicts=True, batch_size=BATCH)
        self.progress(f"组织框架：{len(self.cities)} 个市、{len(self.counties)} 个县（区）、"
                      f"{len(self.townships)} 个乡镇（街道）")
        self.build_employers(employers_per_township)

    def build_employers(self, per_township: int) -> None:
        seen_names: set[str] = set()
        total = len(self.townships) * per_township
        for index, (town, county_code) in enumerate(self.townships):
            joint = self.org(name=f"{town.name[:-2]}联合工会委员会", kind=Organisation.Kind.JOINT, parent=town,
                             region=town.region_id)
            for _ in range(per_township):
                trade_code, trade = self.rng.choice(FIRM_TRADES)
                while True:
                    short = self.rng.choice(FIRM_WORDS) + self.rng.choice(FIRM_WORDS)
                    name = f"{town.name[: -len('工会')]}{short}{trade}{self.rng.choice(FIRM_FORMS)}"
                    if name not in seen_names:
                        seen_names.add(name)
                        break
                pk = self.next_employer_id
                self.next_employer_id += 1
                credit = make_credit_code(f"91{county_code}MA{pk:07d}"[:17])
                roll = self.rng.random()
                employer = Employer(
                    pk=pk, name=name, normalized_name=normalize_employer_name(name, region=county_code),
                    credit_code=credit, region_id=county_code, county_code=county_code, area_path=town.path,
                    industry=trade_code, township_union=town,
                    size=self.rng.choice(["micro", "small", "small", "medium", "large"]),
                    address=f"{town.name[: -len('工会')]}{self.rng.choice(STREETS)}{self.rng.randrange(1, 999)}号",
                )
                if roll < 0.6:
                    union = self.org(name=f"{name}工会委员会", kind=Organisation.Kind.GRASSROOTS, parent=town,
                                     region=county_code,
                                     credit_code=make_credit_code(f"81{county_code}MC{pk:07d}"[:17]),
                                     address=employer.address,
                                     latitude=round(34.4 + self.rng.random() * 4, 6),
                                     longitude=round(114.8 + self.rng.random() * 7.8, 6))
                    employer.covering_union = union
                    if self.rng.random() < 0.1:
                        self.org(name=f"{name}工会第一分会", kind=Organisation.Kind.BRANCH, parent=union,
                                 region=county_code)
                elif roll < 0.75:
                    employer.covering_union = joint
                self.employers.append(employer)
            if self.target_orgs and index % 200 == 0:
                self.progress(f"单位与工会：{len(self.employers)}/{total}")
        self.flush_orgs()

    def flush_orgs(self) -> None:
        with transaction.atomic():
            for i in range(0, len(self.orgs), BATCH):
                Organisation.objects.bulk_create(self.orgs[i: i + BATCH])
            for i in range(0, len(self.employers), BATCH):
                Employer.objects.bulk_create(self.employers[i: i + BATCH])
        self.report.orgs = len(self.orgs)
        self.report.employers = len(self.employers)
        self.progress(f"已写入 {len(self.orgs)} 个组织、{len(self.employers)} 家用人单位")

    # People

    PERSON_FIELDS = ("id", "name", "id_number", "id_number_index", "sex", "birth_date", "phone", "phone_index",
                     "address", "ethnicity", "education", "political_status", "employment_form", "gig_platform",
                     "employer", "created_at")
    MEMBERSHIP_FIELDS = ("person", "union", "union_path", "card_number", "since", "status", "provisional",
                         "created_at")

    def build_members(self, count: int) -> None:
        """People and memberships as ready-made rows (ciphertext and blind indexes computed here)."""
        if not count:
            return
        ids: set[str] = set()
        phones: set[str] = set()
        today = dt.date(2026, 1, 1)
        # Card numbers as the platform issues them (members/cards.py): the city federation's region, its own
        # sequence, a Luhn digit; the sequences are saved at the end so later approvals continue from there.
        issuers = {org.path: org for org in self.cities.values()}
        sequences = dict(CardSequence.objects.filter(org__in=list(issuers.values())).values_list("org_id", "last"))
        person_id = next_id(Person)
        now = timezone.now()
        started = time.monotonic()
        done = 0
        while done < count:
            size = min(BATCH, count - done)
            people, memberships = [], []
            for employer in self.rng.choices(self.employers, k=size):
                people.append(self.person_row(person_id, employer, ids, phones, today, now))
                union = employer.covering_union or employer.township_union
                issuer = issuers.get(union.path[:3 * SEGMENT], self.province)
                sequences[issuer.pk] = sequences.get(issuer.pk, 0) + 1
                memberships.append((
                    person_id, union.pk, union.path, card_number(issuer.region_id[:6], sequences[issuer.pk]),
                    dt.date(2000, 1, 1) + dt.timedelta(days=self.rng.randrange(0, 9490)), "active",
                    employer.covering_union_id is None, now,
                ))
                person_id += 1
            with transaction.atomic():
                insert_rows(Person, self.PERSON_FIELDS, people)
                insert_rows(Membership, self.MEMBERSHIP_FIELDS, memberships)
            done += size
            elapsed = time.monotonic() - started
            self.progress(f"会员：{done}/{count}（{done * 100 // count}%），{done / elapsed:,.0f} 人/秒")
        for org_id, last in sequences.items():
            CardSequence.objects.update_or_create(org_id=org_id, defaults={"last": last})
        self.report.members = count

    def person_row(self, pk: int, employer: Employer, ids: set[str], phones: set[str], today: dt.date, now) -> tuple:
        rng = self.rng
        while True:
            birth = today - dt.timedelta(days=rng.randrange(18 * 365, 60 * 365))
            id_number = make_id_number(employer.region_id, birth, rng.randrange(0, 1000))
            if id_number not in ids:
                ids.add(id_number)
                break
        while True:
            phone = f"1{rng.choice('3456789')}{rng.randrange(0, 10**9):09d}"
            if phone not in phones:
                phones.add(phone)
                break
        form = rng.choices(["01", "02", "03", "04", "11", "12", "13", "14", "15", "16"],
                           weights=[70, 5, 6, 5, 3, 4, 3, 2, 1, 1])[0]
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        address = employer.address if rng.random() < 0.3 else ""
        return (
            pk, name, pii.encrypt(id_number), pii.blind_index(id_number, purpose="id_number"),
            "1" if int(id_number[16]) % 2 else "2", birth, pii.encrypt(phone), pii.blind_index(phone, purpose="phone"),
            pii.encrypt(address) if address else "",
            "01" if rng.random() < 0.97 else rng.choice(["03", "10", "11"]),
            rng.choice(["21", "31", "40", "60", "70", "14"]), rng.choice(["13", "13", "13", "03", "01"]), form,
            rng.choice(GIG_FORMS[form]) if form in GIG_FORMS else "", employer.pk, now,
        )

    # Accounts and subsites

    def cadre(self, username: str, display_name: str, org: Organisation, role: str = Position.Role.ADMINISTRATOR):
        user = User.objects.create(username=username, display_name=display_name, kind=User.Kind.CADRE,
                                   is_staff=True, password=self.hash)
        Position.objects.create(user=user, org=org, role=role, since=dt.date(2024, 1, 1))
        return user

    def build_accounts(self) -> None:
        lixia = self.counties["370102"]
        self.cadre("admin", "省总工会管理员", self.province)
        self.cadre("jinan", "济南市总工会管理员", self.cities["370100"])
        self.cadre("qingdao", "青岛市总工会管理员", self.cities["370200"])
        self.cadre("lixia", "历下区总工会管理员", lixia)
        accounts = [("admin", "山东省总工会"), ("jinan", "济南市总工会"), ("qingdao", "青岛市总工会"),
                    ("lixia", "历下区总工会")]
        # Cadres at every level below: one per remaining city and county, and a reviewer per township.
        for code, org in self.cities.items():
            if code not in ("370100", "370200"):
                self.cadre(f"c{code}", f"{org.name}管理员", org)
        for code, org in self.counties.items():
            if code != "370102":
                self.cadre(f"c{code}", f"{org.name}管理员", org)
        for town, _ in self.townships[:: max(1, len(self.townships) // 50)]:
            self.cadre(f"t{town.region_id}", f"{town.name}审核员", town, Position.Role.REVIEWER)
        # A grassroots chair in 历下区.
        lixia_unions = Organisation.objects.filter(kind=Organisation.Kind.GRASSROOTS).filter(
            path__startswith=lixia.path).order_by("path")
        grassroots = lixia_unions.first()
        self.cadre("lixia_union", f"{grassroots.name}主席", grassroots, Position.Role.CHAIR)
        accounts.append(("lixia_union", grassroots.name))
        # The worker: a member of a grassroots union in 历下区.
        employer = Employer.objects.filter(covering_union=grassroots).first()
        person = Person.objects.create(
            name="张伟", id_number=make_id_number("370102", dt.date(1990, 3, 7), 123), sex="1",
            birth_date=dt.date(1990, 3, 7), phone="13900000001", address="山东省济南市历下区泉城路1号",
            ethnicity="01", education="21", political_status="13", employment_form="01", employer=employer,
        )
        Membership.objects.create(person=person, union=grassroots, union_path=grassroots.path,
                                  card_number=allocate_numbers(issuer_for(grassroots), 1)[0],
                                  since=dt.date(2020, 5, 1))
        User.objects.create(username="worker", display_name="张伟", kind=User.Kind.WORKER, phone="13900000001",
                            person=person, password=self.hash)
        User.objects.create(username="newcomer", display_name="李娜", kind=User.Kind.WORKER, phone="13900000002",
                            password=self.hash)
        accounts += [("worker", f"{grassroots.name} 会员，手机 13900000001"),
                     ("newcomer", "未入会职工，手机 13900000002")]
        self.report.accounts = accounts

    def build_subsites(self) -> None:
        now = timezone.now()
        subsites = [Subsite(org=self.province, name="齐鲁工惠", banner_title="齐鲁工惠 · 职工之家",
                            banner_text="山东省总工会职工服务平台",
                            service_order=["join", "membership", "card", "directory", "notices", "me"])]
        for org in self.cities.values():
            short = org.name.removesuffix("市总工会")
            subsites.append(Subsite(org=org, name=f"{short}工惠", banner_title=f"{short}工惠",
                                    banner_text=f"{org.name}职工服务分站",
                                    service_order=["card", "membership", "join", "directory", "notices", "me"]))
        Subsite.objects.bulk_create(subsites)
        notices = []
        for subsite in Subsite.objects.all():
            notices.append(Notice(subsite=subsite, title=f"{subsite.name}上线试运行", pinned=True, published_at=now,
                                  body="欢迎广大职工使用网上服务。"))
            notices.append(Notice(subsite=subsite, title="关于开展职工网上入会的通知",
                                  published_at=now - dt.timedelta(days=3),
                                  body="请尚未入会的职工关注本分站的入会服务。"))
        Notice.objects.bulk_create(notices)


def build_applications(*, rng: random.Random, progress) -> int:
    """Pending join applications of every dispatch kind in 历下区 (and one overdue), for the review queue."""
    from smartunion.members.models import JoinApplication
    from smartunion.members.services.join import join_apply
    from smartunion.orgs.services import employer_create, org_join_token

    lixia = Organisation.objects.get(kind=Organisation.Kind.COUNTY, region_id="370102")
    towns = list(Organisation.objects.filter(kind=Organisation.Kind.TOWNSHIP, parent=lixia).order_by("path"))
    covered = list(Employer.objects.filter(covering_union__kind=Organisation.Kind.GRASSROOTS,
                                           covering_union__parent__in=towns).select_related("covering_union")[:2])
    joint = Organisation.objects.filter(kind=Organisation.Kind.JOINT, parent=towns[1]).first()
    Organisation.objects.filter(pk=joint.pk).update(serves_employment_forms=["11", "12"],
                                                    serves_platforms=["美团", "饿了么"])
    for name in ("济南华信科技有限公司", "济南华信科技有限责任公司"):
        employer_create(name=name, region="370102", township_union=towns[0], by=SYSTEM)
    scan_union = covered[0].covering_union
    cases = [
        {"employer_name": "扫码入会单位", "work_region": towns[0].region_id,
         "source_token": org_join_token(scan_union, by=SYSTEM)},
        {"employer_name": "（名称随意）", "work_region": "370102", "employer_credit_code": covered[1].credit_code},
        {"employer_name": covered[1].name.replace("有限公司", "有限责任公司").replace("股份", ""),
         "work_region": "370102"},
        {"employer_name": "济南华信科技", "work_region": towns[0].region_id},
        {"employer_name": "美团外卖历下配送站", "work_region": towns[1].region_id, "employment_form": "12",
         "gig_platform": "美团"},
        {"employer_name": "泉城新开张餐饮店", "work_region": towns[2].region_id},
        {"employer_name": "历下某新设单位", "work_region": "370102"},
        {"employer_name": "泉城老字号酒楼", "work_region": towns[3].region_id},
    ]
    count = 0
    for index, case in enumerate(cases):
        token = case.pop("source_token", "")
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
        id_number = make_id_number("370102", dt.date(1988, 1, 1) + dt.timedelta(days=97 * index), 900 + index)
        application, _ = join_apply(name=name, id_number=id_number, phone=f"1370000{index:04d}",
                                    source_token=token, by=SYSTEM, **case)
        count += 1
    # The last one has waited too long: it shows as overdue in the queue.
    JoinApplication.objects.filter(pk=application.pk).update(deadline=timezone.now() - dt.timedelta(days=2))
    progress(f"入会申请：{count} 件待审核（扫码、信用代码、名称、名称多义、新就业形态、挂靠乡镇、县级受理，"
             "含1件超期）")
    return count


def seed_province(*, members: int, orgs: int | None = None, seed: int = 2026, progress=print) -> SeedReport:
    """Build the demo province. Refuses when 山东省总工会 already exists (re-running `make demo` keeps data)."""
    started = time.monotonic()
    if Organisation.objects.filter(kind=Organisation.Kind.PROVINCE, region_id=PROVINCE).exists():
        raise RuntimeError("演示数据已存在（山东省总工会）。如需重建，请先删除数据库文件（make clean-db）。")
    seeder = Seeder(members=members, orgs=orgs, seed=seed, progress=progress)
    seeder.build_tree()
    seeder.build_accounts()
    seeder.build_subsites()
    member_started = time.monotonic()
    seeder.build_members(members)
    member_seconds = time.monotonic() - member_started
    progress("正在汇总各组织会员数……")
    recount_member_figures()
    # The loader assigned ids itself: move the database's sequences past them before anything inserts normally.
    reset_sequences(Organisation, Employer, Person, Membership)
    build_applications(rng=seeder.rng, progress=progress)
    build_benefits(progress=progress)
    seeder.report.accounts.append(("merchant", "泉城职工惠购超市收银台（商户核销）"))
    build_rights_and_assistance(progress=progress)
    seeder.report.accounts += [("counsellor1", "心理咨询师林老师（济南市总工会，职工门户“我的咨询”）"),
                               ("counsellor2", "心理咨询师周老师（历下区总工会）")]
    from smartunion.demo.seed_editorial import build_editorial

    build_editorial(progress=progress, password=DEMO_PASSWORD)
    seeder.report.accounts += [("jinan_editor", "济南市总工会编辑（新媒体稿件）"),
                               ("jinan_first", "济南市总工会初审员"), ("jinan_final", "济南市总工会终审员"),
                               ("jinan_signer", "济南市总工会签发人")]
    build_office(progress=progress)
    seeder.report.accounts += [("sd_drafter", "山东省总工会办公室拟稿人（发文）"),
                               ("sd_chair", "山东省总工会主席（签发、批办）"),
                               ("jn_chair", "济南市总工会主席（会签、审批）")]
    build_insight(progress=progress)
    refresh_statistics()
    log_event("demo.seed", actor=SYSTEM, data={"members": members, "orgs": seeder.report.orgs})
    seeder.report.seconds = time.monotonic() - started
    seeder.report.members_seconds = member_seconds  # type: ignore[attr-defined]
    return seeder.report


def build_office(*, progress) -> None:
    """自动化办公 (issue 12): documents in every state, an exchange to the city federations, incoming documents,
    information reports with adoptions, approvals and meetings, each from its own module (outgoing first: the
    exchange sends its released documents)."""
    from smartunion.demo.seed_documents_approvals import build_approvals
    from smartunion.demo.seed_documents_exchange import build_exchange
    from smartunion.demo.seed_documents_meetings import build_meetings
    from smartunion.demo.seed_documents_outgoing import build_outgoing
    from smartunion.demo.seed_documents_reports import build_reports

    build_outgoing(progress=progress)
    build_exchange(progress=progress)
    build_reports(progress=progress)
    build_approvals(progress=progress)
    build_meetings(progress=progress)


def build_insight(*, progress) -> None:
    """数据平台 (issue 13): registries imported and matched (some employers unorganised, some pairs to review), the
    roll-ups of the last 12 months, an assessment of the cities and three tag rules computed from them, one single
    sign-on client and an inactive webhook, one API key. Roll-ups after everything else: they count what the other
    builders made."""
    from smartunion.demo.seed_insight_access import build_access
    from smartunion.demo.seed_insight_assessment import build_assessment
    from smartunion.demo.seed_insight_open import build_open
    from smartunion.demo.seed_insight_registries import build_registries
    from smartunion.demo.seed_insight_rollups import build_rollups

    build_registries(progress=progress)
    build_access(progress=progress)
    build_open(progress=progress)
    build_rollups(progress=progress)
    build_assessment(progress=progress)


def build_rights_and_assistance(*, progress) -> None:
    """维权帮扶 (issue 10): rights cases in every state, legal aid and counselling, hardship files and a programme
    with applications and payments, each from its own module."""
    from smartunion.demo.seed_assistance import build_assistance
    from smartunion.demo.seed_cases import build_cases
    from smartunion.demo.seed_counselling import build_counselling

    build_cases(progress=progress)
    build_counselling(progress=progress)
    build_assistance(progress=progress)


def build_benefits(*, progress) -> dict[str, int]:
    """惠工活动 of every kind in 济南 (issue 9): an open coupon grab with a merchant and the `merchant` account, a
    closed lottery with its published draw, an open vote, a survey with answers, a sign-up with a waiting list; the
    members taking part get worker accounts (`member1`..`member6`), the `worker` persona among them."""
    from smartunion.benefits.services import activities, lottery, merchants, polls, signups
    from smartunion.benefits.services.coupons import claim_coupon

    jinan = Organisation.objects.get(kind=Organisation.Kind.CITY, region_id="370100")
    from smartunion.members.services import membership_start, person_upsert

    worker = User.objects.get(username="worker")
    union = worker.person.memberships.get(status=Membership.Status.ACTIVE).union
    hashed = make_password(DEMO_PASSWORD)
    members = [worker]
    for i, (name, birth) in enumerate([("王芳", dt.date(1992, 7, 9)), ("刘洋", dt.date(1987, 11, 23)),
                                       ("陈静", dt.date(1995, 2, 14)), ("赵磊", dt.date(1983, 6, 30)),
                                       ("孙丽", dt.date(1990, 12, 5)), ("周强", dt.date(1979, 4, 18))], 1):
        person, _ = person_upsert(name=name, id_number=make_id_number("370102", birth, 700 + i), by=SYSTEM,
                                  phone=f"1390000{i + 10:04d}", employment_form="01")
        membership_start(person=person, union=union, since=dt.date(2021, 3, 1), by=SYSTEM,
                         card_number=allocate_numbers(issuer_for(union), 1)[0])
        members.append(User.objects.create(username=f"member{i}", display_name=name, kind=User.Kind.WORKER,
                                           person=person, phone=f"1390000{i + 10:04d}", password=hashed))
    now = timezone.now()
    open_window = {"starts_at": now - dt.timedelta(days=1), "ends_at": now + dt.timedelta(days=30)}

    def create(kind, title, **values):
        return activities.create_activity(by=SYSTEM, org=jinan, kind=kind, title=title,
                                          **{**open_window, **values})

    shop = merchants.create_merchant(by=SYSTEM, org=jinan, name="泉城职工惠购超市（历下店）",
                                     address="济南市历下区泉城路188号", contact_name="刘经理")
    merchants.add_merchant_account(shop, by=SYSTEM, username="merchant", password=DEMO_PASSWORD,
                                   display_name="惠购超市收银台")
    coupon = create("coupon", "夏日送清凉 · 冷饮券", stock=500, per_member_limit=2, daily_limit=1,
                    face_value="满20减10", valid_until=(now + dt.timedelta(days=60)).date(),
                    terms="限济南市工会会员在合作商户使用，每人每天限领1张。",
                    description="高温季节，为坚守岗位的职工送上一份清凉。")
    coupon.merchants.add(shop)
    coupon = activities.publish_activity(coupon, by=SYSTEM)
    for user in members[1:4]:
        claim_coupon(coupon, by=user)

    draw = create("lottery", "年货节抽奖 · 东阿阿胶礼盒", description="参与即有机会获得年货礼盒。",
                  starts_at=now - dt.timedelta(days=10), ends_at=now + dt.timedelta(hours=1))
    activities.set_prizes(draw, [{"name": "一等奖", "count": 1}, {"name": "二等奖", "count": 2}], by=SYSTEM)
    draw = activities.publish_activity(draw, by=SYSTEM)
    for user in members:
        lottery.enter_lottery(draw, by=user)
    draw = activities.close_activity(draw, by=SYSTEM, note="活动期满")
    lottery.draw(draw, by=SYSTEM)

    vote = create("vote", "2026年度“最美劳动者”网络投票", max_choices=2, results="live",
                  description="请从候选人中选出您心中的最美劳动者（最多选2人）。")
    activities.set_options(vote, ["李师傅（焊工，济南二机床）", "王大姐（环卫工，历下区）", "赵师傅（外卖骑手）"],
                           by=SYSTEM)
    vote = activities.publish_activity(vote, by=SYSTEM)
    options = list(vote.options.order_by("position").values_list("pk", flat=True))
    for index, user in enumerate(members[1:5]):
        polls.cast_vote(vote, by=user, option_ids=[options[index % 3]])

    survey = create("survey", "集体协商前职工意见调查", results="after_close",
                    description="为开展工资集体协商，请如实填写（约2分钟）。")
    activities.set_questions(survey, [
        {"kind": "single", "text": "最近一个月是否加过班？", "choices": ["是", "否"]},
        {"kind": "rating", "text": "加班强度打分（1–5）", "show_if": {"position": 1, "values": ["是"]}},
        {"kind": "multiple", "text": "最希望协商的事项", "choices": ["工资", "工时", "休假", "劳动保护"],
         "required": False},
        {"kind": "text", "text": "其他意见", "required": False},
    ], by=SYSTEM)
    survey = activities.publish_activity(survey, by=SYSTEM)
    answers = [{"1": "是", "2": 4, "3": ["工资", "休假"]}, {"1": "否", "3": ["工时"]},
               {"1": "是", "2": 5, "3": ["工资"], "4": "希望落实带薪年休假"}]
    for user, answer in zip(members[1:4], answers, strict=True):
        polls.answer_survey(survey, by=user, answers=answer)

    walk = create("signup", "泉城健步走 · 职工徒步活动", capacity=3, place="济南泉城广场",
                  description="名额有限，报满后可候补，有人取消时按顺序递补。")
    walk = activities.publish_activity(walk, by=SYSTEM)
    for user in members[1:6]:
        signups.sign_up(walk, by=user)
    progress("惠工活动：领券、抽奖（已开奖）、投票、问卷、报名（含候补）各1项；商户账号 merchant")
    return {"activities": 5, "members": len(members)}
