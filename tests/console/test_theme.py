"""The console's theme finished: no English left on its pages (from a pinned list of the theme's and Django's
words), filter headings as plain field names, one date format (2026-05-01, 2026-05-01 09:30), no JSON typed into a
text area, and the console's stylesheet (which makes every form control visible) on every page."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django import forms
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from tests import rows

from smartunion.console.admin.subsites import SERVICE_LABELS
from smartunion.console.site import console_site
from smartunion.members.models import JoinApplication
from smartunion.subsites.models import Subsite
from smartunion.subsites.queries import SERVICE_KEYS

# Words of unfold's and Django's admin templates that show when a translation is missing.
ENGLISH = ["Select action", "Select action to run", "Select record", "Select value", "Run", "Go", "Clear all filters",
           "Apply Filters", "Filters", "By", "All", "Save", "Delete", "Add", "Search", "Choose file to upload",
           "Show counts", "Hide counts", "Yes", "No", "Unknown", "Today", "Now", "Date", "From", "To", "Welcome",
           "Log out", "Home", "Change", "View", "Previous", "Next", "results", "Please correct", "Close", "Cancel",
           "Submit", "Return to site", "Filter"]
ENGLISH_RE = re.compile(r"\b(" + "|".join(map(re.escape, sorted(ENGLISH, key=len, reverse=True))) + r")\b")
SHOWN_ATTRIBUTES = {"placeholder", "title", "aria-label", "alt"}


class ShownText(HTMLParser):
    """The text a page shows: text nodes outside scripts and styles, and the attributes read out or shown on hover
    (placeholders, titles, labels for screen readers, a button's value)."""

    def __init__(self):
        super().__init__()
        self.hidden = 0
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self.hidden += 1
        values = dict(attrs)
        self.texts += [value for name, value in attrs if name in SHOWN_ATTRIBUTES and value]
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.texts.append(values["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template"):
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.texts.append(data.strip())


def english_on(html: str) -> list[str]:
    parser = ShownText()
    parser.feed(html)
    return sorted({match for text in parser.texts for match in ENGLISH_RE.findall(text)})


@pytest.fixture
def pages(tree, personas):
    """Every kind of console page, with rows in its lists, as the province's administrator sees them."""
    application = rows.applications(tree, 2)[0]
    transfer = rows.transfers(tree, 1)[0]
    subsite = Subsite.objects.create(org=tree.jinan, name="济南工惠", service_order=["me"])
    person = personas.worker.person
    lists = [reverse(f"console:{model._meta.app_label}_{model._meta.model_name}_changelist")
             for model, model_admin in console_site._registry.items()
             if model_admin.has_module_permission(_request(personas.province_admin))]
    return [
        *lists,
        "/console/", "/console/orgs/organisation/add/", f"/console/orgs/organisation/{tree.jinan.pk}/change/",
        "/console/orgs/employer/add/", f"/console/orgs/employer/{tree.employer.pk}/change/",
        "/console/orgs/position/add/", "/console/subsites/subsite/add/",
        f"/console/subsites/subsite/{subsite.pk}/change/", f"/console/members/joinapplication/{application.pk}/change/",
        f"/console/members/joinapplication/{application.pk}/review/", "/console/members/joinapplication/on-behalf/",
        f"/console/members/transfer/{transfer.pk}/act/", f"/console/members/transfer/{transfer.pk}/change/",
        f"/console/members/person/{person.pk}/change/", f"/console/members/person/{person.pk}/reveal/",
        f"/console/accounts/user/{personas.city_cadre.pk}/change/", "/console/members/rosterimport/upload/",
        "/console/members/rosterimport/export/", "/console/orgs/organisation/import/", "/console/security/totp/",
        "/console/members/membership/export-current/full/", "/console/members/joinapplication/?status__exact=pending",
    ]


def _request(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/console/")
    request.user = user
    return request


def test_no_english_is_left_on_the_console_pages(personas, console, pages):
    client = console(personas.province_admin)
    found = {}
    for url in pages:
        response = client.get(url, follow=True)  # 统计数据's list is the dashboard (a redirect)
        assert response.status_code == 200, url
        english = english_on(response.content.decode())
        if english:
            found[url] = english
    assert found == {}


def test_no_english_on_the_log_in_page_nor_on_the_batch_confirmation(tree, personas, console):
    assert english_on(Client().get("/console/login/").content.decode()) == []
    first, second = rows.applications(tree, 2)
    page = console(personas.county_cadre).post("/console/members/joinapplication/", {
        "action": "approve_selected", "_selected_action": [first.pk, second.pk]})
    assert english_on(page.content.decode()) == []


def test_the_english_finder_finds_what_a_missing_translation_shows():
    assert english_on('<select aria-label="Select action to run"><option>Select action</option></select>'
                      '<button>Go</button><p>Google Authenticator，Goods</p>') == ["Go", "Select action",
                                                                                   "Select action to run"]


def test_filter_headings_are_the_field_names(tree, personas, console):
    rows.applications(tree, 1)
    page = console(personas.city_cadre).get("/console/members/joinapplication/").content.decode()
    headings = re.findall(r'<h3 class="font-semibold mb-2[^"]*">\s*(.*?)\s*</h3>', page, re.S)
    assert headings == ["状态", "是否超期", "分派依据"]


def test_lists_forms_and_detail_pages_write_dates_one_way(tree, personas, console):
    application = rows.applications(tree, 1)[0]
    submitted = dt.datetime(2026, 5, 1, 9, 30, tzinfo=timezone.get_current_timezone())
    JoinApplication.objects.filter(pk=application.pk).update(submitted_at=submitted)
    client = console(personas.province_admin)
    listed = client.get("/console/members/joinapplication/").content.decode()
    detail = client.get(f"/console/members/joinapplication/{application.pk}/change/").content.decode()
    memberships = client.get("/console/members/membership/").content.decode()
    assert "2026-05-01 09:30" in listed and "2026-05-01 09:30" in detail
    assert "2020-05-01" in memberships  # 张伟's membership since
    tree.jinan.founded_on = dt.date(1950, 7, 1)
    tree.jinan.save(update_fields=["founded_on"])
    form = client.get(f"/console/orgs/organisation/{tree.jinan.pk}/change/").content.decode()
    assert 'value="1950-07-01"' in form
    for page in (listed, detail, memberships, form):
        assert not re.search(r"\d{4}年\d{1,2}月\d{1,2}日", page)


def test_no_form_of_the_console_asks_for_json(tree, personas, console):
    """No JSON field is drawn as a text area: lists of codes are chosen from lists."""
    Subsite.objects.create(org=tree.jinan, name="济南工惠")
    client = console(personas.province_admin)
    json_fields = {}
    for model, model_admin in console_site._registry.items():
        info = model._meta.app_label, model._meta.model_name
        first = model_admin.get_queryset(_request(personas.province_admin)).first()
        urls = [reverse("console:{}_{}_add".format(*info))]
        if first is not None:
            urls.append(reverse("console:{}_{}_change".format(*info), args=[first.pk]))
        for url in urls:
            response = client.get(url)
            adminform = response.context.get("adminform") if response.status_code == 200 and response.context \
                else None
            if adminform is None:
                continue
            found = [name for name, field in adminform.form.fields.items() if isinstance(field, forms.JSONField)]
            if found:
                json_fields[url] = found
            page = response.content.decode()
            assert not re.search(r"<textarea[^>]*>\s*[\[{]", page), url
    assert json_fields == {}


def test_the_service_order_names_every_service_of_the_portal():
    assert list(SERVICE_LABELS) == list(SERVICE_KEYS)


def test_the_console_stylesheet_is_on_every_console_page(personas, console, pages):
    client = console(personas.province_admin)
    link = '<link href="/static/console/console.css" rel="stylesheet">'
    for url in pages:
        assert link in client.get(url, follow=True).content.decode(), url
    assert link in Client().get("/console/login/").content.decode()
