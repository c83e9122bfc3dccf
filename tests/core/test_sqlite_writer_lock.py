"""The embedded database's writers queue on a file lock (core/sqlite_backend): held from BEGIN to COMMIT or
ROLLBACK, released after either, and not taken by single statements outside a transaction. Run in a child process
on a file database (the suite's own database is in memory, where nothing is locked)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

SCRIPT = r"""
import fcntl, json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "smartunion.settings"
import django
django.setup()
from django.db import connection, transaction

lock_path = connection.settings_dict["NAME"] + "-writer.lock"

def taken():
    if not os.path.exists(lock_path):
        return None  # no transaction has made it yet
    fd = os.open(lock_path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing the descriptor drops a lock it got
    return False

seen = {}
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE IF NOT EXISTS t (x integer)")
    cursor.execute("INSERT INTO t VALUES (0)")
seen["autocommit statement"] = taken()
with transaction.atomic():
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO t VALUES (1)")
    seen["inside a transaction"] = taken()
    seen["mode"] = oct(os.stat(lock_path).st_mode & 0o777)
    with transaction.atomic():
        seen["inside a savepoint"] = taken()
seen["after commit"] = taken()
try:
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO t VALUES (2)")
        raise RuntimeError("roll back")
except RuntimeError:
    pass
seen["after rollback"] = taken()
with connection.cursor() as cursor:
    cursor.execute("SELECT x FROM t ORDER BY x")
    seen["rows"] = [row[0] for row in cursor.fetchall()]
seen["engine"] = connection.settings_dict["ENGINE"]
print(json.dumps(seen))
"""


def test_the_writer_lock_is_held_for_a_transaction_and_released_after_it(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update({"SMARTUNION_VAR_DIR": str(tmp_path), "SMARTUNION_GENERATE_KEYS": "1",
                "DATABASE_URL": f"sqlite:///{tmp_path / 'locks.sqlite3'}"})
    result = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "autocommit statement": None, "inside a transaction": True, "mode": "0o600", "inside a savepoint": True,
        "after commit": False, "after rollback": False, "rows": [0, 1], "engine": "smartunion.core.sqlite_backend"}
