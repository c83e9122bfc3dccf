"""The audit actions of the demo seeder as people read them (core.audit)."""

from smartunion.core.audit import register_actions

register_actions({"demo.seed": "生成演示数据"})
