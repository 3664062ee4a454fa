"""Wire helpers every resource shares: output envelopes and fields, money-blindness, input fields.

Output (model → JSON-friendly dict, camelCase keys):

- `common(row)`: `id`, `orgId`, `createdAt`, `updatedAt` (+ `deletedAt` when the row has it);
- `put_money(out, actor, **values)`: adds formatted money fields, or omits them entirely for a
  Member token (design §3: money-blind responses *omit* money fields, never `null` them);
- `one(data)`, `page(items, next_cursor, limit)`: the `{"data": …}` envelopes;
- `dec`, `day`, `instant`: the `server.formats` formatters, re-exported for brevity.

Input (JSON body → model attribute values), used by services so that the CLI and the API apply
one set of rules: describe the accepted keys with `Field`s and call `read_fields(body, fields)`;
it returns only the keys present in the body (PATCH is partial), maps empty strings to `None`
for free text, and raises one 422 `validation_error` listing every bad field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Label, Row, Select, case, select

from server.context import Actor
from server.errors import ValidationFailed
from server.formats import format_date, format_decimal, format_instant, parse_date, parse_decimal

dec = format_decimal
day = format_date
instant = format_instant

# --- output -------------------------------------------------------------------------------


def common(row: Any) -> dict[str, Any]:
    """The fields every object carries; `deletedAt` only for soft-deletable rows."""
    out: dict[str, Any] = {
        "id": row.id,
        "orgId": row.org_id,
        "createdAt": format_instant(row.created_at),
        "updatedAt": format_instant(row.updated_at),
    }
    if hasattr(row, "deleted_at"):
        out["deletedAt"] = format_instant(row.deleted_at)
    return out


def put_money(out: dict[str, Any], actor: Actor, **values: Decimal | None) -> dict[str, Any]:
    """Add money fields as decimal strings, unless `actor` is a Member (then leave them out)."""
    if not actor.is_member:
        for key, value in values.items():
            out[key] = format_decimal(value)
    return out


def one(data: Any) -> dict[str, Any]:
    """The single-object envelope."""
    return {"data": data}


def page(items: list[dict[str, Any]], next_cursor: str | None, limit: int) -> dict[str, Any]:
    """The list envelope (no total count, by design)."""
    return {"data": items, "pagination": {"nextCursor": next_cursor, "limit": limit}}


# --- input --------------------------------------------------------------------------------

_COLOR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Field:
    """One accepted body key: its model attribute, kind and constraints.

    kinds: `text` (empty → None), `email`, `color`, `code` (`max_len` letters, upper-cased:
    currencies, countries), `enum`, `bool`, `money` (≥ 0, `places` decimals), `date`,
    `strings` (list of strings), `ids` (list of strings).
    """

    key: str
    attr: str
    kind: str = "text"
    required: bool = False
    nullable: bool = True
    max_len: int | None = None
    choices: tuple[str, ...] = ()
    places: int = 4
    upper: bool = False

    def parse(self, value: Any) -> Any:
        """Turn one JSON value into the attribute value, or raise ValueError with the reason."""
        if value is None or (isinstance(value, str) and value.strip() == "" and self._blankable):
            if not self.nullable:
                raise ValueError("must not be empty" if value is not None else "must not be null")
            return None
        return _PARSERS[self.kind](self, value)

    @property
    def _blankable(self) -> bool:
        return self.kind in {"text", "email", "color", "code", "money", "date", "enum"}


def _text(spec: Field, value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a string")
    text = value.strip() if spec.kind != "text" else value
    if spec.upper:
        text = text.upper()
    if spec.max_len is not None and len(text) > spec.max_len:
        raise ValueError(f"must be at most {spec.max_len} characters")
    return text


def _email(spec: Field, value: Any) -> str:
    text = _text(spec, value)
    if not _EMAIL_RE.fullmatch(text):
        raise ValueError("must be a valid email address")
    return text


def _color(spec: Field, value: Any) -> str:
    text = _text(spec, value)
    if not _COLOR_RE.fullmatch(text):
        raise ValueError("must be a colour like #1A2B3C")
    return text.upper()


def _code(spec: Field, value: Any) -> str:
    text = _text(spec, value).upper()
    if len(text) != spec.max_len or not text.isascii() or not text.isalpha():
        raise ValueError(f"must be a {spec.max_len}-letter code")
    return text


def _enum(spec: Field, value: Any) -> str:
    if not isinstance(value, str) or value not in spec.choices:
        raise ValueError(f"must be one of: {', '.join(spec.choices)}")
    return value


def _bool(_spec: Field, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be a boolean")
    return value


def _money(spec: Field, value: Any) -> Decimal:
    number = parse_decimal(value, max_places=spec.places)
    if number < 0:
        raise ValueError("must not be negative")
    return number


def _date(_spec: Field, value: Any) -> date:
    if not isinstance(value, str):
        raise ValueError("must be a date in YYYY-MM-DD form")
    return parse_date(value)


def _strings(spec: Field, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("must be an array of strings")
    out: list[str] = []
    for item in value:
        if not item:
            raise ValueError("items must not be empty")
        if spec.max_len is not None and len(item) > spec.max_len:
            raise ValueError(f"items must be at most {spec.max_len} characters")
        if item not in out:  # duplicates carry no meaning in tags or assignee lists
            out.append(item)
    return out


_PARSERS: dict[str, Callable[[Field, Any], Any]] = {
    "text": _text,
    "email": _email,
    "color": _color,
    "code": _code,
    "enum": _enum,
    "bool": _bool,
    "money": _money,
    "date": _date,
    "strings": _strings,
    "ids": _strings,
}


def read_fields(
    body: Mapping[str, Any] | None, fields: Iterable[Field], *, creating: bool
) -> dict[str, Any]:
    """Parse the keys of `body` described by `fields` into `{attr: value}`.

    Keys absent from the body are absent from the result (partial PATCH); on create, `required`
    fields must be present and non-empty. Unknown keys are rejected. All problems are reported at
    once as 422 `validation_error` with `fields` keyed by the JSON name.
    """
    data = dict(body or {})
    specs = {f.key: f for f in fields}
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    for key in data:
        if key not in specs:
            errors[key] = "is not a field that can be written"
    for key, spec in specs.items():
        if key not in data:
            if creating and spec.required:
                errors[key] = "is required"
            continue
        try:
            value = spec.parse(data[key])
        except ValueError as exc:
            errors[key] = str(exc)
            continue
        if value is None and spec.required:
            errors[key] = "must not be empty"
            continue
        out[spec.attr] = value
    if errors:
        raise ValidationFailed(errors)
    return out


def apply_changes(row: Any, changes: Mapping[str, Any]) -> bool:
    """Set attributes on `row`; True when anything actually changed (so `updatedAt` moves)."""
    changed = False
    for attr, value in changes.items():
        if getattr(row, attr) != value:
            setattr(row, attr, value)
            changed = True
    return changed


def parse_bool_param(value: Any) -> bool | None:
    """Query booleans: true/false/1/0/yes/no (any case); None when absent."""
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"true", "1", "yes"}:
        return True
    if text in {"false", "0", "no"}:
        return False
    raise ValueError("must be one of true, false, 1, 0, yes, no")


def utc_naive(value: datetime) -> datetime:
    """Aware → naive UTC (how instants are stored); naive values are taken as UTC already."""
    if value.tzinfo is None:
        return value
    offset = value.utcoffset()
    return (value - offset if offset else value).replace(tzinfo=None)


def rank(column: Any, order: Sequence[str], name: str) -> Label[int]:
    """Sort key for an enum column in its documented order (LOW < MEDIUM < HIGH), not A–Z.

    Select it with `ranked(Task, rank(...))` and sort on it; `entities(page)` then unwraps the
    rows.
    """
    whens = {value: index for index, value in enumerate(order)}
    return case(whens, value=column, else_=len(order)).label(name)


def ranked(entity: Any, sort_key: Label[int]) -> Select[Any]:
    """`select(entity, sort_key, entity.id)`: the id column lets the keyset read the tie-breaker."""
    return select(entity, sort_key, entity.id)


def entities(items: Iterable[Any]) -> list[Any]:
    """The ORM objects of a page, whether it selected entities or (entity, sort key) rows."""
    return [item[0] if isinstance(item, Row) else item for item in items]


# --- handler plumbing ---------------------------------------------------------------------

API_BASE = "/api/v1"
# What connexion passes besides the operation's parameters (context entries and the body).
_NOT_QUERY = frozenset({"token_info", "user", "body", "id_", "id"})

Handled = tuple[dict[str, Any] | None, int, dict[str, str]]


def query_params(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """The list parameters of a handler's kwargs (context entries, body and path id removed)."""
    return {k: v for k, v in kwargs.items() if k not in _NOT_QUERY}


def path_id(kwargs: Mapping[str, Any]) -> str:
    """The `{id}` path parameter: `id_` under pythonic_params (`id` is a builtin), else `id`."""
    value = kwargs.get("id_", kwargs.get("id"))
    return str(value)


def ok(data: Any) -> Handled:
    return one(data), 200, {}


def created(data: dict[str, Any], collection: str) -> Handled:
    """201 with `Location: /api/v1/<collection>/<id>`."""
    return one(data), 201, {"Location": f"{API_BASE}/{collection}/{data['id']}"}


def no_content() -> Handled:
    return None, 204, {}
