"""Roster import jobs, each step a background task (members/tasks.py): the upload, the dry run, the commit, and
jobs that stopped midway (heartbeat, stale, resume, restart)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import posixpath
import time

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from smartunion.core import pii
from smartunion.core.actors import SYSTEM, require_actor, user_or_none
from smartunion.core.audit import log_event
from smartunion.core.errors import DomainError, Forbidden, Invalid, StateError
from smartunion.core.models import AuditEvent
from smartunion.core.xlsx import WorkbookError
from smartunion.members.cards import allocate_numbers, issuer_for
from smartunion.members.models import RosterImport
from smartunion.members.roster.checks import Row, RowChecker, read_roster
from smartunion.members.roster.matching import CONFLICT, CREATE, INVALID, MISMATCH, UNCHANGED, UPDATE, Plan, match_rows
from smartunion.members.roster.writer import RosterWriter
from smartunion.orgs.models import Organisation, Position
from smartunion.orgs.queries import can_manage, scoped

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
BATCH = 1000  # rows per look-up and per progress update of the dry run
WRITE_BATCH = 10_000  # rows per write transaction (and progress step) of the commit: fewer WAL checkpoints
STORED_ERRORS = 1000  # errors kept on the job itself; the full list is in the JSON file


class ImportStateError(StateError):
    """The job is not in a state that allows the requested step."""

    def __init__(self, message: str, **kwargs):
        super().__init__(message, code="bad_state", **kwargs)


class JobAbandoned(Exception):
    """The job was marked failed (its heartbeat went stale) or taken over by another run: this run stops."""


def importable_unions(user) -> QuerySet[Organisation]:
    """The unions this cadre may import members into."""
    return scoped(Organisation.objects.filter(kind__in=Organisation.MEMBER_KINDS, status=Organisation.Status.ACTIVE),
                  user, roles=Position.MANAGING_ROLES)


def check_upload(upload) -> None:
    name = (getattr(upload, "name", "") or "").lower()
    if not name.endswith(".xlsx"):
        raise Invalid.from_fields({"file": "请上传 .xlsx 格式的 Excel 文件（可先下载导入模板）"})
    if upload.size > MAX_UPLOAD_BYTES:
        raise Invalid.from_fields({"file": f"文件过大（上限 {MAX_UPLOAD_BYTES // 1024 // 1024}MB），请拆分后分批上传"})
    upload.seek(0)
    head = upload.read(4)
    upload.seek(0)
    if head != b"PK\x03\x04":
        raise Invalid.from_fields({"file": "无法读取文件，请上传 .xlsx 格式的 Excel 文件"})


def create_job(*, union: Organisation, upload, by) -> RosterImport:
    """Store the upload as a queued job and start its dry run in the background."""
    require_actor(by)
    if not can_manage(by, union):
        raise Forbidden("您无权向该工会导入会员")
    if union.kind not in Organisation.MEMBER_KINDS or union.status != Organisation.Status.ACTIVE:
        raise Invalid.from_fields({"union": "会员只能导入到基层工会、联合基层工会、乡镇（街道）工会或分工会"})
    check_upload(upload)
    file_name = posixpath.basename(upload.name.replace("\\", "/"))[:200]
    job = RosterImport(union=union, union_path=union.path, file_name=file_name,
                       created_by=user_or_none(by))
    job.file.save(f"roster-{timezone.now():%Y%m%d%H%M%S}.xlsx", upload, save=False)
    job.save()
    log_event("members.roster.upload", actor=by, target=job, org=union,
              data={"file_name": file_name, "bytes": upload.size})
    from smartunion.members import tasks

    tasks.schedule(tasks.roster_validate, job.pk)
    job.refresh_from_db()  # already validated when the job ran synchronously
    return job


def request_commit(job: RosterImport, *, by) -> RosterImport:
    """Confirm a dry run: the write runs in the background (status committing, then done)."""
    require_actor(by)
    if not can_manage(by, job.union):
        raise Forbidden("您无权确认该导入")
    if job.status != RosterImport.Status.VALIDATED or not (job.to_create or job.to_update):
        raise ImportStateError("该导入任务当前不能确认导入：只有校验完成且有需要新增或更新的数据时才能确认")
    claimed = RosterImport.objects.filter(pk=job.pk, status=RosterImport.Status.VALIDATED).update(
        status=RosterImport.Status.COMMITTING, processed=0, message="正在复核数据", heartbeat_at=timezone.now())
    if not claimed:
        raise ImportStateError("该导入任务已在处理中")
    from smartunion.members import tasks

    tasks.schedule(tasks.roster_commit, job.pk, getattr(by, "pk", None))
    job.refresh_from_db()
    return job


# Jobs that stopped midway -------------------------------------------------------------------------------------------

STALE_MESSAGE = "后台任务意外中断，可以继续或重新开始"
RUNNING_STATUSES = (RosterImport.Status.VALIDATING, RosterImport.Status.COMMITTING)
HEARTBEAT_SECONDS = 5  # between beats outside a write transaction (each write batch beats anyway)


class _Heartbeat:
    """A running job's pulse. Each beat is one compare-and-set of heartbeat_at: a run whose job was marked stale
    (and perhaps resumed by another run) finds the value changed and stops before writing anything more."""

    def __init__(self, job_id: int, status: str, last):
        self.job_id, self.status, self.last = job_id, status, last
        self.beaten = time.monotonic()

    @classmethod
    def of(cls, job: RosterImport) -> _Heartbeat:
        return cls(job.pk, job.status, job.heartbeat_at)

    def _owned(self) -> QuerySet[RosterImport]:
        return RosterImport.objects.filter(pk=self.job_id, status=self.status, heartbeat_at=self.last)

    def beat(self, *, force: bool = False) -> None:
        if not force and time.monotonic() - self.beaten < HEARTBEAT_SECONDS:
            return
        now = timezone.now()
        if not self._owned().update(heartbeat_at=now):
            raise JobAbandoned
        self.last, self.beaten = now, time.monotonic()

    def fail(self, message: str) -> None:
        """Mark the job failed, unless another run owns it by now."""
        self._owned().update(status=RosterImport.Status.FAILED, message=message[:300], finished_at=timezone.now())


def _stale_q() -> Q:
    cutoff = timezone.now() - dt.timedelta(minutes=settings.JOB_STALE_MINUTES)
    # A job claimed before heartbeats existed has none: its upload time stands in.
    return Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff)


def mark_stale_jobs(*, job_ids: list[int] | None = None) -> int:
    """Mark failed the running jobs whose heartbeat stopped (their process died); returns how many."""
    candidates = (RosterImport.objects.filter(_stale_q(), status__in=RUNNING_STATUSES).select_related("union")
                  .order_by("pk"))
    if job_ids is not None:
        candidates = candidates.filter(pk__in=job_ids)
    marked = 0
    for job in candidates:
        # The same conditions again in the UPDATE: a job that beat meanwhile is alive after all.
        if RosterImport.objects.filter(_stale_q(), pk=job.pk, status=job.status, heartbeat_at=job.heartbeat_at).update(
                status=RosterImport.Status.FAILED, message=STALE_MESSAGE, finished_at=timezone.now()):
            logger.warning("roster import %s: no heartbeat since %s, marked failed", job.pk, job.heartbeat_at)
            log_event("members.roster.stale", actor=SYSTEM, target=job, org=job.union,
                      data={"status": job.status, "processed": job.processed, "total": job.total})
            marked += 1
    return marked


def can_restart(job: RosterImport) -> bool:
    """A failed dry run whose upload is still there can run again (the upload goes once the dry run ends)."""
    return (job.status == RosterImport.Status.FAILED and bool(job.file.name)
            and default_storage.exists(job.file.name))


def can_resume(job: RosterImport) -> bool:
    """A failed commit can go on: its dry run finished (the upload is gone) and the checked rows are still kept."""
    return (job.status == RosterImport.Status.FAILED and not (job.file.name and default_storage.exists(job.file.name))
            and default_storage.exists(_side_file(job, "rows")))


def resume_job(job: RosterImport, *, by) -> RosterImport:
    """Go on with a commit that stopped midway; what its finished batches wrote is found unchanged, not doubled."""
    require_actor(by)
    if not can_manage(by, job.union):
        raise Forbidden("您无权继续该导入")
    if not can_resume(job):
        raise ImportStateError("该导入任务当前不能继续导入：只有中断的导入才能继续")
    claimed = RosterImport.objects.filter(pk=job.pk, status=RosterImport.Status.FAILED).update(
        status=RosterImport.Status.COMMITTING, message="正在复核数据", finished_at=None, heartbeat_at=timezone.now())
    if not claimed:
        raise ImportStateError("该导入任务已在处理中")
    log_event("members.roster.resume", actor=by, target=job, org=job.union,
              data={"processed": job.processed, "total": job.total})
    from smartunion.members import tasks

    tasks.schedule(tasks.roster_commit, job.pk, getattr(by, "pk", None))
    job.refresh_from_db()
    return job


def restart_job(job: RosterImport, *, by) -> RosterImport:
    """Run the dry run of a job that stopped midway again, from its upload; nothing else was written."""
    require_actor(by)
    if not can_manage(by, job.union):
        raise Forbidden("您无权重新校验该导入")
    if not can_restart(job):
        raise ImportStateError("该导入任务当前不能重新校验：上传的文件已不在，请重新上传")
    claimed = RosterImport.objects.filter(pk=job.pk, status=RosterImport.Status.FAILED).update(
        status=RosterImport.Status.QUEUED, total=0, processed=0, to_create=0, to_update=0, unchanged=0, rejected=0,
        conflicts=0, errors=[], message="", finished_at=None, heartbeat_at=None)
    if not claimed:
        raise ImportStateError("该导入任务已在处理中")
    for suffix in ("rows", "errors.json"):  # half-written results of the run that stopped
        _delete(_side_file(job, suffix))
    log_event("members.roster.revalidate", actor=by, target=job, org=job.union, data={"file_name": job.file_name})
    from smartunion.members import tasks

    tasks.schedule(tasks.roster_validate, job.pk)
    job.refresh_from_db()
    return job


def _side_file(job: RosterImport, suffix: str) -> str:
    return f"{job.file.name}.{suffix}"


def _write_side_file(job: RosterImport, suffix: str, content: str) -> None:
    name = _side_file(job, suffix)
    if default_storage.exists(name):
        default_storage.delete(name)
    default_storage.save(name, ContentFile(content.encode("utf-8")))


def _read_side_file(job: RosterImport, suffix: str) -> str | None:
    name = _side_file(job, suffix)
    if not default_storage.exists(name):
        return None
    with default_storage.open(name, "rb") as handle:
        return handle.read().decode("utf-8")


def _delete(name: str) -> None:
    if name and default_storage.exists(name):
        default_storage.delete(name)


def all_errors(job: RosterImport) -> list[dict]:
    """The full error list: {row, column, message, kind} sorted by row."""
    text = _read_side_file(job, "errors.json")
    return json.loads(text) if text is not None else list(job.errors)


def _update(job_id: int, **fields) -> None:
    RosterImport.objects.filter(pk=job_id).update(**fields)


class _Tally:
    def __init__(self):
        self.counts = {CREATE: 0, UPDATE: 0, UNCHANGED: 0, CONFLICT: 0}
        self.rejected_rows: set[int] = set()
        self.errors: list[dict] = []

    def add_invalid(self, number: int, problems: list[tuple[str, str]], batch: list[dict]) -> None:
        self.rejected_rows.add(number)
        batch.extend({"row": number, "column": c, "message": m, "kind": INVALID} for c, m in problems)

    def add_plan(self, plan: Plan, batch: list[dict]) -> None:
        if plan.kind == MISMATCH:
            self.rejected_rows.add(plan.row.row)
            batch.append({"row": plan.row.row, "column": "姓名", "message": plan.message, "kind": MISMATCH})
        elif plan.kind == CONFLICT:
            self.counts[CONFLICT] += 1
            batch.append({"row": plan.row.row, "column": "身份证号码", "message": plan.message, "kind": CONFLICT})
        else:
            self.counts[plan.kind] += 1

    def fields(self) -> dict:
        return {"to_create": self.counts[CREATE], "to_update": self.counts[UPDATE],
                "unchanged": self.counts[UNCHANGED], "conflicts": self.counts[CONFLICT],
                "rejected": len(self.rejected_rows)}


def validate_job(job_id: int) -> RosterImport:
    """The dry run: read, check and match every row; store counts and errors; write no member data."""
    claimed = RosterImport.objects.filter(pk=job_id, status=RosterImport.Status.QUEUED).update(
        status=RosterImport.Status.VALIDATING, message="正在读取文件", heartbeat_at=timezone.now())
    job = RosterImport.objects.select_related("union").get(pk=job_id)
    if not claimed:
        return job  # already run (a redelivered task)
    heartbeat = _Heartbeat.of(job)
    try:
        issuer_for(job.union)  # a union without an issuing federation cannot get card numbers: say so now
        with default_storage.open(job.file.name, "rb") as stream:
            positions, data = read_roster(stream)
        if not data:
            raise WorkbookError("文件中没有数据行")
        dry_run(job, positions, data, heartbeat=heartbeat)
    except JobAbandoned:
        logger.warning("roster import %s: marked stale or taken over, this dry run stops", job_id)
    except (WorkbookError, DomainError) as exc:
        heartbeat.fail(str(exc))
        _delete(job.file.name)  # unusable, and personal data: a new upload is needed anyway
    except Exception:
        # The upload stays for diagnosis (media storage is not public) and for "重新校验".
        logger.exception("roster import %s: validation failed", job_id)
        heartbeat.fail("校验失败：系统错误，可以重新校验；如仍失败请联系管理员")
        raise
    job.refresh_from_db()
    return job


def dry_run(job: RosterImport, positions: dict[str, int], data: list[tuple[int, list]], *,
            heartbeat: _Heartbeat | None = None) -> None:
    """Check and match rows already read (column positions, [(row number, cell values)]); store the results on
    the job (status validated), the full error list and the encrypted valid rows; delete the upload."""
    heartbeat = heartbeat or _Heartbeat.of(job)
    total = len(data)
    _update(job.pk, total=total, processed=0, message="正在校验")
    checker = RowChecker(positions, timezone.localdate())
    tally = _Tally()
    valid: list[Row] = []
    for start in range(0, total, BATCH):
        batch_errors: list[dict] = []
        batch_valid: list[Row] = []
        for number, values in data[start: start + BATCH]:
            row, problems = checker.check(number, values)
            if row is None:
                tally.add_invalid(number, problems, batch_errors)
            else:
                batch_valid.append(row)
        for plan in match_rows(batch_valid, job.union):
            tally.add_plan(plan, batch_errors)
        batch_errors.sort(key=lambda e: e["row"])
        tally.errors.extend(batch_errors)
        valid.extend(batch_valid)
        heartbeat.beat()
        _update(job.pk, processed=min(start + BATCH, total), **tally.fields())
    # The valid rows, encrypted, for the commit; then the plaintext upload goes. The upload goes after the status:
    # a failed job without its upload but with its rows is a confirmed commit (can_resume), never a dry run.
    _write_side_file(job, "rows", pii.encrypt(json.dumps(valid, ensure_ascii=False, separators=(",", ":"))))
    _write_side_file(job, "errors.json", json.dumps(tally.errors, ensure_ascii=False))
    heartbeat.beat(force=True)
    _update(job.pk, status=RosterImport.Status.VALIDATED, processed=total, errors=tally.errors[:STORED_ERRORS],
            message="校验完成", **tally.fields())
    _delete(job.file.name)


def commit_job(job_id: int, actor_id: int | None = None) -> RosterImport:
    """Write a validated job: match again, allocate card numbers once, then WRITE_BATCH rows per transaction."""
    job = RosterImport.objects.select_related("union", "created_by").get(pk=job_id)
    if job.status != RosterImport.Status.COMMITTING:
        return job
    heartbeat = _Heartbeat.of(job)
    try:
        _run_commit(job, actor_id, heartbeat)
    except JobAbandoned:
        logger.warning("roster import %s: marked stale or taken over, this commit stops", job_id)
    except ImportStateError as exc:
        heartbeat.fail(str(exc))
    except Exception:
        logger.exception("roster import %s: commit failed", job_id)
        heartbeat.fail("导入中断：已写入的部分不会重复导入，可以继续导入完成剩余部分；如仍失败请联系管理员")
        raise
    job.refresh_from_db()
    return job


def _written_before(job: RosterImport) -> tuple[int, int]:
    """(created, updated) by the batches that earlier runs of this job committed before they stopped."""
    created = updated = 0
    for data in AuditEvent.objects.filter(action="members.roster.commit_batch", target_type=job._meta.label_lower,
                                          target_id=str(job.pk)).values_list("data", flat=True):
        created += data.get("created", 0)
        updated += data.get("updated", 0)
    return created, updated


def _run_commit(job: RosterImport, actor_id: int | None, heartbeat: _Heartbeat) -> None:
    from smartunion.accounts.models import User

    _delete(job.file.name)  # normally gone with the dry run; a crash right after it may have left it
    text = _read_side_file(job, "rows")
    if text is None:
        raise ImportStateError("校验结果已失效，请重新上传")
    # The cadre who confirmed the import stays its actor when the job runs; SYSTEM only if that account is gone.
    actor = (User.objects.filter(pk=actor_id).first() if actor_id else None) or SYSTEM
    before_created, before_updated = _written_before(job)
    rows = [Row(*item) for item in json.loads(pii.decrypt(text))]
    invalid = [e for e in all_errors(job) if e["kind"] == INVALID]
    tally = _Tally()
    tally.rejected_rows = {e["row"] for e in invalid}
    processed = job.total - len(rows)
    _update(job.pk, processed=processed)
    plans: list[Plan] = []
    for start in range(0, len(rows), BATCH):
        plans.extend(match_rows(rows[start: start + BATCH], job.union, cards=True))
        heartbeat.beat()
    need = sum(1 for p in plans if p.kind == CREATE and p.card is None)
    issuer = issuer_for(job.union)
    writer = RosterWriter(job, actor_id=getattr(user_or_none(actor), "pk", None), issuer=issuer,
                          numbers=allocate_numbers(issuer, need) if need else [])
    _update(job.pk, message="正在写入")
    created = updated = 0
    batch_errors: list[dict] = []
    for start in range(0, len(plans), WRITE_BATCH):
        chunk = plans[start: start + WRITE_BATCH]
        for attempt in range(3):
            position = writer.position
            try:
                with transaction.atomic():
                    made, changed = writer.write(chunk)
                    # In the batch's transaction: a run that lost its job rolls this batch back.
                    heartbeat.beat(force=True)
                    _update(job.pk, processed=processed + len(chunk))
                    if made or changed:  # what this batch wrote, for the counts of a run resumed after a crash
                        log_event("members.roster.commit_batch", actor=actor, target=job, org=job.union,
                                  data={"rows": len(chunk), "created": made, "updated": changed})
                break
            except IntegrityError:
                # Someone registered one of these people (or made them a member) meanwhile: match this batch again.
                writer.position = position
                if attempt == 2:
                    raise
                chunk = match_rows([p.row for p in chunk], job.union, cards=True)
        created += made
        updated += changed
        for plan in chunk:
            tally.add_plan(plan, batch_errors)
        processed += len(chunk)
    errors = sorted(invalid + batch_errors, key=lambda e: e["row"])
    _write_side_file(job, "errors.json", json.dumps(errors, ensure_ascii=False))
    _delete(_side_file(job, "rows"))
    fields = tally.fields()
    # Rows an earlier run wrote match as unchanged now: they count as what that run did with them.
    fields["unchanged"] = max(0, fields["unchanged"] - before_created - before_updated)
    created, updated = created + before_created, updated + before_updated
    fields.update(to_create=created, to_update=updated)
    counts = {"created": created, "updated": updated, "unchanged": fields["unchanged"],
              "rejected": fields["rejected"], "conflicts": fields["conflicts"]}
    heartbeat.beat(force=True)
    _update(job.pk, status=RosterImport.Status.DONE, processed=job.total, errors=errors[:STORED_ERRORS],
            finished_at=timezone.now(), message=f"导入完成：新增{created}人，更新{updated}人", **fields)
    job.refresh_from_db()
    log_event("members.roster.commit", actor=actor, target=job, org=job.union,
              data={**counts, "total": job.total, "file_name": job.file_name})
