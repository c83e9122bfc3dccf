"""Demo outgoing documents (发文) in the demo province, through the outgoing services (issue 12).

Called by demo/seeding.py after the org tree and the accounts:

    from smartunion.demo.seed_documents_outgoing import build_outgoing
    build_outgoing(progress=progress)

What it makes:
- accounts (demo password) in 山东省总工会: `sd_drafter` (拟稿), `sd_checker` (审核员, 核稿), `sd_chair` (主席, 签发);
  in 济南市总工会: `jn_drafter`, `jn_checker`, `jn_chair`; the clerks (编号, 用印, 归档) are the demo's
  administrators `admin` and `jinan`; department heads `sd_bgs`, `sd_zzb`, `sd_xcb`, `sd_qyb`, `sd_cwb` and
  `jn_zzb`, `jn_xcb` (编辑 positions, so that they can sign in to the console and answer countersigns);
- numbering rules 鲁工发 (the province's year sequence starts at 12: its first number this year is 鲁工发〔year〕12号)
  and 济工发;
- departments 办公室, 组织部, 宣传部, 权益保障部, 财务部 in both federations;
- documents in every state: drafts (one with two versions), 核稿, 会签 (one party agreed, two pending, one of them
  济南市总工会), one sent back by a refused countersign (财务部 refused, 权益保障部's agreement kept), 签发 (after a
  countersign everyone agreed to), 编号, 用印, 分发 (three: the exchange demo sends the first two), 归档, 作废.

Documents in 分发 for the exchange demo (titles):
- DISTRIBUTED_FOR_EXCHANGE[0] 关于开展2026年全省职工职业技能大赛的通知 (鲁工发, to all city federations)
- DISTRIBUTED_FOR_EXCHANGE[1] 关于做好元旦春节期间困难职工帮扶工作的通知 (鲁工发)
- 关于转发全省职工职业技能大赛通知的通知 (济工发)
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from smartunion.accounts.models import User
from smartunion.core.actors import SYSTEM
from smartunion.demo.cadres import demo_cadre as _cadre
from smartunion.documents.models import NumberSequence, OutgoingDocument
from smartunion.documents.services import outgoing as services
from smartunion.orgs.models import Organisation, Position

R = Position.Role
S = OutgoingDocument.Status
DEPARTMENTS = ("办公室", "组织部", "宣传部", "权益保障部", "财务部")
DISTRIBUTED_FOR_EXCHANGE = ("关于开展2026年全省职工职业技能大赛的通知", "关于做好元旦春节期间困难职工帮扶工作的通知")
REFUSAL = "帮扶标准调整涉及经费预算，需先报经费审查委员会审议"



def _clerk(username: str, org: Organisation, hashed: str, name: str) -> User:
    """The demo's administrator of the org (made by the seeder), or a new one."""
    user = User.objects.filter(username=username, positions__org=org,
                               positions__role=R.ADMINISTRATOR).first()
    return user or _cadre(f"{username}_office", name, org, R.ADMINISTRATOR, hashed)


def _body(*paragraphs: str) -> str:
    return "\n".join(paragraphs)


