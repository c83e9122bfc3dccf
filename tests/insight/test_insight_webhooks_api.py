"""/api/v1/webhooks and the console's webhook pages: administrators only, scoped, the secret shown once, audited."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from smartunion.core.actors import SYSTEM
from smartunion.core.models import AuditEvent
from smartunion.insight.models import Webhook, WebhookDelivery
from smartunion.insight.services import access


def make_hook(org, name="推送", url="https://hooks.example.org/in"):
    return access.create_webhook(org=org, name=name, url=url, events=["cases.case_changed"], by=SYSTEM)[0]


def test_create_list_and_delete(tree, personas, api, settings):
    settings.INSIGHT_WEBHOOKS_ALLOW_PRIVATE = True  # no DNS in the test run: example.org would not resolve
    client = api(personas.city_cadre)
    created = client.post("/api/v1/webhooks", {"name": "济南工单系统", "url": "https://hooks.example.org/in",
                                                "events": ["cases.case_changed", "members.join_approved"]},
                          content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    hook = Webhook.objects.get()
    assert body["secret"].startswith("whsec_") and hook.secret == body["secret"]
    assert {k: body[k] for k in ("id", "org", "name", "url", "events", "active")} == {
        "id": hook.pk, "org": {"id": tree.jinan.pk, "name": "济南市总工会"}, "name": "济南工单系统",
        "url": "https://hooks.example.org/in", "events": ["cases.case_changed", "members.join_approved"],
        "active": True}
    listed = client.get("/api/v1/webhooks").json()
    assert [i["name"] for i in listed["items"]] == ["济南工单系统"] and "secret" not in listed["items"][0]
    assert client.get("/api/v1/webhooks", {"q": "别的"}).json()["items"] == []
    assert api(personas.other_city_cadre).get("/api/v1/webhooks").json()["items"] == []
    assert api(personas.other_city_cadre).delete(f"/api/v1/webhooks/{hook.pk}").status_code == 404
    assert client.delete(f"/api/v1/webhooks/{hook.pk}").status_code == 204
    assert not Webhook.objects.exists()
    assert list(AuditEvent.objects.filter(action__startswith="insight.webhook.").values_list("action", "actor_id")
                .order_by("id")) == [("insight.webhook.create", personas.city_cadre.pk),
                                     ("insight.webhook.delete", personas.city_cadre.pk)]


def test_refusals(tree, personas, api, settings):
    settings.INSIGHT_WEBHOOKS_ALLOW_PRIVATE = False
    assert api(personas.worker).get("/api/v1/webhooks").status_code == 403
    client = api(personas.city_cadre)
    private = client.post("/api/v1/webhooks", {"name": "x", "url": "http://192.168.1.5/in",
                                                "events": ["cases.case_changed"]}, content_type="application/json")
    assert private.status_code == 422
    assert private.json()["fields"] == {"url": "不能使用内网或本机地址"}
    settings.INSIGHT_WEBHOOKS_ALLOW_PRIVATE = True
    unknown = client.post("/api/v1/webhooks", {"name": "x", "url": "https://a.example.org/",
                                                "events": ["members.deleted"]}, content_type="application/json")
    assert unknown.json()["fields"] == {"events": "请选择要订阅的事件"}
    other = client.post("/api/v1/webhooks", {"org_id": tree.qingdao.pk, "name": "x", "url": "https://a.example.org/",
                                              "events": ["cases.case_changed"]}, content_type="application/json")
    assert other.status_code == 404


def test_deliveries_and_resend(tree, personas, api, settings):
    settings.INSIGHT_WEBHOOKS_ALLOW_PRIVATE = True
    hook = make_hook(tree.jinan)
    delivery = WebhookDelivery.objects.create(webhook=hook, event="cases.case_changed", event_id="ae-1",
                                              payload={"id": "ae-1"}, status="failed", attempts=6,
                                              last_error="HTTP 500")
    client = api(personas.city_cadre)
    page = client.get(f"/api/v1/webhooks/{hook.pk}/deliveries", {"status": "failed"}).json()
    assert [(i["event_id"], i["status"], i["attempts"], i["last_error"]) for i in page["items"]] == [
        ("ae-1", "failed", 6, "HTTP 500")]
    again = client.post(f"/api/v1/webhooks/deliveries/{delivery.pk}/resend").json()
    assert (again["status"], again["attempts"], again["last_error"]) == ("pending", 0, "")
    assert api(personas.other_city_cadre).post(f"/api/v1/webhooks/deliveries/{delivery.pk}/resend").status_code == 404


def test_console_pages(tree, personas, console, settings):
    settings.INSIGHT_WEBHOOKS_ALLOW_PRIVATE = True
    browser = console(personas.county_cadre)
    form = browser.get("/console/insight/webhook/new/")
    assert [o.name for o in form.context["form"].fields["org"].queryset] == ["历下区总工会"]
    answer = browser.post("/console/insight/webhook/new/", {
        "org": tree.lixia.pk, "name": "历下推送", "url": "https://hooks.example.org/lixia",
        "events": ["cases.case_changed"], "active": "on"})
    hook = Webhook.objects.get()
    assert answer["Location"] == f"/console/insight/webhook/{hook.pk}/registered/"
    shown = browser.get(answer["Location"]).content.decode()
    assert hook.secret in shown
    assert hook.secret not in browser.get(answer["Location"]).content.decode()
    make_hook(tree.qingdao, name="青岛推送")
    listing = browser.get("/console/insight/webhook/")
    assert [h.name for h in listing.context["cl"].result_list] == ["历下推送"]
    WebhookDelivery.objects.create(webhook=hook, event="cases.case_changed", event_id="ae-9", payload={},
                                   status="failed", attempts=6)
    deliveries = browser.get("/console/insight/webhookdelivery/")
    assert [d.event_id for d in deliveries.context["cl"].result_list] == ["ae-9"]
    assert "维权工单变化" in deliveries.content.decode()
    delivery = WebhookDelivery.objects.get()
    assert "确定向“历下推送”重新推送" in browser.get(f"/console/insight/webhookdelivery/{delivery.pk}/resend/"
                                                     ).content.decode()
    browser.post(f"/console/insight/webhookdelivery/{delivery.pk}/resend/")
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 0)
    assert browser.get(f"/console/insight/webhook/{hook.pk}/delete/").status_code == 200
    browser.post(f"/console/insight/webhook/{hook.pk}/delete/")
    assert list(Webhook.objects.values_list("name", flat=True)) == ["青岛推送"]


def test_delivery_list_query_count_does_not_grow(tree, personas, console, settings):
    settings.INSIGHT_WEBHOOKS_ALLOW_PRIVATE = True
    hook = make_hook(tree.jinan)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert console(personas.city_cadre).get("/console/insight/webhookdelivery/").status_code == 200
        return len(queries)

    WebhookDelivery.objects.create(webhook=hook, event="cases.case_changed", event_id="ae-0", payload={})
    one = count()
    for n in range(1, 6):
        WebhookDelivery.objects.create(webhook=hook, event="cases.case_changed", event_id=f"ae-{n}", payload={})
    assert count() == one
