import pytest

from smartunion.core.models import AuditEvent
from smartunion.portal.models import Channel

pytestmark = pytest.mark.django_db


@pytest.fixture
def channels(tree):
    return (Channel.objects.create(org=tree.jinan, name="济南工惠", service_order=["me", "directory"]),
            Channel.objects.create(org=tree.qingdao, name="青岛工惠"))


def test_city_cadre_sees_and_edits_only_their_channel(personas, console, channels):
    jinan, qingdao = channels
    client = console(personas.city_cadre)
    listing = client.get("/console/portal/channel/")
    assert [c.name for c in listing.context["cl"].result_list] == ["济南工惠"]
    response = client.post(f"/console/portal/channel/{jinan.pk}/change/", {
        "org": jinan.org_id, "name": "泉城工惠", "banner_title": "泉城工惠", "banner_text": "",
        "service_order": '["directory", "me"]',
        "notices-TOTAL_FORMS": "1", "notices-INITIAL_FORMS": "0", "notices-MIN_NUM_FORMS": "0",
        "notices-MAX_NUM_FORMS": "1000", "notices-0-title": "五一活动", "notices-0-body": "欢迎参加",
        "notices-0-published_at_0": "2026-05-01", "notices-0-published_at_1": "09:00:00",
    })
    assert response.status_code == 302
    jinan.refresh_from_db()
    assert (jinan.name, jinan.service_order, [n.title for n in jinan.notices.all()]) == (
        "泉城工惠", ["directory", "me"], ["五一活动"])
    assert set(AuditEvent.objects.filter(action__startswith="portal.").values_list("action", flat=True)) == {
        "portal.channel.save", "portal.notice.save"}
    missing = client.get(f"/console/portal/channel/{qingdao.pk}/change/", follow=True)
    assert "不存在" in missing.content.decode() and "青岛工惠" not in missing.content.decode()


def test_unknown_service_in_the_order_is_refused(personas, console, channels):
    jinan, _ = channels
    client = console(personas.city_cadre)
    response = client.post(f"/console/portal/channel/{jinan.pk}/change/", {
        "org": jinan.org_id, "name": "济南工惠", "banner_title": "", "banner_text": "",
        "service_order": '["lottery"]',
        "notices-TOTAL_FORMS": "0", "notices-INITIAL_FORMS": "0", "notices-MIN_NUM_FORMS": "0",
        "notices-MAX_NUM_FORMS": "1000",
    }, follow=True)
    assert "未知的服务：lottery；可选：join、membership、card、directory、notices、me" in response.content.decode()
    jinan.refresh_from_db()
    assert jinan.service_order == ["me", "directory"]
