"""Assistance (困难帮扶): programmes, applications with their multi-level review, payments, hardship files.

Who is who: a worker account (no cadre position) reads the programmes open to it and its own applications; a cadre
reads its scope (out of scope answers 404 exactly like missing). Bank accounts are masked in every answer; names
of applicants are masked for cadres (the console reveals, audited). Payments take an `Idempotency-Key` header: the
same key again answers the same payment (200, the same body), never a second one.
"""

from __future__ import annotations

from django.db.models import Q
from ninja import Query, Schema, Status
from pydantic import Field

from smartunion.accounts.models import User
from smartunion.api.cases.common import router
from smartunion.api.errors import ApiError
from smartunion.api.schemas import CHOICE_INPUT, NOTE_INPUT, ErrorOut, text
from smartunion.assistance import eligibility, queries
from smartunion.assistance.errors import NotEligible
from smartunion.assistance.models import Application, HardshipFile, Payment, Programme, mask_account
from smartunion.assistance.services import applications as services
from smartunion.assistance.services import payments as payment_services
from smartunion.assistance.services.applications import current_file
from smartunion.core import money
from smartunion.core.pagination import paginate
from smartunion.core.pii import mask_name
from smartunion.members.models import Membership, Person
from smartunion.members.queries import active_membership
from smartunion.orgs.models import ancestor_paths
from smartunion.orgs.queries import is_unrestricted, managed_paths, scoped

ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
STEP = {200: dict, **ERRORS}
MAX_KEY = 64


def is_cadre(user) -> bool:
    return is_unrestricted(user) or (user.kind == User.Kind.CADRE and bool(managed_paths(user)))


def yuan(fen: int | None) -> str:
    return money.yuan(fen or 0)


def programme_out(p: Programme, *, cadre: bool = False) -> dict:
    out = {"id": p.pk, "name": p.name, "kind": p.kind, "kind_label": p.get_kind_display(), "year": p.year,
           "org": {"id": p.org_id, "name": p.org.name}, "description": p.description,
           "opens_on": p.opens_on, "closes_on": p.closes_on, "status": p.status,
           "status_label": p.get_status_display(), "eligibility": eligibility.describe(p.eligibility),
           "amount": eligibility.describe_amount(p.amount_rule), "required_documents": p.required_documents,
           "notice_days": p.notice_days, "objection_contact": p.objection_contact}
    if cadre:
        out.update(purpose=p.purpose, budget_fen=p.budget_fen, committed_fen=p.committed_fen, paid_fen=p.paid_fen,
                   remaining_fen=p.remaining_fen, eligibility_rule=p.eligibility, amount_rule=p.amount_rule,
                   review_chain=p.review_chain)
    return out


def application_out(a: Application, *, cadre: bool) -> dict:
    return {
        "id": a.pk, "programme": {"id": a.programme_id, "name": a.programme.name},
        "applicant": mask_name(a.person.name) if cadre else a.person.name,
        "union": {"id": a.union_id, "name": a.union.name} if cadre else None,
        "status": a.status, "status_label": a.get_status_display(), "level": a.level,
        "level_label": a.level_label(), "reviewing_org": {"id": a.reviewing_org_id, "name": a.reviewing_org.name}
        if a.reviewing_org_id else None,
        "amount_fen": a.amount_fen, "amount": yuan(a.amount_fen), "on_behalf": a.on_behalf,
        "bank_name": a.bank_name, "bank_account": mask_account(a.bank_account),
        "account_holder": mask_name(a.account_holder), "reason": a.reason, "reject_reason": a.reject_reason,
        "notice_starts_on": a.notice_starts_on, "notice_ends_on": a.notice_ends_on, "created_at": a.created_at,
        "decided_at": a.decided_at,
    }


