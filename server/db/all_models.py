"""Import every module that defines tables, so `Base.metadata` is complete."""

from server.db import infra, models  # noqa: F401
