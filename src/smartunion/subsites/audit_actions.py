"""The audit actions of the subsites app as people read them (core.audit), and the portal's older names for them."""

from smartunion.core.audit import register_actions, register_data_labels

register_actions({
    "subsites.subsite.save": "保存城市分站设置",
    "subsites.notice.save": "保存分站公告",
    "subsites.notice.delete": "删除分站公告",
    # Events written before the city channel became the subsites app keep their actions.
    "portal.channel.save": "保存城市分站设置",
    "portal.notice.save": "保存分站公告",
})
register_data_labels({"title": "标题"})
