"""`smartunion purge-behaviour`: the spelling the operators' guide uses; same command as purge_behaviour."""

from smartunion.core.management.commands.purge_behaviour import Command  # noqa: F401
