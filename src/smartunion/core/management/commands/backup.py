"""`smartunion backup [path]`: a consistent online copy of the embedded SQLite database (the SQLite backup API)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from smartunion.core.actors import SYSTEM
from smartunion.core.audit import log_event
from smartunion.core.backup import BackupError, backup_database


class Command(BaseCommand):
    help = "备份内置 SQLite 数据库（在线一致性备份，服务无需停止）。PostgreSQL 请见 docs/deployment.md。"

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=None,
                            help="备份文件或目录（默认 var/backups/smartunion-<时间>.sqlite3）")

    def handle(self, *args, path=None, **options):
        try:
            target = backup_database(path)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        log_event("core.database.backup", actor=SYSTEM, data={"file": target.name})
        keyring = "环境变量 SMARTUNION_KEYRING" if settings.PII_KEYRING else settings.PII_KEYRING_FILE
        self.stdout.write(self.style.SUCCESS(f"已备份到：{target}"))
        self.stdout.write(
            f"请注意：备份中的个人信息是加密的，恢复时需要密钥环（{keyring}）。请把密钥环与备份分开保存：放在一起，"
            "丢失备份即泄露数据；只有备份而没有密钥环，备份无法读取。\n"
            f"Note: personal data in the backup is encrypted; restoring it needs the key ring ({keyring}). Store the "
            "key ring apart from the backup: together they leak the data, and the backup alone is unreadable."
        )
