"""/api/v1/roster-imports: upload a union's roster (.xlsx), follow the dry run, confirm it, fetch the error list.

Jobs are scoped like everything else: another cadre's job is simply not found.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from django.http import HttpResponse
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from smartunion.api.auth import BearerToken
from smartunion.api.errors import ApiError
from smartunion.api.schemas import ErrorOut
from smartunion.core.pagination import paginate
from smartunion.members import roster
from smartunion.members.models import RosterImport
from smartunion.orgs.models import Organisation
from smartunion.orgs.queries import get_visible_or_404, scoped

router = Router(tags=["会员名册导入"], auth=BearerToken())
API_ERRORS = 100


class RowErrorOut(Schema):
    row: int = Field(description="Excel 行号（表头为第1行）")
    column: str
    message: str
    kind: str = Field(description="invalid（出错）、mismatch（姓名与已登记不一致）或 conflict（已是其他工会会员）")


class RosterImportOut(Schema):
    id: int
    union_id: int
    file_name: str
    status: str = Field(description="queued、validating、validated、committing、done 或 failed")
    status_label: str
    total: int
    processed: int
    percent: int
    to_create: int
    to_update: int
    unchanged: int
    rejected: int
    conflicts: int
    errors: list[RowErrorOut] = Field(description=f"前 {API_ERRORS} 条错误；完整清单见 /errors")
    message: str
    created_at: dt.datetime
    finished_at: dt.datetime | None


def job_out(job: RosterImport, *, errors: bool = True) -> dict:
    body = {
        "id": job.pk, "union_id": job.union_id, "file_name": job.file_name, "status": job.status,
        "status_label": job.get_status_display(), "total": job.total, "processed": job.processed,
        "percent": job.percent, "to_create": job.to_create, "to_update": job.to_update, "unchanged": job.unchanged,
        "rejected": job.rejected, "conflicts": job.conflicts, "errors": job.errors[:API_ERRORS],
        "message": job.message, "created_at": job.created_at, "finished_at": job.finished_at,
    }
    if not errors:  # a list shows the counts; the rows in error are on each job
        del body["errors"]
    return body


def _job(request, job_id: int) -> RosterImport:
    job = scoped(RosterImport.objects.select_related("union"), request.user, field="union_path").filter(
        pk=job_id).first()
    if job is None:
        raise ApiError(404, "not_found", "对象不存在")
    return job


@router.post("", response={201: RosterImportOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
             summary="上传会员名册并试运行校验")
def upload_roster(request, union_id: Form[int], file: File[UploadedFile]):
    union = get_visible_or_404(Organisation.objects.all(), request.user, pk=union_id)
    job = roster.create_job(union=union, upload=file, by=request.user)
    return Status(201, job_out(job))


@router.get("", response={200: dict}, summary="导入任务列表（仅限管辖范围，最新的在前）")
def list_roster_imports(request, page: int = 1, page_size: int = 20):
    queryset = scoped(RosterImport.objects.all(), request.user, field="union_path").order_by("-id")
    return paginate(queryset, page=page, page_size=page_size, serialize=lambda job: job_out(job, errors=False))


@router.get("/{job_id}", response={200: RosterImportOut, 404: ErrorOut}, summary="导入任务的进度与结果")
def get_roster_import(request, job_id: int):
    return job_out(_job(request, job_id))


@router.post("/{job_id}/commit", response={202: RosterImportOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
             summary="确认导入（后台写入）")
def commit_roster_import(request, job_id: int):
    job = roster.request_commit(_job(request, job_id), by=request.user)  # a wrong state is 409 bad_state
    return Status(202, job_out(job))


@router.get("/{job_id}/errors", response={200: None, 404: ErrorOut}, summary="下载错误清单（Excel）")
def roster_import_errors(request, job_id: int):
    job = _job(request, job_id)
    response = HttpResponse(roster.errors_workbook(job), content_type=roster.XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'导入错误清单-{job.pk}.xlsx')}"
    return response
