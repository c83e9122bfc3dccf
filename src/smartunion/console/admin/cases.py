"""Console pages of the cases part (see console/admin/__init__.py)."""
