"""Celery tasks of the assistance app: thin wrappers calling services with by=SYSTEM."""
