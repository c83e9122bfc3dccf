"""The platforms' adapters against a local server pretending to be each platform (tests/editorial/
editorial_platform_fake.py): the exact requests they make, a retryable error then a retry that posts once, a refusal
that is not retried, withdrawal, the refusal when the platform is not configured, the website's signature, and
Douyin refusing an article without images."""

import hashlib
import hmac
import json

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import override_settings
from tests.editorial.editorial_platform_fake import serve

from smartunion.core.actors import SYSTEM
from smartunion.editorial import sensitive
from smartunion.editorial.channels import ChannelError, adapter_for
from smartunion.editorial.models import Publication
from smartunion.editorial.services.articles import create_article, step
from smartunion.editorial.services.publishing import deliver, publish, register_channel, withdraw_everywhere

P = Publication.Status


@pytest.fixture
def platform():
    fake, server = serve()
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def article(tree):
    sensitive.word_list_changed()
    made = create_article(by=SYSTEM, org=tree.jinan, title="职工运动会开幕", summary="三千名职工参加",
                          body="<p>正文</p>", author="济南市总工会").article
    for action in ("submit", "pass_first", "pass_final", "sign"):
        made = step(made, action, by=SYSTEM)
    return made


def channel(tree, kind, **fields):
    return register_channel(by=SYSTEM, org=tree.jinan, kind=kind, name=f"济南工会{kind}", **fields)


def again(publication):
    """The automatic retry, as the retry job makes it."""
    return deliver(Publication.objects.get(pk=publication.pk))


# WeChat --------------------------------------------------------------------------------------------------------------

def test_wechat_uploads_the_draft_once_and_a_busy_submit_is_retried(tree, article, platform):
    wechat = channel(tree, "wechat", config={"appid": "wx123", "thumb_media_id": "THUMB"}, secret="app-secret")
    platform.answer("/cgi-bin/token", (200, {"access_token": "TOKEN", "expires_in": 7200}))
    platform.answer("/cgi-bin/draft/add", (200, {"media_id": "DRAFT1"}))
    platform.answer("/cgi-bin/freepublish/submit", (200, {"errcode": -1, "errmsg": "system error"}),
                    (200, {"errcode": 0, "errmsg": "ok", "publish_id": 2247483647}))
    with override_settings(EDITORIAL_WECHAT_API=platform.url):
        first = publish(article, by=SYSTEM, channels=[wechat])[0]
        assert (first.status, first.last_error, first.state) == (P.FAILED, "微信返回错误 -1：system error",
                                                                 {"media_id": "DRAFT1"})
        assert first.next_attempt_at is not None
        sent = again(first)
    assert (sent.status, sent.external_id, sent.state) == (P.SENT, "2247483647",
                                                           {"media_id": "DRAFT1", "publish_id": "2247483647"})
    token = platform.calls("/cgi-bin/token")[0]
    assert (token.method, token.query) == ("GET", {"grant_type": "client_credential", "appid": "wx123",
                                                   "secret": "app-secret"})
    [draft] = platform.calls("/cgi-bin/draft/add")
    assert draft.query == {"access_token": "TOKEN"}
    assert draft.json == {"articles": [{"title": "职工运动会开幕", "author": "济南市总工会", "digest": "三千名职工参加",
                                        "content": "<p>正文</p>", "content_source_url": "",
                                        "thumb_media_id": "THUMB", "need_open_comment": 0}]}
    assert [c.json for c in platform.calls("/cgi-bin/freepublish/submit")] == [{"media_id": "DRAFT1"}] * 2


