"""The documented spellings of query values that the document does not list (design §7).

The document declares each filter in its canonical form only (`type: boolean`; an enum in its
documented case), so generated clients get real booleans and unique enum names. The server stays
lenient about the aliases users already send: `true/false/1/0/yes/no` for booleans and any case
of an enum filter's value. `AliasURIParser` replaces an alias by the canonical value while the
query string is parsed, so request validation and the handler's arguments both see the value
the document declares (connexion's own boolean coercion knows only `true`/`false` and answered
500 for `running=1`).
"""

from __future__ import annotations

from typing import Any

from connexion.uri_parsing import OpenAPIURIParser

from server.services.filters import parse_bool

# A sort key is an allow-list value, not a filter: it keeps its exact spelling.
EXACT_PARAMETERS = frozenset({"sort"})


def canonical_query_value(name: str, schema: dict[str, Any], value: Any) -> Any:
    """The canonical value a query alias stands for; anything else is returned unchanged."""
    if not isinstance(value, str) or name in EXACT_PARAMETERS:
        return value
    if schema.get("type") == "boolean":
        try:
            return parse_bool(value)
        except ValueError:
            return value
    allowed = schema.get("enum")
    if isinstance(allowed, list) and value not in allowed:
        folded = value.casefold()
        for member in allowed:
            if isinstance(member, str) and member.casefold() == folded:
                return member
    return value


class AliasURIParser(OpenAPIURIParser):  # type: ignore[misc]  # untyped
    """connexion's OpenAPI query parsing, with each documented alias made canonical first."""

    def resolve_query(self, query_data: dict[str, Any]) -> dict[str, Any]:
        schemas = self.param_schemas
        canonical = {
            name: [canonical_query_value(name, schemas.get(name) or {}, v) for v in values]
            if isinstance(values, list)
            else values
            for name, values in query_data.items()
        }
        return super().resolve_query(canonical)  # type: ignore[no-any-return]