def payment_out(p: Payment) -> dict:
    return {"id": p.pk, "application_id": p.application_id, "programme": {"id": p.programme_id,
                                                                          "name": p.programme.name},
            "payee": mask_name(p.person.name), "purpose": p.purpose, "year": p.year, "amount_fen": p.amount_fen,
            "amount": yuan(p.amount_fen), "status": p.status, "status_label": p.get_status_display(),
            "idempotency_key": p.idempotency_key, "created_at": p.created_at, "settled_at": p.settled_at}


def file_out(f: HardshipFile) -> dict:
    return {"id": f.pk, "person": mask_name(f.person.name), "union": {"id": f.union_id, "name": f.union.name},
            "region": f.region_id, "category": f.category, "category_label": f.get_category_display(),
            "causes": f.causes, "cause_labels": f.cause_labels(), "household_size": f.household_size,
            "household_income_fen": f.household_income_fen, "per_capita_monthly_fen": f.per_capita_monthly_fen,
            "status": f.status, "status_label": f.get_status_display(), "verified_at": f.verified_at,
            "next_verification_due": f.next_verification_due, "overdue": f.overdue, "exit_reason": f.exit_reason,
            "version": f.version}


class AssistancePageParams(Schema):
    page: int = 1
    page_size: int = 20


class AssistanceApplicationParams(AssistancePageParams):
    status: str = Field("", max_length=CHOICE_INPUT, description="pending、approved、notice、paid、rejected、withdrawn")
    programme_id: int | None = None
    queue: bool = Field(False, description="干部：只列出待我所在单位审核的申请")


class AssistanceFileParams(AssistancePageParams):
    status: str = Field("", max_length=CHOICE_INPUT)


class AssistanceApplicationIn(Schema):
    programme_id: int
    person_id: int | None = Field(None, description="干部代职工申请时填写职工编号；职工本人申请不填")
    amount_fen: int | None = Field(None, description="申请金额（分）；不填按项目金额规则")
    bank_name: str = text("开户银行", 50)
    bank_account: str = text("银行账号", 40)
    account_holder: str = text("账户户名", 50)
    reason: str = text("申请理由", 500, "")


class AssistanceNoteIn(Schema):
    note: str = text("说明", NOTE_INPUT, "")


class AssistancePaymentIn(Schema):
    application_id: int


@router.get("/assistance/programmes", response={200: dict, 422: ErrorOut},
            summary="帮扶项目（职工：当前可申请的项目；干部：管辖范围内的项目）")
def list_programmes(request, params: Query[AssistancePageParams]):
    user = request.auth
    if is_cadre(user):
        return paginate(queries.visible_programmes(user).order_by("-id"), page=params.page,
                        page_size=params.page_size, serialize=lambda p: programme_out(p, cadre=True))
    membership = active_membership(user.person_id) if user.person_id else None
    rows = queries.open_programmes_for(user.person_id, membership.union_path) if membership else []
    ids = [p.pk for p in rows]
    return paginate(Programme.objects.filter(pk__in=ids).select_related("org").order_by("-id"), page=params.page,
                    page_size=params.page_size, serialize=programme_out)


@router.get("/assistance/programmes/{programme_id}", response={200: dict, 404: ErrorOut}, summary="帮扶项目详情")
def get_programme(request, programme_id: int):
    user = request.auth
    if is_cadre(user):
        programme = queries.visible_programmes(user).filter(pk=programme_id).first()
        if programme is None:
            raise ApiError(404, "not_found", "项目不存在")
        return programme_out(programme, cadre=True)
    membership = active_membership(user.person_id) if user.person_id else None
    found = [p for p in (queries.open_programmes_for(user.person_id, membership.union_path) if membership else [])
             if p.pk == programme_id]
    if not found:
        raise ApiError(404, "not_found", "项目不存在")
    return programme_out(found[0])


