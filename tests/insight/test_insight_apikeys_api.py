"""Integrator API keys: create (shown once, digest stored), use (X-Api-Key), scope refusal, revoke, expiry, the
rate limit (429 with Retry-After), the use counter (batched into the row) and the audit trail."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.test import Client
from django.utils import timezone

from smartunion.core.actors import SYSTEM
from smartunion.core.errors import Forbidden, Invalid
from smartunion.core.models import AuditEvent
from smartunion.insight import apikeys
from smartunion.insight.models import ApiKey
from smartunion.insight.services import open as services

pytestmark = pytest.mark.django_db
STATS = "/api/v1/open/statistics"


def make_key(org, *, scopes=("open:statistics",), rate=60, expires_at=None, by=SYSTEM):
    return services.create_key(org=org, name="数据共享平台", scopes=list(scopes), rate_per_minute=rate,
                               expires_at=expires_at, by=by)


def client(secret):
    return Client(headers={"X-Api-Key": secret})


def test_create_stores_only_the_digest_and_audits(tree, personas):
    key, secret = make_key(tree.province, by=personas.province_admin)
    assert secret.startswith(f"suk_{key.prefix}.")
    assert len(key.prefix) == 8
    assert key.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(ApiKey.objects.filter(pk=key.pk).values().get())
    event = AuditEvent.objects.get(action="insight.api_key.create")
    assert (event.target_id, event.org_path, event.actor_id) == (str(key.pk), tree.province.path,
                                                                 personas.province_admin.pk)
    assert event.data == {"name": "数据共享平台", "scopes": ["open:statistics"], "rate_per_minute": 60,
                          "expires_at": ""}
    assert secret not in str(event.data)


def test_who_may_create(tree, personas):
    with pytest.raises(Forbidden):
        make_key(tree.province, by=personas.city_cadre)  # not the province's administrator
    with pytest.raises(Forbidden):
        make_key(tree.lixia, by=personas.county_cadre)  # counties hold no keys
    key, _ = make_key(tree.jinan, by=personas.city_cadre)
    assert key.org == tree.jinan
    with pytest.raises(Invalid) as refused:
        services.create_key(org=tree.jinan, name="", scopes=["open:everything"], rate_per_minute=0, by=SYSTEM)
    assert refused.value.fields == {"name": "请填写名称", "scopes": "权限范围无效",
                                    "rate_per_minute": "每分钟请求上限应为1至6000"}


def test_use_scope_refusal_and_unknown_key(tree):
    _, secret = make_key(tree.province)
    assert client(secret).get(STATS).status_code == 200
    refused = client(secret).get("/api/v1/open/national/orgs")
    assert refused.status_code == 403
    assert refused.json() == {
        "code": "scope_missing", "fields": {},
        "message": "该接口密钥没有“全国数据元格式的会员和组织数据（含个人信息，仅限本单位及下级）”权限"}
    assert Client().get(STATS).status_code == 401
    assert client(secret[:-1] + ("A" if secret[-1] != "A" else "B")).get(STATS).status_code == 401
    assert client("Bearer nonsense").get(STATS).status_code == 401


def test_revoke_takes_effect_at_once_and_twice_is_refused(tree, personas):
    key, secret = make_key(tree.province)
    assert client(secret).get(STATS).status_code == 200
    with pytest.raises(Forbidden):
        services.revoke_key(key, by=personas.other_city_cadre)
    services.revoke_key(key, by=personas.province_admin)
    key.refresh_from_db()
    assert (key.active, key.revoked_at is not None) == (False, True)
    assert client(secret).get(STATS).status_code == 401
    with pytest.raises(Invalid):
        services.revoke_key(key, by=personas.province_admin)
    assert list(services.key_events(key).values_list("action", flat=True)) == [
        "insight.api_key.revoke", "insight.api_key.create"]


def test_expired_key_is_refused(tree):
    key, secret = make_key(tree.province, expires_at=timezone.now() + dt.timedelta(days=1))
    assert client(secret).get(STATS).status_code == 200
    ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client(secret).get(STATS).status_code == 401
    with pytest.raises(Invalid) as refused:
        make_key(tree.province, expires_at=timezone.now() - dt.timedelta(days=1))
    assert refused.value.fields == {"expires_at": "到期时间应晚于现在"}


def test_rate_limit_answers_429_with_retry_after(tree, monkeypatch):
    _, secret = make_key(tree.province, rate=3)
    monkeypatch.setattr(apikeys.time, "time", lambda: 1_800_000_015.0)  # 15 s into a minute window
    answers = [client(secret).get(STATS) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[3]["Retry-After"] == "45"
    assert answers[3].json() == {"code": "too_many_requests", "message": "请求过于频繁，请45秒后再试", "fields": {}}
    # The next window admits again.
    monkeypatch.setattr(apikeys.time, "time", lambda: 1_800_000_061.0)
    assert client(secret).get(STATS).status_code == 200


def test_uses_are_counted_without_a_write_per_request(tree, django_assert_num_queries):
    key, secret = make_key(tree.province)
    assert client(secret).get(STATS).status_code == 200  # the first use flushes (one UPDATE)
    key.refresh_from_db()
    assert key.uses == 1
    first_use = key.last_used_at
    assert first_use is not None
    for _ in range(3):
        client(secret).get(STATS)
    key.refresh_from_db()
    assert key.uses == 1  # pending in the cache until the next flush
    assert apikeys.pending_uses(key.pk) == 3
    # A use inside the flush window touches the cache only.
    with django_assert_num_queries(0):
        apikeys.record_use(key)
    assert apikeys.flush_usage() == 1
    key.refresh_from_db()
    assert (key.uses, apikeys.pending_uses(key.pk)) == (5, 0)
    assert key.last_used_at >= first_use
    assert apikeys.flush_usage() == 0


def test_the_beat_job_counts_the_uses_a_quiet_key_left_pending(tree, settings):
    from smartunion.insight.tasks import flush_api_key_usage

    key, secret = make_key(tree.province)
    for _ in range(3):
        assert client(secret).get(STATS).status_code == 200
    assert apikeys.pending_uses(key.pk) == 2  # the first use flushed itself; the key then falls quiet
    job = settings.CELERY_BEAT_SCHEDULE["insight-apikey-usage"]
    assert (job["task"], job["schedule"]) == (flush_api_key_usage.name, 300)
    assert flush_api_key_usage.delay().get() == 1
    key.refresh_from_db()
    assert (key.uses, apikeys.pending_uses(key.pk)) == (3, 0)


def test_an_api_key_is_not_a_bearer_token(tree, api, personas):
    _, secret = make_key(tree.province)
    assert Client(headers={"Authorization": f"Bearer {secret}"}).get(STATS).status_code == 401
    # A cadre's bearer token does not open the open-data endpoints either.
    assert api(personas.province_admin).get(STATS).status_code == 401
