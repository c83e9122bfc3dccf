"""The one settings module. Everything a deployment changes comes from the environment.

Shapes (see README): embedded (no DATABASE_URL: SQLite under var/, in-process background work, keys generated into
var/), production (DATABASE_URL + REDIS_URL + keys supplied by the operator), province scale (the same with
replicas and several Celery queues).
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.templatetags.static import static

from smartunion.core.files import private_dir, private_sqlite
from smartunion.core.keyring import load_or_create_secret_key

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


VAR_DIR = Path(os.environ.get("SMARTUNION_VAR_DIR", PROJECT_DIR / "var"))
private_dir(VAR_DIR)  # keys, the embedded database, uploads and backups: the owner's only
DEBUG = env_bool("DEBUG", False)
EMBEDDED = not os.environ.get("DATABASE_URL")
# Generating keys into var/ is what the embedded shape does; a production deployment must supply its own.
GENERATE_KEYS = env_bool("SMARTUNION_GENERATE_KEYS", EMBEDDED or DEBUG)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not GENERATE_KEYS:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production deployments must supply SECRET_KEY "
            "(or set SMARTUNION_GENERATE_KEYS=1 to keep generated keys under SMARTUNION_VAR_DIR)."
        )
    SECRET_KEY = load_or_create_secret_key(VAR_DIR)
if not DEBUG and (SECRET_KEY.startswith("django-insecure") or SECRET_KEY in {"changeme", "change-me", "secret"}):
    raise ImproperlyConfigured("SECRET_KEY is a default value; refusing to start with DEBUG off.")

# PII key ring: SMARTUNION_KEYRING (JSON) or SMARTUNION_KEYRING_FILE, else var/keyring.json when generating.
PII_KEYRING = os.environ.get("SMARTUNION_KEYRING", "")
PII_KEYRING_FILE = os.environ.get("SMARTUNION_KEYRING_FILE", "" if PII_KEYRING else str(VAR_DIR / "keyring.json"))
PII_SUITE = os.environ.get("SMARTUNION_PII_SUITE", "aes")  # "aes" (AES-256-GCM + HMAC-SHA256) or "sm" (SM4 + SM3)
if PII_SUITE not in {"aes", "sm"}:
    raise ImproperlyConfigured("SMARTUNION_PII_SUITE must be 'aes' or 'sm'.")
if not PII_KEYRING and not GENERATE_KEYS and not Path(PII_KEYRING_FILE).is_file():
    raise ImproperlyConfigured(
        "The PII key ring is missing: set SMARTUNION_KEYRING or SMARTUNION_KEYRING_FILE "
        "(see docs/deployment.md). Refusing to start without encryption keys."
    )

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "unfold",
    "unfold.contrib.filters",
    "unfold.contrib.forms",  # the WYSIWYG editor (Trix, bundled with the theme) of article bodies
    "smartunion.console.apps.ConsoleConfig",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "smartunion.core",
    "smartunion.accounts",
    "smartunion.orgs",
    "smartunion.members",
    "smartunion.subsites",
    "smartunion.benefits",
    "smartunion.cases",
    "smartunion.assistance",
    "smartunion.editorial",
    "smartunion.documents",
    "smartunion.insight",
    "oauth2_provider",  # the OIDC provider's tables and views (django-oauth-toolkit)
    "smartunion.portal",
    "smartunion.api",
    "ninja",  # API docs from ninja's own static files, not a CDN
    "smartunion.demo",
    "axes",
    "captcha",
]

MIDDLEWARE = [
    # First: every answer under /api/ is JSON, also the 400 and 500 that the middlewares below produce.
    "smartunion.api.middleware.ApiJsonErrorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "smartunion.core.security.AreaCSPMiddleware",  # Content-Security-Policy on every response
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "smartunion.console.sessions.ConsoleSessionMiddleware",  # console: browser-session cookie, idle sign-out
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "smartunion.core.middleware.RequestContextMiddleware",
    # Behaviour events committed during the request: one INSERT (or one queued task) when it ends (core/events.py).
    "smartunion.core.events.BehaviourEventsMiddleware",
    # Last, as axes asks: it sees the answer of the log-in view (our lockout callable keeps it as it is).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "smartunion.urls"
WSGI_APPLICATION = "smartunion.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses locked-out requests before any password is checked
    "smartunion.accounts.backends.UsernameOrPhoneBackend",
]
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "/console/"  # only Django's own log-in views use it: the console's

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'smartunion.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
EMBEDDED_DATABASE = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
if EMBEDDED_DATABASE:
    DATABASES["default"]["ENGINE"] = "smartunion.core.sqlite_backend"  # writers queue on a file lock (its docstring)
    # Connections persist like PostgreSQL's (a minute): opening one per request ran the PRAGMAs each time and threw
    # the page cache away, a third of a simple API read's time. `smartunion restore` needs the service stopped.
    DATABASES["default"]["OPTIONS"] = {
        # 64 MB page cache: the default 2 MB thrashes on the blind-index B-trees once a table has a million rows.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000; "
                        "PRAGMA cache_size=-65536;",
        "transaction_mode": "IMMEDIATE",
    }
if EMBEDDED_DATABASE and DATABASES["default"]["NAME"] != ":memory:":
    private_sqlite(DATABASES["default"]["NAME"])  # created 0600 before SQLite opens it; -wal/-shm follow it
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Background work: Celery on Redis when REDIS_URL is set, otherwise run in-process (eagerly).
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Asia/Shanghai"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "smartunion.accounts.validators.ChineseMinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
LOCALE_PATHS = [BASE_DIR / "locale"]  # Chinese for the console theme's own strings
USE_TZ = True
FORMAT_MODULE_PATH = ["smartunion.core.formats"]  # dates as 2026-05-01 (09:30) everywhere, not 2026年5月1日

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on a missing root in the embedded shape
MEDIA_URL = "/media/"
MEDIA_ROOT = private_dir(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Uploads (rosters hold ID numbers) and the folders made for them: the owner's only.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
WHITENOISE_USE_FINDERS = True  # serve app static files without collectstatic in the embedded shape
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if SESSION_COOKIE_SECURE:  # HTTPS deployments: browsers refuse plain HTTP to this host from then on
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
# Behind nginx terminating TLS: trust its X-Forwarded-Proto, so HTTPS requests are known as such (HSTS needs it).
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Console sessions end with the browser and after this long without a console request (console/sessions.py);
# the portal keeps Django's two-week sessions.
CONSOLE_IDLE_MINUTES = int(os.environ.get("CONSOLE_IDLE_MINUTES", "30"))

# Content-Security-Policy (core/security.py). Portal and API: our own files only, no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# The console (django-unfold) as it is: Alpine.js evaluates x-data expressions with Function() ('unsafe-eval'),
# and unfold's templates and widgets carry inline style attributes and <style> blocks ('unsafe-inline' styles).
# Still no inline or foreign script.
CONSOLE_CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        **CONTENT_SECURITY_POLICY["DIRECTIVES"],
        "script-src": [SELF, "'unsafe-eval'"],
        "style-src": [SELF, "'unsafe-inline'"],
    },
}
# How many reverse proxies in front of us append to X-Forwarded-For (nginx's $proxy_add_x_forwarded_for): the
# client address is the entry that many places from the right; anything further left was written by the client.
# "1"/"true" = one proxy; "0"/unset = use REMOTE_ADDR only.
_forwarded = os.environ.get("TRUST_X_FORWARDED_FOR", "0").strip().lower()
TRUST_X_FORWARDED_FOR = 1 if _forwarded in {"true", "yes", "on"} else int(_forwarded) if _forwarded.isdigit() else 0

# The name the portal and its messages use where no subsite gives one (core/brand.py): titles, SMS signatures.
PLATFORM_NAME = os.environ.get("PLATFORM_NAME", "智慧工会").strip() or "智慧工会"

# Accounts
# Log-in throttling (django-axes, database handler; tiers explained in accounts/lockout.py).
LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "5"))  # per login from one IP
LOGIN_IP_MAX_FAILURES = int(os.environ.get("LOGIN_IP_MAX_FAILURES", "30"))  # per IP across logins
LOGIN_ACCOUNT_MAX_FAILURES = int(os.environ.get("LOGIN_ACCOUNT_MAX_FAILURES", "50"))  # per login across IPs
LOGIN_LOCKOUT_MINUTES = int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15"))
AXES_HANDLER = "smartunion.accounts.lockout.TieredDatabaseHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address", "username"]
AXES_FAILURE_LIMIT = "smartunion.accounts.lockout.failure_limit"
AXES_COOLOFF_TIME = "smartunion.accounts.lockout.cool_off"
AXES_USERNAME_CALLABLE = "smartunion.accounts.lockout.axes_username"
AXES_CLIENT_IP_CALLABLE = "smartunion.accounts.lockout.request_ip"  # honours TRUST_X_FORWARDED_FOR
AXES_LOCKOUT_CALLABLE = "smartunion.accounts.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = False  # axes would clear the whole IP too; our services clear only (login, IP)
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # tries while locked do not extend the lock
AXES_ENABLE_ADMIN = False  # the console is our own admin site
AXES_DISABLE_ACCESS_LOG = True  # successful log-ins are not kept by IP
AXES_VERBOSE = False  # no banner at every start; failures are still logged, with the login and IP masked
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "phone", "login", "code", "otp", "captcha_value"]
# SMS verification codes and their sending limits.
SMS_SENDER = os.environ.get("SMS_SENDER", "smartunion.core.notifications.LogSmsSender")
SMS_CODE_TTL_SECONDS = 300
SMS_RESEND_SECONDS = 60  # per phone and purpose
SMS_PHONE_HOURLY_LIMIT = int(os.environ.get("SMS_PHONE_HOURLY_LIMIT", "5"))
SMS_PHONE_DAILY_LIMIT = int(os.environ.get("SMS_PHONE_DAILY_LIMIT", "10"))
SMS_IP_DAILY_LIMIT = int(os.environ.get("SMS_IP_DAILY_LIMIT", "50"))  # a factory's dormitory shares one address
SMS_DAILY_TOTAL_LIMIT = int(os.environ.get("SMS_DAILY_TOTAL_LIMIT", "20000"))
SMS_CAPTCHA_AFTER = int(os.environ.get("SMS_CAPTCHA_AFTER", "3"))  # sends from one IP in 24 h, then a captcha
CAPTCHA_LENGTH = 4
CAPTCHA_TIMEOUT = 5  # minutes
API_TOKEN_TTL_HOURS = int(os.environ.get("API_TOKEN_TTL_HOURS", "24"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"},
                "axes": {"level": "WARNING"},  # one INFO line per log-in otherwise
                "fontTools": {"level": "WARNING"}},  # ~100 INFO lines per PDF (font subsetting) otherwise
}
LOG_FILE = os.environ.get("LOG_FILE", "")  # also log to this file (created 0600, reopened after logrotate)
if LOG_FILE:
    private_dir(Path(LOG_FILE).parent)
    LOGGING["handlers"]["file"] = {"class": "smartunion.core.files.PrivateFileHandler", "filename": LOG_FILE,
                                   "formatter": "plain", "encoding": "utf-8"}
    LOGGING["root"]["handlers"].append("file")

# The console (django-unfold): Chinese menu, grouped by what a cadre does.
UNFOLD = {
    "SITE_TITLE": f"{PLATFORM_NAME} · 管理后台",
    "SITE_HEADER": f"{PLATFORM_NAME}管理后台",
    "SITE_SYMBOL": "groups",
    # On every console page: what makes any form control the theme did not render visible (console/console.css).
    "STYLES": [lambda request: static("console/console.css")],
    "SHOW_HISTORY": False,
    "SHOW_VIEW_ON_SITE": False,
    "SIDEBAR": {
        "show_search": True,
        "show_all_applications": False,
        "navigation": "smartunion.console.site.navigation",
    },
    "LOGIN": {
        "form": "smartunion.console.site.ConsoleLoginForm",
    },
}

# Behaviour events (core/events.py): what members do is kept this many days, then purged (daily beat job, or
# `smartunion purge-behaviour` from cron in the embedded shape).
BEHAVIOUR_RETENTION_DAYS = int(os.environ.get("BEHAVIOUR_RETENTION_DAYS", "1095"))
if BEHAVIOUR_RETENTION_DAYS < 1:
    raise ImproperlyConfigured("BEHAVIOUR_RETENTION_DAYS must be a positive number of days.")

# Membership
JOIN_REVIEW_DAYS = int(os.environ.get("JOIN_REVIEW_DAYS", "3"))  # working days; a federation may set its own
TRANSFER_RELEASE_DAYS = int(os.environ.get("TRANSFER_RELEASE_DAYS", "3"))  # then the old union releases by itself
DEPLOYMENT_ID = os.environ.get("SMARTUNION_DEPLOYMENT_ID", "smartunion-demo")  # names this platform in card QRs
CELERY_IMPORTS = ["smartunion.members.deadline_tasks", "smartunion.core.events", "smartunion.benefits.tasks",
                 "smartunion.cases.tasks", "smartunion.cases.counselling_tasks", "smartunion.assistance.tasks",
                 "smartunion.editorial.tasks", "smartunion.documents.tasks", "smartunion.insight.tasks"]
CELERY_BEAT_SCHEDULE = {
    "behaviour-retention": {"task": "core.purge_behaviour_events", "schedule": 24 * 3600},
    "membership-deadlines": {"task": "members.check_deadlines", "schedule": 15 * 60},
    "stale-background-jobs": {"task": "members.mark_stale_jobs", "schedule": 5 * 60},
    "member-figures": {"task": "members.recount_figures", "schedule": 24 * 3600},
    # Redis shape of coupon grabs: granted claims become Coupon rows (benefits/coupon_store.py); a no-op otherwise.
    "coupon-claims": {"task": "benefits.persist_claims", "schedule": 2.0},
    # Birthday benefit: grants each enabled programme's months not yet granted this year (safe to run twice).
    "birthday-coupons": {"task": "benefits.grant_birthdays", "schedule": 6 * 3600},
    # Rights cases past a deadline escalate to the parent org (safe to run twice: one escalation per deadline).
    "case-escalation": {"task": "cases.escalate_overdue", "schedule": 15 * 60},
    # Counselling: bookable slots for the coming weeks from the counsellors' weekly schedules (idempotent).
    "counselling-slots": {"task": "cases.make_slots", "schedule": 24 * 3600},
    # Hardship files: yearly re-verification reminders and the overdue flag.
    "hardship-reverification": {"task": "assistance.remind_reverification", "schedule": 24 * 3600},
    # Articles: scheduled go-live and expiry (safe to run twice).
    "article-schedule": {"task": "editorial.run_schedule", "schedule": 60.0},
    # Channel publications: automatic retries with backoff (only the due failures: safe to run twice).
    "publication-retries": {"task": "editorial.retry_publications", "schedule": 60.0},
    # Channel figures: yesterday's from the platforms' APIs (WeChat, Weibo); WeChat's datacube has the day final
    # after 08:00 China time. Safe to run twice; days imported from a platform's export are kept.
    "channel-metrics": {"task": "editorial.fetch_channel_metrics", "schedule": crontab(hour=9, minute=30)},
    # 舆情监测: fetch the orgs' RSS/Atom feeds and scan new entries (kept once per guid: safe to run twice).
    "watch-feeds": {"task": "editorial.fetch_feeds", "schedule": 30 * 60},
    # 收文 past their deadline: their handlers are told (each item once: the day after its due time passed).
    "incoming-overdue": {"task": "documents.flag_overdue_incoming", "schedule": crontab(hour=8, minute=0)},
    # Data platform: registry imports without a heartbeat are paused (resumable from their position).
    "registry-stale-imports": {"task": "insight.mark_stale_imports", "schedule": 5 * 60},
    # Roll-ups of the current and previous month, after the nightly member recount (safe to run twice).
    "insight-rollups": {"task": "insight.rollup_recent", "schedule": crontab(hour=2, minute=30)},
    # Assessment scores and member tags from the fresh roll-ups and events (computed, never typed in).
    "insight-assessments": {"task": "insight.recompute_assessments", "schedule": crontab(hour=3, minute=30)},
    "insight-tags": {"task": "insight.run_tag_rules", "schedule": crontab(hour=4, minute=0)},
}
# WeChat official-account API base (https://api.weixin.qq.com, or the deployment's gateway); empty = not reachable.
EDITORIAL_WECHAT_API = os.environ.get("EDITORIAL_WECHAT_API", "")
# The other platforms' API bases (the official address, or the deployment's gateway); empty = publishing there is
# refused with a clear message. Weibo https://api.weibo.com, 头条号 https://mp.toutiao.com, 抖音
# https://open.douyin.com.
EDITORIAL_WEIBO_API = os.environ.get("EDITORIAL_WEIBO_API", "")
EDITORIAL_TOUTIAO_API = os.environ.get("EDITORIAL_TOUTIAO_API", "")
EDITORIAL_DOUYIN_API = os.environ.get("EDITORIAL_DOUYIN_API", "")
# The portal's public address, for links to articles posted elsewhere when a channel's config has no "link_base".
PORTAL_PUBLIC_URL = os.environ.get("PORTAL_PUBLIC_URL", "")
# 舆情订阅源 may be fetched from loopback and private addresses (an intranet news site); refused by default.
EDITORIAL_FEEDS_ALLOW_PRIVATE = env_bool("EDITORIAL_FEEDS_ALLOW_PRIVATE", False)
# Rights cases: calendar days after closing within which the worker may reopen a case.
CASES_REOPEN_DAYS = int(os.environ.get("CASES_REOPEN_DAYS", "15"))
# Coupon claims per account and per client IP (core/ratelimit.py: "<count>/<s|min|h|day>"); 429 beyond.
BENEFITS_CLAIM_RATE_MEMBER = os.environ.get("BENEFITS_CLAIM_RATE_MEMBER", "20/min")
BENEFITS_CLAIM_RATE_IP = os.environ.get("BENEFITS_CLAIM_RATE_IP", "300/min")
# Tries of a venue's six-digit check-in code per member and activity.
BENEFITS_CHECKIN_CODE_RATE = os.environ.get("BENEFITS_CHECKIN_CODE_RATE", "10/10min")
# A running roster job writes a heartbeat at every batch; one silent this long died with its process.
JOB_STALE_MINUTES = int(os.environ.get("JOB_STALE_MINUTES", "10"))

# Single sign-on (issue 13): django-oauth-toolkit as an OIDC provider. The insight app's SSO part owns this block.
# The RS256 signing key: SMARTUNION_OIDC_RSA_KEY (PEM) or SMARTUNION_OIDC_RSA_KEY_FILE, else var/oidc_rsa.pem, generated
# when keys may be (insight/sso_keys.py). Without a key OIDC is off (plain OAuth2 only). Users sign in on the portal's
# log-in page (LOGIN_URL above: every account, workers and cadres, can sign in there; it honours ?next=).
from smartunion.insight.sso_keys import KEY_FILE_NAME as _OIDC_KEY_NAME  # noqa: E402
from smartunion.insight.sso_keys import load_oidc_key as _load_oidc_key  # noqa: E402

OIDC_RSA_PRIVATE_KEY = _load_oidc_key(
    inline=os.environ.get("SMARTUNION_OIDC_RSA_KEY", ""),
    path=os.environ.get("SMARTUNION_OIDC_RSA_KEY_FILE", str(VAR_DIR / _OIDC_KEY_NAME)), generate=GENERATE_KEYS)
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": bool(OIDC_RSA_PRIVATE_KEY),
    "OIDC_RSA_PRIVATE_KEY": OIDC_RSA_PRIVATE_KEY,
    # Fixed issuer for deployments behind a proxy (https://sso.example.org/oauth); else derived from the request.
    "OIDC_ISS_ENDPOINT": os.environ.get("SMARTUNION_OIDC_ISSUER", ""),
    "PKCE_REQUIRED": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"],  # http only for 127.0.0.1/localhost (insight/services/access)
    "SCOPES": {"openid": "身份标识", "profile": "姓名和用户名", "phone": "手机号码（脱敏）", "org": "所在单位和职务"},
    "DEFAULT_SCOPES": ["openid"],
    "OAUTH2_VALIDATOR_CLASS": "smartunion.insight.sso.Validator",
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
}
# Webhooks (insight/webhooks.py): only public addresses unless this is set (the tests' local receiver).
INSIGHT_WEBHOOKS_ALLOW_PRIVATE = env_bool("INSIGHT_WEBHOOKS_ALLOW_PRIVATE", False)
CELERY_BEAT_SCHEDULE["insight-webhooks"] = {"task": "insight.deliver_webhooks", "schedule": 60}
CELERY_BEAT_SCHEDULE["insight-apikey-usage"] = {"task": "insight.flush_api_key_usage", "schedule": 5 * 60}
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
