"""Console pages of the counselling part (see console/admin/__init__.py)."""