def test_wechat_bad_credentials_are_not_retried_and_withdraw_deletes(tree, article, platform):
    wechat = channel(tree, "wechat", config={"appid": "wx123"}, secret="wrong")
    platform.answer("/cgi-bin/token", (200, {"errcode": 40125, "errmsg": "invalid appsecret"}))
    with override_settings(EDITORIAL_WECHAT_API=platform.url):
        failed = publish(article, by=SYSTEM, channels=[wechat])[0]
    assert (failed.status, failed.last_error, failed.next_attempt_at) == (
        P.FAILED, "微信返回错误 40125：invalid appsecret", None)
    assert platform.calls("/cgi-bin/draft/add") == []
    # Sent earlier, with the article id the platform reported: withdrawn by freepublish/delete.
    Publication.objects.filter(pk=failed.pk).update(status=P.SENT, state={"article_id": "ART9"})
    platform.answer("/cgi-bin/token", (200, {"access_token": "TOKEN"}))
    platform.answer("/cgi-bin/freepublish/delete", (200, {"errcode": 0, "errmsg": "ok"}))
    with override_settings(EDITORIAL_WECHAT_API=platform.url):
        assert withdraw_everywhere(article, by=SYSTEM) == {"withdrawn": 1, "failed": 0}
    [delete] = platform.calls("/cgi-bin/freepublish/delete")
    assert (delete.query, delete.json) == ({"access_token": "TOKEN"}, {"article_id": "ART9", "index": 0})


def test_wechat_withdraw_asks_for_the_article_id_of_the_publish(tree, article, platform):
    wechat = channel(tree, "wechat", config={"appid": "wx123"}, secret="app-secret")
    publication = Publication.objects.create(article=article, channel=wechat, org_path=article.org_path,
                                             idempotency_key="k1", status=P.SENT, external_id="2247483647",
                                             state={"media_id": "DRAFT1", "publish_id": "2247483647"})
    platform.answer("/cgi-bin/token", (200, {"access_token": "TOKEN"}))
    platform.answer("/cgi-bin/freepublish/get", (200, {"publish_id": "2247483647", "publish_status": 1}),
                    (200, {"publish_id": "2247483647", "publish_status": 0, "article_id": "ART7"}))
    platform.answer("/cgi-bin/freepublish/delete", (200, {"errcode": 0, "errmsg": "ok"}))
    adapter = adapter_for("wechat")
    with override_settings(EDITORIAL_WECHAT_API=platform.url):
        with pytest.raises(ChannelError) as publishing:  # still being published: no article id yet
            adapter.withdraw(wechat, publication)
        assert publishing.value.message == "微信尚未返回已发布文章的ID（article_id），请在公众号后台删除"
        adapter.withdraw(wechat, publication)
    assert [c.json for c in platform.calls("/cgi-bin/freepublish/get")] == [{"publish_id": "2247483647"}] * 2
    assert [c.json for c in platform.calls("/cgi-bin/freepublish/delete")] == [{"article_id": "ART7", "index": 0}]


def test_wechat_unset_is_refused_clearly(tree, article):
    wechat = channel(tree, "wechat", config={"appid": "wx123"}, secret="s")
    with override_settings(EDITORIAL_WECHAT_API=""):
        failed = publish(article, by=SYSTEM, channels=[wechat])[0]
    assert (failed.status, failed.last_error, failed.next_attempt_at) == (
        P.FAILED, "未配置微信公众号接口地址（EDITORIAL_WECHAT_API），无法发布到微信公众号", None)


# Weibo ---------------------------------------------------------------------------------------------------------------

def weibo_channel(tree):
    return channel(tree, "weibo", account="5678", secret="2.00WEIBOTOKEN",
                   config={"link_base": "https://gh.example.cn", "rip": "203.0.113.7"})


def test_weibo_shares_text_with_the_portal_link_and_a_rate_limit_is_retried(tree, article, platform):
    weibo = weibo_channel(tree)
    platform.answer("/2/statuses/share.json",
                    (403, {"request": "/2/statuses/share.json", "error_code": 10023,
                           "error": "User requests out of rate limit!"}),
                    (200, {"id": 4900000000000001, "idstr": "4900000000000001", "text": "..."}))
    platform.answer("/2/statuses/user_timeline.json", (200, {"statuses": []}))
    with override_settings(EDITORIAL_WEIBO_API=platform.url):
        first = publish(article, by=SYSTEM, channels=[weibo])[0]
        assert (first.status, first.last_error, first.state) == (
            P.FAILED, "微博返回错误 10023：User requests out of rate limit!", {})
        assert first.next_attempt_at is not None
        sent = again(first)
    assert (sent.status, sent.external_id, sent.external_url) == (
        P.SENT, "4900000000000001", "https://weibo.com/5678/4900000000000001")
    shares = platform.calls("/2/statuses/share.json", "POST")
    assert [s.form for s in shares] == [{
        "access_token": "2.00WEIBOTOKEN", "rip": "203.0.113.7",
        "status": f"职工运动会开幕：三千名职工参加 https://gh.example.cn/news/{article.pk}/"}] * 2
    # The refusal said nothing was posted: the retry did not need to look for an earlier post.
    assert platform.calls("/2/statuses/user_timeline.json") == []


