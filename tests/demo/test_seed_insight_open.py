"""The demo API key (demo/seed_insight_open.py) on the test tree: created for the province, printed once, usable."""

import pytest
from django.test import Client

from smartunion.demo.seed_insight_open import build_open
from smartunion.insight.models import ApiKey

pytestmark = pytest.mark.django_db


def test_the_demo_key(tree, personas):
    messages = []
    made = build_open(progress=messages.append)
    key = ApiKey.objects.get()
    assert made == {"keys": 1, "key_id": key.pk, "secret": made["secret"]}
    assert (key.org, key.scopes, key.rate_per_minute, key.expires_at, key.created_by) == (
        tree.province, ["open:national", "open:statistics"], 120, None, personas.province_admin)
    assert messages == ["正在创建开放接口演示密钥……",
                        f"开放接口密钥：省政务数据共享交换平台（演示）（山东省总工会，X-Api-Key: {made['secret']}；"
                        "试用 GET /api/v1/open/statistics?format=csv）"]
    client = Client(headers={"X-Api-Key": made["secret"]})
    assert client.get("/api/v1/open/statistics").status_code == 200
    assert client.get("/api/v1/open/national/orgs").json()["count"] == 9
