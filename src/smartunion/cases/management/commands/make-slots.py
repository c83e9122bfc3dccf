"""`smartunion make-slots`, the spelling the operators' guide uses; same as make_slots."""

from smartunion.cases.management.commands.make_slots import Command  # noqa: F401
