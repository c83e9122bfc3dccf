"""Production refuses to start without its secrets; the embedded shape generates them under var/."""

import json
import os
import subprocess
import sys

import pytest

CHECK = [sys.executable, "-c", "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='smartunion.settings'; "
         "django.setup(); from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"]


def run(env_overrides, tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "SECRET_KEY", "SMARTUNION_KEYRING", "SMARTUNION_KEYRING_FILE",
                        "SMARTUNION_GENERATE_KEYS", "DEBUG", "REDIS_URL"}}
    env["SMARTUNION_VAR_DIR"] = str(tmp_path)
    env.update(env_overrides)
    return subprocess.run(CHECK, env=env, capture_output=True, text=True, timeout=60)


def test_embedded_shape_generates_secret_and_key_ring(tmp_path):
    result = run({}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "smartunion.core.sqlite_backend"
    assert (tmp_path / "secret_key").is_file()
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize(("env", "message"), [
    ({"DATABASE_URL": "postgres://u@127.0.0.1:1/x"}, "SECRET_KEY is not set"),
    ({"DATABASE_URL": "postgres://u@127.0.0.1:1/x", "SECRET_KEY": "django-insecure-abc"}, "SECRET_KEY is a default"),
    ({"DATABASE_URL": "postgres://u@127.0.0.1:1/x", "SECRET_KEY": "a-real-secret-value-1234567890"},
     "The PII key ring is missing"),
    ({"SMARTUNION_PII_SUITE": "des"}, "SMARTUNION_PII_SUITE must be"),
])
def test_production_refuses_to_start_without_its_secrets(tmp_path, env, message):
    result = run(env, tmp_path)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_starts_with_secret_and_key_ring(tmp_path):
    from smartunion.core.keyring import KeyRing

    ring = KeyRing.generate().to_json()
    result = run({"DATABASE_URL": "postgres://u@127.0.0.1:1/x", "SECRET_KEY": "a-real-secret-value-1234567890",
                  "SMARTUNION_KEYRING": ring}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.postgresql"
    assert not (tmp_path / "secret_key").exists()


MODES = [sys.executable, "-c", """
import json, logging, os
os.environ['DJANGO_SETTINGS_MODULE'] = 'smartunion.settings'
import django
django.setup()
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute('CREATE TABLE t (x)')  # the connection stays open: -wal and -shm exist
name = default_storage.save('roster/2026/01/roster.xlsx', ContentFile(b'PK'))
logging.getLogger('smartunion').warning('started')
var, media, log = settings.VAR_DIR, settings.MEDIA_ROOT, settings.LOG_FILE
paths = {'var': var, 'database': var / 'smartunion.sqlite3', 'wal': var / 'smartunion.sqlite3-wal',
         'shm': var / 'smartunion.sqlite3-shm', 'keyring': settings.PII_KEYRING_FILE, 'media': media,
         'upload folder': media / 'roster' / '2026', 'upload': media / name, 'log folder': os.path.dirname(log),
         'log': log}
from smartunion.core import pii
pii.encrypt('x')  # generates the key ring
print(json.dumps({k: oct(os.stat(p).st_mode & 0o777) for k, p in paths.items()}))
"""]


def test_database_uploads_keys_and_logs_are_readable_by_the_owner_only(tmp_path):
    var = tmp_path / "var"
    var.mkdir(mode=0o755)  # an existing folder is tightened too
    os.chmod(var, 0o755)  # noqa: S103  the loose mode an older installation has
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "SECRET_KEY", "SMARTUNION_KEYRING", "SMARTUNION_KEYRING_FILE", "MEDIA_ROOT",
                        "SMARTUNION_GENERATE_KEYS", "DEBUG", "REDIS_URL"}}
    env.update(SMARTUNION_VAR_DIR=str(var), LOG_FILE=str(tmp_path / "logs" / "smartunion.log"))
    result = subprocess.run(MODES, env=env, capture_output=True, text=True, timeout=60, umask=0o022)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "var": "0o700", "database": "0o600", "wal": "0o600", "shm": "0o600", "keyring": "0o600", "media": "0o700",
        "upload folder": "0o700", "upload": "0o600", "log folder": "0o700", "log": "0o600"}
    assert "WARNING smartunion started" in (tmp_path / "logs" / "smartunion.log").read_text()


HEADERS = [sys.executable, "-c", "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='smartunion.settings'; "
           "django.setup(); from django.conf import settings as s; print(s.SECURE_HSTS_SECONDS, "
           "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_PROXY_SSL_HEADER, s.SESSION_COOKIE_SECURE, "
           "s.CONSOLE_IDLE_MINUTES)"]


@pytest.mark.parametrize(("env", "printed"), [
    ({}, "0 False None False 30"),
    ({"SECURE_COOKIES": "1"}, "31536000 False None True 30"),
    ({"SECURE_COOKIES": "1", "SECURE_HSTS_SECONDS": "600", "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
      "TRUST_X_FORWARDED_PROTO": "1", "CONSOLE_IDLE_MINUTES": "15"},
     "600 True ('HTTP_X_FORWARDED_PROTO', 'https') True 15"),
])
def test_hsts_and_console_idle_settings_from_the_environment(tmp_path, env, printed):
    environment = {k: v for k, v in os.environ.items()
                   if k not in {"DATABASE_URL", "SECURE_COOKIES", "SECURE_HSTS_SECONDS", "TRUST_X_FORWARDED_PROTO",
                                "SECURE_HSTS_INCLUDE_SUBDOMAINS", "CONSOLE_IDLE_MINUTES"}}
    environment.update(SMARTUNION_VAR_DIR=str(tmp_path), **env)
    result = subprocess.run(HEADERS, env=environment, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == printed
