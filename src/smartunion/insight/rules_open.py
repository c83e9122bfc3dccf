"""Who may do what with integrator API keys, open data and the national-layout export.

- creating, revoking and listing keys (接口密钥): a chair or administrator of a province or city federation, for
  that federation (a key belongs to one org and reads that org's subtree only);
- the open statistics page (开放数据): any cadre, for an org in their scope (the figures are PII-free aggregates);
- the national-layout export (数据上报, member data with ID numbers): a chair or administrator of a federation in
  their scope, with a reason, audited; through the API only a key with the `open:national` scope, for the key's
  own org's subtree.
"""

from __future__ import annotations

from smartunion.core.actors import is_system
from smartunion.orgs.models import Organisation, Position
from smartunion.orgs.queries import in_scope

# The scopes a key may carry (fixed; a key is given any subset).
SCOPE_STATISTICS = "open:statistics"
SCOPE_NATIONAL = "open:national"
SCOPES: dict[str, str] = {
    SCOPE_STATISTICS: "开放统计数据（按地区汇总，不含个人信息）",
    SCOPE_NATIONAL: "全国数据元格式的会员和组织数据（含个人信息，仅限本单位及下级）",
}
# The federations whose administrators hold keys.
KEY_ORG_KINDS = (Organisation.Kind.PROVINCE, Organisation.Kind.CITY)
MAX_RATE_PER_MINUTE = 6000


def can_manage_keys(user, org: Organisation | None) -> bool:
    if org is None or org.kind not in KEY_ORG_KINDS:
        return False
    return is_system(user) or in_scope(user, org, roles=Position.MANAGING_ROLES)


def can_view_open_data(user, org: Organisation | None) -> bool:
    return org is not None and (is_system(user) or in_scope(user, org))


def can_export_national(user, org: Organisation | None) -> bool:
    if org is None or not org.is_federation:
        return False
    return is_system(user) or in_scope(user, org, roles=Position.MANAGING_ROLES)
