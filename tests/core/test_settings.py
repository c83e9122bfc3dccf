"""Production refuses to start without its secrets; the embedded shape generates them under var/."""

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
    assert result.stdout.strip() == "django.db.backends.sqlite3"
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
