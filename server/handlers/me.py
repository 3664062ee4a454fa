"""Me handler: the token's identity, role scopes and visible projects (every role)."""

from __future__ import annotations

from typing import Any

from server.context import current_actor, current_session
from server.services.organization import get_me as me_of
from server.services.serialize import Handled, ok


def get_me(**_kwargs: Any) -> Handled:
    return ok(me_of(current_session(), current_actor()))
