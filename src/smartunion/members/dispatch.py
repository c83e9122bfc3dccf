"""Dispatch: which union must review a join application (or receive a transfer), and why.

The rules, in order (issue 3):
1. scan-to-join: the application came from a union's own QR poster or link → that union;
2. the employer's credit code matches an employer covered by a grassroots or joint union → that union;
3. the normalised employer name matches one employer in the work region's county → its union
   (several matches → the township union, with the candidates listed for the reviewer). Names are compared by
   core.text.normalize_employer_name within the county (Employer.county_code), so an employer registered at a
   township is found from an application that gives only the county, and the other way round;
4. a gig worker whose county has a joint union for their employment form or platform → that union;
5. otherwise → the township union of the work region, as a provisional attachment;
6. a region with no township union → the county federation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from smartunion.core import codes
from smartunion.core.cache import ttl_cache
from smartunion.core.errors import Invalid
from smartunion.core.text import normalize_employer_name
from smartunion.members.models import JoinApplication
from smartunion.orgs.models import Employer, Organisation, Region, subtree_q
from smartunion.orgs.regions import county_federation, only_township_union_of_county, township_union_of_region

D = JoinApplication.Dispatch
ACTIVE = Organisation.Status.ACTIVE


@dataclass
class DispatchResult:
    union: Organisation
    reason: str
    note: str
    employer: Employer | None = None
    candidates: list[dict] = field(default_factory=list)


def _active_union(org: Organisation | None) -> Organisation | None:
    return org if org is not None and org.status == ACTIVE else None


def _county_of(region: Region) -> str:
    return region.code[:6]


def township_union_for(region: Region, employer: Employer | None = None) -> Organisation | None:
    """The township union of a township-level region; for a county-level region, the employer's township union,
    or the only township union of the county when there is just one."""
    if region.level == Region.Level.TOWNSHIP:
        return township_union_of_region(region.code)
    if employer is not None and _active_union(employer.township_union):
        return employer.township_union
    return only_township_union_of_county(region.code[:6])


def county_federation_for(region: Region) -> Organisation | None:
    return county_federation(_county_of(region))


@ttl_cache(60)
def _gig_unions(county_code: str) -> list[Organisation]:
    county = county_federation(county_code)
    if county is None:
        return []
    joints = Organisation.objects.filter(subtree_q(county.path), kind=Organisation.Kind.JOINT, status=ACTIVE)
    return list(joints.exclude(serves_employment_forms=[], serves_platforms=[]).order_by("path"))


def gig_union_for(region: Region, *, employment_form: str, platform: str) -> Organisation | None:
    """A joint union in the county set up for this gig form or platform."""
    # JSON containment is not portable to SQLite; a county has a handful of joint unions, so filter here.
    for joint in _gig_unions(_county_of(region)):
        if employment_form in (joint.serves_employment_forms or []):
            return joint
        if platform and platform in (joint.serves_platforms or []):
            return joint
    return None


def dispatch(*, work_region: Region, employer_name: str, employer_credit_code: str = "",
             employment_form: str = "", gig_platform: str = "", source_union: Organisation | None = None
             ) -> DispatchResult:
    """Decide the receiving union. Raises Invalid when the region has no union to receive anyone."""
    if source_union is not None:
        return DispatchResult(source_union, D.SCAN, f"通过“{source_union.name}”的入会二维码申请，由该工会受理")

    # Employers are read without their unions (a join over two wide org rows costs more to build than the query
    # itself); the covering union of the one employer found is then one primary-key read, and none at all when the
    # name matches nobody, the usual case of a new employer.
    employer = None
    if employer_credit_code:
        employer = Employer.objects.filter(credit_code=employer_credit_code).order_by().first()
        if employer is not None and _active_union(employer.covering_union):
            return DispatchResult(employer.covering_union, D.CREDIT_CODE,
                                  f"统一社会信用代码与“{employer.name}”一致，由其所属工会“{employer.covering_union.name}”受理",
                                  employer=employer)

    candidates: list[Employer] = []
    if employer is None:
        normalized = normalize_employer_name(employer_name, region=work_region.code)
        matches = list(Employer.objects.filter(
            county_code=_county_of(work_region), normalized_name=normalized).order_by("id")[:10])
        if len(matches) == 1:
            employer = matches[0]
            if _active_union(employer.covering_union):
                return DispatchResult(employer.covering_union, D.NAME,
                                      f"单位名称与“{employer.name}”一致，由其所属工会“{employer.covering_union.name}”受理",
                                      employer=employer)
        elif len(matches) > 1:
            candidates = list(Employer.objects.select_related("covering_union").filter(
                pk__in=[e.pk for e in matches]).order_by("id"))

    if not candidates and (employment_form in gig_forms() or gig_platform):
        joint = gig_union_for(work_region, employment_form=employment_form, platform=gig_platform)
        if joint is not None:
            return DispatchResult(joint, D.GIG, f"新就业形态劳动者，由“{joint.name}”受理", employer=employer)

    town = township_union_for(work_region, employer)
    if town is not None:
        if candidates:
            return DispatchResult(town, D.AMBIGUOUS,
                                  f"单位名称匹配到{len(candidates)}家单位，由“{town.name}”核实后受理",
                                  candidates=[_candidate(e) for e in candidates])
        return DispatchResult(town, D.TOWNSHIP, f"所在单位尚未建立工会，由“{town.name}”受理，入会后挂靠该工会",
                              employer=employer)
    county = county_federation_for(work_region)
    if county is not None:
        if work_region.level == Region.Level.COUNTY and Organisation.objects.filter(
                kind=Organisation.Kind.TOWNSHIP, parent=county, status=ACTIVE).exists():
            note = f"工作地区只填到县（区），由“{county.name}”受理并转交所在乡镇（街道）工会"
        else:
            note = f"所在地区暂无乡镇（街道）工会，由“{county.name}”受理"
        return DispatchResult(county, D.COUNTY, note, employer=employer,
                              candidates=[_candidate(e) for e in candidates])
    raise Invalid.from_fields({"work_region": "该地区暂未开通网上入会，请联系当地总工会"})


def _candidate(employer: Employer) -> dict:
    union = employer.covering_union
    return {"id": employer.pk, "name": employer.name, "union_id": union.pk if union else None,
            "union_name": union.name if union else ""}


def gig_forms() -> set[str]:
    return {e["code"] for e in codes.entries("employment_form") if e.get("gig")}