def _person_in_scope(user, person_id: int) -> Person:
    memberships = scoped(Membership.objects.filter(person_id=person_id, status=Membership.Status.ACTIVE), user,
                         field="union_path")
    files = scoped(HardshipFile.objects.filter(person_id=person_id), user, field="org_path")
    person = Person.objects.filter(Q(pk__in=memberships.values("person_id")) | Q(pk__in=files.values("person_id")),
                                   pk=person_id).first()
    if person is None:
        raise ApiError(404, "not_found", "职工不存在")
    return person


@router.post("/assistance/applications", response={201: dict, **ERRORS},
             summary="申请困难帮扶（职工本人申请；干部填 person_id 代为申请）")
def create_application(request, payload: AssistanceApplicationIn):
    user = request.auth
    person = None
    if payload.person_id is not None and payload.person_id != user.person_id:
        if not is_cadre(user):
            raise ApiError(404, "not_found", "职工不存在")
        person = _person_in_scope(user, payload.person_id)
    person_id = person.pk if person is not None else user.person_id
    if person_id is None:
        raise NotEligible("困难帮扶仅限工会会员申请，请先申请入会")
    membership = active_membership(person_id)
    hardship_file = current_file(person_id)
    union_path = membership.union_path if membership else (hardship_file.org_path if hardship_file else "")
    # Programmes of the applicant's union or above: another one answers as missing.
    programme = Programme.objects.filter(pk=payload.programme_id, org_path__in=ancestor_paths(union_path)).first() \
        if union_path else None
    if programme is None and union_path:
        raise ApiError(404, "not_found", "项目不存在")
    if programme is None:
        raise NotEligible("困难帮扶仅限工会会员申请，请先申请入会")
    application = services.submit_application(
        programme, by=user, person=person, amount_fen=payload.amount_fen, bank_name=payload.bank_name,
        bank_account=payload.bank_account, account_holder=payload.account_holder, reason=payload.reason)
    application = Application.objects.select_related("programme", "person", "union", "reviewing_org").get(
        pk=application.pk)
    return Status(201, application_out(application, cadre=person is not None))


@router.get("/assistance/applications", response={200: dict, 422: ErrorOut},
            summary="帮扶申请（职工：我的申请；干部：管辖范围内的申请，queue=true 时为待本单位审核的申请）")
def list_applications(request, params: Query[AssistanceApplicationParams]):
    user = request.auth
    if params.status and params.status not in Application.Status.values:
        raise ApiError(422, "invalid", "申请状态不正确", {"status": "申请状态取值无效"})
    cadre = is_cadre(user)
    if cadre:
        rows = queries.application_queue(user) if params.queue else queries.visible_applications(user)
    else:
        rows = Application.objects.filter(person_id=user.person_id).select_related(
            "programme", "person", "union", "reviewing_org") if user.person_id else Application.objects.none()
    if params.status:
        rows = rows.filter(status=params.status)
    if params.programme_id:
        rows = rows.filter(programme_id=params.programme_id)
    return paginate(rows.order_by("-id"), page=params.page, page_size=params.page_size,
                    serialize=lambda a: application_out(a, cadre=cadre))


def _application(request, application_id: int) -> tuple[Application, bool]:
    user = request.auth
    if is_cadre(user):
        found = queries.visible_applications(user).filter(pk=application_id).first()
        cadre = True
    else:
        found = Application.objects.select_related("programme", "person", "union", "reviewing_org").filter(
            pk=application_id, person_id=user.person_id).first() if user.person_id else None
        cadre = False
    if found is None:
        raise ApiError(404, "not_found", "申请不存在")
    return found, cadre


@router.get("/assistance/applications/{application_id}", response={200: dict, 404: ErrorOut}, summary="帮扶申请详情")
def get_application(request, application_id: int):
    application, cadre = _application(request, application_id)
    return application_out(application, cadre=cadre)


def _refreshed(application: Application) -> Application:
    return Application.objects.select_related("programme", "person", "union", "reviewing_org").get(
        pk=application.pk)


@router.post("/assistance/applications/{application_id}/approve", response=STEP,
             summary="本级审核通过（最后一级为终审批准，从预算中扣减金额）")
