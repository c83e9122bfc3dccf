"""`smartunion rotate-keys`: the spelling the operators' guide uses; same command as rotate_keys."""

from smartunion.core.management.commands.rotate_keys import Command  # noqa: F401