def test_weibo_answer_lost_the_retry_finds_the_post_instead_of_posting_twice(tree, article, platform):
    weibo = weibo_channel(tree)
    posted = []

    def share(request):
        posted.append(request.form["status"])
        return 502, "<html>Bad Gateway</html>"  # posted, but the answer never arrives

    platform.answer("/2/statuses/share.json", share)
    platform.answer("/2/statuses/user_timeline.json", lambda request: (200, {"statuses": [
        {"idstr": "111", "text": "别的微博"},
        {"idstr": "4900000000000002", "text": f"{posted[0].split(' http')[0]} http://t.cn/A6abcd"}]}))
    with override_settings(EDITORIAL_WEIBO_API=platform.url):
        first = publish(article, by=SYSTEM, channels=[weibo])[0]
        assert (first.status, first.last_error, first.state) == (
            P.FAILED, "微博接口返回了无法识别的内容（HTTP 502）", {"share_tried": True})
        sent = again(first)
    assert (sent.status, sent.external_id) == (P.SENT, "4900000000000002")
    assert len(posted) == 1
    [lookup] = platform.calls("/2/statuses/user_timeline.json", "GET")
    assert lookup.query == {"access_token": "2.00WEIBOTOKEN", "count": "20", "trim_user": "1", "uid": "5678"}


def test_weibo_expired_token_is_not_retried_and_withdraw_destroys(tree, article, platform):
    weibo = weibo_channel(tree)
    platform.answer("/2/statuses/share.json", (403, {"error_code": 21327, "error": "expired_token"}))
    with override_settings(EDITORIAL_WEIBO_API=platform.url):
        failed = publish(article, by=SYSTEM, channels=[weibo])[0]
    assert (failed.status, failed.last_error, failed.next_attempt_at) == (
        P.FAILED, "微博授权无效或已过期（21327），请重新授权并更新渠道的接口密钥", None)
    Publication.objects.filter(pk=failed.pk).update(status=P.SENT, external_id="4900000000000003")
    platform.answer("/2/statuses/destroy.json", (200, {"idstr": "4900000000000003"}))
    with override_settings(EDITORIAL_WEIBO_API=platform.url):
        assert withdraw_everywhere(article, by=SYSTEM) == {"withdrawn": 1, "failed": 0}
    [destroy] = platform.calls("/2/statuses/destroy.json", "POST")
    assert destroy.form == {"access_token": "2.00WEIBOTOKEN", "id": "4900000000000003"}


def test_weibo_withdraw_of_a_post_already_gone_counts_and_other_refusals_do_not(tree, article, platform):
    weibo = weibo_channel(tree)
    publication = Publication.objects.create(article=article, channel=weibo, org_path=article.org_path,
                                             idempotency_key="k1", status=P.SENT, external_id="1")
    adapter = adapter_for("weibo")
    with override_settings(EDITORIAL_WEIBO_API=platform.url):
        platform.answer("/2/statuses/destroy.json",
                        (400, {"error_code": 20101, "error": "Target weibo does not exist!"}))
        adapter.withdraw(weibo, publication)
        platform.answer("/2/statuses/destroy.json", (400, {"error_code": 20102, "error": "Not your own weibo!"}))
        with pytest.raises(ChannelError) as refused:
            adapter.withdraw(weibo, publication)
    assert (refused.value.message, refused.value.retryable) == ("微博返回错误 20102：Not your own weibo!", False)


