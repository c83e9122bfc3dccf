"""Subsite and notice writes: who may make them, what they refuse, and that each leaves an audit event."""

import pytest
from django.utils import timezone

from smartunion.core.actors import SYSTEM
from smartunion.core.errors import Forbidden, Invalid
from smartunion.core.models import AuditEvent
from smartunion.subsites.models import Notice, Subsite
from smartunion.subsites.queries import SERVICE_KEYS, service_keys
from smartunion.subsites.services import notice_delete, notice_save, subsite_save

pytestmark = pytest.mark.django_db


def test_subsite_and_notice_text_is_checked(tree, personas):
    subsite = Subsite(org=tree.jinan, name="😀", banner_text="说明\x07")
    with pytest.raises(Invalid) as excinfo:
        subsite_save(subsite, by=personas.city_cadre, changed=["name"])
    assert (excinfo.value.code, excinfo.value.fields) == (
        "invalid", {"name": "分站名称应包含汉字或字母", "banner_text": "横幅说明不能包含控制字符"})
    assert not Subsite.objects.exists()

    subsite.name, subsite.banner_text = "泉城职工", "第一行\n第二行"
    subsite_save(subsite, by=personas.city_cadre, changed=["name"])
    notice = Notice(subsite=subsite, title="通知", body="正" * 20_001, published_at=timezone.now())
    with pytest.raises(Invalid) as excinfo:
        notice_save(notice, by=personas.city_cadre, changed=["notice"])
    assert excinfo.value.fields == {"body": "正文不能超过20000个字"}
    assert not Notice.objects.exists()


@pytest.mark.parametrize(("order", "message"), [
    (["me", "lottery", "x"], "未知的服务：lottery、x；可选：join、membership、card、directory、notices、news、rights、"
                             "legal_aid、counselling、assistance、me"),
    ("me", "服务排序应为服务代码的列表"),
    ([1], "服务排序应为服务代码的列表"),
    ({"me": 1}, "服务排序应为服务代码的列表"),
])
def test_the_service_order_holds_known_keys_only(tree, personas, order, message):
    with pytest.raises(Invalid) as excinfo:
        subsite_save(Subsite(org=tree.jinan, name="泉城职工", service_order=order), by=personas.city_cadre,
                     changed=["service_order"])
    assert (excinfo.value.message, excinfo.value.fields) == (message, {"service_order": message})
    assert not Subsite.objects.exists()


def test_only_a_federation_opens_a_subsite(tree, personas):
    with pytest.raises(Invalid) as excinfo:
        subsite_save(Subsite(org=tree.grassroots, name="甲公司"), by=personas.province_admin, changed=[])
    assert excinfo.value.fields == {"org": "只有总工会可以开设城市分站"}


def test_only_the_federations_managers_and_the_platform_write(tree, personas):
    subsite = Subsite(org=tree.jinan, name="泉城职工")
    with pytest.raises(Forbidden) as excinfo:
        subsite_save(subsite, by=personas.other_city_cadre, changed=["name"])
    assert (excinfo.value.code, excinfo.value.message) == ("forbidden", "您无权设置该城市分站")
    with pytest.raises(Forbidden):
        subsite_save(subsite, by=personas.county_cadre, changed=["name"])  # below the federation
    subsite_save(subsite, by=SYSTEM, changed=["name"])
    notice = Notice(subsite=subsite, title="通知", published_at=timezone.now())
    with pytest.raises(Forbidden):
        notice_save(notice, by=personas.other_city_cadre, changed=["notice"])
    notice_save(notice, by=personas.city_cadre, changed=["notice"])
    with pytest.raises(Forbidden):
        notice_delete(notice, by=personas.other_city_cadre)
    assert [(e.action, e.actor_id, e.actor_label, e.org_id) for e in AuditEvent.objects.filter(
        action__startswith="subsites.").order_by("id")] == [
        ("subsites.subsite.save", None, "系统", tree.jinan.pk),
        ("subsites.notice.save", personas.city_cadre.pk, "city_cadre", tree.jinan.pk),
    ]


def test_a_write_needs_a_named_actor(tree):
    subsite = Subsite(org=tree.jinan, name="泉城职工")
    with pytest.raises(TypeError):
        subsite_save(subsite, by=None, changed=[])
    with pytest.raises(TypeError):
        notice_save(Notice(subsite=subsite, title="通知", published_at=timezone.now()), by=None, changed=[])
    assert not Subsite.objects.exists()


ADDED = ["news", "rights", "legal_aid", "counselling", "assistance"]  # 工会新闻 and 维权帮扶 (issues 10, 11)


@pytest.mark.parametrize(("order", "keys"), [
    ([], list(SERVICE_KEYS)),
    (["me", "notices"], ["me", "notices", "join", "membership", "card", "directory", *ADDED]),
    (["payslips", "card", "card"], ["card", "join", "membership", "directory", "notices", *ADDED, "me"]),
])
def test_service_keys_follow_the_subsites_order_then_the_default(order, keys):
    assert service_keys(Subsite(service_order=order)) == keys


def test_service_keys_without_a_subsite_are_the_default_order():
    assert service_keys(None) == ["join", "membership", "card", "directory", "notices", *ADDED, "me"]
