"""Console: registering an OIDC client (secret shown once, redirect addresses checked), the scoped list, revoking
after confirmation; all audited."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from oauth2_provider.models import AccessToken, Application

from smartunion.core.actors import SYSTEM
from smartunion.core.models import AuditEvent
from smartunion.insight.models import ClientProfile
from smartunion.insight.services import access

NEW = "/console/insight/clientprofile/new/"
LIST = "/console/insight/clientprofile/"


def test_city_administrator_registers_a_client_and_sees_the_secret_once(tree, personas, console):
    browser = console(personas.city_cadre)
    page = browser.get(NEW)
    assert page.status_code == 200
    assert [o.name for o in page.context["form"].fields["org"].queryset] == ["济南市总工会"]
    answer = browser.post(NEW, {"org": tree.jinan.pk, "name": "济南职工服务平台",
                                "redirect_uris": "https://jn.example.org/cb\nhttp://127.0.0.1:8001/callback",
                                "scopes": ["openid", "profile", "org"], "description": "市总工会服务号"})
    profile = ClientProfile.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == f"/console/insight/clientprofile/{profile.pk}/registered/"
    shown = browser.get(answer["Location"]).content.decode()
    secret = shown.split('id="access-secret">')[1].split("<")[0]
    assert len(secret) == 48
    assert profile.application.client_secret != secret  # only the hash is kept
    assert "client_secret" in shown and profile.application.client_id in shown
    again = browser.get(answer["Location"]).content.decode()
    assert 'id="access-secret"' not in again and "不再显示" in again
    assert (profile.org, profile.allowed_scopes, profile.application.redirect_uris) == (
        tree.jinan, ["openid", "profile", "org"], "https://jn.example.org/cb http://127.0.0.1:8001/callback")
    event = AuditEvent.objects.get(action="insight.oidc_client.register")
    assert (event.actor_id, event.org_path, event.data["client"]) == (
        personas.city_cadre.pk, tree.jinan.path, profile.application.client_id)
    assert secret not in str(event.data)


def test_redirect_addresses_must_be_https_or_local_http(tree, personas, console):
    browser = console(personas.city_cadre)
    answer = browser.post(NEW, {"org": tree.jinan.pk, "name": "x", "redirect_uris": "http://jn.example.org/cb",
                                "scopes": ["openid"]})
    assert answer.status_code == 200
    assert answer.context["form"].errors["redirect_uris"] == ["回调地址须使用 https"]
    answer = browser.post(NEW, {"org": tree.jinan.pk, "name": "x", "redirect_uris": "https://a.example.org/cb",
                                "scopes": ["profile"]})
    assert answer.context["form"].errors["scopes"] == ["须包含身份标识"]
    assert not Application.objects.exists()


def test_county_cadre_cannot_register(tree, personas, console):
    browser = console(personas.county_cadre)
    page = browser.get(NEW)
    assert list(page.context["form"].fields["org"].queryset) == []
    answer = browser.post(NEW, {"org": tree.lixia.pk, "name": "x", "redirect_uris": "https://a.example.org/cb",
                                "scopes": ["openid"]})
    assert answer.status_code == 200 and "org" in answer.context["form"].errors
    assert not Application.objects.exists()


def test_list_is_scoped_and_revoke_asks_first(tree, personas, console):
    jn, _ = access.register_client(org=tree.jinan, name="济南职工服务平台", redirect_uris=["https://a.example.org/cb"],
                                   scopes=["openid"], by=SYSTEM)
    qd, _ = access.register_client(org=tree.qingdao, name="青岛应用", redirect_uris=["https://b.example.org/cb"],
                                   scopes=["openid"], by=SYSTEM)
    for n in range(3):
        access.register_client(org=tree.province, name=f"省应用{n}", redirect_uris=["https://c.example.org/cb"],
                               scopes=["openid"], by=SYSTEM)
    browser = console(personas.city_cadre)
    listing = browser.get(LIST)
    assert [row.application.name for row in listing.context["cl"].result_list] == ["济南职工服务平台"]
    searched = console(personas.province_admin).get(LIST + "?q=省应用")
    names = sorted(row.application.name for row in searched.context["cl"].result_list)
    assert names == ["省应用0", "省应用1", "省应用2"]
    assert browser.get(f"{LIST}{qd.pk}/revoke/").status_code == 404
    AccessToken.objects.create(user=personas.worker, application=jn.application, token="t" * 40,
                               expires="2099-01-01T00:00:00Z", scope="openid")
    confirm = browser.get(f"{LIST}{jn.pk}/revoke/")
    assert "确定吊销“济南职工服务平台”" in confirm.content.decode()
    assert ClientProfile.objects.filter(pk=jn.pk).exists()
    assert browser.post(f"{LIST}{jn.pk}/revoke/").status_code == 302
    assert not ClientProfile.objects.filter(pk=jn.pk).exists()
    assert not AccessToken.objects.exists()
    event = AuditEvent.objects.get(action="insight.oidc_client.revoke")
    assert (event.actor_id, event.data["name"]) == (personas.city_cadre.pk, "济南职工服务平台")


def test_list_query_count_does_not_grow_with_rows(tree, personas, console):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert console(personas.province_admin).get(LIST).status_code == 200
        return len(queries)

    access.register_client(org=tree.province, name="a", redirect_uris=["https://c.example.org/cb"],
                           scopes=["openid"], by=SYSTEM)
    one = count()
    for n in range(5):
        access.register_client(org=tree.jinan, name=f"b{n}", redirect_uris=["https://c.example.org/cb"],
                               scopes=["openid"], by=SYSTEM)
    assert count() == one


def test_without_a_signing_key_the_list_and_the_deploy_check_say_oidc_is_off(personas, console, settings):
    from django.core import checks

    from smartunion.insight.checks import oidc_signing_key

    browser = console(personas.city_cadre)
    assert 'id="oidc-off"' not in browser.get(LIST).content.decode()  # the tests' settings have a key
    assert oidc_signing_key(None) == []
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ENABLED": False, "OIDC_RSA_PRIVATE_KEY": ""}
    page = browser.get(LIST).content.decode()
    assert "单点登录的身份令牌（OpenID Connect）尚未启用" in page and 'id="oidc-off"' in page
    assert [w.id for w in oidc_signing_key(None)] == ["insight.W001"]
    assert "insight.W001" in [m.id for m in checks.run_checks(include_deployment_checks=True)]
    assert "insight.W001" not in [m.id for m in checks.run_checks()]  # a deploy check only
