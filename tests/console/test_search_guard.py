"""The Person and Membership lists' search box with a full ID number or phone (issue 8): a list's search is a GET, so
the number would land in the URL, the web server's access logs and the browser history. The lists load
console/search-guard.js, which sends such a term by POST to 查找人员 (tests/browser/test_console_search_guard.py);
a GET that holds one anyway (no JavaScript) is not searched: a message points to 查找人员 and the list comes back
without q, so the number is drawn nowhere in the page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from smartunion.core.models import AuditEvent

PERSON_LIST = reverse("console:members_person_changelist")
MEMBERSHIP_LIST = reverse("console:members_membership_changelist")
SEARCH = reverse("console:people_search")
ZHANG_ID = "370102199003071238"  # personas: 张伟, 139 0000 0001, card 370102000000001
NOTICE = '按身份证号或手机号查找请使用「<a href="/console/people/search/">查找人员</a>」'
GUARD = '<script src="/static/console/search-guard.js" data-people-search="/console/people/search/"></script>'
NUMBERS = [ZHANG_ID, ZHANG_ID[:-1] + "8", "370102 19900307 1238", "３７０１０２１９９００３０７１２３８", "13900000001",
           "+86 139-0000-0001", "8613900000001"]


def flashed(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.mark.parametrize("changelist", [PERSON_LIST, MEMBERSHIP_LIST])
@pytest.mark.parametrize("term", NUMBERS)
def test_a_full_id_number_or_phone_in_the_url_is_not_searched(changelist, term, tree, personas, console):
    client = console(personas.city_cadre)
    response = client.get(changelist, {"q": term})
    assert (response.status_code, response["Location"]) == (302, changelist)
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert flashed(page) == [NOTICE]
    html = page.content.decode()
    assert NOTICE in html  # the message, with its link to 查找人员
    assert page.context["cl"].query == ""
    assert term not in html and ZHANG_ID not in html and "13900000001" not in html and "0003071238" not in html
    assert not AuditEvent.objects.filter(action="members.person.search").exists()  # nothing was looked up


def test_the_other_parameters_are_kept_without_q(tree, personas, console):
    response = console(personas.county_cadre).get(PERSON_LIST, {"sex": "1", "q": ZHANG_ID, "o": "2"})
    assert (response.status_code, response["Location"]) == (302, f"{PERSON_LIST}?sex=1&o=2")


@pytest.mark.parametrize("changelist", [PERSON_LIST, MEMBERSHIP_LIST])
def test_a_name_or_card_number_is_searched_in_the_list_and_the_lists_load_the_guard(changelist, tree, personas,
                                                                                    console):
    client = console(personas.city_cadre)
    for term in ("张伟", "370102000000001"):
        response = client.get(changelist, {"q": term})
        assert response.status_code == 200
        assert len(response.context["cl"].result_list) == 1
        assert flashed(response) == []
    html = client.get(changelist).content.decode()
    assert html.count(GUARD) == 1
    assert "<script>" not in html.split("<body", 1)[0]  # nothing inline in the head (the console's CSP)


def test_the_people_search_page_takes_what_the_guard_posts(tree, personas, console):
    response = console(personas.city_cadre).post(SEARCH, {"q": "+86 139-0000-0001"})
    assert response.status_code == 200
    assert [row["name"] for row in response.context["rows"]] == ["张*"]
    html = response.content.decode()
    assert "按手机号码查找“139****0001”" in html and "13900000001" not in html


@pytest.mark.parametrize(("model", "changelist", "kept"), [("person", PERSON_LIST, "sex=1"),
                                                           ("membership", MEMBERSHIP_LIST, "status=active")])
@pytest.mark.parametrize("export", ["export_current", "export_current_full"])
def test_an_export_url_with_a_full_number_is_turned_away_like_the_list(model, changelist, kept, export, tree,
                                                                      personas, console):
    client = console(personas.province_admin)
    response = client.get(reverse(f"console:members_{model}_{export}") + f"?q={ZHANG_ID}&{kept}")
    assert (response.status_code, response["Location"]) == (302, f"{changelist}?{kept}")
    assert flashed(client.get(response["Location"])) == [NOTICE]
    assert not AuditEvent.objects.filter(action__in=["members.person.search", "console.list.export",
                                                     "console.list.export_full"]).exists()
