"""Celery tasks of the assessment and member-tags parts: thin wrappers calling services with by=SYSTEM.

- insight.run_tag_rules: nightly (the lead adds it to settings.CELERY_BEAT_SCHEDULE), every tag rule;
- insight.recompute_assessments: after each roll-up run (the roll-up job calls it with the months it covered, or
  beat runs it after the daily roll-up), every scheme whose period overlaps them.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from smartunion.core.actors import SYSTEM


@shared_task(name="insight.run_tag_rules")
def run_tag_rules() -> dict:
    from smartunion.insight.services.tags import run_all

    return run_all(by=SYSTEM)


@shared_task(name="insight.recompute_assessments")
def recompute_assessments(months: list[str] | None = None) -> int:
    """`months`: ISO dates (first days) of the months the roll-up covered; None: every scheme."""
    from smartunion.insight.services.assessment import recompute_after_rollup

    parsed = [dt.date.fromisoformat(m) for m in months] if months else None
    return recompute_after_rollup(months=parsed, by=SYSTEM)
