"""The OIDC provider's RSA signing key (RS256 id_tokens), kept outside the repository like the other secrets.

settings.py reads it before Django is set up, so this module imports nothing of Django: SMARTUNION_OIDC_RSA_KEY (the
PEM itself) or SMARTUNION_OIDC_RSA_KEY_FILE, else `var/oidc_rsa.pem`, generated (0600) on first start when keys may be
generated (the embedded shape, DEBUG, SMARTUNION_GENERATE_KEYS=1). A production deployment without a key runs
without OIDC (the /oauth/ OIDC endpoints answer 404) rather than refusing to start.
"""

from __future__ import annotations

from pathlib import Path

from smartunion.core.keyring import _write_private

KEY_FILE_NAME = "oidc_rsa.pem"


def generate_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def load_oidc_key(*, inline: str, path: str, generate: bool) -> str:
    """The PEM of the signing key: inline, else the file, else a new one written to the file when allowed; ""
    when there is none."""
    if inline.strip():
        return inline.strip() + "\n"
    file = Path(path)
    if file.is_file():
        return file.read_text(encoding="utf-8")
    if not generate:
        return ""
    pem = generate_pem()
    _write_private(file, pem)
    return pem
