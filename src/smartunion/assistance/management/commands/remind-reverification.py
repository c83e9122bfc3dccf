"""Alias of remind_reverification (hyphenated)."""

from smartunion.assistance.management.commands.remind_reverification import Command  # noqa: F401
