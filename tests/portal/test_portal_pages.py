"""The public union directory, the notices list and the Chinese error page."""

import datetime as dt

import pytest
from django.utils import timezone

from smartunion.core.actors import SYSTEM
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Organisation
from smartunion.subsites.models import Notice


def names(response):
    return [o.name for o in response.context["page"]]


def test_directory_without_a_query_lists_nothing(client, tree):
    response = client.get("/directory/")
    assert response.status_code == 200
    assert response.context["page"] is None
    assert 'placeholder="例如：历下区、370102"' in response.content.decode()


def test_directory_lists_matching_township_and_grassroots_unions(client, tree):
    response = client.get("/directory/?q=历下")
    assert response.status_code == 200
    # 历下区总工会 is a federation: not in the directory.
    assert names(response) == ["历下区解放路街道工会"]
    html = response.content.decode()
    assert "<strong>历下区解放路街道工会</strong><small>乡镇（街道）工会 · 历下区</small>" in html
    assert 'value="历下"' in html


def test_directory_includes_joint_unions_and_hides_inactive_ones(client, tree):
    joint = org_services.org_create(parent=tree.lixia_town, kind=Organisation.Kind.JOINT, name="历下区联合工会",
                                    region="370102", address="解放路8号", by=SYSTEM)
    org_services.org_create(parent=tree.lixia_town, kind=Organisation.Kind.GRASSROOTS, name="历下区停用工会", by=SYSTEM)
    Organisation.objects.filter(name="历下区停用工会").update(status=Organisation.Status.SUSPENDED)
    response = client.get("/directory/?q=历下")
    assert names(response) == ["历下区解放路街道工会", "历下区联合工会"]
    assert f"<small>{joint.address}</small>" in response.content.decode()


def test_directory_with_no_match_has_an_empty_page(client, tree):
    response = client.get("/directory/?q=不存在的工会")
    assert names(response) == []


def test_directory_says_when_nothing_matches(client, tree):
    response = client.get("/directory/?q=不存在的工会")
    assert "没有找到匹配的工会" in response.content.decode()


def test_directory_finds_by_credit_code(client, tree):
    response = client.get("/directory/?q=" + tree.grassroots.credit_code.lower())
    assert names(response) == ["甲公司工会委员会"]


def test_directory_finds_by_region_code(client, tree):
    assert names(client.get("/directory/?q=370102")) == ["历下区解放路街道工会", "甲公司工会委员会"]
    assert names(client.get("/directory/?q=370200")) == ["市南区八大湖街道工会", "丙公司工会委员会"]
    assert names(client.get("/directory/?q=370000")) == ["历下区解放路街道工会", "甲公司工会委员会",
                                                         "市南区八大湖街道工会", "丙公司工会委员会"]


def test_directory_paginates_by_twenty(client, tree):
    for i in range(25):
        org_services.org_create(parent=tree.lixia_town, kind=Organisation.Kind.GRASSROOTS,
                                name=f"历下区第{i:02d}公司工会", by=SYSTEM)
    first = client.get("/directory/?q=历下")
    page = first.context["page"]
    assert (page.number, page.paginator.num_pages, page.paginator.count, len(page)) == (1, 2, 26, 20)
    assert names(first)[:2] == ["历下区解放路街道工会", "历下区第00公司工会"]
    html = first.content.decode()
    assert "第 1 / 2 页" in html
    assert '<a href="?q=%E5%8E%86%E4%B8%8B&page=2">下一页</a>' in html
    second = client.get("/directory/?q=历下&page=2")
    assert names(second) == [f"历下区第{i:02d}公司工会" for i in range(19, 25)]
    assert "第 2 / 2 页" in second.content.decode()
    # Out-of-range and junk page numbers fall back to a real page.
    assert client.get("/directory/?q=历下&page=99").context["page"].number == 2
    assert client.get("/directory/?q=历下&page=abc").context["page"].number == 1


def _notices(subsite, n):
    now = timezone.now()
    for i in range(n):
        Notice.objects.create(subsite=subsite, title=f"公告{i:02d}", body=f"第{i}条\n正文",
                              published_at=now - dt.timedelta(hours=i))


def test_notices_paginate_by_twenty(client, subsites):
    province, jinan = subsites
    _notices(province, 25)
    Notice.objects.create(subsite=jinan, title="济南公告", published_at=timezone.now())
    first = client.get("/notices/")
    assert first.status_code == 200
    assert [n.title for n in first.context["page"]] == [f"公告{i:02d}" for i in range(20)]
    html = first.content.decode()
    assert "第 1 / 2 页" in html and '<a href="?page=2">下一页</a>' in html
    first_notice = Notice.objects.get(title="公告00")
    assert (f'<a class="row link" href="/notices/{first_notice.pk}/"><strong>公告00</strong>'
            f'<small>{timezone.localtime(first_notice.published_at):%Y-%m-%d}</small></a>') in html
    assert "济南公告" not in html
    second = client.get("/notices/?page=2")
    assert [n.title for n in second.context["page"]] == [f"公告{i:02d}" for i in range(20, 25)]
    assert '<a href="?page=1">上一页</a>' in second.content.decode()


def test_worker_sees_their_city_notices(client, subsites, personas):
    province, jinan = subsites
    _notices(province, 2)
    Notice.objects.create(subsite=jinan, title="济南公告", published_at=timezone.now())
    client.force_login(personas.worker)
    assert [n.title for n in client.get("/notices/").context["page"]] == ["济南公告"]


def test_notices_without_a_subsite(client, tree):
    response = client.get("/notices/")
    assert response.status_code == 200
    assert list(response.context["page"]) == []
    assert "暂无公告" in response.content.decode()


@pytest.mark.parametrize("url", ["/no-such-page/", "/me/extra/", "/directory/1/"])
def test_unknown_url_is_the_chinese_404_page(client, db, url):
    response = client.get(url)
    assert response.status_code == 404
    html = response.content.decode()
    assert "<title>页面不存在 - 智慧工会</title>" in html
    assert "<h1>页面不存在</h1><p>您访问的页面不存在或已被删除。</p>" in html


@pytest.mark.parametrize("url", ["/", "/login/", "/login/?by=sms", "/register/", "/password-reset/", "/unlock/",
                                 "/agreement/", "/privacy/", "/offline/", "/directory/", "/notices/"])
def test_no_template_comment_leaks_onto_a_page(client, db, url):
    html = client.get(url).content.decode()
    assert "{#" not in html and "#}" not in html and "{%" not in html
