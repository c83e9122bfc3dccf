from django.urls import path

from smartunion.portal import (
    activity_views,
    assistance_views,
    benefits_views,
    card_views,
    cases_views,
    counselling_views,
    insight_views,
    membership_views,
    news_comments_views,
    news_views,
    pwa,
    views,
)

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
    path("activities/", benefits_views.activity_list, name="activities"),
    path("activities/lottery-rules/", benefits_views.lottery_rules, name="lottery_rules"),
    path("activities/<int:pk>/", benefits_views.activity_detail, name="activity"),
    path("activities/<int:pk>/claim/", benefits_views.claim, name="activity_claim"),
    path("activities/<int:pk>/signup/", benefits_views.sign_up, name="activity_signup"),
    path("activities/<int:pk>/cancel/", benefits_views.cancel, name="activity_cancel"),
    path("activities/<int:pk>/checkin/", benefits_views.check_in, name="activity_checkin"),
    path("activities/<int:pk>/enter/", benefits_views.enter, name="activity_enter"),
    path("activities/<int:pk>/vote/", benefits_views.vote, name="activity_vote"),
    path("activities/<int:pk>/answer/", benefits_views.answer, name="activity_answer"),
    path("me/activities/", benefits_views.my_activities, name="my_activities"),
    path("me/coupons/", benefits_views.my_coupon_list, name="my_coupons"),
    path("merchant/", benefits_views.merchant, name="merchant"),
]

# 维权帮扶: each module lists its own pages.
urlpatterns += cases_views.urlpatterns + counselling_views.urlpatterns + assistance_views.urlpatterns
# 工会新闻 (editorial's portal channel) and the orgs' Atom feeds.
urlpatterns += news_views.urlpatterns
urlpatterns += news_comments_views.urlpatterns  # 工会新闻 comments (editorial/services/comments.py)
urlpatterns += insight_views.urlpatterns  # 我的画像标签 (insight/services/tags.py)
