"""Declared state machines and the one function that moves an object between states.

A workflow is a table of transitions you can read in one screen, keyed by (action, source state): one action may
mean different things from different states (a transfer's "release" completes it when the new union already
agreed), and the locked row's state picks the step, never an earlier unlocked read.

    TRANSFER_WORKFLOW = Workflow(
        name="members.transfer", field="status", org_of=lambda t: (t.from_union, t.to_union),
        transitions=[
            Transition("release", source="pending", target="released", allowed=old_union_side,
                       apply=stamp_release),
            Transition("release", source="approved", target="completed", allowed=old_union_side,
                       apply=complete, effects=(tell_member_done,)),
            ...
        ],
    )

`transition(obj, "release", workflow=..., by=user)` locks the row, finds the step for its state, checks the
actor's right, runs the step's `apply` (the writes the step stands for; it returns more field changes), writes
the new state, a history row and an audit event naming the org(s) of the object (before and after the step, so a
forward or a transfer shows in the audit log of both ends), and runs the step's `effects` inside the same
transaction: they write outbox rows (core.notifications), whose delivery is queued for after the commit. If
anything raises, nothing of the step is kept, not even a message.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from smartunion.core.actors import require_actor, user_or_none
from smartunion.core.audit import log_event, register_workflow_states
from smartunion.core.errors import Forbidden, StateError
from smartunion.core.models import TransitionLog


class TransitionError(StateError):
    """The requested step is not allowed from the object's current state (or lacks its note)."""

    def __init__(self, message: str, *, code: str = "invalid_transition", **kwargs):
        super().__init__(message, code=code, **kwargs)


class TransitionForbidden(Forbidden):
    """The actor may not perform this step."""


@dataclass(frozen=True)
class Step:
    """What a step's `apply` and `effects` are given besides the locked object."""

    action: str
    source: str
    target: str
    by: Any
    note: str
    data: dict


@dataclass(frozen=True)
class Transition:
    action: str
    source: str | tuple[str, ...]
    target: str
    label: str = ""
    # allowed(actor, obj) -> bool: the actor's right to perform it (the actor may be core.actors.SYSTEM).
    allowed: Callable[[Any, Any], bool] | None = None
    # apply(obj, step) -> dict | None: the writes the step stands for, inside the transaction; returns field changes.
    apply: Callable[[Any, Step], dict[str, Any] | None] | None = None
    # effects(obj, step): side effects written inside the transaction (outbox rows), delivered after commit.
    effects: tuple[Callable[[Any, Step], None], ...] = ()
    note_required: bool = False

    def sources(self) -> tuple[str, ...]:
        return (self.source,) if isinstance(self.source, str) else self.source


def _no_org(obj):
    return None


@dataclass
class Workflow:
    name: str
    field: str
    transitions: Iterable[Transition]
    # dataclasses.field by its full name: the `field` above is the name of the state column.
    state_labels: dict[str, str] = dataclasses.field(default_factory=dict)
    # org_of(obj) -> org, or a tuple of orgs: whose audit log the steps belong to.
    org_of: Callable[[Any], Any] = _no_org

    def __post_init__(self):
        self.transitions = tuple(self.transitions)
        self._table: dict[tuple[str, str], Transition] = {}
        self._labels: dict[str, str] = {}
        for t in self.transitions:
            for source in t.sources():
                if (t.action, source) in self._table:
                    raise ValueError(f"{self.name}: two steps for {t.action} from {source}")
                self._table[(t.action, source)] = t
            self._labels.setdefault(t.action, t.label or t.action)
        # The audit log names the states of its steps' events ("from", "to") with these labels.
        register_workflow_states(self.name, self.state_labels)

    @property
    def actions(self) -> set[str]:
        return set(self._labels)

    def find(self, action: str, state: str) -> Transition | None:
        """The step `action` stands for from `state`, if any."""
        return self._table.get((action, state))

    def available(self, obj, actor) -> list[Transition]:
        """Steps the actor could perform on obj now (for buttons on screens)."""
        state = getattr(obj, self.field)
        return [
            t for t in self.transitions
            if state in t.sources() and (t.allowed is None or t.allowed(actor, obj))
        ]

    def label(self, state: str) -> str:
        return self.state_labels.get(state, state)

    def action_label(self, action: str) -> str:
        return self._labels.get(action, action)

    def orgs(self, obj) -> list:
        """The org(s) the object belongs to now, without duplicates, primary first."""
        found = self.org_of(obj)
        found = found if isinstance(found, tuple | list) else (found,)
        result: list = []
        for org in found:
            if org is not None and all(org.pk != o.pk for o in result):
                result.append(org)
        return result


def transition(obj, action: str, *, workflow: Workflow, by, note: str = "", data: dict | None = None,
               changes: dict[str, Any] | None = None):
    """Perform `action` on `obj` under `workflow`; returns the refreshed object.

    `changes` are further field values written together with the state (a reviewer, a reason); `data` reaches the
    step's apply and effects and the audit event. If apply, an effect or a write raises, nothing is kept.
    """
    require_actor(by)
    if action not in workflow.actions:
        raise TransitionError(f"未知的操作：{action}", code="unknown_action")
    note = (note or "").strip()
    data = dict(data or {})
    model = type(obj)
    with transaction.atomic():
        # Lock the row so two cadres acting at once see one another's result, not a stale state.
        locked = model._default_manager.select_for_update().get(pk=obj.pk)
        state = getattr(locked, workflow.field)
        step = workflow.find(action, state)
        if step is None:
            raise TransitionError(
                f"当前状态为“{workflow.label(state)}”，不能执行“{workflow.action_label(action)}”")
        if step.note_required and not note:
            raise TransitionError("请填写原因", code="note_required")
        if step.allowed is not None and not step.allowed(by, locked):
            raise TransitionForbidden()
        before = workflow.orgs(locked)
        context = Step(action=action, source=state, target=step.target, by=by, note=note, data=data)
        changes = dict(changes or {})
        if step.apply is not None:
            changes.update(step.apply(locked, context) or {})
        setattr(locked, workflow.field, step.target)
        update_fields = [workflow.field]
        for name, value in changes.items():
            setattr(locked, name, value)
            update_fields.append(name)
        locked.save(update_fields=update_fields)
        TransitionLog.objects.create(
            workflow=workflow.name, object_id=str(locked.pk), action=action, from_state=state,
            to_state=step.target, actor=user_or_none(by), note=note,
        )
        orgs = workflow.orgs(locked)
        orgs += [o for o in before if all(o.pk != kept.pk for kept in orgs)]
        log_event(
            f"{workflow.name}.{action}", actor=by, target=locked, org=orgs[0] if orgs else None,
            also_org=orgs[1] if len(orgs) > 1 else None,
            data={"from": state, "to": step.target, "note": note, **data},
        )
        for effect in step.effects:
            effect(locked, context)
    return locked


def history(workflow: Workflow, obj) -> list[TransitionLog]:
    return list(TransitionLog.objects.filter(workflow=workflow.name, object_id=str(obj.pk)).order_by("id"))
