"""Backup and restore of the embedded SQLite database (`smartunion backup`, `smartunion restore`).

The copy is made with SQLite's online backup API, which reads one consistent snapshot while the service keeps
running (copying the file could catch a half-written page or miss what is still in the -wal file). The copy holds
ciphertext only: without the key ring it was made with it is unreadable, so the key ring is kept apart from it.
PostgreSQL deployments use pg_dump and WAL archiving instead (docs/deployment.md).
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection

from smartunion.core import pii
from smartunion.core.files import FILE_MODE, private_dir, private_file

IN_USE_SECONDS = 60  # a database written to this recently is taken to be in use
# Tables every SmartUnion database has (the first app of each part of the system).
REQUIRED_TABLES = ("django_migrations", "core_auditevent", "orgs_organisation", "members_person")


class BackupError(Exception):
    """The backup or restore was refused; the message says why, in Chinese, and nothing was changed."""


def refuse_unless_sqlite() -> Path | None:
    """The embedded database's file (None for an in-memory database); refuses on PostgreSQL."""
    if connection.vendor != "sqlite":
        raise BackupError("当前使用 PostgreSQL 数据库：请按 docs/deployment.md 使用 pg_dump 和 WAL 归档备份与恢复"
                          "（This command is for the embedded SQLite database; see docs/deployment.md for "
                          "PostgreSQL.）")
    name = str(connection.settings_dict["NAME"])
    if name == ":memory:" or (name.startswith("file:") and "mode=memory" in name):
        return None
    return Path(name)


def default_target(now: dt.datetime | None = None) -> Path:
    now = now or dt.datetime.now()
    return Path(settings.VAR_DIR) / "backups" / f"smartunion-{now:%Y%m%d-%H%M%S}.sqlite3"


def _new_private_file(path: Path) -> None:
    private_dir(path.parent)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        raise BackupError(f"文件已存在，不会覆盖：{path}") from None


def _copy(source: sqlite3.Connection, target: Path) -> None:
    """Copy `source` into the new file `target` (one step: one consistent snapshot) as a self-contained file."""
    destination = sqlite3.connect(target)
    try:
        source.backup(destination)
        destination.execute("PRAGMA journal_mode=DELETE")  # no -wal beside the copy: one file holds everything
        destination.commit()
    finally:
        destination.close()
    private_file(target, create=False)


def backup_database(target: Path | None = None) -> Path:
    """Copy the live embedded database to `target` (a new file, 0600; a folder gets a timestamped file)."""
    refuse_unless_sqlite()
    target = Path(target) if target else default_target()
    if target.is_dir():
        target = target / default_target().name
    _new_private_file(target)
    connection.ensure_connection()
    try:
        _copy(connection.connection, target)
    except sqlite3.Error as exc:
        target.unlink(missing_ok=True)
        raise BackupError(f"备份失败：{exc}") from exc
    return target


@dataclass
class BackupReport:
    """What the check of a backup file found."""

    path: Path
    people: int = 0
    audit_events: int = 0
    migrations: int = 0
    sample: str = ""  # the encrypted column a value was decrypted from ("" when the backup holds none)
    notes: list[str] = field(default_factory=list)


def _expected_migrations() -> set[tuple[str, str]]:
    from django.db.migrations.loader import MigrationLoader

    return set(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)


def _encrypted_columns() -> list[tuple[str, str, pii.BlindIndexField | None]]:
    """(table, encrypted column, the blind-index field of the same value or None), the people's ID numbers first."""
    from django.apps import apps

    found = []
    for model in apps.get_models():
        fields = model._meta.concrete_fields
        for f in fields:
            if isinstance(f, pii.EncryptedTextField) and f.column is not None:
                index = next((i for i in fields if isinstance(i, pii.BlindIndexField) and i.source == f.name), None)
                found.append((model._meta.db_table, f.column, index))
    found.sort(key=lambda item: (item[:2] != ("members_person", "id_number"), item[0], item[1]))
    return found


