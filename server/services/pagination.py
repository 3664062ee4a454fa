"""Lists: signed cursors and keyset pages (design §7); shared filters: `server.services.filters`.

A list handler, start to finish::

    CLIENT_SORTS = {"createdAt": Client.created_at, "updatedAt": Client.updated_at,
                    "name": Client.name, "id": Client.id}           # "id" is required

    def list_clients(**params):
        actor, session = current_actor(), current_session()
        page = PageRequest.from_params("clients", params, CLIENT_SORTS,
                                       workspace=actor.org_id)    # 400 on a bad cursor
        f = Filters(params)
        stmt = select(Client).where(Client.org_id == actor.org_id)
        stmt = f.include_deleted(stmt, Client.deleted_at)         # includeDeleted
        stmt = f.range(stmt, Client.created_at, "createdAt")      # createdAtFrom/createdAtTo
        stmt = f.range(stmt, Client.updated_at, "updatedAt")
        stmt = f.enum(stmt, Project.status, "status", STATUSES)   # (example of other helpers)
        stmt = f.search(stmt, Client.search_text)                 # search
        f.raise_if_invalid()                                      # one 422 naming every bad filter
        result = paginate(session, stmt, page)
        return {"data": [to_json(c) for c in result.items], "pagination": result.pagination}

Rules implemented here, so that every list behaves alike:
- `limit` 1–200 (default 50); `sort` = `field` or `-field` from the allow-list (default
  `-createdAt`); order is (sort key, id) with nulls first ascending and last descending — the
  NULL ordering is emulated with a leading `CASE WHEN col IS NULL` key so SQLite and PostgreSQL
  agree.
- The cursor carries the last row's (sort value, id) and is HMAC-signed; it is bound to the
  workspace (organization id), the resource, the sort and every other parameter (filters +
  search) but not the limit. Tampered, foreign (another workspace's) or mismatched cursors are
  400 `bad_request`.
- Filters read the handler's snake_case kwargs (`created_at_from`) and report errors under the
  API's names (`createdAtFrom`).
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson
from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    case,
    literal,
    literal_column,
    or_,
    tuple_,
)
from sqlalchemy.orm import Session

from server.context import current_runtime
from server.errors import BadRequest, ValidationFailed

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
DEFAULT_SORT = "-createdAt"
MAX_SEARCH = 200
_PAGE_KEYS = ("limit", "cursor", "sort")
_WORKSPACE = "@workspace"


@functools.lru_cache(maxsize=512)
def snake(name: str) -> str:
    """`createdAtFrom` → `created_at_from` (connexion's pythonic_params spelling); memoised."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


# --- cursors ------------------------------------------------------------------------------


def _b64e(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"n": str(value)}
    return value


def _decode_value(raw: Any) -> Any:
    if isinstance(raw, dict):
        if "t" in raw:
            return datetime.fromisoformat(raw["t"])
        if "d" in raw:
            return date.fromisoformat(raw["d"])
        if "n" in raw:
            return Decimal(raw["n"])
        raise ValueError("unknown cursor value")
    return raw


def _binding_digest(binding: Mapping[str, Any]) -> str:
    canonical = orjson.dumps(
        {k: _encode_value(v) for k, v in binding.items()},
        option=orjson.OPT_SORT_KEYS,
        default=str,
    )
    return _b64e(hashlib.sha256(canonical).digest()[:12])


def encode_cursor(
    key: bytes, resource: str, sort: str, binding: Mapping[str, Any], last: tuple[Any, str]
) -> str:
    payload = orjson.dumps(
        {
            "r": resource,
            "s": sort,
            "b": _binding_digest(binding),
            "k": [_encode_value(last[0]), last[1]],
        }
    )
    signature = hmac.new(key, payload, hashlib.sha256).digest()[:16]
    return f"{_b64e(payload)}.{_b64e(signature)}"


def decode_cursor(
    key: bytes, cursor: str, resource: str, sort: str, binding: Mapping[str, Any]
) -> tuple[Any, str]:
    """The (sort value, id) a cursor resumes after; BadRequest for anything not ours."""
    bad = BadRequest("Invalid cursor: pass the nextCursor of the same query unchanged")
    try:
        payload_text, signature_text = cursor.split(".", 1)
        payload, signature = _b64d(payload_text), _b64d(signature_text)
    except (ValueError, binascii.Error):
        raise bad from None
    expected = hmac.new(key, payload, hashlib.sha256).digest()[:16]
    if not hmac.compare_digest(signature, expected):
        raise bad
    try:
        data = orjson.loads(payload)
        value, last_id = _decode_value(data["k"][0]), str(data["k"][1])
        matches = (data["r"], data["s"], data["b"]) == (resource, sort, _binding_digest(binding))
    except (ValueError, KeyError, TypeError, IndexError, InvalidOperation):
        raise bad from None
    if not matches:
        raise BadRequest(
            "This cursor belongs to a different workspace, list, sort, filter or search"
        )
    return value, last_id


# --- page requests and keyset -------------------------------------------------------------


@dataclass(frozen=True)
class PageRequest:
    resource: str
    limit: int
    sort: str  # as sent: "name" or "-name"
    column: Any  # the sort key's column expression
    id_column: Any
    binding: Mapping[str, Any]
    after: tuple[Any, str] | None
    key: bytes

    @property
    def descending(self) -> bool:
        return self.sort.startswith("-")

    @classmethod
    def from_params(
        cls,
        resource: str,
        params: Mapping[str, Any],
        sorts: Mapping[str, Any],
        *,
        workspace: str,
        default_sort: str = DEFAULT_SORT,
        key: bytes | None = None,
    ) -> PageRequest:
        """Read `limit`, `cursor`, `sort` from the handler's kwargs; bind the rest and the
        `workspace` (the caller's organization id) to the cursor."""
        if key is None:
            key = current_runtime().cursor_key
        limit = params.get("limit")
        limit = DEFAULT_LIMIT if limit is None else int(limit)
        if not 1 <= limit <= MAX_LIMIT:
            raise ValidationFailed({"limit": f"must be between 1 and {MAX_LIMIT}"})
        sort = params.get("sort") or default_sort
        field = sort.removeprefix("-")
        if field not in sorts:
            allowed = ", ".join(sorted(sorts))
            raise ValidationFailed({"sort": f"must be one of: {allowed} (prefix - for descending)"})
        binding = {k: v for k, v in params.items() if k not in _PAGE_KEYS and v is not None}
        # Another workspace's cursor is foreign even for the same list and filters (design §7).
        # No parameter name starts with "@", so the entry cannot collide with a filter.
        binding[_WORKSPACE] = workspace
        cursor = params.get("cursor")
        after = decode_cursor(key, cursor, resource, sort, binding) if cursor else None
        return cls(resource, limit, sort, sorts[field], sorts["id"], binding, after, key)

    def order_by(self) -> list[ColumnElement[Any]]:
        col, ident = self.column, self.id_column
        keys: list[ColumnElement[Any]] = []
        if _nullable(col):
            null_last = case((col.is_(None), 1), else_=0)
            keys.append(null_last.asc() if self.descending else null_last.desc())
        if self.descending:
            return [*keys, col.desc(), ident.desc()]
        return [*keys, col.asc(), ident.asc()]

    def seek(self) -> ColumnElement[bool] | None:
        """The WHERE predicate for rows strictly after the cursor's (value, id)."""
        if self.after is None:
            return None
        value, last_id = self.after
        col, ident = self.column, self.id_column
        if not _nullable(col):
            return _row_value_seek(col, ident, value, last_id, descending=self.descending)
        if self.descending:  # non-nulls (descending) first, then nulls
            if value is None:
                return and_(col.is_(None), ident < last_id)
            return or_(col.is_(None), col < value, and_(col == value, ident < last_id))
        if value is None:  # nulls first, then non-nulls ascending
            return or_(and_(col.is_(None), ident > last_id), col.is_not(None))
        return and_(col.is_not(None), or_(col > value, and_(col == value, ident > last_id)))


def _row_value_seek(
    col: Any, ident: Any, value: Any, last_id: str, *, descending: bool
) -> ColumnElement[bool]:
    """`(col, id) < (:v, :id)` (`>` ascending) for a NOT NULL sort key.

    The row-value comparison is what lets SQLite and PostgreSQL turn the seek into an index range
    (`(org_id=? AND (created_at,id)<(?,?))`), so a page 100,000 rows deep costs what the first
    one does; the equivalent `col < v OR (col = v AND id < :id)` walks the index from its start.
    The bound values are typed by their columns (a DateTime is stored as text on SQLite).
    """
    left = tuple_(col, ident)
    right = tuple_(literal(value, col.type), literal(last_id, ident.type))
    comparison: ColumnElement[bool] = left < right if descending else left > right
    return comparison


def _nullable(col: Any) -> bool:
    expr = getattr(col, "expression", col)
    return bool(getattr(expr, "nullable", True))


@dataclass(frozen=True)
class Page:
    items: list[Any]
    next_cursor: str | None
    limit: int

    @property
    def pagination(self) -> dict[str, Any]:
        return {"nextCursor": self.next_cursor, "limit": self.limit}


def paginate(session: Session, stmt: Select[Any], page: PageRequest) -> Page:
    """Run one keyset page of `stmt` (selecting ORM entities or rows exposing the columns)."""
    seek = page.seek()
    if seek is not None:
        stmt = stmt.where(seek)
    # The LIMIT is written into the SQL (a validated int, 2–201), not bound: PostgreSQL plans a
    # prepared statement's `LIMIT $n` for 10% of the table, so the generic plan always looked
    # dearer than a custom one and every execution was planned afresh. With the number in the
    # text the generic plan is as cheap and is kept (one prepared statement per limit in use).
    fetch = literal_column(str(int(page.limit) + 1), Integer)
    stmt = stmt.order_by(None).order_by(*page.order_by()).limit(fetch)
    rows: list[Any]
    kind = _select_kind(stmt)
    if kind == "entity":
        rows = list(session.scalars(stmt).all())
    elif kind == "columns":
        # Column rows need no ORM loading: run on the session's connection (same transaction,
        # same Row objects), after the autoflush `session.execute` would have done.
        if session.autoflush:
            session.flush()
        rows = list(session.connection().execute(stmt).all())
    else:
        rows = list(session.execute(stmt).all())
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        value = _value_of(last, page.column)
        next_cursor = encode_cursor(
            page.key,
            page.resource,
            page.sort,
            page.binding,
            (value, _value_of(last, page.id_column)),
        )
    return Page(rows, next_cursor, page.limit)


_SELECT_KINDS: dict[tuple[int, ...], tuple[tuple[Any, ...], str]] = {}


def _select_kind(stmt: Select[Any]) -> str:
    """`entity` for `select(Entity)`, `columns` when only column expressions are selected (rows
    need no ORM loading), else `orm` (several entities, bundles…). Remembered per selected-column
    tuple: `column_descriptions` costs ~100 µs and depends only on what is selected."""
    raw = tuple(stmt._raw_columns)
    key = tuple(map(id, raw))
    hit = _SELECT_KINDS.get(key)
    if hit is None or any(a is not b for a, b in zip(hit[0], raw, strict=True)):
        descs = stmt.column_descriptions
        if (
            len(descs) == 1
            and descs[0].get("entity") is not None
            and descs[0].get("expr") is descs[0]["entity"]
        ):
            kind = "entity"
        elif all(isinstance(c, ColumnElement) for c in raw):
            kind = "columns"
        else:
            kind = "orm"
        if len(_SELECT_KINDS) >= 256:
            _SELECT_KINDS.clear()
        hit = (raw, kind)
        _SELECT_KINDS[key] = hit
    return hit[1]


def _value_of(row: Any, column: Any) -> Any:
    key = getattr(column, "key", None)
    if key is None:
        raise ValueError("sort columns must be named attributes or labelled expressions")
    if hasattr(row, "_mapping"):
        mapping = row._mapping
        return mapping[column] if column in mapping else mapping[key]
    return getattr(row, key)
