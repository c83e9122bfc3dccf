"""Public reference data of the orgs app (mounted at /regions/ by the project's urls.py)."""

from django.urls import path

from smartunion.orgs import views

urlpatterns = [
    path("children/", views.region_children, name="region_children"),
    path("path/", views.region_path, name="region_path"),
]
