"""`smartunion export-parquet`, the spelling the operators' guide uses; same as export_parquet."""

from smartunion.insight.management.commands.export_parquet import Command  # noqa: F401
