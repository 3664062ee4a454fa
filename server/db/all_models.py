"""Import every module that defines tables, so `Base.metadata` is complete."""

import contextlib

from server.db import models  # noqa: F401

# Infrastructure tables (idempotency, rate limits) live beside the domain ones.
with contextlib.suppress(ImportError):
    from server.db import infra  # noqa: F401
