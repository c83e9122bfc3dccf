"""法律援助 and 心理咨询 in the portal: apply with files, follow my application; see slots by day, book under a
nickname, cancel within the rules; the counsellor's 我的咨询 with the notes only they read; query counts."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from tests import rows
from tests.cases.counselling_rows import application, counsellor, lawyer, slot
from tests.conftest import console_client, make_user
from tests.rows import assert_queries

from smartunion.cases.models import Booking, LegalAidApplication, SessionNote
from smartunion.cases.services import counselling, legal_aid
from smartunion.core.actors import SYSTEM

pytestmark = pytest.mark.django_db


def flash(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def errors(response) -> list[str]:
    return re.findall(r'<p class="error"[^>]*>(.*?)</p>', response.content.decode())


@pytest.fixture
def worker(personas):
    return console_client(personas.worker)


@pytest.fixture
def lin(tree):
    return counsellor(tree.jinan)


def test_anonymous_visitors_are_sent_to_log_in(client, tree):
    for url in ("/legal-aid/", "/legal-aid/apply/", "/counselling/", "/me/counselling/", "/me/counselling/sessions/"):
        response = client.get(url)
        assert (response.status_code, response["Location"].split("?")[0]) == (302, "/login/")


# 法律援助 --------------------------------------------------------------------------------------------------------

def test_apply_with_a_file_then_follow_the_application(tree, personas, worker):
    page = worker.get("/legal-aid/apply/")
    assert page.status_code == 200 and "申请法律援助" in page.content.decode()
    response = worker.post("/legal-aid/apply/", {
        "dispute_type": "wages", "employer_name": "济南乙商贸有限公司", "region": "370102",
        "dispute_summary": "公司拖欠三个月工资共计一万二千五百元，多次催要未果。", "claim_amount": "12500.5",
        "name": "张伟", "phone": "13900000001",
        "files": [SimpleUploadedFile("欠条.pdf", b"%PDF-1.4 x", "application/pdf")]})
    made = LegalAidApplication.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/legal-aid/{made.pk}/"
    assert (made.claim_amount_fen, made.org_id, made.attachments.count()) == (1_250_050, tree.lixia_town.pk, 1)
    detail = worker.get(f"/legal-aid/{made.pk}/")
    text = detail.content.decode()
    assert '<dd id="legal-aid-status">待审查</dd>' in text and '<dd id="legal-aid-claim">12500.50 元</dd>' in text
    home = worker.get("/legal-aid/").content.decode()
    assert f'data-number="{made.number}"' in home
    assert console_client(personas.outsider).get(f"/legal-aid/{made.pk}/").status_code == 404


def test_progress_lawyer_and_outcome_show_to_the_worker(tree, personas, worker):
    made = legal_aid.accept_application(application(personas.worker), by=SYSTEM)
    made = legal_aid.assign_lawyer(made, by=SYSTEM, lawyer_id=lawyer(tree.lixia_town).pk)
    legal_aid.add_note(made, by=SYSTEM, body="已向仲裁委提交申请")
    legal_aid.close_application(made, by=SYSTEM, outcome="mediated", recovered_fen=1_000_000)
    text = worker.get(f"/legal-aid/{made.pk}/").content.decode()
    assert '<dd id="legal-aid-status">已结案</dd>' in text
    assert '<dd id="legal-aid-lawyer">李律师（山东泉城律师事务所） 138****1111</dd>' in text
    assert "已向仲裁委提交申请" in text and '<dd id="legal-aid-recovered">10000.00 元</dd>' in text


def test_refusals_show_on_the_form(tree, worker):
    response = worker.post("/legal-aid/apply/", {
        "dispute_type": "wages", "employer_name": "乙公司", "region": "370102", "dispute_summary": "太短",
        "claim_amount": "12.345", "name": "张伟", "phone": "13900000001",
        "files": [SimpleUploadedFile("a.pdf", b"not a pdf", "application/pdf")]})
    assert (response.status_code, errors(response)) == (422, ["提交的数据有误，请检查后重试",
                                                              "金额应为不小于 0 的数字，最多两位小数"])
    response = worker.post("/legal-aid/apply/", {
        "dispute_type": "wages", "employer_name": "乙公司", "region": "370102", "dispute_summary": "太短",
        "claim_amount": "12", "name": "张伟", "phone": "13900000001",
        "files": [SimpleUploadedFile("a.pdf", b"not a pdf", "application/pdf")]})
    assert (response.status_code, errors(response)) == (422, ["提交的数据有误，请检查后重试",
                                                              "请用至少 10 个字说明争议的经过和您的请求"])
    assert LegalAidApplication.objects.count() == 0


# 心理咨询 --------------------------------------------------------------------------------------------------------

def test_slots_by_day_then_book_under_a_nickname_then_cancel(tree, personas, worker, lin):
    free = slot(lin, hours_ahead=26)
    day = timezone.localtime(free.starts_at).date()
    page = worker.get(f"/counselling/?date={day.isoformat()}").content.decode()
    assert f'data-slot="{free.pk}"' in page and "林老师" in page
    assert f'data-slot="{free.pk}"' not in worker.get(
        f"/counselling/?date={(day + dt.timedelta(days=1)).isoformat()}").content.decode()
    response = worker.post(f"/counselling/slots/{free.pk}/book/", {"nickname": "小雨", "topic": "睡不好"})
    assert response.status_code == 302 and response["Location"] == "/me/counselling/"
    booking = Booking.objects.get()
    assert (booking.user_id, booking.nickname) == (personas.worker.pk, "小雨")
    assert f'data-slot="{free.pk}"' not in worker.get(f"/counselling/?date={day.isoformat()}").content.decode()
    mine = worker.get("/me/counselling/").content.decode()
    assert f'id="cancel-{booking.pk}"' in mine
    other = console_client(personas.outsider)
    taken = other.post(f"/counselling/slots/{free.pk}/book/", {"nickname": "阿明"})
    assert (taken.status_code, errors(taken)) == (409, ["该时段已被预约，请选择其他时段"])
    assert other.post(f"/me/counselling/{booking.pk}/cancel/").status_code == 404
    cancelled = worker.post(f"/me/counselling/{booking.pk}/cancel/", follow=True)
    assert flash(cancelled) == ["已取消预约，该时段已开放给其他职工"]
    booking.refresh_from_db()
    assert booking.status == "cancelled"


def test_cancelling_too_late_is_refused_with_the_reason(tree, personas, worker, lin):
    booking = counselling.book_slot(slot(lin, hours_ahead=1).pk, by=personas.worker, nickname="小雨")
    mine = worker.get("/me/counselling/").content.decode()
    assert f'id="cancel-{booking.pk}"' not in mine and "距开始不足 2 小时" in mine
    response = worker.post(f"/me/counselling/{booking.pk}/cancel/", follow=True)
    assert flash(response) == ["距咨询开始已不足 2 小时，不能在线取消；如需调整请联系咨询师"]


def test_the_counsellor_sees_the_nickname_and_keeps_notes_nobody_else_reads(tree, personas, worker, lin):
    booking = counselling.book_slot(slot(lin).pk, by=personas.worker, nickname="小雨", topic="压力")
    mine = console_client(lin.user)
    assert 'href="/me/counselling/sessions/" id="me-counselling-sessions"' in mine.get("/me/").content.decode()
    assert 'id="me-counselling-sessions"' not in console_client(personas.worker).get("/me/").content.decode()
    sessions = mine.get("/me/counselling/sessions/").content.decode()
    assert f'data-booking="{booking.pk}"' in sessions and "小雨" in sessions and "张伟" not in sessions
    saved = mine.post(f"/me/counselling/sessions/{booking.pk}/", {"action": "note", "body": "首次访谈，情绪平稳"},
                      follow=True)
    assert flash(saved) == ["咨询记录已保存"] and "首次访谈，情绪平稳" in saved.content.decode()
    superuser = make_user("root", is_superuser=True)
    for stranger in (personas.city_cadre, personas.province_admin, superuser, personas.worker):
        client = console_client(stranger)
        assert client.get("/me/counselling/sessions/").status_code == 403
        response = client.get(f"/me/counselling/sessions/{booking.pk}/")
        assert response.status_code == 403 and "首次访谈" not in response.content.decode()
        assert client.post(f"/me/counselling/sessions/{booking.pk}/", {"body": "改写"}).status_code == 403
    assert SessionNote.objects.get().body == "首次访谈，情绪平稳"
    other = counsellor(tree.jinan, "counsellor2", display_name="周老师")
    assert console_client(other.user).get(f"/me/counselling/sessions/{booking.pk}/").status_code == 404


def test_done_after_the_start(tree, personas, lin):
    booking = Booking.objects.create(slot=slot(lin, hours_ahead=-0.5), user=personas.worker, nickname="小雨")
    response = console_client(lin.user).post(f"/me/counselling/sessions/{booking.pk}/", {"action": "done"},
                                             follow=True)
    assert flash(response) == ["已标记为完成"]
    assert '<dd id="session-status">已完成</dd>' in response.content.decode()


# Query counts ---------------------------------------------------------------------------------------------------

def _show(client, url):
    client.get(url)
    measured = rows.measure(lambda: client.get(url))
    assert measured.result.status_code == 200
    return measured


def test_pages_cost_the_same_for_one_row_as_for_three(tree, personas, worker, lin):
    counsellor_client = console_client(lin.user)
    urls = [(worker, "/legal-aid/"), (worker, "/counselling/"), (worker, "/me/counselling/"),
            (counsellor_client, "/me/counselling/sessions/")]
    # Every slot on the same (future) day, so the day page lists them all.
    base = timezone.localtime(timezone.now()).replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(
        days=2)
    day = base.date().isoformat()
    urls[1] = (worker, f"/counselling/?date={day}")

    def add(n, start):
        for i in range(start, start + n):
            application(personas.worker)
            hours = (base - timezone.now()).total_seconds() / 3600
            free = slot(lin, hours_ahead=hours + 8 + i)
            taken = slot(lin, hours_ahead=hours + 12 + i)
            Booking.objects.create(slot=taken, user=personas.worker, nickname=f"小雨{i}")
            assert free.pk

    add(1, 0)
    before = [_show(c, u) for c, u in urls]
    add(2, 1)
    after = [_show(c, u) for c, u in urls]
    # The portal's own reads (session, user, membership; the top subsite is remembered per process) and then each
    # page's: my applications (count and
    # page), the counsellors and the day's slots, my bookings, my counsellor row and its bookings.
    for want, one, three in zip([6, 6, 5, 4], before, after, strict=True):
        assert_queries(want, one, three)
