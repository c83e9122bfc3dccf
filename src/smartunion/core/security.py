"""Response headers that keep pages from running what they did not ship: Content-Security-Policy per area.

The portal and the API are strict (settings.CONTENT_SECURITY_POLICY: our own files only, no inline script or style).
The console runs django-unfold, whose Alpine.js evaluates its x-data expressions with Function() and whose
templates carry inline styles; it gets settings.CONSOLE_CONTENT_SECURITY_POLICY, which allows exactly that and
nothing from elsewhere. tests/browser/test_browser_csp.py opens each area in Chromium and fails on any violation.
"""

from __future__ import annotations

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings

CONSOLE_PREFIX = "/console/"


class AreaCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, with the console's own policy under /console/."""

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and parts.config is None and request.path_info.startswith(CONSOLE_PREFIX):
            parts.config = settings.CONSOLE_CONTENT_SECURITY_POLICY["DIRECTIVES"]
        return parts