def check_backup(path: Path) -> BackupReport:
    """Refuse a file that is not an intact SmartUnion database at this code's migrations, or whose personal data
    the current key ring cannot decrypt."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"找不到备份文件：{path}")
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"无法打开备份文件：{exc}") from exc
    try:
        return _check(db, path)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"不是有效的 SQLite 数据库文件：{exc}") from exc
    finally:
        db.close()


def _check(db: sqlite3.Connection, path: Path) -> BackupReport:
    result = db.execute("PRAGMA integrity_check").fetchall()
    if result != [("ok",)]:
        raise BackupError("备份文件已损坏（PRAGMA integrity_check：" + "；".join(r[0] for r in result[:5]) + "）")
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    missing_tables = [t for t in REQUIRED_TABLES if t not in tables]
    if missing_tables:
        raise BackupError("这不是智慧工会平台的数据库（缺少数据表：" + "、".join(missing_tables) + "）")
    applied = set(db.execute("SELECT app, name FROM django_migrations").fetchall())
    expected = _expected_migrations()
    ours = {app for app, _name in expected}
    unknown = sorted(m for m in applied - expected if m[0] in ours)
    if unknown:
        raise BackupError("备份来自更新版本的程序（本程序不认识的迁移：" + "、".join(f"{a}.{n}" for a, n in unknown[:5])
                          + "）：请用对应版本的程序恢复")
    behind = sorted(expected - applied)
    if behind:
        raise BackupError("备份的数据库结构比本程序旧（缺少迁移：" + "、".join(f"{a}.{n}" for a, n in behind[:5])
                          + "）：请用备份时的程序版本恢复，再升级并运行 smartunion migrate")
    report = BackupReport(path=path, migrations=len(applied))
    report.people = db.execute("SELECT COUNT(*) FROM members_person").fetchone()[0]
    report.audit_events = db.execute("SELECT COUNT(*) FROM core_auditevent").fetchone()[0]
    for table, column, index in _encrypted_columns():
        if table not in tables:
            continue
        picked = f'"{column}", "{index.column}"' if index is not None else f'"{column}", NULL'
        row = db.execute(f'SELECT {picked} FROM "{table}" WHERE "{column}" != \'\' LIMIT 1').fetchone()  # noqa: S608
        if row is None:
            continue
        try:
            value = pii.decrypt(row[0])
        except Exception as exc:  # any failure means the same thing: these keys cannot read this backup
            raise BackupError(f"当前密钥环无法解密备份中的个人信息（{table}.{column}）：请使用备份时的密钥环"
                              "（SMARTUNION_KEYRING 或 var/keyring.json）") from exc
        if index is not None and row[1] is not None:
            if index.compute(value) != row[1]:
                raise BackupError(f"当前密钥环的索引密钥与备份不一致（{table}.{column}）："
                                  "按身份证号码或手机号查找将失效，请使用备份时的密钥环")
        report.sample = f"{table}.{column}"
        break
    if not report.sample:
        report.notes.append("备份中没有加密的个人信息，未能核对密钥环")
    return report


def in_use_reason(path: Path) -> str:
    """Why the database file looks in use ("" when it does not): open connections or a recent write."""
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            return f"存在 {side.name}：有进程正在使用数据库（服务、后台任务或命令）"
    if path.exists():
        age = time.time() - path.stat().st_mtime
        if age < IN_USE_SECONDS:
            return f"数据库在 {int(age)} 秒前刚被写入"
    return ""


def _kept_copy_path(path: Path) -> Path:
    kept = path.with_name(path.name + ".before-restore")
    if kept.exists():
        kept = path.with_name(f"{path.name}.before-restore-{dt.datetime.now():%Y%m%d-%H%M%S}")
    return kept


def restore_database(source: Path, *, force: bool = False) -> tuple[BackupReport, Path | None]:
    """Check `source`, keep the current database as a .before-restore copy, then copy `source` over it with the
    backup API. Returns (the check's report, the kept copy)."""
    target = refuse_unless_sqlite()
    if target is None:
        raise BackupError("当前数据库在内存中，无法恢复")
    report = check_backup(source)
    connection.close()  # this process must not hold the database open
    reason = in_use_reason(target)
    if reason and not force:
        raise BackupError(f"数据库似乎正在使用（{reason}）：请先停止服务和后台任务；确认无误后可加 --force")
    kept = None
    if target.exists() and target.stat().st_size:
        kept = _kept_copy_path(target)
        _new_private_file(kept)
        current = sqlite3.connect(target)
        try:
            _copy(current, kept)
        finally:
            current.close()
    backup = sqlite3.connect(f"{Path(source).resolve().as_uri()}?mode=ro", uri=True)
    destination = sqlite3.connect(target, timeout=30)
    try:
        # Rollback journal while copying (a WAL destination refuses a different page size); the service's
        # connections switch it back to WAL.
        destination.execute("PRAGMA journal_mode=DELETE")
        backup.backup(destination)
    except sqlite3.Error as exc:
        raise BackupError(f"恢复失败：{exc}（原数据库已保留为 {kept}）" if kept else f"恢复失败：{exc}") from exc
    finally:
        destination.close()
        backup.close()
    private_file(target, create=False)
    return report, kept
