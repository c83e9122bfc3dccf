"""Menus by role: each sidebar entry shows exactly when its page opens for the user, and the page refuses the others
(403). A grassroots union's chair and a reviewer do not see the province's pages (accounts, positions, city subsites,
holiday schedules, the outbox); a reviewer does not read the audit log."""

from __future__ import annotations

import re

import pytest
from tests.conftest import make_user

from smartunion.core.actors import SYSTEM
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Position

pytestmark = pytest.mark.django_db

EVERYONE = ["工作台", "工会组织", "用人单位", "查找人员", "入会申请审核", "会籍转移", "会籍", "职工实名信息",
            "名册导入导出", "动态口令", "维权工单", "12351热线登记", "督办工单", "工单统计", "办理时限"]
# 自动化办公: every cadre drafts, reports, applies and meets (each list shows the cadre's own rows); the approval
# forms are for chairs and administrators.
OFFICE = ["发文", "收文", "公文交换", "信息报送", "信息采用", "信息排行", "发起审批", "待我审批", "我的申请",
          "本单位审批", "会议", "安排会议", "我的会议", "督办事项", "发文字号规则", "部门", "计分规则", "会议室"]
FORMS = ["审批表单"]
# 数据平台: every cadre reads its subtree's figures, assessments and registry results (importing re-checks for a
# province or city federation's chair or administrator).
INSIGHT = ["数据看板", "数据大屏", "考核方案", "未建会企业", "注销仍在册工会", "建会率统计", "登记企业", "待确认匹配",
           "政务数据导入"]
EVERYONE = [*EVERYONE, *OFFICE, *INSIGHT]
INTEGRATIONS = ["单点登录应用", "事件推送", "推送记录"]  # chairs and administrators
FEDERATION_DATA = ["画像标签规则", "开放数据", "数据上报", "接口密钥"]  # chairs and administrators of a federation
BENEFITS = ["惠工活动", "活动报名", "领券与核销", "商户"]  # chairs, administrators and editors run benefits
# 维权工单, 12351热线登记, 督办工单, 工单统计, 办理时限 are in EVERYONE: every cadre (scoped).
LEGAL_AID = ["法律援助申请"]  # chairs, administrators, reviewers
DIRECTORIES = ["援助律师库", "心理咨询师"]  # chairs, administrators
HARDSHIP = ["困难职工档案", "帮扶申请审核"]  # chairs, administrators, reviewers
PROGRAMMES = ["帮扶项目", "资金发放", "最低生活保障标准"]  # chairs, administrators
SERVICES = [*LEGAL_AID, *DIRECTORIES, *HARDSHIP, *PROGRAMMES]
DESK = ["稿件", "稿件库", "发布渠道", "传播力排行",  # new media: whoever holds an editorial role (chairs, admins too)
        "舆情信息", "监测规则", "舆情订阅源", "文章评论"]  # the watch: writing roles (chairs, administrators, editors)
