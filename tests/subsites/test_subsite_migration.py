"""The move of the portal's channels to subsites keeps every row: migrate a database that holds channels and
notices in the schema before the move (portal.0001) forward to the current one, and back."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from smartunion.subsites.models import Notice, Subsite

BEFORE = [("portal", "0001_initial")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


def latest():
    executor = MigrationExecutor(connection)
    return [key for key in executor.loader.graph.leaf_nodes() if key[0] in ("portal", "subsites")]


def tables() -> set[str]:
    return set(connection.introspection.table_names())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # regions come from a data migration
def test_channels_and_notices_become_subsites_and_their_notices(tree):
    old = migrate(BEFORE)
    try:
        assert {"portal_channel", "portal_notice"} <= tables() and "subsites_subsite" not in tables()
        Channel, OldNotice = old.get_model("portal", "Channel"), old.get_model("portal", "Notice")
        jinan = Channel.objects.create(org_id=tree.jinan.pk, name="泉城工惠", banner_title="济南职工之家",
                                       service_order=["me", "card"])
        province = Channel.objects.create(org_id=tree.province.pk, name="齐鲁工惠")
        published = dt.datetime(2026, 5, 1, 9, tzinfo=dt.UTC)
        OldNotice.objects.create(channel=jinan, title="五一活动", body="欢迎参加", published_at=published, pinned=True)
        OldNotice.objects.create(channel=province, title="上线试运行", published_at=published)

        migrate(latest())
        assert "portal_channel" not in tables() and {"subsites_subsite", "subsites_notice"} <= tables()
        assert [(s.pk, s.org, s.name, s.banner_title, s.service_order) for s in Subsite.objects.order_by("pk")] == [
            (jinan.pk, tree.jinan, "泉城工惠", "济南职工之家", ["me", "card"]),
            (province.pk, tree.province, "齐鲁工惠", "", []),
        ]
        assert [(n.subsite_id, n.title, n.body, n.published_at, n.pinned) for n in Notice.objects.order_by("pk")] == [
            (jinan.pk, "五一活动", "欢迎参加", published, True),
            (province.pk, "上线试运行", "", published, False),
        ]
        assert tree.jinan.subsite.notices.get().title == "五一活动"
        # New rows take the next ids, and a subsite's notices go with it.
        added = Subsite.objects.create(org=tree.qingdao, name="青岛工惠")
        assert added.pk > province.pk
        Subsite.objects.filter(pk=jinan.pk).delete()
        assert list(Notice.objects.values_list("title", flat=True)) == ["上线试运行"]

        # And back: the rows return to the portal's tables.
        old = migrate(BEFORE)
        assert sorted(old.get_model("portal", "Channel").objects.values_list("name", flat=True)) == [
            "青岛工惠", "齐鲁工惠"]
        assert list(old.get_model("portal", "Notice").objects.values_list("channel__name", "title")) == [
            ("齐鲁工惠", "上线试运行")]
    finally:
        migrate(latest())
    assert {"subsites_subsite", "subsites_notice"} <= tables()
