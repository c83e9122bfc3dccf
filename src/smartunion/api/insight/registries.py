"""/api/v1/registries: government registry imports, matching and the results (routes on api.insight.common.router).

- POST /registries/imports (multipart: org_id, kind company|tax|insured, file): a province or city federation's
  chair or administrator uploads a file; it is imported in the background. GET /registries/imports lists the
  imports in scope (newest first), GET /registries/imports/{id} one with its progress (position / rows_total,
  percent), report and the first rejected rows; POST .../pause and .../resume.
- POST /registries/match-runs (org_id): start a matching run over the org's subtree; GET /registries/match-runs.
- GET /registries/unorganised (org_id, min_insured, q, page, page_size): 未建会企业, largest insured headcount first.
- GET /registries/coverage (org_id): 建会率 and 入会率 of each child org and the total.
- GET /registries/closed: companies revoked or cancelled whose union is still active.
- GET /registries/candidates (status pending|accepted|rejected|all): the review queue; POST
  /registries/candidates/{id}/accept|reject.
Everything is scoped: an import by its org, a company and a candidate by their area; outside the scope is 404.
Definitions: insight/queries/registries.py.
"""

from __future__ import annotations

from ninja import File, Form, Query, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from smartunion.api.insight.common import router
from smartunion.api.schemas import CHOICE_INPUT, ErrorOut, text
from smartunion.core.errors import Invalid, NotFound
from smartunion.core.pagination import paginate
from smartunion.insight.models import CompanyRecord, MatchCandidate, MatchRun, RegistryImport
from smartunion.insight.queries import registries as queries
from smartunion.insight.services import matching
from smartunion.insight.services import registries as services
from smartunion.orgs.models import Organisation
from smartunion.orgs.queries import scoped

ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
API_REJECTS = 100


