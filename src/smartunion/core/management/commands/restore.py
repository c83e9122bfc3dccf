"""`smartunion restore <file>`: check a backup of the embedded database, then put it in place of the current one."""

from django.core.management.base import BaseCommand, CommandError

from smartunion.core.actors import SYSTEM
from smartunion.core.audit import log_event
from smartunion.core.backup import BackupError, check_backup, refuse_unless_sqlite, restore_database


class Command(BaseCommand):
    help = ("检查并恢复内置 SQLite 数据库的备份：完整性、数据库结构版本、能否用当前密钥环解密；当前数据库先另存为 "
            ".before-restore。PostgreSQL 请见 docs/deployment.md。")
    requires_system_checks = []  # the checks would open the database that is about to be replaced

    def add_arguments(self, parser):
        parser.add_argument("file", help="备份文件（smartunion backup 生成）")
        parser.add_argument("--check", action="store_true", help="只检查备份文件，不恢复")
        parser.add_argument("--force", action="store_true", help="数据库似乎正在使用时仍然恢复")

    def handle(self, *args, file, check=False, force=False, **options):
        try:
            refuse_unless_sqlite()
            if check:
                report, kept = check_backup(file), None
            else:
                report, kept = restore_database(file, force=force)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        decrypted = f"已用当前密钥环解密样本（{report.sample}）" if report.sample else "；".join(report.notes)
        self.stdout.write(f"备份检查通过：完整性正常，{report.migrations} 项迁移，职工 {report.people} 人，"
                          f"审计日志 {report.audit_events} 条；{decrypted}")
        if check:
            return
        if kept is not None:
            self.stdout.write(f"原数据库已另存为：{kept}")
        log_event("core.database.restore", actor=SYSTEM,
                  data={"file": report.path.name, "kept": kept.name if kept else ""})
        self.stdout.write(self.style.SUCCESS(f"已从 {report.path} 恢复。请启动服务并核对数据。"))
