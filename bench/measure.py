"""Latency of subtree counts and first pages of scoped lists on an already seeded database."""

from __future__ import annotations

import os
import statistics
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartunion.settings")
django.setup()

from django.db import connection  # noqa: E402

from smartunion.accounts.models import User  # noqa: E402
from smartunion.core.pagination import capped_count  # noqa: E402
from smartunion.members.models import Membership  # noqa: E402
from smartunion.orgs.models import Organisation, subtree_q  # noqa: E402
from smartunion.orgs.queries import clear_scope_cache, scoped, subtree_member_count, visible_orgs  # noqa: E402

REPEAT = 30


def timed(fn, repeat: int = REPEAT) -> float:
    """Median wall time in milliseconds over `repeat` runs (after one warm-up)."""
    fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> None:
    orgs = Organisation.objects.count()
    members = Membership.objects.filter(status="active").count()
    print(f"{connection.vendor}: {orgs:,} orgs, {members:,} active members")
    province = Organisation.objects.get(kind="province")
    jinan = Organisation.objects.get(kind="city", region_id="370100")
    lixia = Organisation.objects.get(kind="county", region_id="370102")

    print("subtree member count, maintained figure (target < 50 ms):")
    for org in (province, jinan, lixia):
        ms = timed(lambda org=org: subtree_member_count(org))
        print(f"  {org.name:<10} {subtree_member_count(org):>9,}  {ms:8.2f} ms")
    print("same count by a raw COUNT over memberships (for comparison):")
    for org in (province, jinan, lixia):
        def raw(org=org):
            return Membership.objects.filter(status="active").filter(subtree_q(org.path, "union_path")).count()
        ms = timed(raw, repeat=3)
        print(f"  {org.name:<10} {raw():>9,}  {ms:8.2f} ms")

    print("first page (20 rows) of scoped lists (target < 200 ms):")
    for username in ("admin", "jinan", "lixia"):
        user = User.objects.get(username=username)

        def org_page(user=user):
            clear_scope_cache(user)
            return list(visible_orgs(user).select_related("region").order_by("path")[:20])

        def member_page(user=user):
            clear_scope_cache(user)
            qs = scoped(Membership.objects.select_related("person", "union"), user, field="union_path")
            return list(qs.order_by("union_path", "id")[:20])

        def org_search(user=user):
            clear_scope_cache(user)
            return list(visible_orgs(user).filter(name__contains="物流").order_by("path")[:20])

        def member_count(user=user):
            clear_scope_cache(user)
            return capped_count(scoped(Membership.objects.all(), user, field="union_path"))

        print(f"  {username:<7} orgs {timed(org_page):8.2f} ms   members {timed(member_page):8.2f} ms   "
              f"org search '物流' {timed(org_search, repeat=5):8.2f} ms   "
              f"capped member count for the pager {timed(member_count, repeat=3):8.2f} ms")


if __name__ == "__main__":
    main()
