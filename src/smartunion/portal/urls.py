from django.urls import path

from smartunion.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("register/", views.register, name="register"),
    path("register/code/", views.send_code, name="send_code"),
    path("me/", views.me, name="me"),
    path("directory/", views.directory, name="directory"),
    path("notices/", views.notices, name="notices"),
]
