"""Every write on subsites and their notices."""

from __future__ import annotations

from django.db import models, transaction

from smartunion.core.actors import is_system, require_actor
from smartunion.core.audit import log_event
from smartunion.core.errors import Forbidden, Invalid
from smartunion.core.forms import check_text_fields
from smartunion.orgs.queries import can_manage
from smartunion.subsites.models import Notice, Subsite
from smartunion.subsites.queries import SERVICE_KEYS


def _may_manage(by, org) -> bool:
    # The platform itself (SYSTEM: a command, the seeder) may set any federation's subsite.
    return is_system(by) or can_manage(by, org)


def subsite_save(subsite: Subsite, *, by, changed: list[str]) -> Subsite:
    """Save a federation's subsite settings (a chair or administrator of that federation or above)."""
    require_actor(by)
    if not _may_manage(by, subsite.org):
        raise Forbidden("您无权设置该城市分站")
    if not subsite.org.is_federation:
        raise Invalid("只有总工会可以开设城市分站", fields={"org": "只有总工会可以开设城市分站"})
    order = subsite.service_order
    if not isinstance(order, list) or not all(isinstance(key, str) for key in order):
        raise Invalid("服务排序应为服务代码的列表", fields={"service_order": "服务排序应为服务代码的列表"})
    unknown = [key for key in order if key not in SERVICE_KEYS]
    if unknown:
        message = "未知的服务：" + "、".join(unknown) + "；可选：" + "、".join(SERVICE_KEYS)
        raise Invalid(message, fields={"service_order": message})
    _check_text(subsite, ("name", "banner_title", "banner_text"))
    with transaction.atomic():
        subsite.save()
        log_event("subsites.subsite.save", actor=by, target=subsite, org=subsite.org,
                  data={"fields": changed})
    return subsite


def notice_save(notice: Notice, *, by, changed: list[str]) -> Notice:
    """Publish or change a notice on a subsite (the same right as the subsite's settings)."""
    require_actor(by)
    if not _may_manage(by, notice.subsite.org):
        raise Forbidden("您无权发布该城市分站的公告")
    _check_text(notice, ("title", "body"))
    with transaction.atomic():
        notice.save()
        log_event("subsites.notice.save", actor=by, target=notice, org=notice.subsite.org,
                  data={"fields": changed})
    return notice


def notice_delete(notice: Notice, *, by) -> None:
    """Take a notice off its subsite (the same right as publishing it)."""
    require_actor(by)
    if not _may_manage(by, notice.subsite.org):
        raise Forbidden("您无权删除该城市分站的公告")
    with transaction.atomic():
        log_event("subsites.notice.delete", actor=by, target=notice, org=notice.subsite.org,
                  data={"title": notice.title})
        notice.delete()


def _check_text(obj: models.Model, names: tuple[str, ...]) -> None:
    """Length, control characters and unpaired surrogates of the text fields about to be saved."""
    errors: dict[str, str] = {}
    check_text_fields(type(obj), {name: getattr(obj, name) for name in names}, errors)
    if errors:
        raise Invalid.from_fields(errors)