MENUS = {
    "province_admin": [*EVERYONE, "干部职务", "城市分站与公告", *BENEFITS, *SERVICES, *DESK, "敏感词库", "账号",
                       "审计日志", "节假日安排", *FORMS, *INTEGRATIONS, *FEDERATION_DATA],
    "city_cadre": [*EVERYONE, "干部职务", "城市分站与公告", *BENEFITS, *SERVICES, *DESK, "账号", "审计日志", *FORMS,
                   *INTEGRATIONS, *FEDERATION_DATA],
    "county_cadre": [*EVERYONE, "干部职务", *BENEFITS, *SERVICES, *DESK, "账号", "审计日志", *FORMS, *INTEGRATIONS,
                     *FEDERATION_DATA],
    "grassroots_cadre": [*EVERYONE, *BENEFITS, *SERVICES, *DESK, "审计日志", *FORMS, *INTEGRATIONS],
    "reviewer": [*EVERYONE, *LEGAL_AID, *HARDSHIP],
    "auditor": [*EVERYONE, "审计日志"],
    "root": [*EVERYONE, "干部职务", "城市分站与公告", *BENEFITS, *SERVICES, *DESK, "敏感词库", "账号", "审计日志",
             "节假日安排", "消息发件箱", *FORMS, *INTEGRATIONS, *FEDERATION_DATA],
}
PAGES = {  # menu entry -> its page
    "工作台": "/console/", "工会组织": "/console/orgs/organisation/", "用人单位": "/console/orgs/employer/",
    "干部职务": "/console/orgs/position/", "城市分站与公告": "/console/subsites/subsite/",
    "查找人员": "/console/people/search/", "入会申请审核": "/console/members/joinapplication/",
    "会籍转移": "/console/members/transfer/", "会籍": "/console/members/membership/",
    "职工实名信息": "/console/members/person/", "名册导入导出": "/console/members/rosterimport/",
    "账号": "/console/accounts/user/", "审计日志": "/console/core/auditevent/", "动态口令": "/console/security/totp/",
    "节假日安排": "/console/core/holidayschedule/", "消息发件箱": "/console/core/outboxmessage/",
    "惠工活动": "/console/benefits/activity/", "领券与核销": "/console/benefits/coupon/",
    "活动报名": "/console/benefits/signup/", "商户": "/console/benefits/merchant/",
    "敏感词库": "/console/editorial/sensitiveword/", "稿件": "/console/editorial/article/",
    "稿件库": "/console/editorial/poolitem/", "发布渠道": "/console/editorial/channel/",
    "传播力排行": "/console/editorial/channel/ranking/",
    "舆情信息": "/console/editorial/watchhit/", "监测规则": "/console/editorial/watchrule/",
    "舆情订阅源": "/console/editorial/feedsource/", "文章评论": "/console/editorial/articlecomment/",
    "维权工单": "/console/cases/case/", "12351热线登记": "/console/cases/case/hotline/",
    "督办工单": "/console/cases/case/?supervised__exact=1", "工单统计": "/console/cases/case/stats/",
    "办理时限": "/console/cases/deadlinerule/", "法律援助申请": "/console/cases/legalaidapplication/",
    "援助律师库": "/console/cases/lawyer/", "心理咨询师": "/console/cases/counsellor/",
    "困难职工档案": "/console/assistance/hardshipfile/", "帮扶申请审核": "/console/assistance/application/",
    "帮扶项目": "/console/assistance/programme/", "资金发放": "/console/assistance/payment/",
    "最低生活保障标准": "/console/assistance/livingstandard/",
    "发文": "/console/documents/outgoingdocument/", "收文": "/console/documents/incomingdocument/",
"公文交换": "/console/documents/exchange/", "信息报送": "/console/documents/inforeport/",
    "信息采用": "/console/documents/inforeport/inbox/", "信息排行": "/console/documents/inforeport/ranking/",
    "发起审批": "/console/documents/approvalrequest/start/", "待我审批": "/console/documents/approvalrequest/waiting/",
    "我的申请": "/console/documents/approvalrequest/mine/", "本单位审批": "/console/documents/approvalrequest/",
    "会议": "/console/documents/meeting/", "安排会议": "/console/documents/meeting/schedule/",
    "我的会议": "/console/documents/invitation/", "督办事项": "/console/documents/actionitem/",
    "发文字号规则": "/console/documents/numberingrule/", "部门": "/console/documents/department/",
    "计分规则": "/console/documents/reportscore/", "审批表单": "/console/documents/approvalform/",
    "会议室": "/console/documents/room/",
    "数据看板": "/console/insight/dashboard/", "数据大屏": "/console/insight/screen/",
    "考核方案": "/console/insight/assessmentscheme/",
    "未建会企业": "/console/insight/companyrecord/?list=unorganised",
    "注销仍在册工会": "/console/insight/companyrecord/?list=closed",
    "建会率统计": "/console/insight/companyrecord/coverage/", "登记企业": "/console/insight/companyrecord/",
    "待确认匹配": "/console/insight/matchcandidate/", "政务数据导入": "/console/insight/registryimport/",
    "画像标签规则": "/console/insight/tagrule/", "开放数据": "/console/insight/apikey/open-data/",
    "数据上报": "/console/insight/apikey/national/", "接口密钥": "/console/insight/apikey/",
    "单点登录应用": "/console/insight/clientprofile/", "事件推送": "/console/insight/webhook/",
    "推送记录": "/console/insight/webhookdelivery/",
}


@pytest.fixture
def users(tree, personas):
    def cadre(username, org, role):
        user = make_user(username)
        org_services.position_grant(user=user, org=org, role=role, by=SYSTEM)
        return user

    return {
        "province_admin": personas.province_admin, "city_cadre": personas.city_cadre,
        "county_cadre": personas.county_cadre, "grassroots_cadre": personas.grassroots_cadre,
        "reviewer": cadre("reviewer", tree.lixia, Position.Role.REVIEWER),
        "auditor": cadre("auditor", tree.jinan, Position.Role.AUDITOR),
        "root": make_user("root", is_superuser=True),
    }