def test_weibo_needs_the_portal_address_and_unset_is_refused(tree, article, platform):
    weibo = channel(tree, "weibo", secret="t")
    with override_settings(EDITORIAL_WEIBO_API=""):
        unset = publish(article, by=SYSTEM, channels=[weibo])[0]
    assert (unset.last_error, unset.next_attempt_at) == ("本平台尚未接入微博的发布接口，请联系平台管理员配置", None)
    with override_settings(EDITORIAL_WEIBO_API=platform.url):
        no_link = again(unset)
    assert (no_link.last_error, no_link.next_attempt_at) == (
        "微博只能分享带有安全域名链接的内容：请在渠道的接口配置中填写门户的公网地址（link_base）", None)
    assert platform.seen == []


# 头条号 --------------------------------------------------------------------------------------------------------------

def test_toutiao_posts_the_article_and_a_busy_answer_is_retried(tree, article, platform):
    toutiao = channel(tree, "toutiao", config={"client_key": "ck1"}, secret="tt-token")
    platform.answer("/open/new_article_post/",
                    (200, {"message": "error", "data": {"error_code": 10009, "description": "发文过于频繁"}}),
                    (200, {"message": "success", "data": {"pgc_id": "7300000000000000001"}}))
    with override_settings(EDITORIAL_TOUTIAO_API=platform.url):
        first = publish(article, by=SYSTEM, channels=[toutiao])[0]
        assert (first.status, first.last_error) == (P.FAILED, "头条号返回错误 10009：发文过于频繁")
        assert first.next_attempt_at is not None
        sent = again(first)
        assert again(sent).status == P.SENT  # already sent: nothing is posted again
    assert (sent.status, sent.external_id, sent.external_url) == (
        P.SENT, "7300000000000000001", "https://www.toutiao.com/item/7300000000000000001/")
    posts = platform.calls("/open/new_article_post/", "POST")
    assert [p.form for p in posts] == [{
        "access_token": "tt-token", "client_key": "ck1", "title": "职工运动会开幕", "content": "<p>正文</p>",
        "abstract": "三千名职工参加", "save": "1", "article_ad_type": "3"}] * 2
    assert {p.headers["idempotency-key"] for p in posts} == {first.idempotency_key}


def test_toutiao_refusal_withdraw_and_unset(tree, article, platform):
    toutiao = channel(tree, "toutiao", config={"client_key": "ck1"}, secret="tt-token")
    platform.answer("/open/new_article_post/",
                    (200, {"message": "error", "data": {"error_code": 10003, "description": "token expired"}}))
    with override_settings(EDITORIAL_TOUTIAO_API=platform.url):
        failed = publish(article, by=SYSTEM, channels=[toutiao])[0]
    assert (failed.last_error, failed.next_attempt_at) == (
        "头条号授权无效或已过期（10003），请重新授权并更新渠道的接口密钥", None)
    Publication.objects.filter(pk=failed.pk).update(status=P.SENT, external_id="7300000000000000002")
    platform.answer("/open/article/delete/", (200, {"message": "success"}))
    with override_settings(EDITORIAL_TOUTIAO_API=platform.url):
        assert withdraw_everywhere(article, by=SYSTEM) == {"withdrawn": 1, "failed": 0}
    [delete] = platform.calls("/open/article/delete/")
    assert delete.form == {"access_token": "tt-token", "client_key": "ck1", "pgc_id": "7300000000000000002"}
    with override_settings(EDITORIAL_TOUTIAO_API=""), pytest.raises(ChannelError) as unset:
        adapter_for("toutiao").publish(toutiao, article, key="k", state={})
    assert (unset.value.message, unset.value.retryable) == (
        "本平台尚未接入头条号的发布接口，请联系平台管理员配置", False)


# 抖音 ----------------------------------------------------------------------------------------------------------------

def with_cover(article):
    article.cover.save("cover.png", ContentFile(b"\x89PNG\r\n\x1a\nfake-image-bytes"), save=True)
    return article


