"""Writes on people and memberships, one module per workflow: people (persons and memberships), join (real-name
binding, join applications and their review), transfers, founding (attached members follow their employer).

The surfaces import `from smartunion.members import services`; the names they use are listed here.
"""

from smartunion.members.services.founding import reattach_members
from smartunion.members.services.join import (
    FORWARD_TARGET_REFUSED,
    IDENTITY_OTHER_PERSON,
    IDENTITY_TAKEN,
    JOIN_WORKFLOW,
    REVIEW_ROLES,
    AlreadyMember,
    IdentityMismatch,
    account_membership,
    approve_join_application,
    forward_join_application,
    join_apply,
    may_file_on_behalf,
    may_forward_to,
    notify_overdue_join_applications,
    overdue_join_applications,
    reject_join_application,
    review_days_for,
    township_union_to_return_to,
    withdraw_join_application,
)
from smartunion.members.services.people import (
    membership_end,
    membership_start,
    person_by_id_number,
    person_upsert,
)
from smartunion.members.services.transfers import (
    TRANSFER_WORKFLOW,
    release_overdue_transfers,
    transfer_accept,
    transfer_approve,
    transfer_cancel,
    transfer_reject,
    transfer_release,
    transfer_request,
)

__all__ = [
    "FORWARD_TARGET_REFUSED",
    "IDENTITY_OTHER_PERSON",
    "IDENTITY_TAKEN",
    "JOIN_WORKFLOW",
    "REVIEW_ROLES",
    "TRANSFER_WORKFLOW",
    "AlreadyMember",
    "IdentityMismatch",
    "account_membership",
    "approve_join_application",
    "forward_join_application",
    "join_apply",
    "may_file_on_behalf",
    "may_forward_to",
    "membership_end",
    "membership_start",
    "notify_overdue_join_applications",
    "overdue_join_applications",
    "person_by_id_number",
    "person_upsert",
    "reattach_members",
    "reject_join_application",
    "release_overdue_transfers",
    "review_days_for",
    "township_union_to_return_to",
    "transfer_accept",
    "transfer_approve",
    "transfer_cancel",
    "transfer_reject",
    "transfer_release",
    "transfer_request",
    "withdraw_join_application",
]
