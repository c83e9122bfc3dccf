"""/api/v1/docs is Swagger UI from the project's own static files: no host but ours is named anywhere in the page."""

from __future__ import annotations

import json
import re

from django.contrib.staticfiles import finders


def test_docs_page_loads_swagger_ui_from_our_static_files_only(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert re.findall(r'(?:src|href)="([^"]+)"', html) == [
        "/static/ninja/swagger-ui.css", "/static/ninja/favicon.svg", "/static/ninja/favicon.png",
        "/static/ninja/swagger-ui-bundle.js", "/static/ninja/swagger-ui-init.js"]
    assert "//" not in "".join(re.findall(r'(?:src|href)="([^"]+)"', html))
    settings = json.loads(re.search(r'<script type="application/json" id="swagger-settings">(.*?)</script>', html,
                                    re.S).group(1))
    assert settings == {"layout": "BaseLayout", "deepLinking": True, "validatorUrl": None,
                        "url": "/api/v1/openapi.json"}


def test_the_static_files_it_names_are_shipped():
    for name in ["ninja/swagger-ui.css", "ninja/swagger-ui-bundle.js", "ninja/swagger-ui-init.js"]:
        assert finders.find(name) is not None, name
