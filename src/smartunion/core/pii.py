"""Personal data at rest: authenticated encryption, a keyed blind index for exact look-ups, and masking.

Ciphertext format: "<suite><version>$<base64(nonce | ciphertext | tag)>", e.g. "a1$...". The suite letter is
"a" for AES-256-GCM and "s" for SM4-GCM; the version names the key in the key ring. Old versions and the other
suite stay readable, so rotating keys or switching suite is a re-encryption pass, not a flag day.
Blind index: HMAC-SHA256 (or HMAC-SM3 for the SM suite) of the normalised value, keyed with the index key.
"""

from __future__ import annotations

import base64
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as chmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models

from smartunion.core.keyring import KeyRing, load_keyring

NONCE_BYTES = 12
TAG_BYTES = 16


class DecryptionError(Exception):
    """A stored value could not be authenticated or its key is missing."""


@lru_cache(maxsize=1)
def keyring() -> KeyRing:
    return load_keyring(inline=settings.PII_KEYRING, path=settings.PII_KEYRING_FILE, generate=settings.GENERATE_KEYS)


def reset_keyring_cache() -> None:
    keyring.cache_clear()
    _derived.cache_clear()


def current_suite() -> str:
    return "s" if settings.PII_SUITE == "sm" else "a"


@lru_cache(maxsize=64)
def _derived(suite: str, version: int) -> bytes:
    """Per-suite encryption key derived from the master key (SM4 takes 16 bytes, AES-256 32)."""
    master = keyring().keys.get(version)
    if master is None:
        raise DecryptionError(f"key version {version} is not in the key ring")
    if suite == "s":
        return HKDF(algorithm=hashes.SM3(), length=16, salt=None, info=b"smartunion-pii-sm4").derive(master)
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"smartunion-pii-aes").derive(master)


def _sm4_gcm_encrypt(key: bytes, nonce: bytes, data: bytes) -> bytes:
    enc = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    body = enc.update(data) + enc.finalize()
    return body + enc.tag


def _sm4_gcm_decrypt(key: bytes, nonce: bytes, data: bytes) -> bytes:
    body, tag = data[:-TAG_BYTES], data[-TAG_BYTES:]
    dec = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    return dec.update(body) + dec.finalize()


def encrypt(plaintext: str, *, suite: str | None = None, version: int | None = None) -> str:
    """Encrypt a string with the current key (or the given suite/version)."""
    suite = suite or current_suite()
    version = version or keyring().current
    key = _derived(suite, version)
    nonce = os.urandom(NONCE_BYTES)
    data = plaintext.encode("utf-8")
    sealed = _sm4_gcm_encrypt(key, nonce, data) if suite == "s" else AESGCM(key).encrypt(nonce, data, None)
    return f"{suite}{version}${base64.b64encode(nonce + sealed).decode('ascii')}"


def parse_header(token: str) -> tuple[str, int]:
    head, _, _ = token.partition("$")
    if not head or head[0] not in "as" or not head[1:].isdigit():
        raise DecryptionError("not a SmartUnion ciphertext")
    return head[0], int(head[1:])


def decrypt(token: str) -> str:
    suite, version = parse_header(token)
    raw = base64.b64decode(token.partition("$")[2])
    nonce, sealed = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
    key = _derived(suite, version)
    try:
        data = _sm4_gcm_decrypt(key, nonce, sealed) if suite == "s" else AESGCM(key).decrypt(nonce, sealed, None)
    except Exception as exc:  # InvalidTag and friends: never echo the value
        raise DecryptionError("ciphertext failed authentication") from exc
    return data.decode("utf-8")


def needs_reencryption(token: str) -> bool:
    suite, version = parse_header(token)
    return suite != current_suite() or version != keyring().current


def blind_index(value: str, *, purpose: str) -> str:
    """Keyed, deterministic digest of a normalised value; equal inputs give equal indexes per purpose."""
    message = f"{purpose}:{value}".encode()
    key = keyring().index_key
    if current_suite() == "s":
        mac = chmac.HMAC(key, hashes.SM3())
        mac.update(message)
        return mac.finalize().hex()
    return hmac.new(key, message, "sha256").hexdigest()


class EncryptedTextField(models.TextField):
    """A text column that holds only ciphertext; the Python value is the plaintext string.

    Equality look-ups cannot work on randomised ciphertext: pair the field with a BlindIndexField.
    """

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)


class BlindIndexField(models.CharField):
    """The blind index of another field of the same instance, computed when the row is written.

    `normalizer` is a dotted path or callable applied before hashing, so "11010519491231002x" and
    "11010519491231002X" index alike.
    """

    def __init__(self, *args, source: str = "", purpose: str = "", normalizer=None, **kwargs):
        self.source = source
        self.purpose = purpose or source
        self.normalizer = normalizer
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        if self.purpose != self.source:
            kwargs["purpose"] = self.purpose
        kwargs.pop("editable", None)
        if kwargs.get("max_length") == 64:
            kwargs.pop("max_length")
        return name, path, args, kwargs

    def compute(self, raw: str | None) -> str | None:
        if raw is None or raw == "":
            return None
        if self.normalizer is not None:
            raw = self.normalizer(raw)
        return blind_index(raw, purpose=self.purpose)

    def pre_save(self, model_instance, add):
        value = self.compute(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value


# Masking helpers: what screens show by default. Revealing the full value is an audited act.


def mask_id_number(value: str | None) -> str:
    """3701**********1234 for an 18-character ID number."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str | None) -> str:
    """138****5678."""
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_address(value: str | None) -> str:
    """Keep the first six characters (province, city, district), hide the rest."""
    if not value:
        return ""
    keep = min(6, max(len(value) - 4, 0))
    return value[:keep] + "****"


def mask_name(value: str | None) -> str:
    """张*, 欧阳**: keep the surname (the first character, or two for common compound surnames)."""
    if not value:
        return ""
    keep = 2 if len(value) >= 3 and value[:2] in COMPOUND_SURNAMES else 1
    return value[:keep] + "*" * max(len(value) - keep, 1)


COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 令狐 夏侯 轩辕 端木 独孤 南宫 西门 百里".split()
)