def approve(request, application_id: int, payload: AssistanceNoteIn):
    application, cadre = _application(request, application_id)
    if not cadre:
        raise ApiError(404, "not_found", "申请不存在")
    services.approve_application(application, by=request.auth, note=payload.note)
    return application_out(_refreshed(application), cadre=True)


@router.post("/assistance/applications/{application_id}/reject", response=STEP, summary="不予通过（须填写原因）")
def reject(request, application_id: int, payload: AssistanceNoteIn):
    application, cadre = _application(request, application_id)
    if not cadre:
        raise ApiError(404, "not_found", "申请不存在")
    services.reject_application(application, by=request.auth, note=payload.note)
    return application_out(_refreshed(application), cadre=True)


@router.post("/assistance/applications/{application_id}/withdraw", response=STEP, summary="撤回申请（审核中）")
def withdraw(request, application_id: int):
    application, cadre = _application(request, application_id)
    services.withdraw_application(application, by=request.auth)
    return application_out(_refreshed(application), cadre=cadre)


@router.post("/assistance/payments", response={200: dict, 201: dict, **ERRORS},
             summary="发放帮扶资金（须带 Idempotency-Key 请求头；同一键重试返回同一笔发放记录）")
def create_payment(request, payload: AssistancePaymentIn):
    key = request.headers.get("Idempotency-Key", "")
    if not key or len(key) > MAX_KEY:
        raise ApiError(422, "invalid", "请提供有效的幂等键（Idempotency-Key）",
                       {"idempotency_key": f"请求头 Idempotency-Key 应为 8 至 {MAX_KEY} 位字母、数字或 ._:- 符号"})
    user = request.auth
    application = queries.visible_applications(user).filter(pk=payload.application_id).first() \
        if is_cadre(user) else None
    if application is None:
        raise ApiError(404, "not_found", "申请不存在")
    payment, created = payment_services.create_payment(application, by=user, idempotency_key=key)
    payment = Payment.objects.select_related("programme", "person").get(pk=payment.pk)
    return Status(201 if created else 200, payment_out(payment))


@router.get("/assistance/payments", response={200: dict, 422: ErrorOut}, summary="帮扶资金发放记录（干部，管辖范围内）")
def list_payments(request, params: Query[AssistancePageParams]):
    user = request.auth
    rows = queries.visible_payments(user) if is_cadre(user) else Payment.objects.none()
    return paginate(rows.select_related("programme", "person").order_by("-id"), page=params.page,
                    page_size=params.page_size, serialize=payment_out)


@router.get("/assistance/hardship-files", response={200: dict, 422: ErrorOut},
            summary="困难职工档案（干部，管辖范围内；姓名脱敏）")
def list_files(request, params: Query[AssistanceFileParams]):
    user = request.auth
    if params.status and params.status not in HardshipFile.Status.values:
        raise ApiError(422, "invalid", "档案状态不正确", {"status": "档案状态取值无效"})
    rows = queries.visible_files(user) if is_cadre(user) else HardshipFile.objects.none()
    if params.status:
        rows = rows.filter(status=params.status)
    return paginate(rows.order_by("-id"), page=params.page, page_size=params.page_size, serialize=file_out)


@router.get("/assistance/hardship-files/{file_id}", response={200: dict, 404: ErrorOut}, summary="困难职工档案详情")
def get_file(request, file_id: int):
    user = request.auth
    found = queries.visible_files(user).filter(pk=file_id).first() if is_cadre(user) else None
    if found is None:
        raise ApiError(404, "not_found", "档案不存在")
    return {**file_out(found), "health": found.health, "disability_grade": found.disability_grade,
            "housing": found.housing, "household_members": found.household_members, "insurance": found.insurance,
            "labour_contract": found.labour_contract, "standard_fen": found.standard_fen,
            "threshold_fen": found.threshold_fen}
