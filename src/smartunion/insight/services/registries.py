"""Import of the government registries (政务数据导入): a file is stored, then read in the background in chunks of
CHUNK_ROWS data rows, each chunk one transaction that writes its rows (bulk inserts and updates) and moves the
import's `position` and report counters on together. A run that stops (crash, restart, pause) leaves `position` at
the last committed chunk; resuming reads the file again, skips that many data rows and goes on, so nothing is
written twice. A re-run of the same file finds every row unchanged (rows are compared by a digest of their values).

Formats and columns: insight/registry_formats.py.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import posixpath
import time

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from smartunion.core.actors import SYSTEM, require_actor, user_or_none
from smartunion.core.audit import log_event
from smartunion.core.errors import Forbidden, Invalid, StateError
from smartunion.insight import registry_formats as formats
from smartunion.insight import rules_registries as rules
from smartunion.insight.models import CompanyRecord, InsuredMonth, RegistryImport, RegistryKind, RegistryReject
from smartunion.orgs.models import Organisation, Region
from smartunion.orgs.regions import derived_township_union, federation_for_region

logger = logging.getLogger(__name__)

CHUNK_ROWS = 5000  # data rows per transaction (and per progress step)
REJECTS_KEPT = 1000  # rejected rows kept with their reasons per file; the count is on the import
MAX_UPLOAD_BYTES = 2 * 1024 * 1024 * 1024
S = RegistryImport.Status
RUNNING = (S.QUEUED, S.RUNNING)
NOT_FOUND = "登记企业中没有该统一社会信用代码（请先导入市场监管企业登记）"
# A row superseded by a later row of the same file and chunk for the same company (and month): it is reported, not
# counted as unchanged, so that the report's figures add up to the file's rows and nobody's row vanishes unseen.
SUPERSEDED = {
    "company": "与第 {later} 行是同一企业（统一社会信用代码相同，无代码时名称和所在区县相同），以后一行为准",
    "tax": "与第 {later} 行是同一统一社会信用代码，以后一行为准",
    "insured": "与第 {later} 行是同一企业同一月份，以后一行为准",
}
COMPANY_FIELDS = ["credit_code", "name", "normalized_name", "legal_representative", "address", "region_code",
                  "county_code", "area_path", "industry", "status", "founded_on", "digest", "updated_at"]


class Abandoned(Exception):
    """The import was paused or taken over by another run: this run stops (its current chunk is rolled back)."""


# Upload and state changes ------------------------------------------------------------------------------------------


def create_import(*, org: Organisation, kind: str, upload, by, background: bool = True) -> RegistryImport:
    """Store an uploaded registry file as a queued import of `org` and start it in the background (`background`
    False: run it here and now, as the demo seeder and the benchmark do)."""
    require_actor(by)
    if not rules.can_import(by, org):
        raise Forbidden("只有省、市总工会的主席或管理员可以导入政务数据")
    if kind not in RegistryKind.values:
        raise Invalid.from_fields({"kind": "请选择数据类型：市场监管企业登记、税务登记或社保参保"})
    name = posixpath.basename((getattr(upload, "name", "") or "").replace("\\", "/"))[:200] or "registry.csv"
    if not name.lower().endswith((".csv", ".xlsx", ".txt")):
        raise Invalid.from_fields({"file": "请上传 CSV（UTF-8 或 GBK 编码）或 .xlsx 格式的文件"})
    if not upload.size:
        raise Invalid.from_fields({"file": "文件为空"})
    if upload.size > MAX_UPLOAD_BYTES:
        raise Invalid.from_fields({"file": "文件过大（上限 2GB），请拆分后分批上传"})
    digest = hashlib.sha256()
    upload.seek(0)
    for block in iter(lambda: upload.read(1 << 20), b""):
        digest.update(block)
    upload.seek(0)
    job = RegistryImport(org=org, kind=kind, original_name=name, sha256=digest.hexdigest(), size=upload.size,
                         created_by=user_or_none(by))
    job.file.save(f"{kind}-{timezone.now():%Y%m%d%H%M%S}{posixpath.splitext(name)[1].lower()}", upload, save=False)
    job.save()
    log_event("insight.registry_import.upload", actor=by, target=job, org=org,
              data={"kind": kind, "file": name, "bytes": upload.size})
    if background:
        _schedule(job)
    else:
        run_import(job.pk)
    job.refresh_from_db()
    return job


def _schedule(job: RegistryImport) -> None:
    from smartunion.insight import tasks_registries as tasks

    tasks.schedule(tasks.registry_import, job.pk)


def pause_import(job: RegistryImport, *, by) -> RegistryImport:
    """Stop a queued or running import after its current chunk (that chunk is rolled back, `position` stays)."""
    require_actor(by)
    if not rules.can_follow(by, job):
        raise Forbidden("您无权暂停该导入")
    if not RegistryImport.objects.filter(pk=job.pk, status__in=RUNNING).update(status=S.PAUSED):
        raise StateError("该导入当前不在进行中", code="bad_state")
    log_event("insight.registry_import.pause", actor=by, target=job, org=job.org_id and job.org,
              data={"position": job.position})
    job.refresh_from_db()
    return job


def can_resume(job: RegistryImport) -> bool:
    return job.status in (S.PAUSED, S.FAILED) and bool(job.file.name)


def resume_import(job: RegistryImport, *, by) -> RegistryImport:
    """Go on with a paused or failed import from `position` (the rows already committed are not read again)."""
    require_actor(by)
    if not rules.can_follow(by, job):
        raise Forbidden("您无权继续该导入")
    if not can_resume(job) or not RegistryImport.objects.filter(
            pk=job.pk, status__in=(S.PAUSED, S.FAILED)).update(status=S.QUEUED, error="", finished_at=None):
        raise StateError("只有已暂停或中断的导入可以继续", code="bad_state")
    log_event("insight.registry_import.resume", actor=by, target=job, org=job.org,
              data={"position": job.position})
    _schedule(job)
    job.refresh_from_db()
    return job


STALE_MESSAGE = "后台任务意外中断，可以继续导入"


def mark_stale_imports(*, job_ids: list[int] | None = None) -> int:
    """Running imports whose heartbeat stopped (their process died) become paused, to be resumed."""
    cutoff = timezone.now() - dt.timedelta(minutes=settings.JOB_STALE_MINUTES)
    stale = RegistryImport.objects.filter(Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True,
                                                                         created_at__lt=cutoff), status=S.RUNNING)
    if job_ids is not None:
        stale = stale.filter(pk__in=job_ids)
    return stale.update(status=S.PAUSED, error=STALE_MESSAGE)


# The run ------------------------------------------------------------------------------------------------------------


def run_import(import_id: int) -> None:
    """The background step: claim the queued import, read it from `position` on, chunk by chunk."""
    now = timezone.now()
    if not RegistryImport.objects.filter(pk=import_id, status=S.QUEUED).update(
            status=S.RUNNING, heartbeat_at=now, started_at=now):
        return  # taken by another run, paused or finished meanwhile
    job = RegistryImport.objects.select_related("org").get(pk=import_id)
    try:
        if job.rows_total is None:
            job.rows_total = formats.count_rows(job.file.path)
            RegistryImport.objects.filter(pk=job.pk).update(rows_total=job.rows_total)
        _read(job)
    except Abandoned:
        return
    except formats.FormatError as exc:
        _fail(job, str(exc))
        return
    except Exception as exc:
        logger.exception("registry import %s failed at row %s", job.pk, job.position)
        _fail(job, f"导入中断（已处理 {job.position} 行，可以继续导入）：{type(exc).__name__}")
        return
    job.refresh_from_db()
    RegistryImport.objects.filter(pk=job.pk, status=S.RUNNING).update(
        status=S.DONE, finished_at=timezone.now(), rows_total=job.position)
    log_event("insight.registry_import.finish", actor=SYSTEM, target=job, org=job.org,
              data={"added": job.added, "changed": job.changed, "unchanged": job.unchanged,
                    "rejected": job.rejected})


def _fail(job: RegistryImport, message: str) -> None:
    RegistryImport.objects.filter(pk=job.pk, status=S.RUNNING).update(
        status=S.FAILED, error=message[:500], finished_at=timezone.now())


def _read(job: RegistryImport) -> None:
    applier = Applier(job)
    skip = job.position
    batch: list[tuple[int, dict]] = []
    for number, row in formats.open_rows(job.file.path, job.kind):
        if skip:
            skip -= 1
            continue
        batch.append((number, row))
        if len(batch) >= CHUNK_ROWS:
            applier.commit(batch)
            batch = []
    if batch:
        applier.commit(batch)


class Applier:
    """Writes one chunk of one import: parse, compare, bulk write, counters, all in one transaction."""

    def __init__(self, job: RegistryImport):
        self.job = job
        self.kept_rejects = RegistryReject.objects.filter(registry_import=job).count()
        self._regions: set[str] | None = None
        self._areas: dict[str, str] = {}

    # helpers
    def known_region(self, code: str) -> bool:
        if self._regions is None:
            self._regions = set(Region.objects.values_list("code", flat=True))
        return code in self._regions

    def area_path(self, code: str) -> str:
        """As orgs.services._area: the township union of the region, else the nearest federation's path."""
        if code not in self._areas:
            region = Region.objects.get(pk=code)
            org = derived_township_union(region) or federation_for_region(code)
            self._areas[code] = org.path if org is not None else ""
        return self._areas[code]

    def commit(self, batch: list[tuple[int, dict]]) -> None:
        counts = {"added": 0, "changed": 0, "unchanged": 0, "rejected": 0}
        rejects: list[RegistryReject] = []
        with transaction.atomic():
            # The claim first: a paused or taken-over import writes nothing of this chunk.
            now = timezone.now()
            if not RegistryImport.objects.filter(pk=self.job.pk, status=S.RUNNING).update(heartbeat_at=now):
                raise Abandoned
            apply = {formats.COMPANY: self._companies, formats.TAX: self._tax,
                     formats.INSURED: self._insured}[self.job.kind]
            for number, reason, values in apply(batch, counts):
                counts["rejected"] += 1
                if self.kept_rejects + len(rejects) < REJECTS_KEPT:
                    rejects.append(RegistryReject(registry_import=self.job, row_number=number, reason=reason[:300],
                                                  values={k: formats.text(v) for k, v in values.items() if k}))
            RegistryReject.objects.bulk_create(rejects)
            self.kept_rejects += len(rejects)
            RegistryImport.objects.filter(pk=self.job.pk).update(
                position=F("position") + len(batch), **{k: F(k) + v for k, v in counts.items()})
        self.job.position += len(batch)
        after_chunk(self.job)

    # per kind: each yields (row number, reason, raw values) of the rows it refuses and counts the rest
    def _companies(self, batch, counts):
        rows: dict[str, tuple[int, dict, dict]] = {}  # key -> (row number, raw row, values), as for tax and insured
        for number, raw in batch:
            values = formats.parse_company(raw, self.known_region)
            if isinstance(values, formats.Rejected):
                yield number, values.reason, raw
                continue
            key = values["record_key"]
            if key in rows:  # a key twice in a chunk: the later row wins, the earlier is reported
                earlier, earlier_raw, _ = rows[key]
                yield earlier, SUPERSEDED["company"].format(later=number), earlier_raw
            rows[key] = (number, raw, values)
        existing = {key: (pk, digest) for key, pk, digest in CompanyRecord.objects.filter(
            record_key__in=list(rows)).values_list("record_key", "pk", "digest")}
        new, changed, now = [], [], timezone.now()
        for key, (_, _, values) in rows.items():
            values["area_path"] = self.area_path(values["region_code"])
            if key not in existing:
                new.append(CompanyRecord(first_import=self.job, **values))
            elif existing[key][1] == values["digest"]:
                counts["unchanged"] += 1
            else:
                changed.append(CompanyRecord(pk=existing[key][0], updated_at=now,
                                             **{k: values[k] for k in COMPANY_FIELDS if k != "updated_at"}))
        CompanyRecord.objects.bulk_create(new, batch_size=1000)
        update_rows(CompanyRecord, changed, COMPANY_FIELDS)
        counts["added"] += len(new)
        counts["changed"] += len(changed)

    def _companies_by_code(self, codes: list[str]) -> dict[str | None, tuple]:
        return {code: (pk, tax, month) for code, pk, tax, month in CompanyRecord.objects.filter(
            credit_code__in=codes).values_list("credit_code", "pk", "taxpayer_status", "insured_month")}

    def _tax(self, batch, counts):
        rows: dict[str, tuple] = {}
        for number, raw in batch:
            values = formats.parse_tax(raw)
            if isinstance(values, formats.Rejected):
                yield number, values.reason, raw
                continue
            if values["credit_code"] in rows:  # repeated within the chunk: the later row wins
                earlier, earlier_raw, _ = rows[values["credit_code"]]
                yield earlier, SUPERSEDED["tax"].format(later=number), earlier_raw
            rows[values["credit_code"]] = (number, raw, values)
        known = self._companies_by_code(list(rows))
        changed, now = [], timezone.now()
        for code, (number, raw, values) in rows.items():
            if code not in known:
                yield number, NOT_FOUND, raw
            elif known[code][1] == values["taxpayer_status"]:
                counts["unchanged"] += 1
            else:
                changed.append(CompanyRecord(pk=known[code][0], taxpayer_status=values["taxpayer_status"],
                                             updated_at=now))
        update_rows(CompanyRecord, changed, ["taxpayer_status", "updated_at"])
        counts["changed"] += len(changed)

    def _insured(self, batch, counts):
        rows: dict[tuple[str, dt.date], tuple] = {}
        for number, raw in batch:
            values = formats.parse_insured(raw)
            if isinstance(values, formats.Rejected):
                yield number, values.reason, raw
                continue
            if (values["credit_code"], values["month"]) in rows:  # repeated within the chunk: the later row wins
                earlier, earlier_raw, _ = rows[(values["credit_code"], values["month"])]
                yield earlier, SUPERSEDED["insured"].format(later=number), earlier_raw
            rows[(values["credit_code"], values["month"])] = (number, raw, values)
        known = self._companies_by_code(sorted({code for code, _ in rows}))
        ids = {code: row[0] for code, row in known.items()}
        have = {(company, month): (pk, headcount) for company, month, pk, headcount in InsuredMonth.objects.filter(
            company_id__in=list(ids.values()), month__in=sorted({m for _, m in rows})).values_list(
            "company_id", "month", "pk", "headcount")}
        new, changed = [], []
        latest: dict[int, tuple[dt.date, int]] = {}
        for (code, month), (number, raw, values) in rows.items():
            if code not in ids:
                yield number, NOT_FOUND, raw
                continue
            company = ids[code]
            current = have.get((company, month))
            if current is None:
                new.append(InsuredMonth(company_id=company, month=month, headcount=values["headcount"]))
            elif current[1] == values["headcount"]:
                counts["unchanged"] += 1
            else:
                changed.append(InsuredMonth(pk=current[0], headcount=values["headcount"]))
            if company not in latest or latest[company][0] < month:
                latest[company] = (month, values["headcount"])
        InsuredMonth.objects.bulk_create(new, batch_size=1000)
        update_rows(InsuredMonth, changed, ["headcount"])
        counts["added"] += len(new)
        counts["changed"] += len(changed)
        # The company keeps its latest month's headcount (a file of an older month leaves it alone).
        months = {code_row[0]: code_row[2] for code_row in known.values()}
        updates = [CompanyRecord(pk=company, insured_month=month, insured_count=headcount)
                   for company, (month, headcount) in latest.items()
                   if months.get(company) is None or months[company] <= month]
        update_rows(CompanyRecord, updates, ["insured_month", "insured_count"])


def update_rows(model, objects: list, fields: list[str]) -> None:
    """UPDATE each object's `fields` by primary key with executemany: Django's bulk_update builds a CASE over every
    id of a batch, quadratic in the batch for the database (5,000 changed rows a chunk)."""
    if not objects:
        return
    columns = [model._meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in columns)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(model._meta.pk.column)} = %s"  # noqa: S608
    rows = [[field.get_db_prep_save(getattr(obj, field.attname), connection) for field in columns] + [obj.pk]
            for obj in objects]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def after_chunk(job: RegistryImport) -> None:
    """Called after each committed chunk (the tests make it raise to simulate a crash)."""


def throughput(job: RegistryImport) -> float | None:
    """Rows per second of a finished import."""
    if job.started_at and job.finished_at and job.finished_at > job.started_at:
        return job.position / (job.finished_at - job.started_at).total_seconds()
    return None


def wait_until(job_id: int, *, seconds: float = 60) -> RegistryImport:
    """Poll an import until it leaves the running states (scripts; never used in a request)."""
    deadline = time.monotonic() + seconds
    while True:
        job = RegistryImport.objects.get(pk=job_id)
        if job.status not in RUNNING or time.monotonic() > deadline:
            return job
        time.sleep(0.2)
