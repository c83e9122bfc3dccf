from django.urls import path

from smartunion.portal import activity_views, card_views, membership_views, pwa, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("icons/icon-<int:size>.png", pwa.icon, name="icon"),
    path("offline/", pwa.offline, name="offline"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("register/", views.register, name="register"),
    path("register/code/", views.send_code, name="send_code"),
    path("sms-code/", views.send_code, name="sms_code"),
    path("login/sms/", views.sms_login_view, name="sms_login"),
    path("password-reset/", views.password_reset, name="password_reset"),
    path("unlock/", views.unlock, name="unlock"),
    path("me/", views.me, name="me"),
    path("me/settings/", views.settings_page, name="settings"),
    path("me/activity/", activity_views.my_activity, name="my_activity"),
    path("me/card/", card_views.card_page, name="card"),
    path("me/card/qr/", card_views.card_qr, name="card_qr"),
    path("me/card/report-lost/", card_views.report_lost, name="card_report_lost"),
    path("agreement/", views.agreement, name="agreement"),
    path("privacy/", views.privacy, name="privacy"),
    path("directory/", views.directory, name="directory"),
    path("directory/<int:pk>/", views.directory_detail, name="directory_detail"),
    path("notices/", views.notices, name="notices"),
    path("notices/<int:pk>/", views.notice_detail, name="notice_detail"),
    path("join/", membership_views.join, name="join"),
    path("me/membership/", membership_views.my_membership, name="my_membership"),
    path("me/transfer/", membership_views.transfer, name="transfer"),
    path("me/applications/<int:pk>/withdraw/", membership_views.withdraw, name="withdraw_application"),
]
