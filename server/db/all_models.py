"""Import every module that defines tables, so `Base.metadata` is complete."""

from server.db import infra, models, webhooks  # noqa: F401
