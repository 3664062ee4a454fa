"""The `Hoursmith-Signature` header (Stripe's scheme) and endpoint secrets.

`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` with the endpoint's secret. Every
attempt is signed afresh over the same stored bytes, so a receiver's 300 s window holds for
retries hours later.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SECRET_PREFIX = "wsk_"
# What `webhook list` shows of a secret after creation: `wsk_` and the first characters.
SHOWN_PREFIX_LENGTH = len(SECRET_PREFIX) + 6


def new_secret() -> str:
    """A fresh signing secret, `wsk_` + 32 URL-safe random characters (192 bits)."""
    return SECRET_PREFIX + secrets.token_urlsafe(24)


def shown_prefix(secret: str) -> str:
    """The part of a secret the app may show again (it identifies, it does not authenticate)."""
    return secret[:SHOWN_PREFIX_LENGTH]


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of `"<timestamp>.<body>"` under `secret`."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    """The value of `Hoursmith-Signature` for one attempt."""
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"
