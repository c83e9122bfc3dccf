"""Audit labels of the office platform's approvals part (core.audit.register_actions)."""
