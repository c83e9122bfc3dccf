"""The Chinese labels of the insight app's audit actions (core.audit). Each part registers its own in
audit_<part>.py, imported here."""

from smartunion.insight import audit_registries, audit_rollups, audit_assessment, audit_tags, audit_access  # noqa: F401,I001
from smartunion.insight import audit_open  # noqa: F401
