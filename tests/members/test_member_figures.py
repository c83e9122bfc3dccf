"""The maintained member figures: members and gig-worker members of each org and of its subtree, kept as memberships
start and end and recounted from the memberships (nightly, `smartunion recount-members`)."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from smartunion.core.actors import SYSTEM
from smartunion.core.validators import make_id_number
from smartunion.members.models import Person
from smartunion.members.services import membership_end, membership_start, person_upsert
from smartunion.members.services.people import recount_member_figures
from smartunion.orgs.models import Organisation

pytestmark = pytest.mark.django_db

COURIER = "12"  # a gig worker's employment form (新就业形态) in the code table


def figures(*orgs: Organisation) -> list[tuple[int, int, int, int]]:
    rows = {o.pk: o for o in Organisation.objects.filter(pk__in=[org.pk for org in orgs])}
    return [(rows[o.pk].member_count, rows[o.pk].gig_member_count, rows[o.pk].subtree_member_count,
             rows[o.pk].subtree_gig_member_count) for o in orgs]


def join(tree, n: int, form: str = ""):
    person, _ = person_upsert(name=f"职工{n}", id_number=make_id_number("370102", dt.date(1991, 1, 1), 600 + n),
                              employment_form=form, by=SYSTEM)
    return membership_start(person=person, union=tree.grassroots, card_number=f"GF{n:05d}", by=SYSTEM)


def test_a_gig_worker_joining_and_leaving_moves_the_gig_figures_up_the_tree(tree):
    before = figures(tree.grassroots, tree.jinan, tree.province)
    gig = join(tree, 1, COURIER)
    join(tree, 2, "")
    after = figures(tree.grassroots, tree.jinan, tree.province)
    assert [(a[0] - b[0], a[1] - b[1], a[2] - b[2], a[3] - b[3]) for a, b in zip(after, before, strict=True)] == [
        (2, 1, 2, 1), (0, 0, 2, 1), (0, 0, 2, 1)]
    membership_end(gig, by=SYSTEM)
    ended = figures(tree.grassroots, tree.jinan)
    assert [(e[1] - b[1], e[3] - b[3]) for e, b in zip(ended, before[:2], strict=True)] == [(0, 0), (0, 0)]
    assert ended[0][0] - before[0][0] == 1


def test_the_recount_corrects_a_form_changed_while_a_member(tree):
    membership = join(tree, 3, "")
    Person.objects.filter(pk=membership.person_id).update(employment_form=COURIER)  # as the console or a roster
    kept = figures(tree.grassroots, tree.province)
    assert recount_member_figures() == Organisation.objects.count()
    recounted = figures(tree.grassroots, tree.province)
    assert [(r[1] - k[1], r[3] - k[3]) for r, k in zip(recounted, kept, strict=True)] == [(1, 1), (0, 1)]
    assert [(r[0], r[2]) for r in recounted] == [(k[0], k[2]) for k in kept]


def test_recount_members_command_says_how_many_orgs(tree):
    out = StringIO()
    call_command("recount_members", stdout=out)
    assert out.getvalue().startswith(f"已重新统计 {Organisation.objects.count()} 个组织的会员数，用时 ")
