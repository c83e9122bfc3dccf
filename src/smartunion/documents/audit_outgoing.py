"""Audit labels of the office platform's outgoing part (core.audit.register_actions)."""
