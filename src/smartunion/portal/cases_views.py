"""Worker pages of the cases part; their URLs are listed in `urlpatterns` and added by portal/urls.py."""

urlpatterns: list = []
