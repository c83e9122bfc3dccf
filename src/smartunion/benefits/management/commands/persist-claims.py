"""`smartunion persist-claims`, the hyphenated spelling; same as persist_claims."""

from smartunion.benefits.management.commands.persist_claims import Command  # noqa: F401
