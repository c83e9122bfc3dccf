"""What the membership module records in a member's footprint (core.events): its kinds and the workflow effects
that record them.

A join application is recorded against a person, and an applicant may not be one yet. So: when the ID number
already belongs to a Person (a former member, someone filed from a roster), the submission is recorded at once by
join_apply; otherwise the approval that creates the Person records it, at the time it was submitted, just before the
approval itself. A rejected or withdrawn application of someone who never became a Person leaves no footprint: there
is nobody to file it under, and the application row itself stays in the members tables.
"""

from __future__ import annotations

from smartunion.core.events import record, register_kinds
from smartunion.core.workflow import Step

KINDS = {
    "members.join.submit": "提交入会申请",
    "members.join.approve": "入会申请通过",
    "members.membership.attach": "挂靠乡镇（街道）工会入会",
    "members.membership.reattach": "会籍转入本单位工会",
    "members.transfer.complete": "会籍转入",
}
register_kinds(KINDS)


def join_submitted(person, application) -> None:
    """At submission, for an applicant who is a Person already (None: recorded on approval instead)."""
    record(person, "members.join.submit", target=application, org=application.union, label=application.union.name)


def join_approved(application, step: Step) -> None:
    """JOIN_WORKFLOW effect of "approve": the submission if the Person is new, the approval, and for a township
    union the attachment."""
    membership = application.membership
    person = membership.person
    union = application.union
    if person.created_at >= application.submitted_at:
        record(person, "members.join.submit", target=application, org=union, label=union.name,
               at=application.submitted_at)
    record(person, "members.join.approve", target=application, org=union, label=union.name)
    if membership.provisional:
        record(person, "members.membership.attach", target=membership, org=union, label=union.name)


def transfer_completed(transfer, step: Step) -> None:
    """TRANSFER_WORKFLOW effect of the step that completes a transfer (and, into a township union, attaches)."""
    to_union = transfer.to_union
    record(transfer.person_id, "members.transfer.complete", target=transfer, org=to_union, label=to_union.name)
    if transfer.new_membership.provisional:
        record(transfer.person_id, "members.membership.attach", target=transfer.new_membership, org=to_union,
               label=to_union.name)


def reattached(membership) -> None:
    """An attached member followed their employer into its new union (founding.reattach_members)."""
    record(membership.person_id, "members.membership.reattach", target=membership, org=membership.union,
           label=membership.union.name)