class Office:
    """One federation's office: its people, departments and rule, and the steps they take."""

    def __init__(self, org: Organisation, *, key: str, prefix: str, clerk: str, hashed: str):
        name = org.name
        self.org = org
        self.drafter = _cadre(f"{key}_drafter", f"{name}办公室拟稿人", org, R.EDITOR, hashed)
        self.checker = _cadre(f"{key}_checker", f"{name}核稿人", org, R.REVIEWER, hashed)
        self.chair = _cadre(f"{key}_chair", f"{name}主席", org, R.CHAIR, hashed)
        self.clerk = _clerk(clerk, org, hashed, f"{name}办公室")
        self.departments = {}
        heads = {"办公室": "bgs", "组织部": "zzb", "宣传部": "xcb", "权益保障部": "qyb", "财务部": "cwb"}
        for department in DEPARTMENTS:
            head = None
            if key == "sd" or department in ("组织部", "宣传部"):
                head = _cadre(f"{key}_{heads[department]}", f"{name}{department}负责人", org, R.EDITOR, hashed)
            self.departments[department] = services.save_department(by=SYSTEM, org=org, name=department, head=head)
        self.rule = services.create_rule(by=SYSTEM, org=org, name="发文", prefix=prefix)

    def draft(self, title: str, body: str, **values) -> OutgoingDocument:
        values.setdefault("main_recipients", "各市总工会，省直各产业工会" if self.org.kind == "province"
                          else "各区县总工会，市直各产业工会")
        values.setdefault("cc", "中华全国总工会办公厅" if self.org.kind == "province" else "山东省总工会办公室")
        return services.create_document(by=self.drafter, org=self.org, title=title, body=body, rule=self.rule,
                                        **values)

    def walk(self, document: OutgoingDocument, to: str) -> OutgoingDocument:
        """Along the plain path (no countersign) to `to`."""
        steps: dict[str, Callable[[OutgoingDocument], OutgoingDocument]] = {
            S.DRAFT: lambda d: services.submit(d, by=self.drafter),
            S.CHECKING: lambda d: services.check(d, by=self.checker, note="同意"),
            S.SIGNING: lambda d: services.sign(d, by=self.chair, note="同意印发"),
            S.NUMBERING: lambda d: services.number(d, by=self.clerk),
            S.SEALING: lambda d: services.seal(d, by=self.clerk),
            S.DISTRIBUTION: lambda d: services.archive(d, by=self.clerk),
        }
        while document.status != to:
            document = steps[document.status](document)
        return document

    def head(self, department: str) -> User:
        head = self.departments[department].head
        assert head is not None
        return head


