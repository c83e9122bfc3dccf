"""`smartunion escalate-cases`, the spelling the operators' guide uses; same as escalate_cases."""

from smartunion.cases.management.commands.escalate_cases import Command  # noqa: F401
