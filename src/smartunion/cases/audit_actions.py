"""The Chinese labels of the rights-case audit actions and the words for their data (core.audit)."""

from __future__ import annotations

from smartunion.core.audit import register_actions, register_data_labels

register_actions({
})
register_data_labels({
})
