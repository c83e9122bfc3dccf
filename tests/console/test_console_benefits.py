"""Console pages of benefits (惠工活动): create with an audience preview, the detail with its confirmed steps, the
scope, the coupon log masking, and the lists' fixed query counts."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from tests import rows
from tests.benefits.conftest import coupon_activity, make_member
from tests.benefits.test_lottery import lottery_activity
from tests.benefits.test_polls import survey_activity
from tests.benefits.test_signups import card_token_of, signup_activity
from tests.console.test_console_query_counts import changelist, show, shown
from tests.rows import assert_queries

from smartunion.benefits import services
from smartunion.benefits.models import Activity, BirthdayProgramme, Coupon, Merchant, Signup
from smartunion.benefits.services import lottery
from smartunion.benefits.services.coupons import claim_coupon, redeem_coupon
from smartunion.benefits.services.merchants import create_merchant
from smartunion.benefits.services.polls import answer_survey
from smartunion.benefits.services.signups import sign_up
from smartunion.core.actors import SYSTEM
from smartunion.core.models import AuditEvent

pytestmark = pytest.mark.django_db

CREATE = reverse("console:benefits_activity_create")


def form(org, **extra):
    now = timezone.localtime()
    return {"kind": "coupon", "org": org.pk, "title": "夏日送清凉券", "starts_at": f"{now:%Y-%m-%dT%H:%M}",
            "ends_at": f"{now + dt.timedelta(days=7):%Y-%m-%dT%H:%M}", "per_member_limit": "1", "stock": "50",
            "valid_until": f"{now + dt.timedelta(days=30):%Y-%m-%d}", "results": "after_close", **extra}


def test_preview_counts_the_audience_and_saves_nothing(tree, personas, console):
    make_member(tree.grassroots, birth=dt.date(1991, 7, 3))
    client = console(personas.city_cadre)
    response = client.post(CREATE, {**form(tree.jinan), "birth_months": ["7"], "preview": "1"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "参与对象预计 1 人" in page and "生日月份：7月" in page
    assert Activity.objects.count() == 0


def test_saving_makes_a_draft_and_publishing_asks_first(tree, personas, console):
    client = console(personas.city_cadre)
    response = client.post(CREATE, {**form(tree.jinan), "save": "1"})
    activity = Activity.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("console:benefits_activity_detail", args=[activity.pk])
    assert (activity.status, activity.stock, activity.org_id) == ("draft", 50, tree.jinan.pk)
    detail = client.get(response["Location"]).content.decode()
    assert "已领 0 / 库存 50，剩余 50" in detail
    step = reverse("console:benefits_activity_step", args=[activity.pk, "publish"])
    confirm = client.get(step).content.decode()
    assert "当前共 <strong>1</strong> 人" in confirm  # the persona worker of 甲公司
    assert Activity.objects.get().status == "draft"
    client.post(step, {"note": "经主席办公会同意"})
    assert Activity.objects.get().status == "published"
    assert AuditEvent.objects.filter(action="benefits.activity.publish").values_list("data", flat=True).get()[
        "note"] == "经主席办公会同意"


def test_refusals_show_on_the_form_and_keep_the_input(tree, personas, console):
    client = console(personas.city_cadre)
    page = client.post(CREATE, {**form(tree.jinan), "kind": "vote", "options": "张三", "save": "1"}).content.decode()
    assert "投票至少需要两个选项" in page and "夏日送清凉券" in page
    assert Activity.objects.count() == 0
    upload = SimpleUploadedFile("名单.txt", "会员卡号\n370102000000001\n".encode())
    client.post(CREATE, {**form(tree.jinan), "card_numbers_file": upload, "save": "1"})
    assert Activity.objects.get().audience == {"card_numbers": ["370102000000001"]}


def test_other_cities_and_reviewers_do_not_reach_the_activity(tree, personas, console):
    activity = coupon_activity(tree.jinan, publish=False)
    detail = reverse("console:benefits_activity_detail", args=[activity.pk])
    assert console(personas.other_city_cadre).get(detail).status_code == 404
    assert console(personas.other_city_cadre).post(
        reverse("console:benefits_activity_step", args=[activity.pk, "publish"])).status_code == 404
    assert console(personas.city_cadre).get(detail).status_code == 200
    assert Activity.objects.get().status == "draft"
    page = console(personas.other_city_cadre).post(CREATE, {**form(tree.jinan), "save": "1"}).content.decode()
    assert "请选择管辖范围内的工会" in page


def _coupons(tree, activity, n, start=0):
    for i in range(start, start + n):
        person = rows.members(tree, 1, start=100 + i, union=tree.grassroots)[0].person
        Coupon.objects.create(activity=activity, person=person, sequence=1, day=dt.date.today(), day_sequence=1,
                              code=f"ABCDEFGH{i:04d}", org_path=activity.org_path, claimed_at=timezone.now())


def test_activity_list_costs_the_same_for_one_row_as_for_three(tree, personas, console):
    client = console(personas.city_cadre)
    coupon_activity(tree.jinan, title="活动0")
    one = show(client, changelist("benefits_activity"))
    coupon_activity(tree.grassroots, title="活动1")
    coupon_activity(tree.lixia, title="活动2")
    three = show(client, changelist("benefits_activity"))
    assert [shown(one), shown(three)] == [["活动0"], ["活动2", "活动1", "活动0"]]
    # The list's six and the federation kinds (the menu); the menu rule of benefits reads the managing positions the
    # add button read already.
    assert_queries(6, one, three)


def test_coupon_log_masks_members_and_codes_at_a_fixed_cost(tree, personas, console):
    client = console(personas.city_cadre)
    activity = coupon_activity(tree.grassroots)
    _coupons(tree, activity, 1)
    one = show(client, changelist("benefits_coupon"))
    _coupons(tree, activity, 2, start=1)
    three = show(client, changelist("benefits_coupon"))
    page = three.result.content.decode()
    assert "ABCD****02" in page and "ABCDEFGH0002" not in page
    # As the activity list, plus the merchants offered by the 核销商户 filter.
    assert_queries(7, one, three)


# Merchants, redemption totals, sign-ups and the check-in desk, survey answers, the lottery draw ----------------

def test_a_merchant_is_registered_given_a_log_in_and_its_redemptions_counted(tree, personas, console):
    client = console(personas.city_cadre)
    response = client.post(reverse("console:benefits_merchant_create"), {
        "org": tree.jinan.pk, "name": "泉城超市", "address": "历下区泉城路1号", "contact_name": "刘经理",
        "contact_phone": "13811112222"})
    merchant = Merchant.objects.get()
    assert response["Location"] == reverse("console:benefits_merchant_account", args=[merchant.pk])
    assert (merchant.org_id, merchant.contact_phone) == (tree.jinan.pk, "13811112222")
    client.post(response["Location"], {"username": "quancheng01", "display_name": "收银员",
                                       "password": "Shop-pass-2026"})
    account = merchant.users.get()
    assert (account.username, account.kind, account.is_staff) == ("quancheng01", "merchant", False)
    listed = client.get(changelist("benefits_merchant")).content.decode()
    assert "泉城超市" in listed and "13811112222" not in listed
    activity = coupon_activity(tree.jinan)
    coupon = claim_coupon(activity, by=personas.worker)
    redeem_coupon(coupon.code, by=account)
    totals = client.get(reverse("console:benefits_merchant_totals")).content.decode()
    assert "合计核销 1 张" in totals
    export = client.get(reverse("console:benefits_merchant_totals") + "?export=1")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert AuditEvent.objects.filter(action="benefits.redemption.export").count() == 1
    other = console(personas.other_city_cadre)
    assert other.get(reverse("console:benefits_merchant_account", args=[merchant.pk])).status_code == 404
    assert "合计核销 0 张" in other.get(reverse("console:benefits_merchant_totals")).content.decode()


def test_the_check_in_desk_checks_a_scanned_card_in_once(tree, personas, console):
    activity = signup_activity(tree.jinan, capacity=5)
    sign_up(activity, by=personas.worker)
    desk = reverse("console:benefits_activity_checkin", args=[activity.pk])
    client = console(personas.city_cadre)
    token = card_token_of(personas.worker)
    first = client.post(desk, {"card_token": token})
    assert first.status_code == 302
    page = client.get(desk).content.decode()
    assert "已签到 1 / 已报名 1 人" in page and "张*签到成功" not in page
    again = client.post(desk, {"card_token": token}).content.decode()
    assert "已签到" in again and Signup.objects.get().checked_in_by == personas.city_cadre
    refused = client.post(desk, {"card_token": "not-a-token"})
    assert refused.status_code == 200 and "text-red-600" in refused.content.decode()


def test_survey_answers_export_and_results_charts(tree, personas, console):
    activity = survey_activity(tree.jinan)
    answer_survey(activity, by=personas.worker, answers={"1": "是", "2": 4, "3": ["工资", "休假"]})
    client = console(personas.city_cadre)
    detail = client.get(reverse("console:benefits_activity_detail", args=[activity.pk])).content.decode()
    assert "共 1 份答卷" in detail and detail.count('class="results-chart"') == 3
    export = client.get(reverse("console:benefits_activity_answers", args=[activity.pk]))
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert AuditEvent.objects.filter(action="benefits.survey.export").values_list("data", flat=True).get() == {
        "count": 1}


def test_a_lottery_is_drawn_after_a_confirmation_and_its_data_shown(tree, personas, console):
    activity = lottery_activity(tree.jinan, prizes=(("一等奖", 1),))
    lottery.enter_lottery(activity, by=personas.worker)
    services.close_activity(activity, by=personas.city_cadre)
    client = console(personas.city_cadre)
    detail_url = reverse("console:benefits_activity_detail", args=[activity.pk])
    assert 'id="draw-link"' in client.get(detail_url).content.decode()
    draw_url = reverse("console:benefits_activity_draw", args=[activity.pk])
    assert "共 1 人参与" in client.get(draw_url).content.decode()
    assert Activity.objects.get(pk=activity.pk).drawn_at is None
    client.post(draw_url)
    page = client.get(detail_url).content.decode()
    assert "开奖结果与验证数据" in page and 'id="draw-link"' not in page
    assert Activity.objects.get(pk=activity.pk).seed in page


def test_signup_and_merchant_lists_cost_the_same_for_one_row_as_for_three(tree, personas, console):
    client = console(personas.city_cadre)
    activity = signup_activity(tree.jinan, capacity=1)
    sign_up(activity, by=personas.worker)
    one = show(client, changelist("benefits_signup"))
    sign_up(activity, by=make_member(tree.grassroots))
    sign_up(activity, by=make_member(tree.grassroots))
    three = show(client, changelist("benefits_signup"))
    assert [len(shown(one)), len(shown(three))] == [1, 3]
    assert "张*" in three.result.content.decode()
    assert_queries(6, one, three)
    create_merchant(by=SYSTEM, org=tree.jinan, name="商户0")
    one = show(client, changelist("benefits_merchant"))
    create_merchant(by=SYSTEM, org=tree.lixia, name="商户1")
    create_merchant(by=SYSTEM, org=tree.grassroots, name="商户2")
    three = show(client, changelist("benefits_merchant"))
    assert [shown(one), shown(three)] == [["商户0"], ["商户0", "商户1", "商户2"]]
    assert_queries(6, one, three)


def test_a_template_fills_the_form_and_the_draft_remembers_it(tree, personas, console):
    client = console(personas.city_cadre)
    page = client.get(CREATE + "?template=summer_relief")
    assert page.context["form"].initial["employment_forms"] == ["gig"]
    assert "已按“夏季送清凉”模板填好" in page.content.decode()
    initial = page.context["form"].initial
    data = {k: v for k, v in initial.items() if k not in ("audience", "valid_until")}
    data.update(org=tree.jinan.pk, stock="300", valid_until=f"{initial['valid_until']:%Y-%m-%d}", save="1",
                results="after_close")
    client.post(CREATE, data)
    activity = Activity.objects.get()
    assert (activity.template, activity.title, activity.daily_limit, activity.audience, activity.stock) == (
        "summer_relief", "夏日送清凉券", 1, {"employment_forms": ["gig"]}, 300)


def test_birthday_benefit_is_enabled_for_an_org_in_scope(tree, personas, console):
    client = console(personas.city_cadre)
    url = reverse("console:benefits_birthday")
    client.post(url, {"org": tree.jinan.pk, "enabled": "on", "title": "生日慰问券", "face_value": "蛋糕券",
                      "valid_days": "30"})
    programme = BirthdayProgramme.objects.get()
    assert (programme.org_id, programme.enabled, programme.valid_days) == (tree.jinan.pk, True, 30)
    assert "已启用" in client.get(url).content.decode()
    refused = console(personas.other_city_cadre).post(url, {"org": tree.jinan.pk, "title": "x", "valid_days": "30"})
    assert "请选择管辖范围内的工会" in refused.content.decode()
    assert "尚未设置" in console(personas.other_city_cadre).get(url).content.decode()


def _png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_vote_options_get_pictures_served_to_members(tree, personas, console, client):
    activity = services.create_activity(by=SYSTEM, org=tree.jinan, kind="vote", title="最美职工",
                                        starts_at=timezone.now(), ends_at=timezone.now() + dt.timedelta(days=1))
    first, _ = services.set_options(activity, ["甲", "乙"], by=SYSTEM)
    url = reverse("console:benefits_activity_option_image", args=[activity.pk, first.pk])
    cadre = console(personas.city_cadre)
    cadre.post(url, {"image": SimpleUploadedFile("a.png", _png(), content_type="image/png")})
    first.refresh_from_db()
    assert re.fullmatch(rf"benefits/options/\d{{4}}/\d{{2}}/option-{first.pk}(_\w+)?\.png", first.image.name)
    assert client.get(first.image_url).status_code == 404  # a draft's pictures are not public yet
    services.publish_activity(activity, by=SYSTEM)
    served = client.get(first.image_url)
    assert (served.status_code, served["Content-Type"], b"".join(served.streaming_content)) == (
        200, "image/png", _png())
    cadre.post(url, {"image": SimpleUploadedFile("a.png", b"not a picture", content_type="image/png")})
    messages = [str(m) for m in list(cadre.get(reverse("console:benefits_activity_detail",
                                                       args=[activity.pk])).context["messages"])]
    assert messages == ["已更新选项“甲”的图片", "图片应为 JPG、PNG 或 WebP 格式"]
    assert AuditEvent.objects.filter(action="benefits.activity.set_option_image").count() == 1
