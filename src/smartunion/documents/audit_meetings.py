"""Audit labels of the office platform's meetings part (core.audit.register_actions)."""
