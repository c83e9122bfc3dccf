"""One-click publishing to channels: each publication's status, the idempotency key honoured by the recording
platform, failures with the platform's message and backoff, the retry job run twice, bulk retry, withdrawal from
every channel with the article, and who may do it."""

import datetime as dt
from types import SimpleNamespace

import pytest
from tests.conftest import make_user

from smartunion.core.actors import SYSTEM
from smartunion.core.errors import Forbidden, Invalid, NotFound, StateError
from smartunion.editorial import sensitive
from smartunion.editorial.models import Channel, ChannelRecord, Publication
from smartunion.editorial.services.articles import create_article, step
from smartunion.editorial.services.publishing import (
    BACKOFF,
    deliver,
    portal_channel,
    publish,
    register_channel,
    retry_due,
    retry_failed,
)
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Position

P = Publication.Status


@pytest.fixture
def desk(tree):
    sensitive.word_list_changed()
    signer = make_user("signer")
    org_services.position_grant(user=signer, org=tree.jinan, role=Position.Role.SIGNER, by=SYSTEM)
    editor = make_user("editor")
    org_services.position_grant(user=editor, org=tree.jinan, role=Position.Role.EDITOR, by=SYSTEM)
    article = create_article(by=SYSTEM, org=tree.jinan, title="职工运动会开幕", body="<p>正文</p>").article
    for action in ("submit", "pass_first", "pass_final", "sign"):
        article = step(article, action, by=SYSTEM)
    return SimpleNamespace(
        signer=signer, editor=editor, article=article,
        recording=register_channel(by=SYSTEM, org=tree.jinan, kind="recording", name="济南工会演示号"),
        broken=register_channel(by=SYSTEM, org=tree.jinan, kind="recording", name="故障号",
                                config={"fail": "access_token 已过期"}),
        weibo=register_channel(by=SYSTEM, org=tree.jinan, kind="weibo", name="济南工会微博"),
        portal=portal_channel(tree.jinan),
    )


def test_one_click_publishes_to_each_channel_with_its_own_status(desk):
    results = publish(desk.article, by=desk.signer, channels=[desk.portal, desk.recording, desk.broken, desk.weibo])
    assert [(p.channel.name, p.status, p.last_error) for p in results] == [
        ("职工门户", P.SENT, ""), ("济南工会演示号", P.SENT, ""), ("故障号", P.FAILED, "access_token 已过期"),
        ("济南工会微博", P.FAILED, "本平台尚未接入微博的发布接口，请联系平台管理员配置")]
    portal, recorded, broken, weibo = results
    assert (portal.external_id, portal.external_url) == (str(desk.article.pk), f"/news/{desk.article.pk}/")
    record = ChannelRecord.objects.get()
    assert (recorded.external_id, record.title, record.idempotency_key) == (
        f"rec-{record.pk}", "职工运动会开幕", recorded.idempotency_key)
    assert (broken.attempts, broken.sent_at, broken.external_id) == (1, None, "")
    assert broken.next_attempt_at is not None  # retryable: tried again automatically
    assert weibo.next_attempt_at is None  # not retryable: no automatic retry


def test_the_same_key_never_posts_twice(desk):
    publication = publish(desk.article, by=desk.signer, channels=[desk.recording])[0]
    # As if the answer was lost and the attempt is made again with the same key.
    Publication.objects.filter(pk=publication.pk).update(status=P.FAILED)
    again = deliver(publication)
    assert (again.status, again.external_id) == (P.SENT, publication.external_id)
    assert ChannelRecord.objects.count() == 1
    # Publishing again to a channel already sent to leaves it alone.
    publish(desk.article, by=desk.signer, channels=[desk.recording])
    assert ChannelRecord.objects.count() == 1


