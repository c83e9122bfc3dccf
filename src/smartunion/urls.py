from django.urls import include, path
from django.views.decorators.cache import cache_control
from django.views.generic import RedirectView

from smartunion.api.views import api
from smartunion.console.site import console_site

urlpatterns = [
    # Browsers ask every site for /favicon.ico: the portal's own icon (the console's pages name none), not the 404
    # page every browser logged as an error.
    path("favicon.ico", cache_control(max_age=86400, public=True)(RedirectView.as_view(pattern_name="portal:icon")),
         {"size": 192}),
    path("console/", console_site.urls),
    path("api/v1/", api.urls),
    path("captcha/", include("captcha.urls")),  # challenge images, served by us
    path("oauth/", include("oauth2_provider.urls", namespace="oauth2_provider")),  # the OIDC provider (SSO)
    path("regions/", include("smartunion.orgs.urls")),  # the region cascader's public reference data
    path("benefit-images/", include("smartunion.benefits.urls")),  # vote options' pictures
    path("", include("smartunion.portal.urls")),
]


handler404 = "smartunion.portal.views.not_found"
handler500 = "smartunion.portal.views.server_error"
