"""API token format: `hsk_<env>_<prefix>_<secret>`.

- env: `live` or `test`;
- prefix: 12 lowercase hex characters, the public lookup id (unique index);
- secret: 32 ASCII letters and digits; only its SHA-256 is stored. The secret carries ~190 bits
  of entropy, so a fast hash is enough (no password-style key stretching needed), and the
  comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string
from dataclasses import dataclass

TOKEN_RE = re.compile(r"^hsk_(live|test)_([0-9a-f]{12})_([A-Za-z0-9]{32})$")
ENVS = ("live", "test")
_ALPHABET = string.ascii_letters + string.digits


@dataclass(frozen=True)
class ParsedToken:
    env: str
    prefix: str
    secret: str


@dataclass(frozen=True)
class NewToken:
    plaintext: str
    env: str
    prefix: str
    secret_hash: str


def parse_token(value: str) -> ParsedToken | None:
    """Split a bearer token into its parts, or None when it is not of the documented form."""
    match = TOKEN_RE.fullmatch(value)
    if match is None:
        return None
    return ParsedToken(env=match.group(1), prefix=match.group(2), secret=match.group(3))


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def secret_matches(secret: str, secret_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), secret_hash)


def generate_token(env: str = "live") -> NewToken:
    if env not in ENVS:
        raise ValueError(f"env must be one of {', '.join(ENVS)}")
    prefix = secrets.token_hex(6)
    secret = "".join(secrets.choice(_ALPHABET) for _ in range(32))
    return NewToken(
        plaintext=f"hsk_{env}_{prefix}_{secret}",
        env=env,
        prefix=prefix,
        secret_hash=hash_secret(secret),
    )
