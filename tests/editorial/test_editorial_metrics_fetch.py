"""Channel figures fetched through the adapters (WeChat's datacube, Weibo's user and timeline) from a local fake
platform: the exact figures saved with source "adapter", a second run changing nothing, a day imported from an export
kept, one channel failing while the others get their figures, and the Celery task."""

import datetime as dt

import pytest
from django.test import override_settings
from tests.conftest import make_user
from tests.editorial.editorial_platform_fake import serve

from smartunion.core.actors import SYSTEM
from smartunion.core.errors import Forbidden
from smartunion.editorial.models import ChannelMetric
from smartunion.editorial.services.metrics import fetch_channel_metrics, import_rows
from smartunion.editorial.services.publishing import register_channel
from smartunion.editorial.tasks import fetch_metrics

DAY = dt.date(2026, 11, 20)
FIELDS = ("channel__name", "day", "source", "articles", "reads", "max_reads", "likes", "shares", "comments",
          "followers")


@pytest.fixture
def platform():
    fake, server = serve()
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def channels(tree, platform):
    def token(request):
        if request.query["appid"] == "wx-bad":
            return 200, {"errcode": 40125, "errmsg": "invalid appsecret"}
        return 200, {"access_token": f"TOKEN-{request.query['appid']}", "expires_in": 7200}

    platform.answer("/cgi-bin/token", token)
    platform.answer("/datacube/getarticlesummary", (200, {"list": [
        {"ref_date": "2026-11-20", "msgid": "1000_1", "title": "职工运动会开幕", "int_page_read_count": 1200,
         "int_page_read_user": 1000, "share_count": 40, "share_user": 30},
        {"ref_date": "2026-11-20", "msgid": "999_1", "title": "送温暖", "int_page_read_count": 300,
         "int_page_read_user": 280, "share_count": 5, "share_user": 5}]}))
    platform.answer("/datacube/getusercumulate", (200, {"list": [{"ref_date": "2026-11-20", "user_source": 0,
                                                                  "cumulate_user": 8800}]}))
    platform.answer("/2/users/show.json", (200, {"id": 5678, "idstr": "5678", "followers_count": 5000}))
    platform.answer("/2/statuses/user_timeline.json", (200, {"statuses": [
        {"idstr": "3", "created_at": "Fri Nov 20 21:30:00 +0800 2026", "reposts_count": 12, "comments_count": 7,
         "attitudes_count": 90},
        {"idstr": "2", "created_at": "Fri Nov 20 00:10:00 +0800 2026", "reposts_count": 3, "comments_count": 1,
         "attitudes_count": 10},
        # 23:30 UTC on the 19th is 07:30 on the 20th in China: counted.
        {"idstr": "1", "created_at": "Thu Nov 19 23:30:00 +0000 2026", "reposts_count": 1, "comments_count": 0,
         "attitudes_count": 2},
        {"idstr": "0", "created_at": "Thu Nov 19 23:50:00 +0800 2026", "reposts_count": 50, "comments_count": 50,
         "attitudes_count": 50}]}))

    def make(kind, name, **fields):
        return register_channel(by=SYSTEM, org=tree.jinan, kind=kind, name=name, **fields)

    made = {
        "wechat": make("wechat", "济南工会", config={"appid": "wx-good"}, secret="s"),
        "weibo": make("weibo", "济南工会微博", account="5678", secret="2.00TOKEN"),
        "broken": make("wechat", "历下工会", config={"appid": "wx-bad"}, secret="wrong"),
        "imported": make("wechat", "青岛工会", config={"appid": "wx-imported"}, secret="s"),
        "off": make("wechat", "停用的公众号", config={"appid": "wx-off"}, secret="s"),
        "toutiao": make("toutiao", "济南工会头条号", secret="t"),
        "recording": make("recording", "演示号"),
    }
    made["off"].active = False
    made["off"].save(update_fields=["active"])
    import_rows(made["imported"], [["日期", "阅读数", "粉丝数"], ["2026-11-20", "777", "1,000"]], by=SYSTEM)
    return made


def figures():
    return list(ChannelMetric.objects.order_by("channel__name").values_list(*FIELDS))


