"""Filing a rights case: from the portal or the API by the worker's own account, or from the 12351 hotline by an
operator taking the call. Validates every field (Chinese messages per field), checks the attachments, routes the
case (cases/routing.py), numbers it, computes its deadlines, counts it in the roll-up and tells the handling org.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from smartunion.accounts.models import User
from smartunion.cases import behaviour as _behaviour  # noqa: F401  (declares the kinds recorded here)
from smartunion.cases import files as case_files
from smartunion.cases.categories import validate_category
from smartunion.cases.deadlines import due_fields, rule_days
from smartunion.cases.models import Case, CaseClass, CaseSequence
from smartunion.cases.routing import route
from smartunion.cases.rules import HANDLING_ROLES, can_take_calls
from smartunion.cases.services import stats
from smartunion.core import hotsql, incoming
from smartunion.core.actors import is_system, require_actor
from smartunion.core.audit import log_event
from smartunion.core.cache import ttl_cache
from smartunion.core.errors import Forbidden, Invalid
from smartunion.core.events import record
from smartunion.core.notifications import Recipient, inbox_message, one_insert, send_inbox
from smartunion.core.sequences import take_next
from smartunion.core.validators import validate_credit_code, validate_mobile
from smartunion.orgs.models import Organisation, Region
from smartunion.orgs.regions import region_by_code

MIN_DESCRIPTION = 10
MAX_DESCRIPTION = 5000
MAX_PEOPLE = 100_000
NUMBER_PREFIX = "WQ"
PROVISIONAL = "~"  # a case's number while its filing is being written (never committed: see file_case)
CONSOLE_CASE_PATH = "/console/cases/case/"  # a data app names the path, not the surface's URL name


def next_number(now: dt.datetime) -> str:
    """WQ + yyyymmdd + a 6-digit sequence of that day (Asia/Shanghai), from the day's counter row (core.sequences:
    two filings never get the same number; a filing that rolls back gives its number back with it)."""
    day = timezone.localtime(now).date()
    return f"{NUMBER_PREFIX}{day:%Y%m%d}{take_next(CaseSequence, day=day):06d}"


# PostgreSQL: the day's counter and the case's number in one round trip, once the day's row exists.
NUMBER_SQL = ('WITH n AS (UPDATE "cases_casesequence" SET "last" = "last" + 1 WHERE "day" = %s RETURNING "last") '
              'UPDATE "cases_case" SET "number" = %s || CASE WHEN n."last" < 1000000 '
              'THEN lpad(n."last"::text, 6, \'0\') ELSE n."last"::text END '
              'FROM n WHERE "cases_case"."id" = %s RETURNING "cases_case"."number"')


def _number(case: Case, now: dt.datetime) -> str:
    """Give the case written under a provisional number its real one (next_number's), inside the filing's
    transaction."""
    if connection.vendor == "postgresql":
        day = timezone.localtime(now).date()
        with connection.cursor() as cursor:
            cursor.execute(NUMBER_SQL, [day, f"{NUMBER_PREFIX}{day:%Y%m%d}", case.pk])
            row = cursor.fetchone()
        if row is not None:
            return row[0]
    number = next_number(now)  # the day's first filing makes the day's row; SQLite
    with connection.cursor() as cursor:
        cursor.execute('UPDATE "cases_case" SET "number" = %s WHERE "id" = %s', [number, case.pk])
    return number


def _region(region, errors: dict) -> Region | None:
    if isinstance(region, Region):
        return region
    code = str(region or "").strip()
    if not code:
        errors["region"] = "请选择问题发生地"
        return None
    found = region_by_code(code) if code.isdigit() and len(code) <= 12 else None
    if found is None:
        errors["region"] = "发生地的区划代码不存在"
    return found


def _text(value) -> str:
    return str(value or "").strip()


def file_case(*, by, kind: str, category: str, description: str, region, contact_name: str, phone: str,
              subcategory: str = "", employer_name: str = "", employer_credit_code: str = "",
              hide_identity: bool = False, channel: str, title: str = "", people_involved: int = 1,
              amount_involved_fen: int | None = None, attachments=(), person=None) -> Case:
    """File a case. `by` is the worker's account (portal/api: it becomes the filer, its person the case's person)
    or a hotline operator (channel "hotline": the caller's name and phone are given; no filer). SYSTEM may file
    on any channel (demo data, imports), with `person` if known."""
    require_actor(by)
    errors: dict[str, str] = {}
    kind, category, subcategory = _text(kind), _text(category), _text(subcategory)
    description, title = _text(description), _text(title)
    employer_name, contact_name = _text(employer_name), _text(contact_name)
    if kind not in Case.Kind.values:
        errors["kind"] = "诉求类型应为咨询、帮扶、信访投诉、法律援助或建议"
    errors.update(validate_category(category, subcategory))
    if channel not in Case.Channel.values:
        errors["channel"] = "来源渠道不正确"
    if len(description) < MIN_DESCRIPTION:
        errors["description"] = f"请详细描述您遇到的问题（至少{MIN_DESCRIPTION}个字）"
    elif len(description) > MAX_DESCRIPTION:
        errors["description"] = f"诉求内容最多{MAX_DESCRIPTION}个字"
    if len(title) > 100:
        errors["title"] = "标题最多100个字"
    if len(employer_name) > 150:
        errors["employer_name"] = "单位名称最多150个字"
    credit_code = ""
    if _text(employer_credit_code):
        try:
            credit_code = validate_credit_code(employer_credit_code)
        except ValidationError as exc:
            errors["employer_credit_code"] = exc.messages[0]
    try:
        phone = validate_mobile(phone)
    except ValidationError as exc:
        errors["phone"] = exc.messages[0]
    if isinstance(people_involved, bool) or not isinstance(people_involved, int) \
            or not 1 <= people_involved <= MAX_PEOPLE:
        errors["people_involved"] = f"涉及人数应为1到{MAX_PEOPLE}之间的整数"
    if amount_involved_fen is not None and (isinstance(amount_involved_fen, bool)
                                            or not isinstance(amount_involved_fen, int)
                                            or not 0 <= amount_involved_fen <= 10**14):
        errors["amount_involved_fen"] = "涉及金额应为不小于0的金额"

    hotline = channel == Case.Channel.HOTLINE
    if hotline and not can_take_calls(by):
        raise Forbidden("只有工会干部可以登记12351热线来电")
    account = None if hotline or is_system(by) else by
    if account is not None and not account.is_authenticated:
        raise Forbidden("请先登录")
    if account is not None:
        person = account.person if account.person_id else None
        if not contact_name:
            contact_name = _text(account.display_name) or (_text(person.name) if person else "")
    if not contact_name:
        errors["contact_name"] = "请填写联系人姓名"
    elif len(contact_name) > 50:
        errors["contact_name"] = "联系人姓名最多50个字"
    region_obj = _region(region, errors)
    if errors:
        raise Invalid.from_fields(errors)
    checked = case_files.check_files(attachments)
    assert region_obj is not None
    org, note, employer = route(region_obj, employer_name, credit_code, skip_employer_union=bool(hide_identity))
    first_days, resolution_days = rule_days(org, CaseClass.GENERAL)
    now = timezone.now()
    case = Case(
        kind=kind, case_class=CaseClass.GENERAL, category=category, subcategory=subcategory, channel=channel,
        filer=account, person=person, contact_name=contact_name, phone=phone, hide_identity=bool(hide_identity),
        employer=employer, employer_name=employer_name or (employer.name if employer else ""), region=region_obj,
        title=title, description=description, people_involved=people_involved,
        amount_involved_fen=amount_involved_fen, org=org, org_path=org.path, routing_note=note[:200],
        submitted_at=now, first_response_days=first_days, resolution_days=resolution_days,
    )
    for name, value in due_fields(case).items():
        setattr(case, name, value)
    # The in-app messages (the handlers', the filer's, the watch's alerts) go out in one INSERT at the end.
    with transaction.atomic(), one_insert():
        # The day's counter row stays locked from the moment it gives a number until the commit, so concurrent
        # filings queue on it: the case, its roll-up and its files are written first under a provisional number
        # no one else can see, and the number is taken as late as the rows that show it allow.
        case.number = f"{PROVISIONAL}{uuid.uuid4().hex[:19]}"
        hotsql.insert([case])  # what save() adds (the org path) is set above (core/hotsql.py)
        stats.bump(case, received=1)
        if checked:
            case_files.store(checked, by=by, case=case)
        case.number = _number(case, now)
        log_event("cases.case.file", actor=by, target=case, org=org,
                  data={"channel": channel, "kind": kind, "attachments": len(checked)})
        record(person, "cases.case.file", target=case, org=org, label=Case.Kind(kind).label)
        notices = [inbox_message(user, subject="新的维权工单", body=f"新的维权工单{case.number}待受理。")
                   for user in managers_of(org)]
        if account is not None:
            notices.append(inbox_message(account, subject="维权诉求已受理登记",
                                         body=f"您的诉求已登记，工单编号{case.number}，由{org.name}办理。"))
        send_inbox(notices)  # the handling org's chairs, administrators and reviewers, and the filer
        # The public-opinion watch reads it (editorial/watch.py): its hits and alerts commit with the case, in the
        # same commit (a second transaction per filing cost a commit and, on PostgreSQL, a WAL flush).
        incoming.announce_within(kind="case", ref=case.pk, title=case.title or case.number, text=case.description,
                                 org_path=case.org_path, link=f"{CONSOLE_CASE_PATH}{case.pk}/handle/", new=True)
    return case


def managers_of(org: Organisation | None) -> list[Recipient]:
    """The active accounts holding a handling role (chair, administrator, reviewer) in `org`, by id. Read once per
    process and minute (core/cache.py; granting or revoking a position clears it)."""
    return [] if org is None else list(_handling_accounts(org.pk))


@ttl_cache(60)
def _handling_accounts(org_id: int) -> tuple[Recipient, ...]:
    rows = (User.objects.filter(positions__org_id=org_id, positions__role__in=HANDLING_ROLES, is_active=True)
            .values_list("id", "username").distinct().order_by("id"))
    return tuple(Recipient(pk, username or "") for pk, username in rows)
