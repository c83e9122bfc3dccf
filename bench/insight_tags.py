"""Member tags at scale: the tag job (insight/services/tags.py run_rule) over N members, and an assessment scheme's
computation over the cities of a province, printing figures.

    SMARTUNION_VAR_DIR=/tmp/benchvar smartunion migrate      # a scratch database (embedded SQLite), or
    DATABASE_URL=postgres://.../scratch smartunion migrate
    python bench/insight_tags.py [--members 200000] [--keep]

The script makes its own org tree (基准省 with 16 cities and 10 grassroots unions each), N persons with active
memberships spread over the unions (birth dates over 1960–2005, every eighth a delivery rider, every third with 3
behaviour events in the last 30 days), written with bulk INSERTs. Then it times:

1. the three demo rules (青年 18–35, 新业态 gig, 活跃 ≥3 events in 90 days): the first run (every tag added), a second
   run (nothing changes: the two streamed reads and the comparison), and a run after 10% of the members aged out
   of 青年 (removals);
2. one scheme of the province for its 16 cities, 5 indicators over 12 months of Figure rows: compute and ranking.
Then it deletes what it wrote (unless --keep). Figures printed: seconds and members per second.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartunion.settings")
django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from smartunion.core.actors import SYSTEM  # noqa: E402
from smartunion.core.models import BehaviourEvent  # noqa: E402
from smartunion.core.validators import make_id_number  # noqa: E402
from smartunion.insight.models import AssessmentScheme, Figure, TagRule  # noqa: E402
from smartunion.insight.queries import assessment as assessment_queries  # noqa: E402
from smartunion.insight.services import assessment, tags  # noqa: E402
from smartunion.members.models import Membership, MemberTag, Person  # noqa: E402
from smartunion.orgs import services as org_services  # noqa: E402
from smartunion.orgs.models import Organisation  # noqa: E402

K = Organisation.Kind
CHUNK = 5000


def _tree():
    national = Organisation.objects.filter(kind=K.NATIONAL).first() or org_services.org_create(
        parent=None, kind=K.NATIONAL, name="中华全国总工会", by=SYSTEM)
    province = org_services.org_create(parent=national, kind=K.PROVINCE, name="基准省总工会", by=SYSTEM)
    unions = []
    for c in range(16):
        city = org_services.org_create(parent=province, kind=K.CITY, name=f"基准{c}市总工会", by=SYSTEM)
        for g in range(10):
            unions.append(org_services.org_create(parent=city, kind=K.GRASSROOTS, name=f"基准{c}-{g}工会",
                                                  by=SYSTEM))
    return province, unions


def _members(n: int, unions) -> list[int]:
    since = dt.date(2020, 1, 1)
    now = timezone.now()
    person_ids: list[int] = []
    for start in range(0, n, CHUNK):
        people = []
        for i in range(start, min(n, start + CHUNK)):
            birth = dt.date(1960 + i % 46, 1 + i % 12, 1 + i % 28)
            people.append(Person(name=f"基准{i}", id_number=make_id_number("110101", birth, (i // 1932) % 1000),
                                 sex="1" if i % 2 else "2", birth_date=birth,
                                 employment_form="12" if i % 8 == 0 else "01"))
        with transaction.atomic():
            created = Person.objects.bulk_create(people, batch_size=1000)
            if created[0].pk is None:  # a backend that does not return ids
                created = list(Person.objects.filter(name__startswith="基准").order_by("-id")[:len(people)])[::-1]
            Membership.objects.bulk_create([
                Membership(person=p, union=unions[j % len(unions)], union_path=unions[j % len(unions)].path,
                           since=since, status=Membership.Status.ACTIVE, card_number=f"9{start + j:014d}")
                for j, p in enumerate(created)], batch_size=1000)
            BehaviourEvent.objects.bulk_create([
                BehaviourEvent(person_id=p.pk, kind="benefits.signup.create", occurred_at=now - dt.timedelta(days=d),
                               org_path="") for j, p in enumerate(created) if (start + j) % 3 == 0
                for d in (3, 10, 20)], batch_size=2000)
        person_ids += [p.pk for p in created]
    return person_ids


def _timed(label: str, call, n: int):
    started = time.perf_counter()
    result = call()
    seconds = time.perf_counter() - started
    print(f"  {label:<34} {seconds:8.2f} s  {n / seconds:10,.0f} members/s  {result}")
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=200_000)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    print(f"database: {connection.vendor}; members: {args.members:,}")
    started = time.perf_counter()
    province, unions = _tree()
    person_ids = _members(args.members, unions)
    print(f"  written in {time.perf_counter() - started:.1f} s")
    demo_rules = (("青年", {"age_min": 18, "age_max": 35}), ("新业态", {"employment_forms": ["gig"]}),
                  ("活跃", {"events_min": 3, "events_days": 90}))
    rules = [tags.create_rule(org=province, tag=f"基准{tag}", conditions=conditions, by=SYSTEM)
             for tag, conditions in demo_rules]
    n = args.members
    for rule in rules:
        print(f"rule {rule.tag}:")
        _timed("first run (all added)", lambda rule=rule: tags.run_rule(rule, by=SYSTEM), n)
        _timed("second run (no change)", lambda rule=rule: tags.run_rule(rule, by=SYSTEM), n)
    aged = Person.objects.filter(pk__in=person_ids[::10], birth_date__gt=dt.date(1990, 1, 1))
    changed = aged.update(birth_date=dt.date(1960, 1, 1))
    print(f"rule {rules[0].tag} after {changed:,} members aged out:")
    _timed("run (removals)", lambda: tags.run_rule(rules[0], by=SYSTEM), n)

    cities = list(Organisation.objects.filter(parent=province, kind=K.CITY))
    months = assessment.months_of(dt.date(2025, 1, 1), dt.date(2025, 12, 1))
    Figure.objects.bulk_create([
        Figure(org=c, org_path=c.path, parent=province, month=m, key=key, subtree=(i + 1) * (j + 3) * 7)
        for i, c in enumerate(cities) for j, m in enumerate(months)
        for key in ("joins", "members", "participations", "cases_closed", "cases_closed_on_time")])
    scheme = assessment.create_scheme(org=province, name="基准考核", level=K.CITY, period_start=months[0],
                                      period_end=months[-1], by=SYSTEM)
    for name, formula in (("新入会", "joins"), ("入会千分比", "joins / members * 1000"), ("活动参与", "participations"),
                          ("按期办结率", "pct(cases_closed_on_time, cases_closed)"), ("会员", "avg(members)")):
        assessment.add_indicator(scheme, name=name, formula=formula, weight="20", target="1000", by=SYSTEM)
    print("assessment (16 cities, 5 indicators, 12 months):")
    for label, call in (("compute", lambda: assessment.compute_scheme(scheme, by=SYSTEM)),
                        ("ranking read", lambda: len(assessment_queries.ranking(scheme)))):
        t = time.perf_counter()
        result = call()
        print(f"  {label:<34} {(time.perf_counter() - t) * 1000:8.1f} ms  {result}")

    if not args.keep:
        AssessmentScheme.objects.filter(pk=scheme.pk).delete()
        Figure.objects.filter(org__in=cities).delete()
        MemberTag.objects.filter(tag__startswith="基准").delete()
        TagRule.objects.filter(org=province).delete()
        for start in range(0, len(person_ids), CHUNK):
            chunk = person_ids[start:start + CHUNK]
            BehaviourEvent.objects.filter(person_id__in=chunk)._raw_delete(BehaviourEvent.objects.db)
            Membership.objects.filter(person_id__in=chunk).delete()
            Person.objects.filter(pk__in=chunk).delete()
        print("  (rows removed; the org tree 基准省总工会 stays)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
