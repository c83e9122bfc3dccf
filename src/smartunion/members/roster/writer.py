"""The roster commit's bulk writer: people, their updates, memberships, member cards, history rows and member counts
for one batch of matched rows, with core.bulk (no ORM per row)."""

from __future__ import annotations

from collections import defaultdict

from django.db import connection
from django.utils import timezone

from smartunion.core import pii
from smartunion.core.bulk import insert_rows, reserve_ids
from smartunion.core.validators import id_number_birth_date, id_number_sex
from smartunion.members.cards import issue_cards
from smartunion.members.changes import ChangeType, Reason
from smartunion.members.dispatch import gig_forms
from smartunion.members.models import Membership, MembershipChange, Person, RosterImport
from smartunion.members.roster.matching import CREATE, UPDATE, Plan
from smartunion.orgs.models import Employer, Organisation
from smartunion.orgs.services import adjust_member_count


class RosterWriter:
    """Writes matched plans in bulk: people, updates, memberships, cards, history rows, member counts."""

    PERSON_FIELDS = ("id", "name", "id_number", "id_number_index", "sex", "birth_date", "phone", "phone_index",
                     "address", "ethnicity", "education", "political_status", "employment_form", "gig_platform",
                     "employer", "created_at")
    MEMBERSHIP_FIELDS = ("id", "person", "union", "union_path", "card_number", "since", "status", "provisional",
                         "created_at")
    CHANGE_FIELDS = ("person", "membership", "change_type", "reason", "to_union", "note", "actor", "created_at")

    def __init__(self, job: RosterImport, *, actor_id: int | None, issuer: Organisation, numbers: list[str]):
        union = job.union
        self.union = union
        self.issuer_id = issuer.pk
        # Card numbers allocated once for the job; `position` is the next unused one (a retried batch rewinds it).
        self.numbers = numbers
        self.position = 0
        self.actor_id = actor_id
        self.provisional = union.kind == Organisation.Kind.TOWNSHIP
        employers = list(Employer.objects.filter(covering_union=union).values_list("pk", flat=True)[:2])
        self.employer_id = employers[0] if len(employers) == 1 else None
        self.note = f"名册导入：{job.file_name}"[:200]
        ops = connection.ops
        self.now = ops.adapt_datetimefield_value(timezone.now())
        self.today = timezone.localdate().isoformat()  # dates go in as ISO text, which both databases take

    def _new_card(self) -> tuple[str, int]:
        number = self.numbers[self.position]
        self.position += 1
        return number, self.issuer_id

    def write(self, plans: list[Plan]) -> tuple[int, int]:
        """Write one batch in one transaction; returns (created, updated)."""
        new_people = [p for p in plans if p.kind == CREATE and p.person_id is None]
        if new_people:
            rows = []
            for plan, person_id in zip(new_people, reserve_ids(Person, len(new_people)), strict=True):
                plan.person_id = person_id
                r = plan.row
                rows.append((
                    person_id, r.name, pii.encrypt(r.id_number), r.index, id_number_sex(r.id_number),
                    id_number_birth_date(r.id_number).isoformat(), pii.encrypt(r.phone) if r.phone else "",
                    pii.blind_index(r.phone, purpose="phone") if r.phone else None,
                    pii.encrypt(r.address) if r.address else "", r.ethnicity, r.education, r.political_status,
                    r.employment_form, r.gig_platform, self.employer_id, self.now,
                ))
            insert_rows(Person, self.PERSON_FIELDS, rows)
        updated = self._update_people([p for p in plans if p.changes and p.kind in (CREATE, UPDATE)])
        creates = [p for p in plans if p.kind == CREATE]
        if creates:
            numbers = issue_cards([(p.person_id, p.card) for p in creates if p.person_id is not None],
                                  new_card=self._new_card, issued_at=self.now)
            memberships, changes = [], []
            for plan, membership_id in zip(creates, reserve_ids(Membership, len(creates)), strict=True):
                person_id = plan.person_id
                memberships.append((membership_id, person_id, self.union.pk, self.union.path, numbers[person_id],
                                    plan.row.since or self.today, Membership.Status.ACTIVE.value, self.provisional,
                                    self.now))
                changes.append((person_id, membership_id, ChangeType.JOIN, Reason.JOIN_IMPORT, self.union.pk,
                                self.note, self.actor_id, self.now))
            insert_rows(Membership, self.MEMBERSHIP_FIELDS, memberships)
            insert_rows(MembershipChange, self.CHANGE_FIELDS, changes)
            gig = gig_forms()
            adjust_member_count(self.union, len(creates),
                                gig=sum(1 for plan in creates if plan.row.employment_form in gig))
        return len(creates), updated

    def _update_people(self, plans: list[Plan]) -> int:
        """One UPDATE statement per set of changed fields, run with executemany."""
        groups: dict[tuple, list[Plan]] = defaultdict(list)
        for plan in plans:
            groups[plan.changes].append(plan)
        meta = Person._meta
        quote = connection.ops.quote_name
        for fields, group in groups.items():
            columns, getters = [], []
            for field in fields:
                columns.append(meta.get_field(field).column)
                if field == "phone":
                    columns.append(meta.get_field("phone_index").column)
                    getters.append(lambda r: pii.encrypt(r.phone))
                    getters.append(lambda r: pii.blind_index(r.phone, purpose="phone"))
                elif field == "address":
                    getters.append(lambda r: pii.encrypt(r.address))
                else:
                    getters.append(lambda r, f=field: getattr(r, f))
            assignments = ", ".join(f"{quote(c)} = %s" for c in columns)
            sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608
            with connection.cursor() as cursor:
                cursor.executemany(sql, [[get(p.row) for get in getters] + [p.person_id] for p in group])
        return sum(1 for p in plans if p.kind == UPDATE)

