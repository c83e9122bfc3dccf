"""The city subsites page (城市分站与公告): a federation's cadres set their own subsite and its notices."""

import pytest
from django.utils import timezone

from smartunion.core.models import AuditEvent
from smartunion.subsites.models import Notice, Subsite

pytestmark = pytest.mark.django_db

LIST = "/console/subsites/subsite/"
EMPTY_NOTICES = {"notices-TOTAL_FORMS": "0", "notices-INITIAL_FORMS": "0", "notices-MIN_NUM_FORMS": "0",
                 "notices-MAX_NUM_FORMS": "1000"}


ADDED = ["news", "rights", "legal_aid", "counselling", "assistance"]  # 工会新闻 and 维权帮扶 (issues 10, 11)


def order(*keys) -> dict:
    """The places chosen for the services of the grid (服务排序), first to last."""
    return {f"service_order__{key}": str(place) for place, key in enumerate(keys, start=1)}


@pytest.fixture
def subsites(tree):
    return (Subsite.objects.create(org=tree.jinan, name="济南工惠", service_order=["me", "directory"]),
            Subsite.objects.create(org=tree.qingdao, name="青岛工惠"))


def test_city_cadre_sees_and_edits_only_their_subsite(personas, console, subsites):
    jinan, qingdao = subsites
    client = console(personas.city_cadre)
    listing = client.get(LIST)
    assert [c.name for c in listing.context["cl"].result_list] == ["济南工惠"]
    assert "城市分站" in listing.content.decode() and "频道" not in listing.content.decode()
    response = client.post(f"{LIST}{jinan.pk}/change/", {
        "org": jinan.org_id, "name": "泉城工惠", "banner_title": "泉城工惠", "banner_text": "",
        **order("directory", "me", "join", "membership", "card", "notices", *ADDED),
        "notices-TOTAL_FORMS": "1", "notices-INITIAL_FORMS": "0", "notices-MIN_NUM_FORMS": "0",
        "notices-MAX_NUM_FORMS": "1000", "notices-0-title": "五一活动", "notices-0-body": "欢迎参加",
        "notices-0-published_at_0": "2026-05-01", "notices-0-published_at_1": "09:00:00",
    })
    assert response.status_code == 302
    jinan.refresh_from_db()
    assert (jinan.name, jinan.service_order, [n.title for n in jinan.notices.all()]) == (
        "泉城工惠", ["directory", "me", "join", "membership", "card", "notices", *ADDED], ["五一活动"])
    assert set(AuditEvent.objects.filter(action__startswith="subsites.").values_list("action", flat=True)) == {
        "subsites.subsite.save", "subsites.notice.save"}
    missing = client.get(f"{LIST}{qingdao.pk}/change/", follow=True)
    assert "不存在" in missing.content.decode() and "青岛工惠" not in missing.content.decode()


def test_the_order_is_chosen_by_place_and_shown_completed(personas, console, subsites):
    jinan, _ = subsites
    client = console(personas.city_cadre)
    form = client.get(f"{LIST}{jinan.pk}/change/").context["adminform"].form
    assert form["service_order"].value() == ["me", "directory"]
    page = client.get(f"{LIST}{jinan.pk}/change/").content.decode()
    assert 'name="service_order"' not in page  # no JSON to type
    assert '<option value="1" selected>第1位</option>' in page
    # Two services given the same place keep their default order; one left without a place comes last.
    response = client.post(f"{LIST}{jinan.pk}/change/", {
        "org": jinan.org_id, "name": "济南工惠", "banner_title": "", "banner_text": "",
        "service_order__card": "1", "service_order__notices": "1", "service_order__join": "2",
        "service_order__membership": "3", "service_order__directory": "4", **EMPTY_NOTICES})
    assert response.status_code == 302
    jinan.refresh_from_db()
    assert jinan.service_order == ["card", "notices", "join", "membership", "directory", *ADDED, "me"]


def test_a_refused_notice_writes_nothing_of_the_subsite_either(personas, console, subsites, refusals_of):
    jinan, _ = subsites
    response = console(personas.city_cadre).post(f"{LIST}{jinan.pk}/change/", {
        "org": jinan.org_id, "name": "泉城工惠", "banner_title": "", "banner_text": "",
        "notices-TOTAL_FORMS": "1", "notices-INITIAL_FORMS": "0", "notices-MIN_NUM_FORMS": "0",
        "notices-MAX_NUM_FORMS": "1000", "notices-0-title": "通知", "notices-0-body": "响铃\x07",
        "notices-0-published_at_0": "2026-05-01", "notices-0-published_at_1": "09:00:00",
    })
    assert refusals_of(response) == ["正文不能包含控制字符"]  # the notice's field, above the subsite's form
    jinan.refresh_from_db()
    assert (jinan.name, jinan.notices.count()) == ("济南工惠", 0)


def test_deleting_a_notice_is_audited(tree, personas, console, subsites):
    jinan, _ = subsites
    notice = Notice.objects.create(subsite=jinan, title="旧通知", published_at=timezone.now())
    response = console(personas.city_cadre).post(f"{LIST}{jinan.pk}/change/", {
        "org": jinan.org_id, "name": "济南工惠", "banner_title": "", "banner_text": "",
        **order("me", "directory"),
        "notices-TOTAL_FORMS": "1", "notices-INITIAL_FORMS": "1", "notices-MIN_NUM_FORMS": "0",
        "notices-MAX_NUM_FORMS": "1000", "notices-0-id": notice.pk, "notices-0-subsite": jinan.pk,
        "notices-0-title": "旧通知", "notices-0-body": "", "notices-0-published_at_0": "2026-05-01",
        "notices-0-published_at_1": "09:00:00", "notices-0-DELETE": "on",
    })
    assert response.status_code == 302
    assert not Notice.objects.exists()
    event = AuditEvent.objects.get(action="subsites.notice.delete")
    assert (event.actor, event.org, event.target_id, event.data) == (
        personas.city_cadre, tree.jinan, str(notice.pk), {"title": "旧通知"})


def test_only_a_federation_gets_a_subsite(tree, personas, console, refusals_of):
    page = console(personas.city_cadre).get(f"{LIST}add/")
    assert [org.name for org in page.context["adminform"].form.fields["org"].queryset] == ["济南市总工会",
                                                                                          "历下区总工会"]
    response = console(personas.city_cadre).post(f"{LIST}add/", {
        "org": tree.grassroots.pk, "name": "甲公司", "banner_title": "", "banner_text": "",
        **EMPTY_NOTICES})
    assert response.context["adminform"].form.errors["org"][0].startswith("选择一个有效的选项")
    assert not Subsite.objects.exists()