def build_outgoing(*, progress) -> dict[str, int]:
    from smartunion.demo.seeding import DEMO_PASSWORD

    progress("正在生成发文演示数据……")
    hashed = make_password(DEMO_PASSWORD)
    province = Organisation.objects.get(kind=Organisation.Kind.PROVINCE)
    jinan = Organisation.objects.get(kind=Organisation.Kind.CITY, region_id="370100")
    lixia = Organisation.objects.get(kind=Organisation.Kind.COUNTY, region_id="370102")
    sd = Office(province, key="sd", prefix="鲁工发", clerk="admin", hashed=hashed)
    jn = Office(jinan, key="jn", prefix="济工发", clerk="jinan", hashed=hashed)
    NumberSequence.objects.create(rule=sd.rule, year=timezone.localdate().year, last=11)

    # 山东省总工会 ------------------------------------------------------------------------------------------------
    first = sd.draft("关于开展2026年“工会进万家”送温暖活动的通知（征求意见稿）", _body(
        "为深入开展“工会进万家”送温暖活动，现就有关事项通知如下。", "一、活动时间。", "二、慰问对象。"))
    services.save_document(first, by=sd.drafter, base_revision=1, body=_body(
        "为深入开展“工会进万家”送温暖活动，现就有关事项通知如下。", "一、活动时间。2026年1月至2月。",
        "二、慰问对象。困难职工、一线职工和新就业形态劳动者。", "三、工作要求。"))
    sd.walk(sd.draft("关于加强新就业形态劳动者入会工作的意见", _body(
        "为进一步扩大工会组织覆盖，现就加强新就业形态劳动者入会工作提出如下意见。", "一、总体要求。",
        "二、重点任务。", "三、保障措施。"), kind="opinion"), S.CHECKING)

    pending = services.submit(sd.draft("关于做好2026年职工疗休养工作的通知", _body(
        "为落实职工疗休养制度，现就2026年职工疗休养工作通知如下。", "一、疗休养对象。", "二、经费保障。")),
        by=sd.drafter)
    pending = services.check(pending, by=sd.checker, departments=[sd.departments["组织部"], sd.departments["财务部"]],
                             orgs=[jinan], note="请组织部、财务部和济南市总工会会签")
    services.countersign(pending, by=sd.head("财务部"), agree=True, note="经费渠道无意见")

    refused = services.submit(sd.draft("关于调整困难职工帮扶标准的通知", _body(
        "根据物价变动情况，经研究，决定调整困难职工帮扶标准。", "一、生活救助标准。", "二、医疗救助标准。")),
        by=sd.drafter)
    refused = services.check(refused, by=sd.checker,
                             departments=[sd.departments["权益保障部"], sd.departments["财务部"]])
    services.countersign(refused, by=sd.head("权益保障部"), agree=True, note="同意")
    services.countersign(refused, by=sd.head("财务部"), agree=False, note=REFUSAL)

    sd.walk(sd.draft("关于表彰2025年度全省工会信息工作先进单位的决定", _body(
        "2025年，全省各级工会认真做好信息工作，涌现出一批先进单位。", "经研究，决定对济南市总工会等单位予以表彰。"),
        kind="decision"), S.SIGNING)
    sd.walk(sd.draft("关于召开全省工会办公室主任会议的通知", _body(
        "经研究，定于近期召开全省工会办公室主任会议。", "一、会议时间。", "二、参会人员。")), S.NUMBERING)
    sd.walk(sd.draft("关于印发《山东省总工会公文处理办法》的通知", _body(
        "现将《山东省总工会公文处理办法》印发给你们，请认真贯彻执行。")), S.SEALING)
    contest = sd.walk(sd.draft(DISTRIBUTED_FOR_EXCHANGE[0], _body(
        "为弘扬劳模精神、劳动精神、工匠精神，决定举办2026年全省职工职业技能大赛。", "一、竞赛工种。",
        "二、参赛对象。", "三、组织实施。"), urgency="urgent"), S.DISTRIBUTION)
    sd.walk(sd.draft(DISTRIBUTED_FOR_EXCHANGE[1], _body(
        "元旦春节将至，为切实做好困难职工帮扶工作，现就有关事项通知如下。", "一、全面摸排。", "二、精准帮扶。"),
        urgency="extra_urgent"), S.DISTRIBUTION)
    sd.walk(sd.draft("关于印发2026年全省工会工作要点的通知", _body(
        "现将《2026年全省工会工作要点》印发给你们，请结合实际认真抓好落实。")), S.ARCHIVED)
    services.cancel(sd.draft("关于举办全省职工书画展的通知", _body("（重复拟稿）")), by=sd.drafter,
                    note="与宣传部拟稿重复，作废")

    # 济南市总工会 ------------------------------------------------------------------------------------------------
    jn.draft("关于开展“夏送清凉”活动的通知",
             _body("为做好高温季节一线职工防暑降温工作，现就开展“夏送清凉”活动通知如下。"))
    agreed = services.submit(jn.draft("关于推进基层工会规范化建设的意见", _body(
        "为推进基层工会规范化建设，提出如下意见。", "一、健全组织。", "二、规范运行。"), kind="opinion"),
        by=jn.drafter)
    agreed = services.check(agreed, by=jn.checker, departments=[jn.departments["组织部"]], orgs=[lixia])
    services.countersign(agreed, by=jn.head("组织部"), agree=True, note="同意")
    lixia_chair = _cadre("lx_chair", "历下区总工会主席", lixia, R.CHAIR, hashed)
    services.countersign(agreed, by=lixia_chair, agree=True, note="同意，历下区将先行试点")
    jn.walk(jn.draft("关于转发全省职工职业技能大赛通知的通知", _body(
        f"现将山东省总工会《{contest.title}》（{contest.number}）转发给你们，请认真组织做好参赛工作。")),
        S.DISTRIBUTION)

    counts: dict[str, int] = {}
    for status in OutgoingDocument.objects.filter(org__in=[province, jinan]).values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    progress(f"发文：{sum(counts.values())} 份（鲁工发、济工发），拟稿人 sd_drafter / jn_drafter，"
             f"核稿 sd_checker，签发 sd_chair，编号用印 admin / jinan")
    return counts
