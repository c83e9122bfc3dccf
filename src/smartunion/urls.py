from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.cache import cache_control

from smartunion.api.views import api
from smartunion.console.site import console_site

urlpatterns = [
    path("console/", console_site.urls),
    path("api/v1/", api.urls),
    path("captcha/", include("captcha.urls")),  # challenge images, served by us
    path("oauth/", include("oauth2_provider.urls", namespace="oauth2_provider")),  # the OIDC provider (SSO)
    path("regions/", include("smartunion.orgs.urls")),  # the region cascader's public reference data
    path("benefit-images/", include("smartunion.benefits.urls")),  # vote options' pictures
    path("", include("smartunion.portal.urls")),
]


@cache_control(max_age=86400, public=True)
def no_favicon(request):
    """Browsers ask every site for /favicon.ico; the pages name no icon, so the answer is an empty one (not a 404
    page, logged and reported as an error in every browser console)."""
    return HttpResponse(status=204)


urlpatterns.insert(0, path("favicon.ico", no_favicon))

handler404 = "smartunion.portal.views.not_found"
handler500 = "smartunion.portal.views.server_error"
