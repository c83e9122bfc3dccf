"""Who performs a write. Every service that writes takes `by=` as a required keyword: a user, or SYSTEM.

SYSTEM is the explicit actor of scheduled jobs (deadline checks, automatic releases), imports run from the command
line, migrations and the demo seeder. It is not a user and holds no session; it may do what the platform itself
does, which is why it has to be named: `by=None` is refused (TypeError), never read as "skip the check".
"""

from __future__ import annotations


class SystemActor:
    """The platform acting on its own (a job, a command, the seeder)."""

    pk = None
    id = None
    is_system = True
    is_authenticated = False
    is_active = True
    is_superuser = False
    is_staff = False
    person_id = None

    def __init__(self, label: str = "系统"):
        self.label = label

    def get_username(self) -> str:
        return self.label

    def __str__(self) -> str:
        return self.label

    def __repr__(self) -> str:
        return f"SystemActor({self.label!r})"


SYSTEM = SystemActor()


def is_system(actor) -> bool:
    return isinstance(actor, SystemActor)


def require_actor(by) -> None:
    """Refuse a write without a named actor."""
    if by is None:
        raise TypeError("by= is required: pass the acting user, or smartunion.core.actors.SYSTEM for a job")


def user_or_none(by):
    """The user to store in an actor column (None for SYSTEM)."""
    return None if by is None or is_system(by) else by
