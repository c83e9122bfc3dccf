"""The one error type services refuse with.

A service that cannot do what it was asked raises a DomainError: a stable machine `code`, a Chinese `message` the
person is shown, and optional per-field messages. Each surface maps it in one place:

- API (api/errors.py): JSON {"code", "message", "fields"} with the subclass's HTTP status;
- console (console/admin/base.py): a message on the page (field errors on the form where there is one);
- portal (portal/errors.py): a form error.

Use the subclass that says what kind of refusal it is; pick the code from what a client would branch on
("already_member", "identity_mismatch"), never from the Python class name. Python's built-in PermissionError is
an OSError (a real file-permission failure) and must not be used for a refusal.
"""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    """A refusal by a service: code, Chinese message, per-field messages."""

    status = 422
    default_code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, fields: Mapping[str, str] | None = None,
                 details: Mapping | None = None):
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.fields = dict(fields or {})
        # Structured data a client needs to act on the refusal (e.g. the hits of a sensitive-word check).
        self.details = dict(details or {})

    def __str__(self) -> str:
        return self.message

    @property
    def messages(self) -> list[str]:
        """Every message, the field messages after the main one (for surfaces that list them)."""
        extra = [m for m in self.fields.values() if m != self.message]
        return [self.message, *extra]

    @classmethod
    def from_fields(cls, fields: Mapping[str, str], *, message: str = "提交的数据有误，请检查后重试",
                    code: str | None = None) -> DomainError:
        """An error about several fields at once (form-style validation)."""
        return cls(message, code=code, fields=fields)


class NotFound(DomainError):
    """The object does not exist, or is outside the actor's scope (the two are never told apart)."""

    status = 404
    default_code = "not_found"

    def __init__(self, message: str = "对象不存在", **kwargs):
        super().__init__(message, **kwargs)


class Forbidden(DomainError):
    """The actor may not do this (a role or scope refusal on an object they can see)."""

    status = 403
    default_code = "forbidden"

    def __init__(self, message: str = "您没有执行此操作的权限", **kwargs):
        super().__init__(message, **kwargs)


class Conflict(DomainError):
    """The request clashes with what exists (already a member, an open transfer, a taken number)."""

    status = 409
    default_code = "conflict"


class Invalid(DomainError):
    """The input is wrong: a field is missing, malformed or out of range."""

    status = 422
    default_code = "invalid"


class StateError(DomainError):
    """The object is not in a state that allows this (a workflow step from the wrong state)."""

    status = 409
    default_code = "invalid_transition"
