"""The audit log: `log_event` is called by every service that writes, and by every reveal of PII.

Actions are dotted codes ("members.join_application.approve"), kept as they are for filters and the API. People read
them as Chinese labels: each app declares the labels of the actions it logs (`register_actions`, from its
audit_actions module, imported by its AppConfig.ready), and the words for the keys and coded values of their data
(`register_data_labels`); `readable_data` turns an event's data into (label, text) pairs with no JSON left in them.
tests/core/test_audit_log_labels.py checks that every action the code logs has a label.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from smartunion.core import hotsql
from smartunion.core.middleware import client_ip, current_request
from smartunion.core.models import AuditEvent


def log_event(
    action: str,
    *,
    actor=None,
    target: models.Model | None = None,
    org=None,
    also_org=None,
    data: dict[str, Any] | None = None,
    ip: str | None = None,
) -> AuditEvent:
    """Append one audit event. `action` is dotted: "<app>.<entity>.<verb>", e.g. "orgs.organisation.create".

    `org` files it in that org's log; `also_org` in a second org's too (the other end of a transfer)."""
    request = current_request()
    if actor is None and request is not None and getattr(request, "user", None) is not None:
        if request.user.is_authenticated:
            actor = request.user
    if ip is None:
        ip = client_ip(request)
    if org is None and target is not None:
        org = _org_of(target)
    event = AuditEvent(
        actor=actor if actor is not None and actor.pk else None,
        actor_label=(actor.get_username() or str(actor)) if actor is not None else "系统",
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=str(target)[:200] if target is not None else "",
        org=org,
        org_path=getattr(org, "path", "") or "",
        also_org_path=getattr(also_org, "path", "") or "",
        data=data or {},
        ip=ip,
    )
    hotsql.insert([event])  # every write logs one: its INSERT text is kept, not rebuilt (core/hotsql.py)
    return event


def events_of(target: models.Model, actions: tuple[str, ...]) -> list[tuple[str, dict]]:
    """(action, data) of the target's audit events of these actions, oldest first: what a step did when its
    history row keeps only the states (whom a case was assigned to, which lawyer was chosen)."""
    return list(AuditEvent.objects.filter(target_type=target._meta.label_lower, target_id=str(target.pk),
                                          action__in=actions).order_by("id").values_list("action", "data"))


def _org_of(target):
    """The org an object belongs to: itself for an org, else its `org`/`union` attribute if any."""
    if target._meta.label_lower == "orgs.organisation":
        return target
    for name in ("org", "union", "covering_union"):
        org = getattr(target, name, None)
        if org is not None and hasattr(org, "path"):
            return org
    return None


# Labels.

ACTION_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
_ACTIONS: dict[str, str] = {}
_KEYS: dict[tuple[str, str], str] = {}  # (action or "", key) -> label
_KEY_RANK: dict[tuple[str, str], int] = {}  # (action or "", key) -> order of declaration
_VALUES: dict[str, dict[str, str]] = {}  # key -> coded value -> label
_STATES: dict[str, dict[str, str]] = {}  # workflow name -> state -> label


def register_actions(labels: Mapping[str, str]) -> None:
    """Declare the Chinese labels of audit actions; each app declares its own, once. The same label again is
    harmless; another label for a declared action is a mistake."""
    for action, label in labels.items():
        if len(action) > 100 or not ACTION_PATTERN.match(action):
            raise ValueError(f"audit action {action!r}: dotted lower-case names, e.g. 'orgs.organisation.create'")
        if not label or not label.strip():
            raise ValueError(f"audit action {action!r} needs a Chinese label")
        if _ACTIONS.get(action, label) != label:
            raise ValueError(f"audit action {action!r} is already registered as {_ACTIONS[action]!r}")
        _ACTIONS[action] = label


def register_data_labels(keys: Mapping[str, str], *, action: str = "",
                         values: Mapping[str, Mapping[str, str]] | None = None) -> None:
    """Words for the keys of events' data (for one action, or for every action when `action` is empty), and labels
    for the coded values of a key ({"role": {"chair": "主席"}})."""
    for key, label in keys.items():
        _KEYS[(action, key)] = label
        _KEY_RANK.setdefault((action, key), len(_KEY_RANK))
    for key, mapping in (values or {}).items():
        _VALUES.setdefault(key, {}).update(mapping)


def register_workflow_states(workflow: str, states: Mapping[str, str]) -> None:
    """The state labels of a workflow, for the "from" and "to" of its steps' events (core.workflow calls it)."""
    _STATES[workflow] = dict(states)


def action_label(action: str) -> str:
    """The label of an action; an action nobody declares (an old one) shows as its code."""
    return _ACTIONS.get(action, action)


