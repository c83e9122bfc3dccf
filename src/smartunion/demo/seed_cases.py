"""Demo rights cases (12351 维权工单) in 济南, in every state, through the cases services (issue 10).

Called by demo/seeding.py after the benefits (the member accounts `member1`..`member6` exist then):

    from smartunion.demo.seed_cases import build_cases
    build_cases(progress=progress)

What it makes (the handler is `jinan`, 济南市总工会管理员; the supervisor `admin`, 山东省总工会管理员):
- the `worker` persona's two cases: one being handled with a reply to read, one closed and waiting for a rating;
- 待受理: a new case nobody has answered yet, and a hotline call taken by `lixia` (历下区总工会);
- 办理中: assigned, with a reply, an internal note, and a co-handling (协办) request to 历下区总工会;
- 待职工补充: paused with the handler's question (its clock stands still);
- 已办结: closed and rated 5 stars; another closed and rated 3;
- 已超期: filed 15 days ago and never answered (its deadlines recomputed from the back-dated filing);
- 督办: one case supervised by the province;
- one case whose worker asked that the employer not learn who complained.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from smartunion.accounts.models import User
from smartunion.cases import deadlines
from smartunion.cases.models import Case
from smartunion.cases.services import cases as services
from smartunion.cases.services import stats
from smartunion.core.actors import SYSTEM
from smartunion.orgs.models import Organisation

OVERDUE_DAYS = 15  # calendar days back: past the 7 working days of a general case


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def _backdate(case: Case, days: int) -> Case:
    """File `case` `days` ago, or further back until its resolution deadline has passed (a long holiday in between
    leaves fewer working days): its submission moves back, its deadlines are recomputed from there, and the roll-up
    counts it in the month it now belongs to."""
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        stats.bump(case, received=-1)
        now = timezone.now()
        case.submitted_at = now - dt.timedelta(days=days)
        for name, value in deadlines.due_fields(case).items():
            setattr(case, name, value)
        while case.resolution_due >= now:
            case.submitted_at -= dt.timedelta(days=1)
            for name, value in deadlines.due_fields(case).items():
                setattr(case, name, value)
        case.save()
        stats.bump(case, received=1)
    return case


def build_cases(*, progress) -> dict[str, int]:
    progress("正在生成维权工单演示数据……")
    jinan = Organisation.objects.get(kind=Organisation.Kind.CITY, region_id="370100")
    lixia = Organisation.objects.filter(kind=Organisation.Kind.COUNTY, region_id="370102").first()
    handler = _user("jinan") or SYSTEM
    county = _user("lixia") or handler
    supervisor = _user("admin") or SYSTEM
    worker = User.objects.get(username="worker")
    members = [_user(f"member{i}") or worker for i in range(1, 7)]
    employer = worker.person.employer if worker.person_id and worker.person.employer_id else None
    employer_name = employer.name if employer else "济南泉城机械有限公司"
    region = employer.region_id if employer and employer.region_id else "370102"

    def file(by, kind, category, description, *, subcategory="", name="", phone="", channel="portal", **extra):
        person = getattr(by, "person", None) if channel != "hotline" else None
        return services.file_case(
            by=by, kind=kind, category=category, subcategory=subcategory, description=description, region=region,
            contact_name=name or getattr(by, "display_name", "") or "职工", employer_name=extra.pop(
                "employer_name", employer_name), phone=phone or getattr(by, "phone", "") or "13900000001",
            channel=channel, person=person, **extra)

    made: list[Case] = []
    # The worker's own: one being handled (a reply to read), one closed waiting for the rating.
    mine = file(worker, "complaint", "wages", "公司已连续两个月（9月、10月）未发工资，车间共12名职工，"
                "每人约6000元，多次找人事部门都说再等等。希望工会帮助催讨。", subcategory="arrears",
                people_involved=12, amount_involved_fen=12 * 600_000)
    if isinstance(handler, User):
        services.assign(mine, by=handler, handler=handler)
    services.reply(mine, by=handler, body="您好，已收到您的诉求。我们已联系贵公司工会和人力资源部门核实，"
                   "将在3个工作日内反馈处理进展，请保持电话畅通。")
    made.append(mine)
    answered = file(worker, "consult", "hours", "单位要求每周六上班，不另付加班费，这样合法吗？",
                    subcategory="overtime")
    services.reply(answered, by=handler, body="休息日安排工作又不能安排补休的，应支付不低于工资200%的加班费。"
                   "可先与单位协商，协商不成可向劳动保障监察机构投诉。")
    services.close(answered, by=handler, resolution=Case.Resolution.ANSWERED, note="已电话及书面解答。")
    made.append(answered)

    # 待受理: a new one and a hotline call.
    made.append(file(members[0], "consult", "social_insurance", "入职半年了，公司一直没给缴社保，该怎么办？",
                     subcategory="unpaid"))
    made.append(file(county, "complaint", "work_injury", "来电人在车间操作时手部受伤，单位不给申报工伤，"
                     "医药费需自己垫付，请求帮助。", subcategory="recognition", name="李建国",
                     phone="13700000123", channel="hotline"))

    # 办理中 with a note and a co-handling request.
    assisted = file(members[1], "complaint", "contract", "单位入职三个月仍不签劳动合同，口头说试用期过了再签。",
                    subcategory="unsigned")
    services.reply(assisted, by=handler, body="已受理，正在与单位核实，请保留入职通知、工资流水等材料。")
    services.add_note(assisted, by=handler, body="单位人事电话无人接听，已请属地区总工会协助上门了解。")
    if lixia is not None and lixia.pk != assisted.org_id:
        services.request_assist(assisted, by=handler, org=lixia, note="请协助上门核实用工情况并督促签订合同。")
    made.append(assisted)

    # 待职工补充 (paused).
    waiting = file(members[2], "assistance", "wages", "工地包工头拖欠工资，人已经找不到了。",
                   subcategory="arrears", employer_name="济南某建筑劳务公司")
    services.reply(waiting, by=handler, body="已收到。")
    services.pause(waiting, by=handler, note="请补充工地名称、施工总承包单位和欠薪月份，并上传考勤或工资条照片。")
    made.append(waiting)

    # 已办结, rated.
    rated = file(members[3], "complaint", "dismissal", "怀孕期间被公司以调岗为由变相辞退。",
                 subcategory="forced_resignation", hide_identity=True)
    services.reply(rated, by=handler, body="已约谈用人单位，单位同意撤销调岗决定并恢复原岗位。")
    services.close(rated, by=handler, resolution=Case.Resolution.RESOLVED,
                   note="经协调，单位撤销调岗，职工已回原岗位。")
    services.rate(rated, by=members[3], rating=5, comment="工会帮了大忙，处理很及时，谢谢！")
    made.append(rated)
    middling = file(members[4], "suggestion", "other", "建议工会在工业园区增设职工之家和爱心驿站。")
    services.accept(middling, by=handler)
    services.close(middling, by=handler, resolution=Case.Resolution.ANSWERED, note="建议已转园区工会研究。")
    services.rate(middling, by=members[4], rating=3, comment="希望能尽快落实。")
    made.append(middling)

    # 已超期: filed long ago, never answered.
    overdue = file(members[5], "complaint", "hours", "每天工作12小时，每月只休两天，身体吃不消。",
                   subcategory="overtime")
    made.append(_backdate(overdue, OVERDUE_DAYS))

    # 督办: supervised by the province.
    supervised = file(members[0], "complaint", "wages", "公司以经营困难为由，已半年未足额发放工资，涉及职工80余人。",
                      subcategory="deduction", people_involved=80)
    services.reply(supervised, by=handler, body="已受理，正会同劳动监察部门调查。")
    if supervisor is not SYSTEM:
        services.supervise(supervised, by=supervisor, note="涉及人数多，请市总工会加快办理，每周报告进展。")
    made.append(supervised)

    counts: dict[str, int] = {}
    for case in Case.objects.filter(pk__in=[c.pk for c in made]):
        counts[case.status] = counts.get(case.status, 0) + 1
    progress(f"维权工单：{len(made)} 件（{'、'.join(f'{Case.Status(k).label}{v}' for k, v in counts.items())}）")
    return {"cases": len(made), **counts, "jinan_org": jinan.pk}
