"""Secrets that live outside the repository: the Django secret key and the PII key ring.

The key ring is versioned: every ciphertext names the key version (and suite) that produced it, so keys can be
rotated and old data re-encrypted by `smartunion rotate-keys`. In the embedded shape the files are generated
under var/ with owner-only permissions; production supplies them through the environment.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


def load_or_create_secret_key(var_dir: Path) -> str:
    """Return the generated Django secret key under var/, creating it on first use."""
    path = Path(var_dir) / "secret_key"
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    key = secrets.token_urlsafe(50)
    _write_private(path, key)
    return key


@dataclass(frozen=True)
class KeyRing:
    """Versioned master keys for PII encryption plus the blind-index key."""

    current: int
    keys: dict[int, bytes]
    index_key: bytes

    @classmethod
    def from_json(cls, text: str) -> KeyRing:
        data = json.loads(text)
        keys = {int(v): base64.b64decode(k) for v, k in data["keys"].items()}
        current = int(data["current"])
        if current not in keys:
            raise ValueError("key ring: the current version has no key")
        if any(len(k) != 32 for k in keys.values()):
            raise ValueError("key ring: every key must be 32 bytes")
        index_key = base64.b64decode(data["index_key"])
        if len(index_key) != 32:
            raise ValueError("key ring: the index key must be 32 bytes")
        return cls(current=current, keys=keys, index_key=index_key)

    def to_json(self) -> str:
        return json.dumps(
            {
                "current": self.current,
                "keys": {str(v): base64.b64encode(k).decode() for v, k in sorted(self.keys.items())},
                "index_key": base64.b64encode(self.index_key).decode(),
            },
            indent=2,
        )

    @classmethod
    def generate(cls) -> KeyRing:
        return cls(current=1, keys={1: secrets.token_bytes(32)}, index_key=secrets.token_bytes(32))

    def with_new_version(self) -> KeyRing:
        version = max(self.keys) + 1
        return KeyRing(current=version, keys={**self.keys, version: secrets.token_bytes(32)}, index_key=self.index_key)


def load_keyring(*, inline: str, path: str, generate: bool) -> KeyRing:
    """Load the key ring from inline JSON or a file; create the file only when generation is allowed."""
    if inline:
        return KeyRing.from_json(inline)
    file = Path(path)
    if file.is_file():
        return KeyRing.from_json(file.read_text(encoding="utf-8"))
    if not generate:
        raise RuntimeError(f"PII key ring not found at {file}")
    ring = KeyRing.generate()
    _write_private(file, ring.to_json())
    return ring


def save_keyring(ring: KeyRing, path: str) -> None:
    _write_private(Path(path), ring.to_json())
