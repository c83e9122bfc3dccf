"""Demo approvals (移动审批) in 济南市总工会 and the province, through the approvals services (issue 12).

Called by demo/seeding.py after the org tree and the accounts:

    from smartunion.demo.seed_documents_approvals import build_approvals
    build_approvals(progress=progress)

What it makes:
- the six standard forms (请假、出差、报销、用章、用车、采购) installed for 山东省总工会 and 济南市总工会;
- people: the org's chair (`jn_chair`, `sd_chair`, shared with the outgoing-documents demo, made when missing), its
  administrator (the seeder's `jinan` / `admin`), and two staff in 济南 (`jn_staff_li` 李明, `jn_staff_wang` 王芳)
  and one in the province (`sd_staff_zhao` 赵静), reviewers, all with the demo password;
- 济南's requests in every state: a leave waiting for the 济南 chair, an expense of 8,600.00 above the 5,000.00
  threshold waiting for the chair, an expense of 1,280.00 approved by the administrator alone (the chair's step
  skipped), a trip returned to the applicant, a purchase with an added signer (加签) now waiting for them, a seal
  request the chair rejected, a vehicle request withdrawn; the province's leave waiting for its administrator.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from smartunion.accounts.models import User
from smartunion.core.actors import SYSTEM
from smartunion.demo.cadres import demo_cadre as _person
from smartunion.documents.models import ApprovalForm, ApprovalRequest
from smartunion.documents.services import approvals as services
from smartunion.orgs.models import Organisation, Position

R = Position.Role
DEMO_PASSWORD = "smartunion-demo"  # noqa: S105  the documented demo password (demo/seeding.py)



def _holder(org: Organisation, role: str, username: str, name: str, hashed: str) -> User:
    """The org's first holder of `role`, or a new demo account."""
    position = (Position.objects.filter(org=org, role=role, user__is_active=True).select_related("user")
                .order_by("id").first())
    return position.user if position is not None else _person(username, name, org, role, hashed)


def _day(days: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def build_approvals(*, progress) -> dict[str, int]:
    progress("正在生成移动审批演示数据……")
    hashed = make_password(DEMO_PASSWORD)
    province = Organisation.objects.get(kind=Organisation.Kind.PROVINCE)
    jinan = Organisation.objects.get(kind=Organisation.Kind.CITY, region_id="370100")
    jn_chair = _holder(jinan, R.CHAIR, "jn_chair", "济南市总工会主席", hashed)
    jn_admin = _holder(jinan, R.ADMINISTRATOR, "jn_office", "济南市总工会办公室", hashed)
    _holder(province, R.CHAIR, "sd_chair", "山东省总工会主席", hashed)
    _holder(province, R.ADMINISTRATOR, "sd_office", "山东省总工会办公室", hashed)
    li = _person("jn_staff_li", "李明", jinan, R.REVIEWER, hashed)
    wang = _person("jn_staff_wang", "王芳", jinan, R.REVIEWER, hashed)
    zhao = _person("sd_staff_zhao", "赵静", province, R.REVIEWER, hashed)

    installed = len(services.install_standard_forms(province, by=SYSTEM))
    installed += len(services.install_standard_forms(jinan, by=SYSTEM))
    forms = {f.code: f for f in ApprovalForm.objects.filter(org=jinan)}
    province_forms = {f.code: f for f in ApprovalForm.objects.filter(org=province)}

    def submit(code, by, data, *, form_set=forms):
        return services.submit_request(form=form_set[code], data=data, by=by)

    # A leave waiting for the 济南 chair.
    leave = submit("leave", li, {"kind": "年休假", "start": f"{_day(7)} 09:00", "end": f"{_day(9)} 17:00",
                                 "days": 3, "reason": "回老家探亲"})
    services.approve(leave, by=jn_admin, note="工作已安排妥当")
    # An expense above the threshold: the administrator agreed, the chair decides.
    big = submit("expense", wang, {"category": "会议费", "amount": "8600.00", "occurred_on": _day(-5),
                                   "invoices": 6, "description": "全市工会财务培训班场地及资料费"})
    services.approve(big, by=jn_admin, note="票据齐全")
    # A small expense: the chair's step skipped, approved by the administrator alone.
    small = submit("expense", li, {"category": "差旅费", "amount": "1280.00", "occurred_on": _day(-12),
                                   "invoices": 4, "description": "赴省总工会参加组织工作会议往返车票及住宿"})
    services.approve(small, by=jn_admin, note="同意报销")
    # A trip returned to the applicant.
    trip = submit("trip", wang, {"destination": "青岛市", "start": _day(14), "end": _day(16), "transport": "火车",
                                 "purpose": "学习青岛市总工会新就业形态劳动者入会工作经验"})
    services.return_to_applicant(trip, by=jn_admin, reason="请补充随行人员和经费来源")
    # A purchase with an added signer: the administrator asked 王芳 (who keeps the assets register) to check it.
    purchase = submit("purchase", li, {"item": "职工书屋图书", "quantity": 300, "amount": "4500.00",
                                       "needed_on": _day(30), "reason": "更新职工书屋藏书"})
    services.add_signer(purchase, by=jn_admin, user_id=wang.pk, position="after", note="请核对资产台账")
    services.approve(purchase, by=jn_admin, note="同意，请资产管理员核对")
    # A seal request the chair rejected.
    seal = submit("seal", wang, {"seal": "单位公章", "document": "关于联合开展职工健步走活动的函", "copies": 2,
                                 "used_on": _day(1), "reason": "与市体育局联合发函"})
    services.approve(seal, by=jn_admin)
    services.reject(seal, by=jn_chair, reason="该函尚未经核稿，请走发文流程")
    # A vehicle request withdrawn by its applicant.
    vehicle = submit("vehicle", li, {"destination": "章丘区", "start": f"{_day(2)} 08:30",
                                     "end": f"{_day(2)} 17:30", "passengers": 3, "reason": "走访困难职工"})
    services.withdraw(vehicle, by=li, note="改为乘坐公共交通")
    # The province: a leave waiting for its administrator.
    submit("leave", zhao, {"kind": "事假", "start": f"{_day(3)} 09:00", "end": f"{_day(3)} 17:00", "days": 1,
                           "reason": "办理个人事务"}, form_set=province_forms)

    rows = ApprovalRequest.objects.filter(pk__in=[leave.pk, big.pk, small.pk, trip.pk, purchase.pk, seal.pk,
                                                  vehicle.pk]) | ApprovalRequest.objects.filter(applicant=zhao)
    made = {"forms": installed, "requests": rows.count()}
    for status in ApprovalRequest.Status.values:
        made[status] = rows.filter(status=status).count()
    progress(f"移动审批：{made['forms']} 个表单，{made['requests']} 件申请（审批中 {made['pending']}、"
             f"已通过 {made['approved']}、未通过 {made['rejected']}、已退回 {made['returned']}、"
             f"已撤回 {made['withdrawn']}）")
    return made
