"""Audit labels of the integrator-access part: single sign-on clients and webhooks (core.audit)."""

from smartunion.core.audit import register_actions, register_data_labels

register_actions({
    "insight.oidc_client.register": "登记单点登录应用",
    "insight.oidc_client.revoke": "吊销单点登录应用",
    "insight.oidc_client.token_issue": "单点登录签发令牌",
    "insight.webhook.create": "登记事件推送地址",
    "insight.webhook.delete": "删除事件推送地址",
    "insight.webhook.resend": "重新推送事件",
})
_KEYS = {"client": "客户端标识", "scopes": "范围", "redirect_uris": "回调地址", "grant": "授权方式",
         "url": "接收地址", "events": "订阅事件", "delivery": "推送记录", "event_id": "事件编号", "name": "名称"}
for _action in ("oidc_client.register", "oidc_client.revoke", "oidc_client.token_issue", "webhook.create",
                "webhook.delete", "webhook.resend"):
    register_data_labels(_KEYS, action=f"insight.{_action}")
