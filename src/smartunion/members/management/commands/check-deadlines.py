"""`smartunion check-deadlines`, the spelling the operators' guide uses; same as check_deadlines."""

from smartunion.members.management.commands.check_deadlines import Command  # noqa: F401
