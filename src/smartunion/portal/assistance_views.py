"""Worker pages of the assistance part; their URLs are listed in `urlpatterns` and added by portal/urls.py."""

urlpatterns: list = []
