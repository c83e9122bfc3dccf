"""Audit labels of the API-key and open-data part (core.audit.register_actions / register_data_labels)."""

from smartunion.core.audit import register_actions, register_data_labels

register_actions({
    "insight.api_key.create": "创建接口密钥",
    "insight.api_key.revoke": "吊销接口密钥",
    "insight.national.export": "导出全国数据元格式数据",
    "insight.open_statistics.export": "下载开放统计数据",
})
_KEYS = {"name": "名称", "scopes": "权限范围", "rate_per_minute": "每分钟请求上限", "expires_at": "到期时间",
         "dataset": "数据集", "format": "格式", "rows": "行数", "clear_ids": "含完整身份证号", "reason": "事由",
         "via": "途径", "api_key": "接口密钥", "month": "月份", "region": "地区"}
for _action in ("insight.api_key.create", "insight.api_key.revoke", "insight.national.export",
                "insight.open_statistics.export"):
    register_data_labels(_KEYS, action=_action,
                         values={"via": {"console": "管理后台", "api": "开放接口", "command": "命令行"}})
