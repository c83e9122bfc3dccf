"""SmartUnion (智慧工会平台)."""

from smartunion.celery import app as celery_app

__all__ = ["celery_app"]
