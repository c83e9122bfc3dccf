"""Demo integrator access (issue 13): one single sign-on client and one webhook in the demo province.

Called by demo/seeding.py after the org tree and the accounts:

    from smartunion.demo.seed_insight_access import build_access
    build_access(progress=progress)

- 济南市总工会 registers the OIDC client "济南职工服务平台" (redirect http://127.0.0.1:8001/callback; scopes 身份标识,
  姓名和用户名, 所在单位和职务), by its demo administrator (`jinan`) when there is one. The progress line prints the
  client id and secret: a demo only, so a developer can try the flow at once (a real registration shows the secret
  once on the console page).
- 济南市总工会 also has one inactive webhook to http://127.0.0.1:8002/webhook for case changes and join approvals:
  switch it on (and set INSIGHT_WEBHOOKS_ALLOW_PRIVATE=1) to watch deliveries on a local receiver.
"""

from __future__ import annotations

from smartunion.core.actors import SYSTEM
from smartunion.insight.services import access
from smartunion.orgs.models import Organisation, Position

CLIENT_NAME = "济南职工服务平台"
REDIRECT_URI = "http://127.0.0.1:8001/callback"
WEBHOOK_URL = "http://127.0.0.1:8002/webhook"


def _admin_of(org: Organisation):
    position = (Position.objects.filter(org=org, role=Position.Role.ADMINISTRATOR, user__is_active=True)
                .select_related("user").order_by("id").first())
    return position.user if position is not None else SYSTEM


def build_access(*, progress) -> dict:
    progress("正在登记单点登录应用和事件推送演示数据……")
    jinan = Organisation.objects.get(kind=Organisation.Kind.CITY, region_id="370100")
    profile, secret = access.register_client(
        org=jinan, name=CLIENT_NAME, redirect_uris=[REDIRECT_URI], scopes=["openid", "profile", "org"],
        description="济南市总工会职工服务平台（演示）", by=_admin_of(jinan))
    hook, _ = access.create_webhook(org=jinan, name="济南市工单系统（演示，未启用）", url=WEBHOOK_URL,
                                    events=["cases.case_changed", "members.join_approved"], active=False, by=SYSTEM,
                                    check_address=False)
    client_id = profile.application.client_id
    progress(f"单点登录应用：{CLIENT_NAME}（client_id {client_id}，client_secret {secret}，回调 {REDIRECT_URI}）；"
             f"事件推送：{hook.name}")
    return {"clients": 1, "client_id": client_id, "webhooks": 1}
