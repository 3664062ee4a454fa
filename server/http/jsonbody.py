"""JSON bodies: responses serialised with orjson (connexion's `Jsonifier` hook, used by
`create_app`), and request bodies decoded in one place (`decode_request_json`).

connexion serialises a handler's dict with the stdlib `json` module; orjson produces the same
JSON about 10x faster (a 50-entry page: ~166 µs → ~16 µs). Values orjson does not know natively
(Decimal, and dates/datetimes, passed through on purpose) go to connexion's own `JSONEncoder`, so
every value is rendered exactly as before; only the insignificant whitespace differs.
"""

from __future__ import annotations

from typing import Any

import orjson
from connexion.jsonifier import JSONEncoder, Jsonifier

from server.errors import BadRequest

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS


class OrjsonJsonifier(Jsonifier):  # type: ignore[misc]  # connexion is untyped
    """connexion's Jsonifier with orjson for `dumps` (loads stays connexion's)."""

    def __init__(self) -> None:
        super().__init__()
        self._default = JSONEncoder().default

    def dumps(self, data: Any, **_kwargs: Any) -> str:
        return orjson.dumps(data, default=self._default, option=_OPTIONS).decode() + "\n"


JSONIFIER = OrjsonJsonifier()


def decode_request_json(raw: bytes, charset: str | None = None) -> Any:
    """A JSON request body, or 400 `bad_request` when it is not UTF-8 JSON.

    Shared by the idempotency layer (which must answer 400 before claiming a key) and request
    validation; connexion's own parser answers 500 for bytes that are not UTF-8 (P8).
    """
    if charset and charset.lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise BadRequest("JSON bodies must be UTF-8 encoded")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("The request body is not valid UTF-8") from None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"Malformed JSON: {exc}") from None