def test_automatic_retries_back_off_and_the_job_run_twice_sends_once(desk):
    failed = publish(desk.article, by=desk.signer, channels=[desk.broken])[0]
    started = failed.next_attempt_at - BACKOFF[0]
    assert retry_due(by=SYSTEM, now=started + dt.timedelta(seconds=30)) == 0
    Channel.objects.filter(pk=desk.broken.pk).update(config={})  # the platform works again
    assert retry_due(by=SYSTEM, now=started + BACKOFF[0]) == 1
    assert retry_due(by=SYSTEM, now=started + BACKOFF[0]) == 0
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.last_error) == (P.SENT, 2, "")
    assert ChannelRecord.objects.count() == 1


def test_backoff_grows_and_stops_after_the_last_attempt(desk):
    publication = publish(desk.article, by=desk.signer, channels=[desk.broken])[0]
    gaps = []
    for _ in range(len(BACKOFF)):
        now = publication.next_attempt_at
        publication = deliver(publication, now=now)
        gaps.append(publication.next_attempt_at - now if publication.next_attempt_at else None)
    assert gaps == [*BACKOFF[1:], None]
    assert (publication.attempts, publication.status) == (6, P.FAILED)


def test_bulk_retry_by_a_signer(desk):
    failed = publish(desk.article, by=desk.signer, channels=[desk.broken, desk.weibo])
    Channel.objects.filter(pk=desk.broken.pk).update(config={})
    with pytest.raises(Forbidden):
        retry_failed(Publication.objects.filter(status=P.FAILED), by=desk.editor)
    assert retry_failed(Publication.objects.filter(status=P.FAILED).order_by("id"), by=desk.signer) == 1
    assert sorted(Publication.objects.values_list("channel__name", "status")) == [
        ("故障号", P.SENT), ("济南工会微博", P.FAILED)]
    assert len(failed) == 2


def test_withdrawing_the_article_withdraws_it_everywhere(desk):
    publish(desk.article, by=desk.signer, channels=[desk.portal, desk.recording, desk.broken])
    article = step(desk.article, "withdraw", by=desk.signer, note="数据有误")
    assert article.status == "withdrawn"
    assert sorted(Publication.objects.values_list("channel__name", "status")) == [
        ("故障号", P.WITHDRAWN), ("济南工会演示号", P.WITHDRAWN), ("职工门户", P.WITHDRAWN)]
    assert list(ChannelRecord.objects.values_list("action", flat=True)) == ["publish", "withdraw"]


def test_only_published_articles_of_the_org_go_to_its_active_channels(tree, desk):
    with pytest.raises(Forbidden):
        publish(desk.article, by=desk.editor, channels=[desk.recording])
    qingdao = register_channel(by=SYSTEM, org=tree.qingdao, kind="recording", name="青岛号")
    with pytest.raises(NotFound):
        publish(desk.article, by=desk.signer, channels=[qingdao])
    with pytest.raises(Invalid):
        publish(desk.article, by=desk.signer, channels=[])
    draft = create_article(by=SYSTEM, org=tree.jinan, title="草稿", body="<p>正文</p>").article
    with pytest.raises(StateError):
        publish(draft, by=desk.signer, channels=[desk.recording])


def test_channels_are_registered_by_managers_and_the_secret_is_not_logged(tree, personas):
    with pytest.raises(Forbidden):
        register_channel(by=personas.other_city_cadre, org=tree.jinan, kind="wechat", name="济南工会")
    channel = register_channel(by=personas.city_cadre, org=tree.jinan, kind="wechat", name="济南工会",
                               config={"appid": "wx123"}, secret="s3cret")
    assert Channel.objects.get(pk=channel.pk).secret == "s3cret"
    from smartunion.core.audit import AuditEvent

    assert AuditEvent.objects.get(action="editorial.channel.create").data == {"kind": "wechat", "name": "济南工会"}
    with pytest.raises(Invalid) as again:
        register_channel(by=personas.city_cadre, org=tree.jinan, kind="wechat", name="济南工会")
    assert again.value.fields == {"name": "本单位已登记同名的该平台账号"}
