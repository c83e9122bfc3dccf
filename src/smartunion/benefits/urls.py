"""Public files of the benefits app (mounted at /benefit-images/ by the project's urls.py)."""

from django.urls import path

from smartunion.benefits import views

urlpatterns = [
    path("options/<int:option_id>/", views.option_image, name="benefits_option_image"),
]
