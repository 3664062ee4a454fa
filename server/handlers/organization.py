"""Organization handler (read-only, every role)."""

from __future__ import annotations

from typing import Any

from server.context import current_actor, current_session
from server.services.organization import get_organization as organization_of
from server.services.serialize import Handled, ok


def get_organization(**_kwargs: Any) -> Handled:
    return ok(organization_of(current_session(), current_actor()))
