"""Audit labels of the office platform's exchange part (core.audit.register_actions): exchange (公文交换) and
incoming documents (收文)."""

from __future__ import annotations

from smartunion.core.audit import register_actions, register_data_labels

register_actions({
    "documents.exchange.send": "发送公文交换",
    "documents.exchange.urge": "催办交换公文签收",
    "documents.delivery.sign": "签收交换公文",
    "documents.delivery.return": "退回交换公文",
    "documents.incoming.register": "登记收文",
    "documents.incoming.propose": "收文拟办",
    "documents.incoming.instruct": "收文批办",
    "documents.incoming.assign": "收文分派承办",
    "documents.incoming.done": "收文办结",
    "documents.incoming.archive": "收文归档",
    "documents.incoming.circulate": "发起收文传阅",
    "documents.incoming.flag_overdue": "提醒超期收文",
    "documents.circulation.read": "阅知传阅收文",
})
register_data_labels({"document": "公文", "receivers": "接收单位数", "skipped": "跳过单位数"},
                     action="documents.exchange.send")
register_data_labels({"urged": "催办单位数"}, action="documents.exchange.urge")
register_data_labels({"exchange_id": "交换编号"}, action="documents.delivery.sign")
register_data_labels({"exchange_id": "交换编号", "reason": "退回原因"}, action="documents.delivery.return")
register_data_labels({"sender_name": "来文单位", "scan": "附扫描件"}, action="documents.incoming.register")
register_data_labels({"department_id": "承办部门", "handler_id": "承办人", "days": "办理期限（工作日）"},
                     action="documents.incoming.assign")
register_data_labels({"readers": "传阅人数", "skipped": "跳过人数"}, action="documents.incoming.circulate")
register_data_labels({"count": "超期件数"}, action="documents.incoming.flag_overdue")
