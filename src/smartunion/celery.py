"""Celery application (workers: `celery -A smartunion worker`)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartunion.settings")

app = Celery("smartunion")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
