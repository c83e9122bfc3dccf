"""Finding people for a cadre: by name, the full ID number, the full phone number or the member card number.

ID numbers and phones are stored encrypted, so they are found through their blind indexes (an exact look-up of the
keyed digest of the normalised value, on an indexed column); nothing ever compares decrypted values, and a part of a
number finds nothing. Names are stored in clear and matched whole, card numbers exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet

from smartunion.core.audit import log_event
from smartunion.core.validators import normalize_id_number, validate_mobile
from smartunion.members.models import Membership, Person
from smartunion.orgs.queries import is_unrestricted, scoped

MAX_TERM = 64
_ID_NUMBER = re.compile(r"\d{17}[\dX]")
_CARD_NUMBER = re.compile(r"\d{8,32}")
# Searches by these kinds name a person exactly: each one is filed in the audit log (without the value).
AUDITED_KINDS = ("id_number", "phone")
KIND_LABELS = {"id_number": "身份证号码", "phone": "手机号码", "card_number": "会员卡号", "name": "姓名"}


@dataclass(frozen=True)
class PersonQuery:
    """What a search term was read as: `kind` (id_number, phone, card_number, name) and its normalised `value`."""

    kind: str
    value: str

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def audited(self) -> bool:
        return self.kind in AUDITED_KINDS


def parse_term(text: str | None) -> PersonQuery | None:
    """Read a search box's text: an 18-character ID number (spaces, full-width digits and a lower-case x allowed),
    a mobile number (+86 and separators allowed), a card number (digits), else a whole name. None when empty."""
    text = (text or "").strip()[:MAX_TERM]
    if not text:
        return None
    compact = normalize_id_number(text)
    if _ID_NUMBER.fullmatch(compact):
        return PersonQuery("id_number", compact)
    try:
        return PersonQuery("phone", validate_mobile(text))
    except ValidationError:
        pass
    if _CARD_NUMBER.fullmatch(compact):
        return PersonQuery("card_number", compact)
    return PersonQuery("name", " ".join(text.split()))


def person_q(query: PersonQuery) -> Q:
    """The condition on Person rows for one parsed term: each kind is an exact match on an indexed column."""
    if query.kind == "id_number":
        return Q(id_number_index=Person._meta.get_field("id_number_index").compute(query.value))
    if query.kind == "phone":
        return Q(phone_index=Person._meta.get_field("phone_index").compute(query.value))
    if query.kind == "card_number":
        return Q(pk__in=Membership.objects.filter(card_number=query.value).values("person_id"))
    return Q(name=query.value)


def membership_q(query: PersonQuery) -> Q:
    """The same condition on Membership rows (the card number is the membership's own)."""
    if query.kind == "card_number":
        return Q(card_number=query.value)
    if query.kind == "name":
        return Q(person__name=query.value)
    return Q(person_id__in=Person.objects.filter(person_q(query)).values("pk"))


def visible_people(user) -> QuerySet[Person]:
    """People with an active membership in the cadre's scope (a platform operator sees everyone)."""
    if is_unrestricted(user):
        return Person.objects.all()
    memberships = scoped(Membership.objects.filter(person=OuterRef("pk"), status=Membership.Status.ACTIVE), user,
                         field="union_path")
    return Person.objects.filter(Exists(memberships))


def search_people(queryset: QuerySet[Person], text: str | None) -> tuple[PersonQuery | None, QuerySet[Person]]:
    """Narrow a Person queryset (already scoped) to a search term; an empty term leaves it as it is."""
    query = parse_term(text)
    return query, (queryset if query is None else queryset.filter(person_q(query)))


def search_memberships(queryset: QuerySet[Membership], text: str | None
                       ) -> tuple[PersonQuery | None, QuerySet[Membership]]:
    """Narrow a Membership queryset (already scoped) to a search term; an empty term leaves it as it is."""
    query = parse_term(text)
    return query, (queryset if query is None else queryset.filter(membership_q(query)))


def audit_search(query: PersonQuery | None, *, by, org=None, results: int, where: str) -> None:
    """File a search by a full ID number or phone in the audit log: which kind, where, how many were found; the
    number itself is never written."""
    if query is None or not query.audited:
        return
    log_event("members.person.search", actor=by, org=org, data={"by": query.kind, "results": results,
                                                                 "where": where})
