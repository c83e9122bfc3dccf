"""The demo integrator access (demo/seed_insight_access.py) on the test tree."""

import pytest

from smartunion.demo.seed_insight_access import build_access
from smartunion.insight.models import ClientProfile, Webhook

pytestmark = pytest.mark.django_db


def test_the_demo_client_and_webhook(tree, personas):
    messages = []
    made = build_access(progress=messages.append)
    profile = ClientProfile.objects.select_related("application").get()
    assert made == {"clients": 1, "client_id": profile.application.client_id, "webhooks": 1}
    assert (profile.application.name, profile.org, profile.allowed_scopes, profile.application.redirect_uris,
            profile.created_by) == ("济南职工服务平台", tree.jinan, ["openid", "profile", "org"],
                                    "http://127.0.0.1:8001/callback", personas.city_cadre)
    hook = Webhook.objects.get()
    assert (hook.org, hook.url, hook.active, hook.events) == (
        tree.jinan, "http://127.0.0.1:8002/webhook", False, ["cases.case_changed", "members.join_approved"])
    assert messages[0] == "正在登记单点登录应用和事件推送演示数据……"
    assert messages[1].startswith(f"单点登录应用：济南职工服务平台（client_id {profile.application.client_id}，")
