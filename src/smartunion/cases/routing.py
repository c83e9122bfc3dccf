"""Routing: which org handles a new rights case, and why (the note every screen shows as 分派依据).

In order (the ideas of members/dispatch.py, whose look-ups it reuses):
1. the employer is found in the registry by its credit code, or by its normalised name within the region's county
   (exactly one match) → the union covering it (its grassroots union or a joint union), when active;
2. else the township union of the region (for a county-level region: the employer's township union, or the
   county's only one);
3. else the county federation of the region;
4. else the nearest federation up the region chain (a city's, the province's);
5. a region with no org at all → Invalid (region) with a Chinese message.

A worker who asked that the employer not learn who complained (hide_identity) skips step 1: the employer's own
union is the org nearest to the employer, so the case goes to the area's union instead (the employer is still
matched and recorded for the handlers).
"""

from __future__ import annotations

from smartunion.cases.errors import NoOrgForRegion
from smartunion.core import hotsql
from smartunion.core.text import normalize_employer_name
from smartunion.core.validators import normalize_credit_code
from smartunion.members.dispatch import county_federation_for, township_union_for
from smartunion.orgs.models import Employer, Organisation, Region
from smartunion.orgs.regions import federation_for_region, org_by_id

ACTIVE = Organisation.Status.ACTIVE
# Every filing with an employer name asks it (core/hotsql.py): two rows tell "exactly one" from "several".
EMPLOYER_BY_NAME = 'WHERE {t}."county_code" = %s AND {t}."normalized_name" = %s ORDER BY {t}."id" LIMIT 2'
NO_ORG = "该地区暂无受理维权诉求的工会组织，请拨打12351职工服务热线"


def _active(org: Organisation | None) -> Organisation | None:
    return org if org is not None and org.status == ACTIVE else None


def match_employer(region: Region, employer_name: str, employer_credit_code: str = "") -> Employer | None:
    """The registry's employer: by credit code, else the one employer of that normalised name in the county."""
    code = normalize_credit_code(employer_credit_code) if employer_credit_code else ""
    if code:
        employer = Employer.objects.filter(credit_code=code).order_by().first()
        if employer is not None:
            return employer
    name = (employer_name or "").strip()
    if not name:
        return None
    normalized = normalize_employer_name(name, region=region.code)
    if not normalized:
        return None
    matches = list(Employer.objects.raw(hotsql.select(Employer, EMPLOYER_BY_NAME), [region.code[:6], normalized]))
    return matches[0] if len(matches) == 1 else None


def route(region: Region, employer_name: str = "", employer_credit_code: str = "", *,
          skip_employer_union: bool = False) -> tuple[Organisation, str, Employer | None]:
    """(handling org, routing note, matched employer or None). Raises NoOrgForRegion (422, field region)."""
    employer = match_employer(region, employer_name, employer_credit_code)
    if employer is not None and not skip_employer_union:
        union = _active(org_by_id(employer.covering_union_id)) if employer.covering_union_id else None
        if union is not None:
            how = "统一社会信用代码" if employer_credit_code and employer.credit_code else "单位名称"
            return union, f"{how}与登记单位“{employer.name}”一致，由其所属工会“{union.name}”办理", employer
    town = township_union_for(region, employer)
    if town is not None and _active(town):
        prefix = "职工要求对单位保密身份，" if skip_employer_union and employer is not None and \
            employer.covering_union_id else ""
        return town, f"{prefix}按发生地由“{town.name}”办理", employer
    county = county_federation_for(region)
    if county is not None:
        return county, f"发生地暂无乡镇（街道）工会，由“{county.name}”办理", employer
    federation = federation_for_region(region.code)
    if federation is not None:
        return federation, f"发生地暂无县级工会，由“{federation.name}”办理", employer
    raise NoOrgForRegion.from_fields({"region": NO_ORG}, message=NO_ORG)