def test_douyin_uploads_the_cover_once_and_retries_the_busy_create(tree, article, platform):
    douyin = channel(tree, "douyin", config={"open_id": "OPEN1"}, secret="act.TOKEN")
    with_cover(article)
    platform.answer("/image/upload/", (200, {"data": {"error_code": 0, "description": "",
                                                      "image": {"image_id": "IMG1", "width": 1, "height": 1}},
                                             "extra": {"error_code": 0}}))
    platform.answer("/image/create/", (200, {"data": {"error_code": 2100004, "description": "系统繁忙"}}),
                    (200, {"data": {"error_code": 0, "description": "", "item_id": "@ITEM1"}}))
    with override_settings(EDITORIAL_DOUYIN_API=platform.url):
        first = publish(article, by=SYSTEM, channels=[douyin])[0]
        assert (first.status, first.last_error, first.state) == (P.FAILED, "抖音返回错误 2100004：系统繁忙",
                                                                 {"image_id": "IMG1"})
        sent = again(first)
    assert (sent.status, sent.external_id, sent.state) == (P.SENT, "@ITEM1", {"image_id": "IMG1", "item_id": "@ITEM1"})
    [upload] = platform.calls("/image/upload/", "POST")
    assert (upload.query, upload.headers["access-token"]) == ({"open_id": "OPEN1"}, "act.TOKEN")
    assert upload.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert b'name="image"; filename="cover' in upload.body and b"fake-image-bytes" in upload.body
    creates = platform.calls("/image/create/", "POST")
    assert [(c.query, c.json) for c in creates] == [({"open_id": "OPEN1"},
                                                     {"image_id": "IMG1", "text": "职工运动会开幕"})] * 2


def test_douyin_without_a_cover_posts_the_first_image_stored_on_the_site(tree, article, platform):
    douyin = channel(tree, "douyin", config={"open_id": "OPEN1"}, secret="act.TOKEN")
    stored = default_storage.save("editorial/body/2026/11/photo.jpg", ContentFile(b"jpeg-bytes-of-the-photo"))
    body = (f'<p>正文</p><img src="https://example.org/elsewhere.png"><img alt="现场" '
            f'src="{settings.MEDIA_URL}{stored}">')
    type(article).objects.filter(pk=article.pk).update(body=body)
    article.refresh_from_db()
    platform.answer("/image/upload/", (200, {"data": {"error_code": 0, "image": {"image_id": "IMG2"}}}))
    platform.answer("/image/create/", (200, {"data": {"error_code": 0, "item_id": "@ITEM2"}}))
    with override_settings(EDITORIAL_DOUYIN_API=platform.url):
        sent = adapter_for("douyin").publish(douyin, article, key="k", state={})
    assert sent.external_id == "@ITEM2"
    [upload] = platform.calls("/image/upload/")
    assert b'filename="photo' in upload.body and b"Content-Type: image/jpeg" in upload.body
    assert b"jpeg-bytes-of-the-photo" in upload.body


def test_douyin_refuses_an_article_without_images(tree, article, platform):
    douyin = channel(tree, "douyin", config={"open_id": "OPEN1"}, secret="act.TOKEN")
    with override_settings(EDITORIAL_DOUYIN_API=platform.url):
        failed = publish(article, by=SYSTEM, channels=[douyin])[0]
    assert (failed.status, failed.last_error, failed.next_attempt_at) == (
        P.FAILED, "抖音只能发布视频或图文作品：这篇稿件没有封面图或正文图片，不能发布到抖音", None)
    assert platform.seen == []


def test_douyin_expired_token_withdraw_and_unset(tree, article, platform):
    douyin = channel(tree, "douyin", config={"open_id": "OPEN1"}, secret="act.OLD")
    with_cover(article)
    platform.answer("/image/upload/", (200, {"data": {"error_code": 2190008, "description": "access_token过期"}}))
    with override_settings(EDITORIAL_DOUYIN_API=platform.url):
        failed = publish(article, by=SYSTEM, channels=[douyin])[0]
    assert (failed.last_error, failed.next_attempt_at, failed.state) == (
        "抖音授权无效或已过期（2190008），请重新授权并更新渠道的接口密钥", None, {})
    Publication.objects.filter(pk=failed.pk).update(status=P.SENT, external_id="@ITEM9")
    platform.answer("/video/delete/", (200, {"data": {"error_code": 0, "description": ""}}))
    with override_settings(EDITORIAL_DOUYIN_API=platform.url):
        assert withdraw_everywhere(article, by=SYSTEM) == {"withdrawn": 1, "failed": 0}
    [delete] = platform.calls("/video/delete/")
    assert (delete.query, delete.json) == ({"open_id": "OPEN1"}, {"item_id": "@ITEM9"})
    with override_settings(EDITORIAL_DOUYIN_API=""), pytest.raises(ChannelError) as unset:
        adapter_for("douyin").publish(douyin, article, key="k", state={})
    assert (unset.value.message, unset.value.retryable) == ("本平台尚未接入抖音的发布接口，请联系平台管理员配置", False)


