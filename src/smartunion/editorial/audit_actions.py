"""The Chinese labels of the editorial audit actions and the words for their data (core.audit)."""

from __future__ import annotations

from smartunion.core.audit import register_actions, register_data_labels

register_actions({
    "editorial.sensitive_word.create": "添加敏感词",
    "editorial.sensitive_word.update": "修改敏感词",
    "editorial.sensitive_word.import": "导入敏感词",
    "editorial.allowed_context.create": "添加敏感词允许上下文",
    "editorial.allowed_context.delete": "删除敏感词允许上下文",
    "editorial.article.create": "新建稿件",
    "editorial.article.save": "修改稿件",
    "editorial.image.upload": "上传稿件图片",
    # ARTICLE_WORKFLOW's steps are editorial.article.<step>
    "editorial.article.submit": "稿件送审",
    "editorial.article.pass_first": "稿件初审通过",
    "editorial.article.pass_final": "稿件终审通过",
    "editorial.article.sign": "签发稿件",
    "editorial.article.send_back": "退回稿件修改",
    "editorial.article.publish": "发布稿件",
    "editorial.article.withdraw": "撤回稿件",
    "editorial.article.expire": "稿件到期下线",
    "editorial.article.redraft": "稿件重新编辑",
    "editorial.article.distribute": "稿件一键发布到渠道",
    "editorial.article.withdraw_channels": "从各渠道撤回稿件",
    "editorial.channel.create": "登记发布渠道",
    "editorial.publication.fail": "渠道发布失败",
    "editorial.publication.retry": "重试渠道发布",
    "editorial.pool.distribute": "下发稿件",
    "editorial.pool.republish": "转发下发的稿件",
    "editorial.pool.submit": "向上级报送稿件",
    "editorial.pool.adopt": "采用报送的稿件",
    "editorial.pool.decline": "不采用报送的稿件",
    "editorial.channel.import_metrics": "导入渠道数据",
    "editorial.ranking.export": "导出渠道传播力排行",
    "editorial.watch_rule.create": "新建舆情监测规则",
    "editorial.watch_rule.update": "修改舆情监测规则",
    "editorial.watch_hit.handle": "处理舆情信息",
    "editorial.feed_source.create": "登记舆情订阅源",
    "editorial.feed_source.fetch": "导入舆情订阅源",
    "editorial.comment.show": "显示文章评论",
    "editorial.comment.hide": "隐藏文章评论",
})
# Keys only this app's events carry, for all of them; shared key names are labelled per action below, so that
# another app's word for the same key is not replaced.
register_data_labels({
    "word": "敏感词", "suggestion": "建议改为", "context": "允许的上下文", "revision": "版本号",
    "changed": "修改的内容", "warnings": "提示词数", "channels": "渠道", "attempts": "已尝试次数",
    "error": "平台返回的错误",
}, values={
    "level": {"block": "禁用", "warn": "提示"},
    "category": {"political": "政治有害", "pornography": "色情低俗", "violence": "暴恐", "illegal": "违法违规",
                 "abuse": "辱骂", "advertising": "广告营销", "wording": "不规范表述", "other": "其他"},
})
register_data_labels({"kind": "平台", "name": "账号名称"}, action="editorial.channel.create",
                     values={"kind": {"portal": "职工门户", "wechat": "微信公众号", "weibo": "微博",
                                      "toutiao": "头条号", "douyin": "抖音", "website": "网站",
                                      "recording": "演示渠道"}})
register_data_labels({"count": "下发单位数", "skipped": "已有而跳过"}, action="editorial.pool.distribute")
register_data_labels({"to": "报送至"}, action="editorial.pool.submit")
register_data_labels({"reason": "未采用原因"}, action="editorial.pool.decline")
for _action in ("editorial.pool.republish", "editorial.pool.adopt"):
    register_data_labels({"source": "来源单位"}, action=_action)
for _action in ("editorial.sensitive_word.create", "editorial.sensitive_word.update"):
    register_data_labels({"category": "类别", "level": "级别", "active": "启用"}, action=_action)
register_data_labels({"created": "新增", "updated": "更新", "unchanged": "未变", "rejected": "未导入"},
                     action="editorial.sensitive_word.import")
for _action in ("editorial.publication.fail", "editorial.publication.retry"):
    register_data_labels({"channel": "渠道"}, action=_action)
register_data_labels({"withdrawn": "已撤回", "failed": "撤回失败"}, action="editorial.article.withdraw_channels")
register_data_labels({"saved": "导入天数", "rejected": "未导入行数"}, action="editorial.channel.import_metrics")
register_data_labels({"year": "年", "month": "月", "count": "渠道数"}, action="editorial.ranking.export")
for _action in ("editorial.watch_rule.create", "editorial.watch_rule.update"):
    register_data_labels({"name": "规则名称", "keywords": "监测关键词", "exclusions": "排除词", "sources": "监测范围",
                          "active": "启用"}, action=_action)
register_data_labels({"keyword": "命中关键词", "source": "来源", "note": "处理说明"},
                     action="editorial.watch_hit.handle",
                     values={"source": {"comment": "文章评论", "feed": "订阅源", "case": "维权诉求"}})
register_data_labels({"name": "名称", "url": "订阅地址"}, action="editorial.feed_source.create")
register_data_labels({"how": "方式", "read": "读取条目", "new": "新增条目", "hits": "命中数"},
                     action="editorial.feed_source.fetch", values={"how": {"fetch": "抓取", "upload": "上传文件"}})
for _action in ("editorial.comment.show", "editorial.comment.hide"):
    register_data_labels({"article": "文章", "comment_status": "原状态"}, action=_action,
                         values={"comment_status": {"visible": "已显示", "held": "待审核", "hidden": "已隐藏"}})
register_data_labels({"name": "文件", "size": "大小（字节）"}, action="editorial.image.upload")
