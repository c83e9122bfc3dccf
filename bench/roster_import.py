"""Roster import throughput: N rows end to end against a plain bulk_create of the same rows (the ceiling).

Run on a freshly migrated database (it refuses one that already holds people):

    DATABASE_URL=sqlite:////tmp/roster_bench.sqlite3 SMARTUNION_GENERATE_KEYS=1 SMARTUNION_VAR_DIR=/tmp/rbvar \\
        python -m smartunion migrate && python bench/roster_import.py --rows 100000

Timed in one process, on the same rows, each run starting from empty member tables (the rows of the previous run
are deleted, not timed):

* ceiling: Person.objects.bulk_create + Membership.objects.bulk_create (batches of 1000) of Person and Membership
  objects built beforehand from the same data; the model layer still encrypts and indexes each row (the fields'
  get_prep_value / pre_save).
* import, rows in memory: the rows as the sheet reader returns them, through the job's dry run (check every row,
  match people 1000 at a time, store counts, errors and the encrypted rows) and its commit (match again, allocate
  card numbers, insert people, memberships, cards and history rows 10,000 per transaction, update member counts).
* import from the .xlsx: the same job from a real upload of a 100k-row .xlsx (built with openpyxl beforehand, not
  timed; openpyxl writes inline strings, Excel writes shared strings; both read at about the same speed): store
  the upload, read the sheet, then as above.
* re-import: the dry run of the same file again (every row unchanged, nothing written).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartunion.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from smartunion.accounts.models import User  # noqa: E402
from smartunion.core import codes  # noqa: E402
from smartunion.core.actors import SYSTEM  # noqa: E402
from smartunion.core.validators import make_id_number  # noqa: E402
from smartunion.members import roster  # noqa: E402
from smartunion.members.models import MemberCard, Membership, MembershipChange, Person, RosterImport  # noqa: E402
from smartunion.orgs import services  # noqa: E402
from smartunion.orgs.models import Organisation, Position  # noqa: E402
from smartunion.orgs.services import recount_members  # noqa: E402

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂华建国志文红梅玉兰春燕海波晓东丹鹏飞雪俊子涵浩然欣怡宇轩"
COUNTIES = ["370102", "370103", "370104", "370105", "370112", "370113"]
FORMS = ["全日制用工"] * 14 + ["劳务派遣", "非全日制用工", "外卖配送员", "快递员", "网约车司机"]
PLATFORMS = {"外卖配送员": "美团", "快递员": "顺丰速运", "网约车司机": "滴滴出行"}


def load() -> str:
    return f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"


def make_rows(count: int, seed: int = 2026) -> list[list]:
    """Valid, distinct roster rows as a cadre would type them (codes by their Chinese names)."""
    rng = random.Random(seed)
    ethnicity = [e["name"] for e in codes.entries("ethnicity")]
    education = ["大学本科毕业", "大学专科毕业", "普通高级中学教育", "中等职业教育", "硕士研究生毕业"]
    political = ["群众", "群众", "群众", "中国共产党党员", "中国共产主义青年团团员"]
    seen_ids: set[str] = set()
    seen_phones: set[str] = set()
    rows = []
    while len(rows) < count:
        birth = dt.date(1965, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 40))
        id_number = make_id_number(rng.choice(COUNTIES), birth, rng.randrange(0, 1000))
        phone = f"1{rng.choice('3456789')}{rng.randrange(0, 10**9):09d}"
        if id_number in seen_ids or phone in seen_phones:
            continue
        seen_ids.add(id_number)
        seen_phones.add(phone)
        form = rng.choice(FORMS)
        rows.append([
            rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))), id_number, phone,
            "汉族" if rng.random() < 0.95 else rng.choice(ethnicity), rng.choice(education), rng.choice(political),
            form, PLATFORMS.get(form),
            f"山东省济南市历下区泉城路{rng.randrange(1, 999)}号" if rng.random() < 0.3 else None,
            (dt.date(2010, 1, 1) + dt.timedelta(days=rng.randrange(0, 5000))).isoformat(),
        ])
    return rows


def make_xlsx(rows: list[list]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(roster.SHEET_NAME)
    sheet.append([f"{c}*" if c in roster.REQUIRED else c for c in roster.COLUMNS])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def make_tree():
    K = Organisation.Kind
    national = services.org_create(parent=None, kind=K.NATIONAL, name="中华全国总工会", by=SYSTEM)
    province = services.org_create(parent=national, kind=K.PROVINCE, name="山东省总工会", region="370000", by=SYSTEM)
    city = services.org_create(parent=province, kind=K.CITY, name="济南市总工会", region="370100", by=SYSTEM)
    county = services.org_create(parent=city, kind=K.COUNTY, name="历下区总工会", region="370102", by=SYSTEM)
    town = services.org_create(parent=county, kind=K.TOWNSHIP, name="历下区解放路街道工会", region="370102", by=SYSTEM)
    union = services.org_create(parent=town, kind=K.GRASSROOTS, name="济南基准测试有限公司工会委员会",
                                region="370102", by=SYSTEM)
    chair = User.objects.create(username="roster_bench", kind=User.Kind.CADRE, is_staff=True)
    services.position_grant(user=chair, org=union, role=Position.Role.CHAIR, by=SYSTEM)
    return union, chair


def ceiling(rows: list[list], union: Organisation) -> float:
    """Seconds for bulk_create of the same rows as model objects (built before the clock starts)."""
    lookups = {column: roster.code_lookup(table) for column, table in roster.CODE_COLUMNS.items()}
    now_date = timezone.localdate()
    people, memberships = [], []
    for n, r in enumerate(rows, start=1):
        id_number = r[1]
        birth = dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
        people.append(Person(
            name=r[0], id_number=id_number, sex="1" if int(id_number[16]) % 2 else "2", birth_date=birth,
            phone=r[2], address=r[8] or "", ethnicity=lookups["民族"][r[3]], education=lookups["学历"][r[4]],
            political_status=lookups["政治面貌"][r[5]], employment_form=lookups["用工形式"][r[6]],
            gig_platform=r[7] or "",
        ))
        memberships.append(Membership(union=union, union_path=union.path, card_number=f"B{n:015d}",
                                      since=dt.date.fromisoformat(r[9]) if r[9] else now_date))
    started = time.perf_counter()
    with transaction.atomic():
        Person.objects.bulk_create(people, batch_size=1000)
        for person, membership in zip(people, memberships, strict=True):
            membership.person_id = person.pk
        Membership.objects.bulk_create(memberships, batch_size=1000)
    seconds = time.perf_counter() - started
    assert Person.objects.count() == len(rows) and all(p.pk for p in people)
    with transaction.atomic():
        Membership.objects.all()._raw_delete(connection.alias)
        Person.objects.all()._raw_delete(connection.alias)
    return seconds


def clear_members(union: Organisation) -> None:
    """Empty the member tables between runs (not timed)."""
    with transaction.atomic():
        for model in (MembershipChange, MemberCard, Membership, Person):
            model.objects.all()._raw_delete(connection.alias)
        recount_members(Membership.objects.filter(status=Membership.Status.ACTIVE))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (MembershipChange, MemberCard, Membership, Person):
                cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")


def check_written(union: Organisation, n: int) -> None:
    assert (Person.objects.count(), Membership.objects.count(), MemberCard.objects.count(),
            MembershipChange.objects.count()) == (n, n, n, n)
    assert Organisation.objects.get(pk=union.pk).member_count == n


def import_in_memory(rows: list[list], union: Organisation, chair) -> tuple[float, float]:
    """(dry run seconds, commit seconds) for rows handed over as the sheet reader returns them."""
    data = [(number, list(row)) for number, row in enumerate(rows, start=2)]
    positions = {column: index for index, column in enumerate(roster.COLUMNS)}
    job = RosterImport.objects.create(union=union, union_path=union.path, file="roster/bench/in-memory.xlsx",
                                      file_name="in-memory", status=RosterImport.Status.VALIDATING, created_by=chair)
    started = time.perf_counter()
    roster.dry_run(job, positions, data)
    dry_seconds = time.perf_counter() - started
    job.refresh_from_db()
    assert (job.status, job.to_create, job.rejected) == ("validated", len(rows), 0), (job.status, job.message)
    started = time.perf_counter()
    job = roster.request_commit(job, by=chair)
    commit_seconds = time.perf_counter() - started
    assert (job.status, job.to_create) == ("done", len(rows)), (job.status, job.message)
    return dry_seconds, commit_seconds


def import_file(content: bytes, union: Organisation, chair, n: int) -> tuple[float, float, RosterImport]:
    started = time.perf_counter()
    job = roster.create_job(union=union, upload=SimpleUploadedFile("bench.xlsx", content), by=chair)
    dry_seconds = time.perf_counter() - started
    assert (job.status, job.to_create, job.rejected) == ("validated", n, 0), (job.status, job.message)
    started = time.perf_counter()
    job = roster.request_commit(job, by=chair)
    commit_seconds = time.perf_counter() - started
    assert (job.status, job.to_create) == ("done", n), (job.status, job.message)
    return dry_seconds, commit_seconds, job


def line(label: str, seconds: float, n: int, extra: str = "") -> None:
    print(f"{label:<52} {seconds:6.1f} s {n / seconds:9,.0f} rows/s{extra}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    if Person.objects.exists() or Organisation.objects.exists():
        sys.exit("请使用刚迁移的空数据库（该数据库中已有数据）。")
    settings.ROSTER_IMPORT_THREADS = False  # time the jobs in this process, start to end
    settings.MEDIA_ROOT = os.path.join(settings.VAR_DIR, "roster_bench_media")
    n = args.rows
    print(f"{connection.vendor}: {n:,} rows; {os.cpu_count()} CPUs; {load()}", flush=True)

    started = time.perf_counter()
    rows = make_rows(n)
    content = make_xlsx(rows)
    print(f"prepared {n:,} rows and a {len(content) / 1e6:.1f} MB .xlsx in {time.perf_counter() - started:.1f} s "
          f"(not timed)", flush=True)
    union, chair = make_tree()

    seconds = ceiling(rows, union)
    ceiling_rate = n / seconds
    line("ceiling: bulk_create Person + Membership", seconds, n, f"  ({load()})")

    dry, commit = import_in_memory(rows, union, chair)
    check_written(union, n)
    memory_rate = n / (dry + commit)
    line("import, rows in memory: dry run (check, match)", dry, n)
    line("import, rows in memory: commit (encrypt, index, insert)", commit, n)
    line("import, rows in memory: end to end", dry + commit, n, f"  ({load()})")
    clear_members(union)

    started = time.perf_counter()
    _positions, data = roster.read_roster(io.BytesIO(content))
    read_seconds = time.perf_counter() - started
    assert len(data) == n
    del data
    line("reading the .xlsx alone (part of the next dry run)", read_seconds, n)
    dry, commit, _job = import_file(content, union, chair, n)
    check_written(union, n)
    file_rate = n / (dry + commit)
    line("import from the .xlsx: dry run (store, read, check, match)", dry, n)
    line("import from the .xlsx: commit", commit, n)
    line("import from the .xlsx: end to end", dry + commit, n, f"  ({load()})")

    started = time.perf_counter()
    again = roster.create_job(union=union, upload=SimpleUploadedFile("bench.xlsx", content), by=chair)
    again_seconds = time.perf_counter() - started
    assert (again.unchanged, again.to_create, again.to_update) == (n, 0, 0)
    line("re-import dry run (all unchanged, nothing written)", again_seconds, n)
    print(f"ratio import / ceiling: rows in memory {memory_rate / ceiling_rate:.2f}, from the .xlsx "
          f"{file_rate / ceiling_rate:.2f}  (target: >= 10,000 rows/s and >= 0.5)", flush=True)


if __name__ == "__main__":
    main()
