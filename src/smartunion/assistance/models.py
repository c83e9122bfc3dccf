"""Hardship files (困难职工档案), assistance programmes with multi-level review, and payments that are never
doubled."""
