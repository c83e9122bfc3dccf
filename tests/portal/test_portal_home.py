"""The portal home: the visitor's city subsite and the service grid of services that exist."""

import datetime as dt
import re

from django.utils import timezone

from smartunion.accounts.models import User
from smartunion.core.actors import SYSTEM
from smartunion.core.validators import make_id_number
from smartunion.members.services import membership_start, person_upsert
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Organisation
from smartunion.portal.services import SERVICES
from smartunion.subsites.models import Notice, Subsite
from smartunion.subsites.queries import SERVICE_KEYS


def tiles(response):
    return re.findall(r'<a class="tile" href="([^"]+)" data-service="([^"]+)"><svg class="icon" [^>]+>.*?</svg>'
                      r'<span>([^<]+)</span></a>', response.content.decode())


def tabs(response):
    """The tab bar: (href, label, current?) of each tab."""
    return [(href, label, current == ' class="current" aria-current="page"') for href, current, label in re.findall(
        r'<a href="([^"]+)" data-tab="[a-z]+"([^>]*)><svg class="icon" [^>]+>.*?</svg><span>([^<]+)</span></a>',
        response.content.decode())]


def test_services_are_the_built_ones():
    assert {k: (s.name, s.url) for k, s in SERVICES.items()} == {
        "join": ("我要入会", "/join/"),
        "membership": ("我的会籍", "/me/membership/"),
        "card": ("会员证", "/me/card/"),
        "directory": ("找工会", "/directory/"),
        "notices": ("通知公告", "/notices/"),
        "news": ("工会新闻", "/news/"),
        "rights": ("我要维权", "/cases/new/"),
        "legal_aid": ("法律援助", "/legal-aid/"),
        "counselling": ("心理咨询", "/counselling/"),
        "assistance": ("困难帮扶", "/assistance/"),
        "me": ("我的", "/me/"),
    }


SERVICES_ADDED = ["news", "rights", "legal_aid", "counselling", "assistance"]  # 工会新闻 and 维权帮扶


def test_the_portal_has_a_page_for_every_subsite_service_key_and_no_other():
    assert list(SERVICES) == list(SERVICE_KEYS) == ["join", "membership", "card", "directory", "notices", "news",
                                                    "rights", "legal_aid", "counselling", "assistance", "me"]


def test_anonymous_home_shows_the_province_subsite(client, subsites):
    response = client.get("/")
    assert response.status_code == 200
    assert response.context["subsite"].name == "齐鲁工会"
    html = response.content.decode()
    assert "<title>齐鲁工会</title>" in html
    assert '<a class="brand" href="/">齐鲁工会</a>' in html
    assert "<h1>山东职工之家</h1>" in html and "<p>全省职工网上服务</p>" in html
    assert "泉城工会" not in html
    # The card and 我的 are in the tab bar, so not in the grid as well.
    assert tiles(response) == [("/join/", "join", "我要入会"), ("/me/membership/", "membership", "我的会籍"),
                               ("/directory/", "directory", "找工会"), ("/notices/", "notices", "通知公告"),
                               ("/news/", "news", "工会新闻"), ("/cases/new/", "rights", "我要维权"),
                               ("/legal-aid/", "legal_aid", "法律援助"), ("/counselling/", "counselling", "心理咨询"),
                               ("/assistance/", "assistance", "困难帮扶")]
    assert tabs(response) == [("/", "首页", True), ("/me/card/", "会员证", False), ("/me/", "我的", False)]


def test_a_member_sees_no_join_tile(client, subsites, personas):
    client.force_login(personas.worker)
    response = client.get("/")
    assert [key for _, key, _ in tiles(response)] == ["membership", "directory", "notices", *SERVICES_ADDED]


def test_the_tab_of_the_page_is_the_current_one(client, personas):
    client.force_login(personas.worker)
    for url, current in [("/me/card/", "会员证"), ("/me/", "我的"), ("/me/membership/", "我的"),
                         ("/me/settings/", "我的"), ("/notices/", "首页"), ("/directory/", "首页")]:
        assert [label for _, label, on in tabs(client.get(url)) if on] == [current], url


def test_every_page_names_the_workers_channel_in_its_title_and_header(client, subsites, personas):
    client.force_login(personas.worker)
    for url, title in [("/me/", "我的 - 泉城工会"), ("/me/card/", "电子会员证 - 泉城工会"),
                       ("/me/membership/", "我的会籍 - 泉城工会"), ("/notices/", "通知公告 - 泉城工会"),
                       ("/privacy/", "隐私政策 - 泉城工会")]:
        html = client.get(url).content.decode()
        assert f"<title>{title}</title>" in html, url
        assert '<a class="brand" href="/">泉城工会</a>' in html, url
        assert "齐鲁工会" not in html and "智慧工会" not in html, url


