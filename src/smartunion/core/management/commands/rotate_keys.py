"""`smartunion rotate-keys`: re-encrypt every PII value with the current key and refresh every blind index."""

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from smartunion.core import pii
from smartunion.core.actors import SYSTEM
from smartunion.core.audit import log_event
from smartunion.core.keyring import load_keyring, save_keyring


def encrypted_fields():
    """(model, [encrypted field names], [blind index fields]) for every model holding PII."""
    for model in apps.get_models():
        enc = [f for f in model._meta.concrete_fields if isinstance(f, pii.EncryptedTextField)]
        idx = [f for f in model._meta.concrete_fields if isinstance(f, pii.BlindIndexField)]
        if enc:
            yield model, enc, idx


class Command(BaseCommand):
    help = "轮换个人信息加密密钥：用当前密钥重新加密全部数据并重算盲索引。"

    def add_arguments(self, parser):
        parser.add_argument("--new-key", action="store_true",
                            help="先在内置密钥环（var/keyring.json）中生成新版本密钥")
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args, new_key=False, batch_size=2000, **options):
        if new_key:
            if settings.PII_KEYRING:
                raise CommandError("密钥环来自环境变量 SMARTUNION_KEYRING，请由运维更新后再运行本命令")
            ring = load_keyring(inline="", path=settings.PII_KEYRING_FILE, generate=settings.GENERATE_KEYS)
            save_keyring(ring.with_new_version(), settings.PII_KEYRING_FILE)
            pii.reset_keyring_cache()
            self.stdout.write(f"已生成新密钥版本 {pii.keyring().current}")
        total = 0
        for model, enc_fields, idx_fields in encrypted_fields():
            names = [f.name for f in enc_fields] + [f.name for f in idx_fields]
            count = 0
            last_pk = 0
            while True:
                # Raw ciphertext is read through values() on the column with the field's own decryption,
                # so every row is simply loaded, and saved back encrypted under the current key.
                rows = list(model._default_manager.filter(pk__gt=last_pk).order_by("pk")[:batch_size])
                if not rows:
                    break
                for row in rows:
                    for f in idx_fields:
                        setattr(row, f.attname, f.compute(getattr(row, f.source)))
                with transaction.atomic():
                    model._default_manager.bulk_update(rows, names)
                count += len(rows)
                last_pk = rows[-1].pk
            total += count
            self.stdout.write(f"{model._meta.verbose_name}：{count} 行")
        log_event("core.keys.rotate", actor=SYSTEM, data={"rows": total, "version": pii.keyring().current})
        self.stdout.write(self.style.SUCCESS(f"完成：共重新加密 {total} 行，当前密钥版本 {pii.keyring().current}"))
