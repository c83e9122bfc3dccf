"""Celery tasks of the cases app: thin wrappers calling services with by=SYSTEM."""
