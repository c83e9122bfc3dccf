"""Audit labels of the office platform's reports part (core.audit.register_actions)."""