def test_home_without_any_subsite_uses_the_defaults(client, tree):
    response = client.get("/")
    assert response.status_code == 200
    assert response.context["subsite"] is None
    html = response.content.decode()
    assert "<title>智慧工会</title>" in html
    assert "<h1>职工之家 · 网上服务</h1>" in html and "<p>工会服务，一网通办</p>" in html
    assert "<p class=\"muted\">暂无公告</p>" in html
    assert [key for _, key, _ in tiles(response)] == ["join", "membership", "directory", "notices", *SERVICES_ADDED]


def test_home_on_an_empty_database(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert response.context["subsite"] is None


def test_worker_sees_their_city_subsite(client, subsites, personas):
    client.force_login(personas.worker)
    response = client.get("/")
    assert response.context["subsite"].name == "泉城工会"
    html = response.content.decode()
    assert '<a class="brand" href="/">泉城工会</a>' in html
    assert "<h1>济南职工之家</h1>" in html
    assert "齐鲁工会" not in html


def test_worker_without_a_membership_sees_the_province_subsite(client, subsites, personas):
    client.force_login(personas.outsider)
    assert client.get("/").context["subsite"].name == "齐鲁工会"


def test_worker_in_a_city_without_a_subsite_sees_the_province_subsite(client, subsites, tree):
    person, _ = person_upsert(name="李娜", id_number=make_id_number("370202", dt.date(1988, 11, 20), 246), by=SYSTEM)
    membership_start(person=person, union=tree.qd_grassroots, card_number="370202000000001", by=SYSTEM)
    user = User.objects.create(kind=User.Kind.WORKER, phone="13700000002", person=person)
    client.force_login(user)
    assert client.get("/").context["subsite"].name == "齐鲁工会"


def test_fallback_is_the_workers_own_province(client, tree):
    hebei = org_services.org_create(parent=tree.national, kind=Organisation.Kind.PROVINCE, name="河北省总工会",
                                    region="130000", by=SYSTEM)
    Subsite.objects.create(org=hebei, name="燕赵工会")
    Subsite.objects.create(org=tree.province, name="齐鲁工会")
    person, _ = person_upsert(name="李娜", id_number=make_id_number("370202", dt.date(1988, 11, 20), 246), by=SYSTEM)
    membership_start(person=person, union=tree.qd_grassroots, card_number="370202000000001", by=SYSTEM)
    user = User.objects.create(kind=User.Kind.WORKER, phone="13700000002", person=person)
    client.force_login(user)
    assert client.get("/").context["subsite"].name == "齐鲁工会"


def test_every_tile_link_works_for_a_logged_in_worker(client, subsites, personas):
    client.force_login(personas.worker)
    links = tiles(client.get("/"))
    assert [key for _, key, _ in links] == ["membership", "directory", "notices", *SERVICES_ADDED]
    for href, key, name in links:
        assert SERVICES[key].name == name
        assert client.get(href, follow=True).status_code == 200, href  # 我要入会 sends a member to 我的会籍


def test_subsite_service_order_changes_the_tile_order(client, subsites, personas):
    _, jinan = subsites
    jinan.service_order = ["me", "notices"]
    jinan.save()
    client.force_login(personas.worker)
    assert [key for _, key, _ in tiles(client.get("/"))] == ["notices", "membership", "directory", *SERVICES_ADDED]


def test_unknown_services_in_the_order_are_left_out(client, subsites):
    province, _ = subsites
    province.service_order = ["payslips", "notices", "legal-aid"]
    province.save()
    assert [key for _, key, _ in tiles(client.get("/"))] == ["notices", "join", "membership", "directory",
                                                             *SERVICES_ADDED]


def test_a_service_listed_twice_shows_once(client, subsites):
    province, _ = subsites
    province.service_order = ["notices", "notices"]
    province.save()
    assert [key for _, key, _ in tiles(client.get("/"))] == ["notices", "join", "membership", "directory",
                                                             *SERVICES_ADDED]


def test_home_shows_the_three_latest_notices_of_the_subsite(client, subsites):
    province, jinan = subsites
    now = timezone.now()
    for day in range(1, 6):
        Notice.objects.create(subsite=province, title=f"省公告{day}", published_at=now - dt.timedelta(days=day))
    Notice.objects.create(subsite=province, title="置顶公告", published_at=now - dt.timedelta(days=30), pinned=True)
    Notice.objects.create(subsite=jinan, title="济南公告", published_at=now)
    response = client.get("/")
    assert [n.title for n in response.context["notices"]] == ["置顶公告", "省公告1", "省公告2"]
    html = response.content.decode()
    pinned = Notice.objects.get(title="置顶公告")
    assert (f'<a class="row link" href="/notices/{pinned.pk}/"><strong><span class="tag">置顶</span>置顶公告</strong>'
            in html)
    assert "济南公告" not in html
    assert '<a class="more" href="/notices/">查看全部</a>' in html


def test_favicon_is_the_portals_icon_not_a_404(client):
    response = client.get("/favicon.ico")
    assert (response.status_code, response["Location"], response["Cache-Control"]) == (
        302, "/icons/icon-192.png", "max-age=86400, public")
    icon = client.get(response["Location"])
    assert (icon.status_code, icon["Content-Type"]) == (200, "image/png")