# Website (signed webhook) --------------------------------------------------------------------------------------------

def verify(request, secret: str) -> bool:
    expected = hmac.new(secret.encode(), request.headers["x-smartunion-timestamp"].encode() + b"." + request.body,
                        hashlib.sha256).hexdigest()
    return hmac.compare_digest(request.headers["x-smartunion-signature"], f"sha256={expected}")


def test_website_webhook_is_signed_keyed_and_retried_after_a_server_error(tree, article, platform):
    site = channel(tree, "website", config={"url": f"{platform.url}/hook", "link_base": "https://gh.example.cn"},
                   secret="webhook-secret")
    platform.answer("/hook", (503, {"error": "维护中"}),
                    (201, {"id": "site-42", "url": "https://www.example.org/news/42"}))
    first = publish(article, by=SYSTEM, channels=[site])[0]
    assert (first.status, first.last_error) == (P.FAILED, "网站返回错误 HTTP 503：维护中")
    assert first.next_attempt_at is not None
    sent = again(first)
    assert (sent.status, sent.external_id, sent.external_url) == (P.SENT, "site-42", "https://www.example.org/news/42")
    posts = platform.calls("/hook", "POST")
    assert len(posts) == 2
    for post in posts:
        assert verify(post, "webhook-secret")
        assert not verify(post, "another-secret")
        assert post.headers["idempotency-key"] == first.idempotency_key
    assert posts[0].body == posts[1].body
    assert posts[0].json == {"action": "publish", "idempotency_key": first.idempotency_key, "article": {
        "id": article.pk, "title": "职工运动会开幕", "summary": "三千名职工参加", "author": "济南市总工会",
        "body": "<p>正文</p>", "tags": [], "origin": "original", "source": "", "source_url": "", "cover": "",
        "published_at": article.published_at.isoformat(),
        "portal_url": f"https://gh.example.cn/news/{article.pk}/"}}


def test_website_refusal_withdraw_and_missing_configuration(tree, article, platform):
    site = channel(tree, "website", config={"url": f"{platform.url}/hook"}, secret="webhook-secret")
    platform.answer("/hook", (422, {"message": "栏目不存在"}))
    failed = publish(article, by=SYSTEM, channels=[site])[0]
    assert (failed.last_error, failed.next_attempt_at) == ("网站返回错误 HTTP 422：栏目不存在", None)
    Publication.objects.filter(pk=failed.pk).update(status=P.SENT, external_id="site-43")
    platform.answer("/hook", (200, {}))
    assert withdraw_everywhere(article, by=SYSTEM) == {"withdrawn": 1, "failed": 0}
    withdraw = platform.calls("/hook")[-1]
    assert verify(withdraw, "webhook-secret")
    assert json.loads(withdraw.body) == {"action": "withdraw", "idempotency_key": failed.idempotency_key,
                                         "external_id": "site-43"}
    adapter = adapter_for("website")
    site.config = {}
    with pytest.raises(ChannelError) as missing:
        adapter.publish(site, article, key="k", state={})
    assert (missing.value.message, missing.value.retryable) == (
        "请在网站渠道的接口配置中填写接收稿件的地址（url，以 http:// 或 https:// 开头）", False)
    site.config, site.secret = {"url": f"{platform.url}/hook"}, ""
    with pytest.raises(ChannelError) as unsigned:
        adapter.publish(site, article, key="k", state={})
    assert unsigned.value.message == "请填写网站渠道的接口密钥（用于签名）"
