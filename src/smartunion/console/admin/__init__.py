"""The console's pages, one module per data app (and people.py, the person search across members), each registering
its ModelAdmins or pages on console_site.

Django's admin autodiscovery imports this package; the imports below register the pages in this order. The modules
share only base.py (ScopedAdmin, the read-only mixin, run_service and the one mapping of a service's refusal) and
never import or patch one another, nor any other surface (tests/console/test_console_modules.py).
"""

from smartunion.console.admin import orgs  # noqa: F401  isort: skip
from smartunion.console.admin import members  # noqa: F401  isort: skip
from smartunion.console.admin import people  # noqa: F401  isort: skip
from smartunion.console.admin import roster  # noqa: F401  isort: skip
from smartunion.console.admin import accounts  # noqa: F401  isort: skip
from smartunion.console.admin import core  # noqa: F401  isort: skip
from smartunion.console.admin import subsites  # noqa: F401  isort: skip
from smartunion.console.admin import benefits  # noqa: F401  isort: skip
from smartunion.console.admin import cases  # noqa: F401  isort: skip
from smartunion.console.admin import counselling  # noqa: F401  isort: skip
from smartunion.console.admin import assistance  # noqa: F401  isort: skip
from smartunion.console.admin import editorial  # noqa: F401  isort: skip
from smartunion.console.admin import editorial_watch  # noqa: F401  isort: skip
from smartunion.console.admin import documents_outgoing  # noqa: F401  isort: skip
from smartunion.console.admin import documents_exchange  # noqa: F401  isort: skip
from smartunion.console.admin import documents_reports  # noqa: F401  isort: skip
from smartunion.console.admin import documents_approvals  # noqa: F401  isort: skip
from smartunion.console.admin import documents_meetings  # noqa: F401  isort: skip
from smartunion.console.admin import insight_registries  # noqa: F401  isort: skip
from smartunion.console.admin import insight_dashboards  # noqa: F401  isort: skip
from smartunion.console.admin import insight_assessment  # noqa: F401  isort: skip
from smartunion.console.admin import insight_tags  # noqa: F401  isort: skip
from smartunion.console.admin import insight_access  # noqa: F401  isort: skip
from smartunion.console.admin import insight_open  # noqa: F401  isort: skip
