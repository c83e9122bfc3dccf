"""The audit actions of the orgs app as people read them (core.audit), with the words for their data."""

from smartunion.core.audit import register_actions, register_data_labels
from smartunion.orgs.models import Organisation, Position

register_actions({
    "orgs.organisation.create": "新建工会组织",
    "orgs.organisation.update": "修改工会组织",
    "orgs.organisation.change_region": "变更工会组织的行政区划",
    "orgs.organisation.join_token": "生成扫码入会二维码",
    "orgs.organisation.status.suspend": "暂停工会组织",
    "orgs.organisation.status.resume": "恢复工会组织",
    "orgs.organisation.status.dissolve": "撤销工会组织",
    "orgs.organisation.export": "导出工会组织",
    "orgs.employer.create": "登记用人单位",
    "orgs.employer.update": "修改用人单位",
    "orgs.employer.export": "导出用人单位",
    "orgs.position.grant": "任命干部职务",
    "orgs.position.revoke": "免去干部职务",
})
register_data_labels({"old": "原行政区划代码", "new": "新行政区划代码"}, action="orgs.organisation.change_region")
register_data_labels({}, values={"kind": dict(Organisation.Kind.choices), "role": dict(Position.Role.choices)})
