"""Console pages of the assistance part (see console/admin/__init__.py)."""
