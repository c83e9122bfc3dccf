"""`smartunion load-holidays`: the spelling the operators' guide uses; same command as load_holidays."""

from smartunion.core.management.commands.load_holidays import Command  # noqa: F401
