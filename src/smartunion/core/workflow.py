"""Declared state machines and the one function that moves an object between states.

A workflow is a table of transitions you can read in one screen:

    ORG_STATUS = Workflow(
        name="orgs.organisation.status",
        field="status",
        transitions=[
            Transition("suspend", source="active", target="suspended", allowed=can_manage_org),
            ...
        ],
    )

`transition(obj, "suspend", by=user)` locks the row, checks the transition and the actor's right, writes the new
state, a history row and an audit event, and schedules side effects after the transaction commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from smartunion.core.audit import log_event
from smartunion.core.models import TransitionLog


class TransitionError(Exception):
    """The requested transition is not allowed from the object's current state."""

    def __init__(self, message: str, *, code: str = "invalid_transition"):
        super().__init__(message)
        self.message = message
        self.code = code


class TransitionForbidden(TransitionError):
    """The actor may not perform this transition."""

    def __init__(self, message: str = "您没有执行此操作的权限"):
        super().__init__(message, code="forbidden")


@dataclass(frozen=True)
class Transition:
    action: str
    source: str | tuple[str, ...]
    target: str
    label: str = ""
    # allowed(actor, obj) -> bool: the actor's right to perform it.
    allowed: Callable[[Any, Any], bool] | None = None
    # effects(obj, actor, data) run after commit: notifications, counters, exports.
    effects: tuple[Callable[..., None], ...] = ()
    note_required: bool = False

    def sources(self) -> tuple[str, ...]:
        return (self.source,) if isinstance(self.source, str) else self.source


@dataclass
class Workflow:
    name: str
    field: str
    transitions: Iterable[Transition]
    state_labels: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        self.transitions = tuple(self.transitions)
        self._by_action: dict[str, Transition] = {}
        for t in self.transitions:
            if t.action in self._by_action:
                raise ValueError(f"{self.name}: duplicate action {t.action}")
            self._by_action[t.action] = t

    def get(self, action: str) -> Transition:
        try:
            return self._by_action[action]
        except KeyError:
            raise TransitionError(f"未知的操作：{action}", code="unknown_action") from None

    def available(self, obj, actor) -> list[Transition]:
        """Transitions the actor could perform on obj now (for buttons on screens)."""
        state = getattr(obj, self.field)
        return [
            t for t in self.transitions
            if state in t.sources() and (t.allowed is None or t.allowed(actor, obj))
        ]

    def label(self, state: str) -> str:
        return self.state_labels.get(state, state)


def transition(obj, action: str, *, workflow: Workflow, by, note: str = "", data: dict | None = None,
               changes: dict[str, Any] | None = None, apply: Callable[[Any], dict[str, Any] | None] | None = None):
    """Perform `action` on `obj` under `workflow`; returns the refreshed object.

    `changes` are further field values written together with the state (e.g. a reviewer or a reason).
    `apply(locked)` runs inside the transaction once the row is locked and the step allowed: the writes the
    transition stands for (creating a membership on approval...); it may return more field changes. If it raises,
    nothing of the transition is kept.
    """
    step = workflow.get(action)
    if step.note_required and not note.strip():
        raise TransitionError("请填写原因", code="note_required")
    model = type(obj)
    with transaction.atomic():
        # Lock the row so two cadres acting at once see one another's result, not a stale state.
        locked = model._default_manager.select_for_update().get(pk=obj.pk)
        state = getattr(locked, workflow.field)
        if state not in step.sources():
            raise TransitionError(
                f"当前状态为“{workflow.label(state)}”，不能执行“{step.label or step.action}”",
            )
        if step.allowed is not None and not step.allowed(by, locked):
            raise TransitionForbidden()
        changes = dict(changes or {})
        if apply is not None:
            changes.update(apply(locked) or {})
        setattr(locked, workflow.field, step.target)
        update_fields = [workflow.field]
        for name, value in changes.items():
            setattr(locked, name, value)
            update_fields.append(name)
        locked.save(update_fields=update_fields)
        TransitionLog.objects.create(
            workflow=workflow.name, object_id=str(locked.pk), action=action, from_state=state,
            to_state=step.target, actor=by if getattr(by, "pk", None) else None, note=note,
        )
        log_event(
            f"{workflow.name}.{action}", actor=by, target=locked,
            data={"from": state, "to": step.target, "note": note, **(data or {})},
        )
        for effect in step.effects:
            transaction.on_commit(lambda effect=effect: effect(locked, by, data or {}))
    return locked


def history(workflow: Workflow, obj) -> list[TransitionLog]:
    return list(TransitionLog.objects.filter(workflow=workflow.name, object_id=str(obj.pk)).order_by("id"))