def import_out(job: RegistryImport, *, rejects: bool = False) -> dict:
    total = job.rows_total or 0
    body = {
        "id": job.pk, "org": {"id": job.org_id, "name": job.org.name}, "kind": job.kind,
        "kind_label": job.get_kind_display(), "file_name": job.original_name, "sha256": job.sha256, "size": job.size,
        "status": job.status, "status_label": job.get_status_display(), "rows_total": job.rows_total,
        "position": job.position, "percent": min(100, job.position * 100 // total) if total else 0,
        "added": job.added, "changed": job.changed, "unchanged": job.unchanged, "rejected": job.rejected,
        "error": job.error, "created_at": job.created_at, "started_at": job.started_at,
        "finished_at": job.finished_at,
    }
    if rejects:
        body["rejects"] = [{"row": r.row_number, "reason": r.reason, "values": r.values}
                           for r in job.rejects.all()[:API_REJECTS]]
    return body


def _import(request, import_id: int) -> RegistryImport:
    job = queries.visible_imports(request.auth).filter(pk=import_id).first()
    if job is None:
        raise NotFound("对象不存在")
    return job


class RegistryUploadIn(Schema):
    org_id: int
    kind: str = text("数据类型", CHOICE_INPUT, min_length=1,
                     description="company 市场监管企业登记；tax 税务登记；insured 社保参保")


@router.post("/registries/imports", response={201: dict, **ERRORS},
             summary="上传政务数据文件（市场监管企业登记、税务登记或社保参保；CSV 或 .xlsx），后台导入")
def upload_registry(request, payload: Form[RegistryUploadIn], file: File[UploadedFile]):
    org = scoped(Organisation.objects.all(), request.auth).filter(pk=payload.org_id).first()
    if org is None:
        raise NotFound("单位不存在")
    job = services.create_import(org=org, kind=payload.kind, upload=file, by=request.auth)
    return Status(201, import_out(RegistryImport.objects.select_related("org").get(pk=job.pk), rejects=True))


@router.get("/registries/imports", response={200: dict, 400: ErrorOut}, summary="政务数据导入记录（最新的在前）")
def list_imports(request, page: int = 1, page_size: int = 20):
    return paginate(queries.visible_imports(request.auth).order_by("-created_at", "-id"), page=page,
                    page_size=page_size, serialize=import_out)


@router.get("/registries/imports/{import_id}", response={200: dict, 404: ErrorOut},
            summary="一次导入的进度与报告（含前100条拒收行）")
def get_import(request, import_id: int):
    return import_out(_import(request, import_id), rejects=True)


@router.post("/registries/imports/{import_id}/pause", response={200: dict, **ERRORS}, summary="暂停导入")
def pause_import(request, import_id: int):
    services.pause_import(_import(request, import_id), by=request.auth)
    return import_out(_import(request, import_id))


@router.post("/registries/imports/{import_id}/resume", response={200: dict, **ERRORS},
             summary="从中断处继续导入")
def resume_import(request, import_id: int):
    services.resume_import(_import(request, import_id), by=request.auth)
    return import_out(_import(request, import_id))


def run_out(run: MatchRun) -> dict:
    return {"id": run.pk, "org_id": run.org_id, "status": run.status, "status_label": run.get_status_display(),
            "exact": run.exact, "probable": run.probable, "to_review": run.to_review, "unmatched": run.unmatched,
            "seconds": run.seconds, "error": run.error, "started_at": run.started_at,
            "finished_at": run.finished_at}


class MatchIn(Schema):
    org_id: int


@router.post("/registries/match-runs", response={201: dict, **ERRORS}, summary="运行企业匹配（所选单位的范围）")
def start_match(request, payload: MatchIn):
    org = scoped(Organisation.objects.all(), request.auth).filter(pk=payload.org_id).first()
    if org is None:
        raise NotFound("单位不存在")
    return Status(201, run_out(matching.start_run(org=org, by=request.auth)))


@router.get("/registries/match-runs", response={200: dict, 400: ErrorOut}, summary="企业匹配记录")
def list_match_runs(request, page: int = 1, page_size: int = 20):
    rows = scoped(MatchRun.objects.all(), request.auth, field="org_path").order_by("-started_at", "-id")
    return paginate(rows, page=page, page_size=page_size, serialize=run_out)


def company_out(record: CompanyRecord) -> dict:
    employer = record.employer if record.employer_id else None
    union = employer.covering_union if employer is not None and employer.covering_union_id else None
    return {"id": record.pk, "name": record.name, "credit_code": record.credit_code,
            "region_code": record.region_code, "address": record.address, "industry": record.industry,
            "status": record.status, "status_label": record.get_status_display(),
            "insured_count": record.insured_count,
            "insured_month": record.insured_month.strftime("%Y-%m") if record.insured_month else None,
            "employer": {"id": employer.pk, "name": employer.name} if employer else None,
            "union": {"id": union.pk, "name": union.name} if union else None,
            "match_method": record.match_method}


class RegistryListParams(Schema):
    org_id: int | None = Field(None, description="只看该单位的下辖范围；默认本人全部管辖范围")
    q: str = text("搜索（企业名称或信用代码）", 100, "")
    page: int = 1
    page_size: int = 20


class UnorganisedParams(RegistryListParams):
    min_insured: int | None = Field(None, ge=0, description="参保人数下限，例如 25（可建立工会委员会）")


def _root(request, org_id):
    return queries.root_for(request.auth, org_id) if org_id is not None else None


@router.get("/registries/unorganised", response={200: dict, 400: ErrorOut, 404: ErrorOut},
            summary="未建会企业（在业、无所属工会），参保人数多的在前")
def unorganised(request, params: Query[UnorganisedParams]):
    rows = queries.unorganised(request.auth, root=_root(request, params.org_id), min_insured=params.min_insured,
                               text=params.q)
    return paginate(rows, page=params.page, page_size=params.page_size, serialize=company_out)


@router.get("/registries/closed", response={200: dict, 400: ErrorOut, 404: ErrorOut},
            summary="已吊销或注销、工会仍在册的企业")
def closed(request, params: Query[RegistryListParams]):
    rows = queries.closed_with_union(request.auth, root=_root(request, params.org_id), text=params.q)
    return paginate(rows, page=params.page, page_size=params.page_size, serialize=company_out)


@router.get("/registries/coverage", response={200: dict, 404: ErrorOut},
            summary="建会率和入会率：所选单位（默认本人范围的最高单位）的各下级及合计")
def coverage(request, org_id: int | None = None):
    root = queries.root_for(request.auth, org_id)
    lines = queries.coverage(root)

    def line_out(line):
        return {"org": {"id": line["org"].pk, "name": line["org"].name}, **{k: v for k, v in line.items()
                                                                            if k != "org"}}

    return {"org": {"id": root.pk, "name": root.name}, "items": [line_out(x) for x in lines[:-1]],
            "total": line_out(lines[-1])}


def candidate_out(candidate: MatchCandidate) -> dict:
    return {"id": candidate.pk, "status": candidate.status, "status_label": candidate.get_status_display(),
            "score": candidate.score, "features": candidate.features,
            "record": {"id": candidate.record_id, "name": candidate.record.name,
                       "address": candidate.record.address, "credit_code": candidate.record.credit_code},
            "employer": {"id": candidate.employer_id, "name": candidate.employer.name,
                         "address": candidate.employer.address},
            "decided_at": candidate.decided_at}


class CandidateParams(Schema):
    status: str = text("状态", CHOICE_INPUT, "pending", description="pending（默认）、accepted、rejected 或 all")
    page: int = 1
    page_size: int = 20


@router.get("/registries/candidates", response={200: dict, 400: ErrorOut, 422: ErrorOut},
            summary="待确认匹配（默认待确认的，匹配概率高的在前）")
def list_candidates(request, params: Query[CandidateParams]):
    rows = queries.visible_candidates(request.auth)
    if params.status != "all":
        if params.status not in MatchCandidate.Status.values:
            raise Invalid.from_fields({"status": "状态应为 pending、accepted、rejected 或 all"})
        rows = rows.filter(status=params.status)
    return paginate(rows.order_by("-score", "pk"), page=params.page, page_size=params.page_size,
                    serialize=candidate_out)


def _candidate(request, candidate_id: int) -> MatchCandidate:
    candidate = queries.visible_candidates(request.auth).filter(pk=candidate_id).first()
    if candidate is None:
        raise NotFound("对象不存在")
    return candidate


@router.post("/registries/candidates/{candidate_id}/accept", response={200: dict, **ERRORS},
             summary="确认是同一单位（登记企业关联到该用人单位，以后的匹配保持不变）")
def accept_candidate(request, candidate_id: int):
    matching.accept(_candidate(request, candidate_id), by=request.auth)
    return candidate_out(_candidate(request, candidate_id))


@router.post("/registries/candidates/{candidate_id}/reject", response={200: dict, **ERRORS},
             summary="否决（不是同一单位，以后不再提示）")
def reject_candidate(request, candidate_id: int):
    matching.reject(_candidate(request, candidate_id), by=request.auth)
    return candidate_out(_candidate(request, candidate_id))
