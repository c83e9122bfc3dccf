"""Demo integrator API key (issue 13): one key of the demo province for the open-data endpoints.

Called by demo/seeding.py after the org tree and the accounts:

    from smartunion.demo.seed_insight_open import build_open
    build_open(progress=progress)

- 山东省总工会 gets the key "省政务数据共享交换平台（演示）" with both scopes (open:statistics, open:national), 120
  requests a minute, no expiry, created by the province's demo administrator when there is one. The progress line
  prints the key: a demo only, so a developer can call the endpoints at once
  (`curl -H "X-Api-Key: <key>" http://127.0.0.1:8000/api/v1/open/statistics?format=csv`); a real key is shown once
  on the console page 接口密钥 → 创建接口密钥.
"""

from __future__ import annotations

from smartunion.core.actors import SYSTEM
from smartunion.insight.rules_open import SCOPE_NATIONAL, SCOPE_STATISTICS
from smartunion.insight.services import open as services
from smartunion.orgs.models import Organisation, Position

KEY_NAME = "省政务数据共享交换平台（演示）"


def _admin_of(org: Organisation):
    position = (Position.objects.filter(org=org, role=Position.Role.ADMINISTRATOR, user__is_active=True)
                .select_related("user").order_by("id").first())
    return position.user if position is not None else SYSTEM


def build_open(*, progress) -> dict:
    progress("正在创建开放接口演示密钥……")
    province = Organisation.objects.filter(kind=Organisation.Kind.PROVINCE).order_by("path").first()
    if province is None:
        progress("没有省总工会，跳过开放接口演示密钥")
        return {"keys": 0}
    key, secret = services.create_key(org=province, name=KEY_NAME, scopes=[SCOPE_STATISTICS, SCOPE_NATIONAL],
                                      rate_per_minute=120, by=_admin_of(province))
    progress(f"开放接口密钥：{KEY_NAME}（{province.name}，X-Api-Key: {secret}；"
             "试用 GET /api/v1/open/statistics?format=csv）")
    return {"keys": 1, "key_id": key.pk, "secret": secret}
