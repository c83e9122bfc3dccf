"""`smartunion backup` and `smartunion restore` on a real embedded database, driven through the CLI."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from smartunion.core import pii
from smartunion.core.backup import BackupError, check_backup
from smartunion.core.keyring import KeyRing
from smartunion.core.validators import make_id_number

WANG_ID = make_id_number("370102", dt.date(1991, 2, 3), 11)
LI_ID = make_id_number("370102", dt.date(1993, 4, 5), 12)
CLEARED = {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "SMARTUNION_KEYRING", "SMARTUNION_KEYRING_FILE", "MEDIA_ROOT",
           "LOG_FILE", "DEBUG"}
REMINDER = (
    "请注意：备份中的个人信息是加密的，恢复时需要密钥环（{ring}）。请把密钥环与备份分开保存：放在一起，"
    "丢失备份即泄露数据；只有备份而没有密钥环，备份无法读取。\n"
    "Note: personal data in the backup is encrypted; restoring it needs the key ring ({ring}). Store the key ring "
    "apart from the backup: together they leak the data, and the backup alone is unreadable."
)


def cli(var_dir: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in CLEARED}
    environment["SMARTUNION_VAR_DIR"] = str(var_dir)
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "smartunion", *args], env=environment, capture_output=True,
                          text=True, timeout=180)


def shell(var_dir: Path, code: str) -> str:
    result = cli(var_dir, "shell", "-v", "0", "-c", code)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def mode(path: Path) -> str:
    return oct(path.stat().st_mode & 0o777)


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory) -> Path:
    """An embedded installation: migrated, with one person registered."""
    path = tmp_path_factory.mktemp("var")
    shell(path, "from django.core.management import call_command; call_command('migrate', verbosity=0); "
                "from smartunion.core.actors import SYSTEM; from smartunion.members.services import person_upsert; "
                f"person_upsert(name='王芳', id_number='{WANG_ID}', phone='13800000001', by=SYSTEM)")
    return path


@pytest.fixture(scope="module")
def backup_file(var_dir) -> Path:
    result = cli(var_dir, "backup")
    assert result.returncode == 0, result.stderr
    first, rest = result.stdout.strip().split("\n", 1)
    assert first.startswith("已备份到：")
    assert rest == REMINDER.format(ring=var_dir / "keyring.json")
    return Path(first.removeprefix("已备份到："))


def test_backup_is_a_private_timestamped_copy_under_var_backups(var_dir, backup_file):
    assert backup_file.parent == var_dir / "backups"
    assert backup_file.name.startswith("smartunion-") and backup_file.suffix == ".sqlite3"
    assert (mode(backup_file), mode(backup_file.parent)) == ("0o600", "0o700")
    assert not backup_file.with_name(backup_file.name + "-wal").exists()  # one self-contained file
    assert WANG_ID.encode() not in backup_file.read_bytes()  # ciphertext only
    db = sqlite3.connect(backup_file)
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert db.execute("SELECT name FROM members_person").fetchall() == [("王芳",)]
    db.close()


def test_backup_never_overwrites_a_file(var_dir, backup_file):
    result = cli(var_dir, "backup", str(backup_file))
    assert result.returncode == 1
    assert result.stderr.strip() == f"CommandError: 文件已存在，不会覆盖：{backup_file}"


def test_restore_brings_back_the_backup_and_its_encrypted_id_numbers(var_dir, backup_file):
    shell(var_dir, "from smartunion.members.models import Person; Person.objects.update(name='改过'); "
                   "from smartunion.core.actors import SYSTEM; from smartunion.members.services import person_upsert; "
                   f"person_upsert(name='李强', id_number='{LI_ID}', by=SYSTEM)")
    database = var_dir / "smartunion.sqlite3"
    # The database was written a moment ago: it looks in use, and nothing happens without --force.
    refused = cli(var_dir, "restore", str(backup_file))
    assert refused.returncode == 1
    assert refused.stderr.startswith("CommandError: 数据库似乎正在使用（数据库在 ")
    assert not database.with_name("smartunion.sqlite3.before-restore").exists()

    result = cli(var_dir, "restore", "--force", str(backup_file))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().split("\n") == [
        f"备份检查通过：完整性正常，{len(MigrationLoader(None).graph.nodes)} 项迁移，职工 1 人，审计日志 1 条；"
        "已用当前密钥环解密样本（members_person.id_number）",
        f"原数据库已另存为：{database}.before-restore",
        f"已从 {backup_file} 恢复。请启动服务并核对数据。",
    ]
    # Read back through the application: the ID number decrypts with the key ring kept under var/.
    after = shell(var_dir, "from smartunion.members.models import Person; from smartunion.core.models import "
                           "AuditEvent; print([(p.name, p.id_number) for p in Person.objects.all()]); "
                           "print(list(AuditEvent.objects.order_by('id').values_list('action', 'data')))")
    assert after.split("\n") == [
        str([("王芳", WANG_ID)]),
        str([("members.person.create", {}),  # what the backup held
             ("core.database.restore", {"file": backup_file.name, "kept": "smartunion.sqlite3.before-restore"})]),
    ]
    kept = database.with_name("smartunion.sqlite3.before-restore")
    assert (mode(database), mode(kept)) == ("0o600", "0o600")
    db = sqlite3.connect(kept)
    assert sorted(db.execute("SELECT name FROM members_person").fetchall()) == [("改过",), ("李强",)]
    db.close()


@pytest.fixture
def var_key_ring(var_dir, settings):
    """This process reads with the key ring of the embedded installation."""
    settings.PII_KEYRING = (var_dir / "keyring.json").read_text()
    pii.reset_keyring_cache()
    yield
    pii.reset_keyring_cache()


def test_restore_check_passes_with_the_key_ring_of_the_backup(backup_file, var_key_ring):
    report = check_backup(backup_file)
    assert (report.path, report.people, report.audit_events, report.sample, report.notes) == (
        backup_file, 1, 1, "members_person.id_number", [])
    assert report.migrations == len(MigrationLoader(None).graph.nodes)


def test_restore_check_refuses_a_backup_the_key_ring_cannot_read(backup_file, settings):
    settings.PII_KEYRING = KeyRing.generate().to_json()
    pii.reset_keyring_cache()
    try:
        with pytest.raises(BackupError) as exc:
            check_backup(backup_file)
    finally:
        pii.reset_keyring_cache()
    assert str(exc.value) == ("当前密钥环无法解密备份中的个人信息（members_person.id_number）："
                              "请使用备份时的密钥环（SMARTUNION_KEYRING 或 var/keyring.json）")


def _copy_with(backup_file: Path, tmp_path: Path, sql: str) -> Path:
    copy = tmp_path / "changed.sqlite3"
    source, target = sqlite3.connect(backup_file), sqlite3.connect(copy)
    source.backup(target)
    target.execute(sql)
    target.commit()
    source.close()
    target.close()
    return copy


@pytest.mark.parametrize(("make", "message"), [
    (lambda b, t: t / "missing.sqlite3", "找不到备份文件："),
    (lambda b, t: (t / "notes.txt").write_text("{}") and t / "notes.txt",
     "不是有效的 SQLite 数据库文件：file is not a database"),
    (lambda b, t: _copy_with(b, t, "DROP TABLE members_person"),
     "这不是智慧工会平台的数据库（缺少数据表：members_person）"),
    (lambda b, t: _copy_with(b, t, "INSERT INTO django_migrations (app, name, applied) "
                                   "VALUES ('core', '9999_from_the_future', '2030-01-01')"),
     "备份来自更新版本的程序（本程序不认识的迁移：core.9999_from_the_future）：请用对应版本的程序恢复"),
    (lambda b, t: _copy_with(b, t, "DELETE FROM django_migrations WHERE app = 'core' AND name = "
                                   "'0003_append_only_triggers'"),
     "备份的数据库结构比本程序旧（缺少迁移：core.0003_append_only_triggers）：请用备份时的程序版本恢复，"
     "再升级并运行 smartunion migrate"),
])
def test_restore_check_refuses_what_is_not_a_usable_backup(backup_file, tmp_path, var_key_ring, make, message):
    with pytest.raises(BackupError) as exc:
        check_backup(make(backup_file, tmp_path))
    assert str(exc.value).startswith(message)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL deployments back up with pg_dump")
@pytest.mark.django_db
@pytest.mark.parametrize("command", [["backup"], ["restore", "--check", "x.sqlite3"]])
def test_on_postgresql_the_commands_point_to_the_deployment_guide(command):
    with pytest.raises(CommandError) as exc:
        call_command(*command)
    assert "请按 docs/deployment.md 使用 pg_dump 和 WAL 归档备份与恢复" in str(exc.value)
