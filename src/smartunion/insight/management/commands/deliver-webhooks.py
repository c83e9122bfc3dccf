"""`smartunion deliver-webhooks`, the spelling the operators' guide uses; same as deliver_webhooks."""

from smartunion.insight.management.commands.deliver_webhooks import Command  # noqa: F401
