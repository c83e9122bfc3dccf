"""`smartunion export-national`, the spelling the operators' guide uses; same as export_national."""

from smartunion.insight.management.commands.export_national import Command  # noqa: F401
