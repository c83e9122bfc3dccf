"""Who may do what in the editorial app."""

from __future__ import annotations

from smartunion.core.actors import is_system
from smartunion.core.calendar import may_load_holiday_schedules


def may_maintain_words(user) -> bool:
    """The sensitive-word list is the deployment's: platform operators and the chairs and administrators of the
    provincial (or national) federation keep it, the same people who keep the holiday schedules."""
    return is_system(user) or may_load_holiday_schedules(user)
