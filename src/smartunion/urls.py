from django.http import HttpResponseRedirect
from django.urls import include, path, reverse
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
def favicon(request):
    """Browsers ask every site for /favicon.ico: the portal's own icon (the console's pages name none), not the 404
    page every browser logged as an error."""
    return HttpResponseRedirect(reverse("portal:icon", args=[192]))


urlpatterns.insert(0, path("favicon.ico", favicon))

handler404 = "smartunion.portal.views.not_found"
handler500 = "smartunion.portal.views.server_error"
