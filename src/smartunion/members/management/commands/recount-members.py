"""`smartunion recount-members`, the spelling the operators' guide uses; same as recount_members."""

from smartunion.members.management.commands.recount_members import Command  # noqa: F401
