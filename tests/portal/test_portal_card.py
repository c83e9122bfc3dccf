"""The portal's e-member card page, its refreshing QR, and reporting a lost card."""

import datetime as dt
import re
from types import SimpleNamespace

import pytest
from django.contrib.staticfiles import finders
from tests.conftest import console_client

from smartunion.members import card_tokens
from smartunion.members.models import MemberCard
from smartunion.portal import card_views

pytestmark = pytest.mark.django_db

NOW = 1_750_000_000


def flash(response):
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def worker_client(personas):
    return console_client(personas.worker)


@pytest.fixture
def token_qr(monkeypatch):
    """Make the QR 'SVG' carry the token in clear, so a test can verify what the page would show."""
    # Stays: a QR's modules cannot be read back without a decoder, which is no dependency.
    monkeypatch.setattr(card_views, "qr_svg", lambda token: f"<svg data-token=\"{token}\"></svg>")

    def token_of(text):
        return re.search(r'data-token=\\?"([^"\\]+)', text).group(1)

    return token_of


def freeze(monkeypatch, at):
    monkeypatch.setattr(card_tokens, "time", SimpleNamespace(time=lambda: at))  # the clock: no time-freezing library


def test_anonymous_goes_to_the_login_page(client):
    response = client.get("/me/card/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/me/card/"


def test_worker_sees_their_card_with_a_qr(worker_client):
    response = worker_client.get("/me/card/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in ('<span class="member-card-kind">电子会员证</span>', '<p class="holder">张*</p>',
                 '<p class="member-card-union">甲公司工会委员会</p>',
                 '<span class="label">会员卡号</span><span class="card-number">3701000000000014</span>',
                 "第1版", 'data-refresh-url="/me/card/qr/"', 'data-interval="60"'):
        assert text in html
    assert "张伟" not in html  # masked, as on every screen
    assert '<div id="card-qr"' in html and "<svg" in html
    # 挂失补办 is a secondary link to a confirmation page, no form under the QR.
    assert '<a href="/me/card/report-lost/" id="report-lost-link">挂失补办</a>' in html
    assert 'name="confirm"' not in html and "<form" not in html.split('<main class="page">')[1]
    # JavaScript only from our own file, deferred; nothing inline.
    assert '<script src="/static/portal/card.js" defer></script>' in html
    assert re.findall(r"<script(?![^>]*\bsrc=)", html) == []
    assert "no-store" in response["Cache-Control"]
    assert MemberCard.objects.get().card_number == "3701000000000014"


def test_the_page_qr_is_a_valid_token(worker_client, token_qr):
    html = worker_client.get("/me/card/").content.decode()
    result = card_tokens.verify_token(token_qr(html))
    assert (result.valid, result.member) == (True, {
        "name": "张*", "union": "甲公司工会委员会", "card_number": "3701********0014"})


def test_qr_endpoint_returns_fresh_json(worker_client, token_qr, monkeypatch):
    freeze(monkeypatch, NOW)
    first = worker_client.get("/me/card/qr/")
    assert first.status_code == 200
    assert first["Content-Type"] == "application/json"
    assert "no-store" in first["Cache-Control"]
    body = first.json()
    assert set(body) == {"svg", "expires_at"}
    assert dt.datetime.fromisoformat(body["expires_at"]) == dt.datetime.fromtimestamp(NOW + 120, tz=dt.UTC)
    freeze(monkeypatch, NOW + 60)
    second = worker_client.get("/me/card/qr/").json()
    assert dt.datetime.fromisoformat(second["expires_at"]).timestamp() == NOW + 180
    assert token_qr(second["svg"]) != token_qr(body["svg"])
    # The one fetched a minute ago is still valid, so a QR refreshed every 60 s is never out of date.
    assert card_tokens.verify_token(token_qr(body["svg"]), now=NOW + 60).valid is True
    assert card_tokens.verify_token(token_qr(second["svg"]), now=NOW + 60).valid is True


def test_real_qr_endpoint_svg(worker_client):
    body = worker_client.get("/me/card/qr/").json()
    assert body["svg"].startswith("<svg") and body["svg"].endswith("</svg>")


def test_non_member_sees_a_message_and_a_link_back(client, personas):
    outsider = console_client(personas.outsider)
    response = outsider.get("/me/card/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "您还不是工会会员" in html and '<a href="/join/">我要入会</a>' in html
    assert 'id="card-qr"' not in html and "card.js" not in html
    qr = outsider.get("/me/card/qr/")
    assert (qr.status_code, qr.json()) == (404, {"code": "not_member", "message": "您还不是工会会员"})
    assert MemberCard.objects.count() == 0


def test_qr_endpoint_answers_json_when_logged_out(client):
    response = client.get("/me/card/qr/")
    assert response.status_code == 401
    assert response.json() == {"code": "unauthenticated", "message": "登录已失效，请重新登录"}


def test_report_lost_needs_the_confirmation(worker_client):
    worker_client.get("/me/card/")
    response = worker_client.post("/me/card/report-lost/", follow=True)
    assert response.redirect_chain == [("/me/card/report-lost/", 302)]
    assert flash(response) == ["请先勾选确认，再办理挂失补办"]
    assert list(MemberCard.objects.values_list("version", "status")) == [(1, "active")]


def test_report_lost_revokes_the_old_qr_and_reissues(worker_client, token_qr):
    old_token = token_qr(worker_client.get("/me/card/").content.decode())
    response = worker_client.post("/me/card/report-lost/", {"confirm": "on"}, follow=True)
    assert response.redirect_chain == [("/me/card/", 302)]
    assert flash(response) == ["挂失补办成功：原二维码已失效，卡号不变，现为第2版会员证"]
    html = response.content.decode()
    assert '<span class="card-number">3701000000000014</span>' in html and "第2版" in html
    assert card_tokens.verify_token(old_token).reason == "revoked"
    assert card_tokens.verify_token(token_qr(html)).valid is True
    assert list(MemberCard.objects.order_by("version").values_list("version", "status")) == [
        (1, "revoked"), (2, "active")]


def test_report_lost_asks_for_a_confirmation_first(worker_client):
    worker_client.get("/me/card/")
    response = worker_client.get("/me/card/report-lost/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>挂失补办</h1>" in html
    assert "会员卡号 <span class=\"card-number\">3701000000000014</span> 不变，同时补发第2版会员证" in html
    assert '<input type="checkbox" name="confirm" required> 我确认挂失，原会员证二维码将立即失效' in html
    assert '<a href="/me/card/">取消，返回会员证</a>' in html
    assert list(MemberCard.objects.values_list("version", "status")) == [(1, "active")]  # nothing done yet


def test_report_lost_is_for_logged_in_users(client, worker_client):
    assert worker_client.put("/me/card/report-lost/").status_code == 405
    response = client.post("/me/card/report-lost/", {"confirm": "on"})
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_one_card_number_on_the_card_page_me_and_my_membership(worker_client):
    # The membership was started with a number from before the card format: whichever page comes first, the
    # number shown is the card's.
    number = '<span class="card-number">3701000000000014</span>'
    assert number in worker_client.get("/me/").content.decode()
    assert number in worker_client.get("/me/membership/").content.decode()
    assert number in worker_client.get("/me/card/").content.decode()
    assert number in worker_client.get("/me/transfer/").content.decode()
    assert "370102000000001<" not in worker_client.get("/me/").content.decode()


def test_report_lost_for_a_non_member(personas):
    outsider = console_client(personas.outsider)
    response = outsider.post("/me/card/report-lost/", {"confirm": "on"}, follow=True)
    assert flash(response) == ["您还不是工会会员"]


def test_card_js_is_our_own_static_file():
    path = finders.find("portal/card.js")
    assert path is not None
    text = open(path, encoding="utf-8").read()
    assert "/me/card/qr/" not in text  # the URL comes from the page's data attribute
    assert "data-refresh-url" in text and "DOMParser" in text


def test_the_expiry_is_shown_in_beijing_time(worker_client, monkeypatch):
    freeze(monkeypatch, NOW)  # 2025-06-15 15:06:40 UTC; the QR expires 120 s later, 23:08:40 in Beijing
    html = worker_client.get("/me/card/").content.decode()
    assert '<time id="card-qr-expiry" datetime="2025-06-15T15:08:40+00:00">23:08:40</time>' in html
    assert 'data-expires-at="2025-06-15T15:08:40+00:00"' in html


def test_a_member_whose_card_cannot_be_issued_sees_why(worker_client):
    from smartunion.orgs.models import Organisation

    # No federation above the member's union has a region: no card number can be made.
    Organisation.objects.filter(kind__in=Organisation.FEDERATION_KINDS).update(region=None)
    response = worker_client.get("/me/card/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "暂时无法发放电子会员证：该工会上级没有设置行政区划的总工会，无法发放会员证" in html
    assert "您还不是工会会员" not in html
    qr = worker_client.get("/me/card/qr/")
    assert (qr.status_code, qr.json()["code"]) == (409, "card_unavailable")
