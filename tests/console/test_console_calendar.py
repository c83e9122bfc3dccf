"""Console: the holiday schedules page (platform operators and the provincial federation only) and the mark on
deadlines counted on estimated holidays in the review queue, the review page and the transfers."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from tests.conftest import make_user
from tests.console.conftest import flash

from smartunion.core.actors import SYSTEM
from smartunion.core.calendar import is_working_day
from smartunion.core.models import AuditEvent, HolidaySchedule
from smartunion.core.validators import make_id_number
from smartunion.members.models import JoinApplication
from smartunion.members.services import join_apply, transfer_request

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
MARK = "（按预估假期计算）"
LIST = "/console/core/holidayschedule/"


@pytest.fixture
def operator(tree):
    return make_user("operator", is_superuser=True)


@pytest.fixture
def december_application(tree, monkeypatch):
    """Filed on 30 December 2026: its 3-day deadline runs into 2027, which has no official schedule yet."""
    # Django's clock (not the project's code): no time-freezing library is a dependency.
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 12, 30, 10, 0, tzinfo=SHANGHAI))
    application, _ = join_apply(name="王芳", id_number=make_id_number("370102", dt.date(1990, 1, 1), 5),
                                phone="13811112222", employer_name="济南乙商贸有限公司", work_region="370102",
                                by=SYSTEM)
    assert application.union_id == tree.lixia_town.pk and application.deadline_estimated is True
    return application


def form(year="2027", holidays="", workdays="", source=""):
    return {"year": year, "holidays_text": holidays, "workdays_text": workdays, "source": source}


def test_an_operator_loads_a_year_and_sees_how_many_deadlines_moved(operator, console, december_application):
    client = console(operator)
    assert client.get(f"{LIST}add/").status_code == 200
    response = client.post(f"{LIST}add/", form(
        holidays="2027-01-01~2027-01-04\n\n2027-02-06~2027-02-12\n", workdays="2027-02-20",
        source="国务院办公厅关于2027年部分节假日安排的通知"), follow=True)
    assert response.status_code == 200
    assert "已导入2027年节假日安排，重新计算了 1 件办理中事项的期限" in flash(response)
    row = HolidaySchedule.objects.get()
    assert (row.year, len(row.holidays), row.workdays, row.loaded_by) == (2027, 11, ["2027-02-20"], operator)
    assert is_working_day(dt.date(2027, 2, 20)) is True
    application = JoinApplication.objects.get(pk=december_application.pk)
    assert (timezone.localtime(application.deadline).date(), application.deadline_estimated) == (
        dt.date(2027, 1, 6), False)
    assert AuditEvent.objects.get(action="core.holiday_schedule.load").actor == operator
    listing = client.get(LIST)
    assert [(r.year, r.source) for r in listing.context["cl"].result_list] == [
        (2027, "国务院办公厅关于2027年部分节假日安排的通知")]

    page = client.get(f"{LIST}{row.pk}/change/").content.decode()
    assert "2027-01-01~2027-01-04\n2027-02-06~2027-02-12</textarea>" in page
    response = client.post(f"{LIST}{row.pk}/change/", form(holidays="2027-01-01", source="更正"), follow=True)
    assert "已更新2027年节假日安排，重新计算了 1 件办理中事项的期限" in flash(response)
    assert (HolidaySchedule.objects.get().holidays, is_working_day(dt.date(2027, 2, 20))) == (["2027-01-01"], False)


def test_bad_dates_are_shown_on_the_form_and_nothing_is_loaded(operator, console):
    client = console(operator)
    response = client.post(f"{LIST}add/", form(holidays="2027-02-06~2027-02-12\n2027-02-30",
                                               workdays="2027-02-08\n2027-02-21"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors == {"holidays_text": ["“2027-02-30”不是有效的日期"],
                      "workdays_text": ["调休上班日应为周六或周日，2027-02-08是星期一"]}
    response = client.post(f"{LIST}add/", form(holidays="2027-02-06~2027-02-12", workdays="2027-02-08\n2027-02-21"))
    # Every reason for one field, in one message.
    assert response.context["adminform"].form.errors == {"workdays_text": [
        "调休上班日应为周六或周日，2027-02-08是星期一；2027-02-08同时填在放假日期和调休上班日期中"]}
    response = client.post(f"{LIST}add/", form(year="1999", holidays="1999-01-01"))
    assert response.context["adminform"].form.errors == {"year": ["年份应在2000年至2099年之间"]}
    assert HolidaySchedule.objects.count() == 0
    client.post(f"{LIST}add/", form(holidays="2027-01-01"))
    response = client.post(f"{LIST}add/", form(holidays="2027-01-02"))
    assert response.context["adminform"].form.errors == {"year": ["该年份的节假日安排已导入，请在列表中打开它修改"]}
    assert HolidaySchedule.objects.get().holidays == ["2027-01-01"]


def test_the_provincial_federation_may_use_the_page_a_city_cadre_may_not(personas, console, monkeypatch):
    # Django's clock (not the project's code): no time-freezing library is a dependency.
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 11, 27, 9, 0, tzinfo=SHANGHAI))
    province = console(personas.province_admin)
    response = province.get(LIST)
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [
        "2027年尚无官方节假日安排，涉及该年的期限按法定节假日预估（标注“按预估假期计算”）；国务院办公厅通知发布后请在此导入"]
    assert "节假日安排" in province.get("/console/").content.decode()
    city = console(personas.city_cadre)
    assert city.get(LIST).status_code == 403
    assert city.post(f"{LIST}add/", form(holidays="2027-01-01")).status_code == 403
    assert "节假日安排" not in city.get("/console/").content.decode()
    assert HolidaySchedule.objects.count() == 0


def test_the_review_queue_and_page_mark_an_estimated_deadline(personas, console, december_application, operator):
    client = console(personas.county_cadre)
    queue = client.get("/console/members/joinapplication/").content.decode()
    assert f"2027-01-05{MARK}" in strip_tags(queue)
    review = client.get(f"/console/members/joinapplication/{december_application.pk}/review/").content.decode()
    assert f"2027-01-05{MARK}" in strip_tags(review)
    console(operator).post(f"{LIST}add/", form(holidays="2027-01-01~2027-01-03"))
    queue = client.get("/console/members/joinapplication/").content.decode()
    assert "2027-01-05" in strip_tags(queue) and MARK not in queue


def test_the_transfer_pages_mark_an_estimated_release_deadline(tree, personas, console, monkeypatch):
    # Django's clock (not the project's code): no time-freezing library is a dependency.
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 12, 30, 10, 0, tzinfo=SHANGHAI))
    transfer = transfer_request(membership=personas.worker.person.memberships.get(status="active"),
                                by=personas.worker, to_union=tree.qd_grassroots)
    client = console(personas.county_cadre)
    assert f"2027-01-05{MARK}" in strip_tags(client.get("/console/members/transfer/").content.decode())
    page = client.get(f"/console/members/transfer/{transfer.pk}/act/").content.decode()
    assert f"转出期限：2027-01-05{MARK}" in strip_tags(page)


def strip_tags(html: str) -> str:
    from django.utils.html import strip_tags as strip

    return strip(html)
