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


def run_on_a_file_database(script: str, tmp_path) -> dict:
    """Run `script` in a child process on a new SQLite file; what it printed last, as JSON."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update({"SMARTUNION_VAR_DIR": str(tmp_path), "SMARTUNION_GENERATE_KEYS": "1",
                "DATABASE_URL": f"sqlite:///{tmp_path / 'embedded.sqlite3'}"})
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_writer_lock_is_held_for_a_transaction_and_released_after_it(tmp_path):
    assert run_on_a_file_database(SCRIPT, tmp_path) == {
        "autocommit statement": None, "inside a transaction": True, "mode": "0o600", "inside a savepoint": True,
        "after commit": False, "after rollback": False, "rows": [0, 1], "engine": "smartunion.core.sqlite_backend"}


OPTIMIZE = r"""
import fcntl, json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "smartunion.settings"
import django
django.setup()
from django.db import connection

def stats():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if not cursor.fetchone()[0]:
            return []  # no ANALYZE has ever run
        cursor.execute("SELECT tbl, idx, stat FROM sqlite_stat1 WHERE tbl IN ('t', 'u') ORDER BY tbl")
        return [[table, index, int(stat.split()[0])] for table, index, stat in cursor.fetchall()]  # estimated rows

def fill(table, rows, distinct):
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {table} (id integer primary key, k integer)")
        cursor.execute(f"CREATE INDEX IF NOT EXISTS {table}_k ON {table} (k)")
        cursor.executemany(f"INSERT INTO {table} (k) VALUES (%s)", [(i % distinct,) for i in range(rows)])
        cursor.execute(f"SELECT count(*) FROM {table} WHERE k = 3")  # the planner reads the table's statistics

seen = {}
fill("t", 2000, 50)
lock = os.open(connection.settings_dict["NAME"] + "-writer.lock", os.O_RDWR | os.O_CREAT)
fcntl.flock(lock, fcntl.LOCK_EX)  # another writer is busy: the close does not wait for it
connection.close()
seen["closed while a writer held the lock"] = stats()
connection.close()
fcntl.flock(lock, fcntl.LOCK_UN)
fill("u", 10, 5)  # queried by this connection, never analysed
with connection.cursor() as cursor:
    cursor.execute("SELECT count(*) FROM t WHERE k = 3")
connection.close()
seen["closed"] = stats()
fill("t", 60000, 3000)  # thirty times the rows it was analysed with
connection.close()
seen["after the table grew"] = stats()
print(json.dumps(seen))
"""


def test_a_closing_connection_refreshes_stale_planner_statistics_without_waiting_for_a_writer(tmp_path):
    seen = run_on_a_file_database(OPTIMIZE, tmp_path)
    assert seen["closed while a writer held the lock"] == []
    # ANALYZE reads at most ANALYSIS_LIMIT rows of an index: the row counts of a larger table are estimates.
    (t, t_index, t_rows), (u, u_index, u_rows) = seen["closed"]
    assert (t, t_index, u, u_index, u_rows) == ("t", "t_k", "u", "u_k", 10) and 1500 <= t_rows <= 2000
    (t, _, grown), (u, _, same) = seen["after the table grew"]
    assert (t, u, same) == ("t", "u", 10) and grown > 10 * t_rows  # re-analysed: tens of thousands now