def menu(response) -> list[str]:
    """The sidebar's entries, as shown."""
    sidebar = response.content.decode().split('id="nav-sidebar-apps"', 1)[1].split("</nav>", 1)[0]
    return [re.sub(r"\s+", "", title) for title in re.findall(r"<li>\s*<a [^>]*>.*?<span>(.*?)</span>", sidebar,
                                                             flags=re.S)]


@pytest.mark.parametrize("who", list(MENUS))
def test_the_menu_shows_what_the_user_may_open(users, console, who):
    response = console(users[who]).get("/console/")
    assert response.status_code == 200
    assert sorted(menu(response)) == sorted(MENUS[who])


@pytest.mark.parametrize("who", list(MENUS))
def test_each_page_opens_exactly_when_its_entry_shows(users, console, who):
    client = console(users[who])
    statuses = {title: client.get(url).status_code for title, url in PAGES.items()}
    assert statuses == {title: 200 if title in MENUS[who] else 403 for title in PAGES}


@pytest.mark.parametrize("who", ["grassroots_cadre", "reviewer"])
def test_the_province_pages_refuse_every_view_not_only_the_list(tree, users, console, who):
    client = console(users[who])
    position = Position.objects.get(user=users["grassroots_cadre"])
    assert client.get(f"/console/orgs/position/{position.pk}/change/").status_code == 403
    assert client.get(f"/console/accounts/user/{users[who].pk}/change/").status_code == 403
    assert client.get("/console/subsites/subsite/add/").status_code == 403
    assert client.post(f"/console/orgs/position/{position.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Position.objects.filter(pk=position.pk).exists()


def test_the_app_list_leaves_out_what_the_user_may_not_open(users, console):
    client = console(users["grassroots_cadre"])
    assert client.get("/console/accounts/").status_code == 404  # no page of the app is theirs
    models = [m["object_name"] for app in client.get("/console/orgs/").context["app_list"] for m in app["models"]]
    assert sorted(models) == ["Employer", "Organisation"]
    models = [m["object_name"] for app in console(users["city_cadre"]).get("/console/orgs/").context["app_list"]
              for m in app["models"]]
    assert sorted(models) == ["Employer", "Organisation", "Position"]


def test_the_workbench_builds_the_app_list_once(users, console, monkeypatch):
    """The index page asks for the app list, and so does every page's context (available_apps): built once."""
    from smartunion.console.site import ConsoleSite

    built = []
    build = ConsoleSite._build_app_dict
    monkeypatch.setattr(ConsoleSite, "_build_app_dict",
                        lambda self, request, label=None: built.append(label) or build(self, request, label))
    client = console(users["province_admin"])
    response = client.get("/console/")
    assert response.status_code == 200 and built == [None]
    assert response.context["app_list"] is response.context["available_apps"]
    built.clear()
    assert client.get("/console/orgs/").status_code == 200  # an app's own index: that app's list, then the whole
    assert built == ["orgs", None]


def test_the_menu_costs_a_grassroots_chair_no_query_for_the_federation_check(users, console,
                                                                             django_assert_num_queries):
    from smartunion.console.site import managed_federation_kinds, may_manage_cadres

    chair = users["grassroots_cadre"]
    with django_assert_num_queries(1):  # the managing positions' paths, then cached on the user
        assert managed_federation_kinds(chair) == frozenset()
        assert may_manage_cadres(chair) is False
    city = users["city_cadre"]
    with django_assert_num_queries(2):
        assert managed_federation_kinds(city) == {"city"}
        assert may_manage_cadres(city) is True


@pytest.mark.parametrize(("url", "title"), [
    ("/console/", "工作台"),
    ("/console/insight/companyrecord/?list=unorganised", "未建会企业"),
    ("/console/insight/companyrecord/?list=closed", "注销仍在册工会"),
    ("/console/insight/companyrecord/", "登记企业"),
    ("/console/insight/companyrecord/coverage/", "建会率统计"),
    ("/console/members/person/", "职工实名信息"),
])
def test_one_sidebar_entry_is_highlighted(users, console, url, title):
    """Entries of one model (登记企业 and its filtered lists, 建会率统计 under it) are not lit up together."""
    response = console(users["province_admin"]).get(url)
    assert response.status_code == 200
    active = [item["title"] for group in response.context["sidebar_navigation"] for item in group["items"]
              if item["active"]]
    assert active == [title]
