"""People and memberships: register a person once (by ID number), start and end their membership."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from smartunion.core import codes
from smartunion.core.actors import require_actor
from smartunion.core.audit import log_event
from smartunion.core.errors import Conflict, Invalid, StateError
from smartunion.core.forms import check_text_fields, clean_name
from smartunion.core.pii import blind_index
from smartunion.core.validators import (
    id_number_birth_date,
    id_number_sex,
    normalize_id_number,
    validate_id_number,
    validate_mobile,
)
from smartunion.members.dispatch import gig_forms
from smartunion.members.models import Membership, Person
from smartunion.orgs.models import Organisation
from smartunion.orgs.services import adjust_member_count, recount_members

CODED_FIELDS = {
    "ethnicity": ("ethnicity", "民族代码无效"),
    "education": ("education", "学历代码无效"),
    "political_status": ("political_status", "政治面貌代码无效"),
    "employment_form": ("employment_form", "用工形式代码无效"),
}


ALREADY_MEMBER = "该职工已是在册会员，不能重复入会"


def person_by_id_number(id_number: str) -> Person | None:
    return Person.objects.filter(
        id_number_index=blind_index(normalize_id_number(id_number), purpose="id_number")
    ).first()


def person_upsert(*, name: str, id_number: str, by, **fields) -> tuple[Person, bool]:
    """Find the person by ID number or create them; returns (person, created). Sex and birth date are derived."""
    require_actor(by)
    errors: dict[str, str] = {}
    name, name_problem = clean_name(name)
    if name_problem:
        errors["name"] = name_problem
    check_text_fields(Person, fields, errors)
    try:
        id_number = validate_id_number(id_number)
    except ValidationError as exc:
        errors["id_number"] = exc.messages[0]
    if fields.get("phone"):
        try:
            fields["phone"] = validate_mobile(fields["phone"])
        except ValidationError as exc:
            errors["phone"] = exc.messages[0]
    for field, (table, message) in CODED_FIELDS.items():
        if fields.get(field) and not codes.is_valid(table, fields[field]):
            errors[field] = message
    if errors:
        raise Invalid.from_fields(errors)
    existing = person_by_id_number(id_number)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            person = Person.objects.create(
                name=name, id_number=id_number, sex=id_number_sex(id_number),
                birth_date=id_number_birth_date(id_number), **fields,
            )
    except IntegrityError:
        # Someone registered the same ID number at the same moment: use theirs.
        return Person.objects.get(id_number_index=blind_index(id_number, purpose="id_number")), False
    log_event("members.person.create", actor=by, target=person)
    return person, True


def membership_start(*, person: Person, union: Organisation, card_number: str, since: dt.date | None = None,
                     provisional: bool = False, by) -> Membership:
    """Make the person an active member of `union`; refused when they already are a member somewhere."""
    require_actor(by)
    if union.kind not in Organisation.MEMBER_KINDS:
        raise Invalid.from_fields({"union": "会员只能加入基层工会、联合基层工会、乡镇（街道）工会或分工会"})
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                person=person, union=union, union_path=union.path, card_number=card_number,
                since=since or dt.date.today(), provisional=provisional,
            )
            adjust_member_count(union, +1, gig=int(person.employment_form in gig_forms()))
            log_event("members.membership.start", actor=by, target=membership, org=union)
    except IntegrityError:
        raise Conflict(ALREADY_MEMBER, code="already_member") from None
    return membership


def membership_end(membership: Membership, *, status: str = Membership.Status.ENDED, by,
                   reason: str = "") -> Membership:
    """End an active membership (transferred out, or ended); the union's member count follows."""
    require_actor(by)
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        if locked.status != Membership.Status.ACTIVE:
            raise StateError("该会籍已不是正常状态", code="membership_not_active")
        locked.status = status
        locked.ended_on = dt.date.today()
        locked.save(update_fields=["status", "ended_on"])
        form = Person.objects.filter(pk=locked.person_id).values_list("employment_form", flat=True).first()
        adjust_member_count(locked.union, -1, gig=-int(form in gig_forms()))
        log_event("members.membership.end", actor=by, target=locked, org=locked.union, data={"reason": reason})
    return locked



def recount_member_figures() -> int:
    """Recompute every org's maintained member figures from the memberships (set-based; nightly, and after bulk
    loads): corrects a gig figure left behind when a member's employment form changed. Returns the number of orgs."""
    active = Membership.objects.filter(status=Membership.Status.ACTIVE)
    return recount_members(active, gig=active.filter(person__employment_form__in=sorted(gig_forms())))