EXPECTED = [
    ("济南工会", DAY, "adapter", 2, 1500, 1200, 0, 45, 0, 8800),
    ("济南工会微博", DAY, "adapter", 3, 0, 0, 102, 16, 8, 5000),
    ("青岛工会", DAY, "import", 0, 777, 0, 0, 0, 0, 1000),
]


def test_fetch_saves_exact_figures_and_a_second_run_changes_nothing(channels, platform):
    with override_settings(EDITORIAL_WECHAT_API=platform.url, EDITORIAL_WEIBO_API=platform.url):
        report = fetch_channel_metrics(day=DAY, by=SYSTEM)
        assert (report.saved, report.unchanged, report.kept_imported) == (2, 0, 1)
        assert report.failed == [("历下工会", "微信返回错误 40125：invalid appsecret")]
        assert figures() == EXPECTED
        again = fetch_channel_metrics(day=DAY, by=SYSTEM)
    assert (again.saved, again.unchanged, again.kept_imported, len(again.failed)) == (0, 2, 1, 1)
    assert figures() == EXPECTED
    summary = platform.calls("/datacube/getarticlesummary")[0]
    assert (summary.method, summary.query, summary.json) == (
        "POST", {"access_token": "TOKEN-wx-good"}, {"begin_date": "2026-11-20", "end_date": "2026-11-20"})
    assert platform.calls("/datacube/getusercumulate")[0].json == {"begin_date": "2026-11-20",
                                                                   "end_date": "2026-11-20"}
    assert platform.calls("/2/users/show.json")[0].query == {"access_token": "2.00TOKEN", "uid": "5678"}
    # The channel imported from its export and the inactive one were not asked.
    assert {c.query["appid"] for c in platform.calls("/cgi-bin/token")} == {"wx-good", "wx-bad"}


def test_later_platform_figures_replace_the_fetched_day_and_one_failure_stops_nothing(channels, platform):
    with override_settings(EDITORIAL_WECHAT_API=platform.url, EDITORIAL_WEIBO_API=platform.url):
        fetch_channel_metrics(day=DAY, by=SYSTEM)
        # Weibo is down now; WeChat reports the day's final figures.
        platform.answer("/2/users/show.json", (503, {"error_code": 10003, "error": "Remote service error"}))
        platform.answer("/datacube/getusercumulate", (200, {"list": [{"ref_date": "2026-11-20",
                                                                      "cumulate_user": 8810}]}))
        report = fetch_channel_metrics(day=DAY, by=SYSTEM)
    assert (report.saved, report.unchanged, report.kept_imported) == (1, 0, 1)
    assert report.failed == [("济南工会微博", "微博返回错误 10003：Remote service error"),
                             ("历下工会", "微信返回错误 40125：invalid appsecret")]
    assert figures() == [("济南工会", DAY, "adapter", 2, 1500, 1200, 0, 45, 0, 8810), *EXPECTED[1:]]


def test_unset_platforms_are_reported_and_only_the_system_fetches(channels, platform):
    with override_settings(EDITORIAL_WECHAT_API="", EDITORIAL_WEIBO_API=""):
        report = fetch_channel_metrics(day=DAY, by=SYSTEM)
    assert report.failed == [
        ("济南工会", "未配置微信公众号接口地址（EDITORIAL_WECHAT_API），无法发布到微信公众号"),
        ("济南工会微博", "本平台尚未接入微博的发布接口，请联系平台管理员配置"),
        ("历下工会", "未配置微信公众号接口地址（EDITORIAL_WECHAT_API），无法发布到微信公众号")]
    assert figures() == EXPECTED[2:]
    with pytest.raises(Forbidden):
        fetch_channel_metrics(day=DAY, by=make_user("someone"))


def test_the_task_fetches_the_given_day_by_the_system(channels, platform):
    with override_settings(EDITORIAL_WECHAT_API=platform.url, EDITORIAL_WEIBO_API=platform.url):
        assert fetch_metrics("2026-11-20") == {"saved": 2, "unchanged": 0, "kept_imported": 1, "failed": 1}
        assert fetch_metrics.delay("2026-11-20").get() == {"saved": 0, "unchanged": 2, "kept_imported": 1,
                                                           "failed": 1}
    assert figures() == EXPECTED
