"""The Chinese labels of the office platform's audit actions (core.audit): one module per part."""

from smartunion.documents import (  # noqa: F401  (each declares its part's labels)
    audit_approvals,
    audit_exchange,
    audit_meetings,
    audit_outgoing,
    audit_reports,
)
