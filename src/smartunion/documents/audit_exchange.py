"""Audit labels of the office platform's exchange part (core.audit.register_actions)."""