def registered_actions() -> dict[str, str]:
    return dict(_ACTIONS)


def _key_order(action: str, key: str, written: int) -> tuple[int, int]:
    """Where a key's pair goes: the keys an action declares for itself in their order, then the shared keys in the
    order they were declared, then undeclared keys as written. PostgreSQL's jsonb keeps keys sorted by length, not as
    written, so the order of the words must not depend on the stored order."""
    if (action, key) in _KEY_RANK:
        return (0, _KEY_RANK[(action, key)])
    if ("", key) in _KEY_RANK:
        return (1, _KEY_RANK[("", key)])
    return (2, written)


def key_label(action: str, key: str) -> str:
    return _KEYS.get((action, key)) or _KEYS.get(("", key)) or key


_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _text(value: Any, *, key: str = "", action: str = "") -> str:
    """A value as words: yes/no, lists joined with 、, times as YYYY-MM-DD HH:MM, coded values by their labels."""
    if value is None or value == "" or value == [] or value == {}:
        return "无"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | tuple):
        return "、".join(_text(item, key=key, action=action) for item in value)
    if isinstance(value, dict):
        return "；".join(f"{key_label(action, k)}：{_text(v, key=k, action=action)}" for k, v in value.items())
    if isinstance(value, str):
        if key in ("from", "to"):
            states = _STATES.get(action.rpartition(".")[0], {})
            if value in states:
                return states[value]
        if value in _VALUES.get(key, {}):
            return _VALUES[key][value]
        if _ISO_DATETIME.match(value):
            try:
                moment = dt.datetime.fromisoformat(value)
            except ValueError:
                return value
            from django.utils import timezone

            if timezone.is_aware(moment):
                moment = timezone.localtime(moment)
            return f"{moment:%Y-%m-%d %H:%M}"
    return str(value)


def _field_names(target_type: str, names: list) -> str:
    """Field names of the target's model as their verbose names ("name" -> 名称)."""
    try:
        model = apps.get_model(target_type) if target_type else None
    except (LookupError, ValueError):
        model = None
    shown = []
    for name in names:
        try:
            shown.append(str(model._meta.get_field(name).verbose_name) if model is not None else str(name))
        except FieldDoesNotExist:
            shown.append(_KEYS.get(("", str(name)), str(name)))
    return "、".join(shown) or "无"


def readable_data(action: str, data: Any, *, target_type: str = "") -> list[tuple[str, str]]:
    """An event's data as (label, text) pairs, in the order its keys were declared (see _key_order); empty values
    left out."""
    if not isinstance(data, dict):
        return [] if data in (None, "", []) else [("详情", _text(data, action=action))]
    pairs = []
    ordered = sorted(enumerate(data), key=lambda pair: _key_order(action, pair[1], pair[0]))
    for _, key in ordered:
        value = data[key]
        if value is None or value == "" or value == [] or value == {}:
            continue  # nothing said: an empty note, no reason given
        if key == "fields" and isinstance(value, list):
            text = _field_names(target_type, value)
        else:
            text = _text(value, key=key, action=action)
        pairs.append((key_label(action, key), text))
    return pairs


def readable_text(action: str, data: Any, *, target_type: str = "") -> str:
    """readable_data on one line: "原状态：待审核；新状态：已通过"."""
    return "；".join(f"{label}：{text}" for label, text in readable_data(action, data, target_type=target_type))


# The core app's own actions and the words shared by every app's data.

register_actions({
    "core.holiday_schedule.load": "导入节假日安排",
    "core.database.backup": "备份数据库",
    "core.database.restore": "恢复数据库",
    "core.keys.rotate": "轮换加密密钥",
    "core.behaviour_event.purge": "清理过期行为记录",
})
register_data_labels({
    "from": "原状态", "to": "新状态", "note": "说明", "fields": "涉及字段", "reason": "原因", "count": "数量",
    "rows": "行数", "total": "总行数", "processed": "已处理行数", "file": "文件", "file_name": "文件名",
    "bytes": "文件大小（字节）", "kept": "保留的原数据库", "version": "版本", "previous_version": "原版本",
    "old": "原值", "new": "新值", "created": "新建", "updated": "更新", "deleted": "删除条数", "before": "截止",
    "retention_days": "保留天数", "masked": "脱敏", "filters": "筛选条件", "year": "年份", "holidays": "放假天数",
    "workdays": "调休上班天数", "source": "来源", "recomputed": "重新计算期限的事项数", "status": "状态",
    "estimated": "按预估假期计算", "kind": "类型", "parent": "上级组织编号", "user": "账号编号", "org": "组织编号",
    "role": "职务", "members": "会员数", "orgs": "组织数",
})
