"""The data platform's Celery tasks (Celery discovers `tasks.py`): each part keeps its own in tasks_<part>.py."""

from smartunion.insight.tasks_registries import mark_stale_imports, registry_import, registry_match
from smartunion.insight.tasks_rollups import rollup_recent
from smartunion.insight.tasks_tags import recompute_assessments, run_tag_rules
from smartunion.insight.tasks_webhooks import deliver_webhooks, flush_api_key_usage

__all__ = ["deliver_webhooks", "flush_api_key_usage", "mark_stale_imports", "recompute_assessments",
           "registry_import", "registry_match", "rollup_recent", "run_tag_rules"]
