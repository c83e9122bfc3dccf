"""The Chinese labels of the editorial audit actions and the words for their data (core.audit)."""

from __future__ import annotations

from smartunion.core.audit import register_actions, register_data_labels

register_actions({
    "editorial.sensitive_word.create": "添加敏感词",
    "editorial.sensitive_word.update": "修改敏感词",
    "editorial.sensitive_word.import": "导入敏感词",
    "editorial.allowed_context.create": "添加敏感词允许上下文",
    "editorial.allowed_context.delete": "删除敏感词允许上下文",
})
register_data_labels({
    "word": "敏感词", "category": "类别", "level": "级别", "suggestion": "建议改为", "active": "启用",
    "context": "允许的上下文", "created": "新增", "updated": "更新", "unchanged": "未变", "rejected": "未导入",
}, values={
    "level": {"block": "禁用", "warn": "提示"},
    "category": {"political": "政治有害", "pornography": "色情低俗", "violence": "暴恐", "illegal": "违法违规",
                 "abuse": "辱骂", "advertising": "广告营销", "wording": "不规范表述", "other": "其他"},
})
