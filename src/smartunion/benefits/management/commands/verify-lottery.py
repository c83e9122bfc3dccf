"""`smartunion verify-lottery`, the spelling the issue and the operators' guide use; same as verify_lottery."""

from smartunion.benefits.management.commands.verify_lottery import Command  # noqa: F401
