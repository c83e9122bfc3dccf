"""Audit labels of this part (core.audit.register_actions / register_data_labels)."""
