"""Scheduled work for the membership deadlines (Celery beat, every 15 minutes)."""

from celery import shared_task

from smartunion.core.actors import SYSTEM
from smartunion.members.services.join import notify_overdue_join_applications
from smartunion.members.services.people import recount_member_figures
from smartunion.members.services.transfers import release_overdue_transfers


@shared_task(name="members.check_deadlines")
def check_deadlines() -> dict:
    return {"overdue_flagged": notify_overdue_join_applications(by=SYSTEM),
            "transfers_released": release_overdue_transfers(by=SYSTEM)}


@shared_task(name="members.recount_figures")
def recount_figures() -> int:
    """Nightly: the maintained member figures recomputed from the memberships (see recount_member_figures)."""
    return recount_member_figures()
