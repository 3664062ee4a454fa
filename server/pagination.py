"""Lists: signed cursors, keyset pages and the filters every list shares (design §7).

A list handler, start to finish::

    CLIENT_SORTS = {"createdAt": Client.created_at, "updatedAt": Client.updated_at,
                    "name": Client.name, "id": Client.id}           # "id" is required

    def list_clients(**params):
        actor, session = current_actor(), current_session()
        page = PageRequest.from_params("clients", params, CLIENT_SORTS)   # 400 on a bad cursor
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
  resource, the sort and every other parameter (filters + search) but not the limit. Tampered,
  foreign or mismatched cursors are 400 `bad_request`.
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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Select, and_, case, false, literal, or_, tuple_
from sqlalchemy.orm import Session

from server.context import current_runtime
from server.db.models import search_fold
from server.errors import BadRequest, ValidationFailed

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
DEFAULT_SORT = "-createdAt"
MAX_SEARCH = 200
_PAGE_KEYS = ("limit", "cursor", "sort")
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


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
        raise BadRequest("This cursor belongs to a different list, sort, filter or search")
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
        default_sort: str = DEFAULT_SORT,
        key: bytes | None = None,
    ) -> PageRequest:
        """Read `limit`, `cursor`, `sort` from the handler's kwargs; bind the rest to the cursor."""
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
    stmt = stmt.order_by(None).order_by(*page.order_by()).limit(page.limit + 1)
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


# --- shared filters -------------------------------------------------------------------------


def parse_bool(value: Any) -> bool | None:
    """true/false/1/0/yes/no (any case); None when absent; ValueError otherwise."""
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(value)


def parse_instant_bound(value: Any, *, upper: bool) -> tuple[datetime, bool]:
    """(naive UTC instant, inclusive?) for a `From`/`To` bound given as a date or an instant.

    A date means the whole UTC day: as a lower bound its midnight (inclusive), as an upper bound
    the next midnight (exclusive).
    """
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        day = value
        start = datetime.combine(day, time.min)
        if upper and day == date.max:
            return datetime.max, True  # the whole last representable day
        return (start + timedelta(days=1), False) if upper else (start, True)
    else:
        text = str(value).strip()
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return parse_instant_bound(date.fromisoformat(text), upper=upper)
        if not re.fullmatch(
            r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})?", text
        ):
            raise ValueError(text)
        moment = datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
    if moment.tzinfo is not None:
        try:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:
            # In UTC before year 1 or after 9999: clamp to the earliest/latest naive instant.
            ahead = (moment.utcoffset() or timedelta(0)) > timedelta(0)
            moment = datetime.min if ahead else datetime.max
    return moment, True


def parse_date_bound(value: Any) -> date:
    """A date (or an instant, taken as its UTC date) for date-valued columns."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return date.fromisoformat(text)
    return parse_instant_bound(text, upper=False)[0].date()


def parse_decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(value)
    number = Decimal(str(value).strip())
    if not number.is_finite():
        raise ValueError(value)
    return number


def _bound_for(column: Any, number: Decimal, *, upper: bool) -> Decimal | int:
    """Round a bound inward to what the column can hold (int seconds, 4-place money).

    Stored values never have more places, so rounding a lower bound up (an upper bound down)
    selects exactly the same rows and keeps the bind parameter valid for the column type.
    """
    rounding = ROUND_FLOOR if upper else ROUND_CEILING
    try:
        python_type = column.type.python_type
    except (AttributeError, NotImplementedError):
        python_type = Decimal
    if python_type is int:
        return int(number.to_integral_value(rounding=rounding))
    return number.quantize(Decimal("0.0001"), rounding=rounding)


def like_pattern(term: str) -> str:
    """`%term%` with `\\`, `%` and `_` escaped (use with ESCAPE '\\'), folded like search_text."""
    escaped = search_fold(term).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class Filters:
    """Applies shared filters from a handler's kwargs and collects every error for one 422."""

    def __init__(self, params: Mapping[str, Any]) -> None:
        self.params = params
        self.errors: dict[str, str] = {}

    def get(self, name: str) -> Any:
        """A parameter by its API name (`createdAtFrom`) or snake name."""
        value = self.params.get(snake(name))
        return self.params.get(name) if value is None else value

    def raise_if_invalid(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors, "Invalid filter parameters")

    def equals(self, stmt: Select[Any], column: Any, name: str) -> Select[Any]:
        value = self.get(name)
        return stmt if value is None else stmt.where(column == value)

    def boolean(self, stmt: Select[Any], column: Any, name: str) -> Select[Any]:
        try:
            value = parse_bool(self.get(name))
        except ValueError:
            self.errors[name] = "must be one of true, false, 1, 0, yes, no"
            return stmt
        return stmt if value is None else stmt.where(column == value)

    def enum(
        self, stmt: Select[Any], column: Any, name: str, allowed: Sequence[str]
    ) -> Select[Any]:
        value = self.get(name)
        if value is None:
            return stmt
        canonical = {a.lower(): a for a in allowed}.get(str(value).lower())
        if canonical is None:
            self.errors[name] = f"must be one of: {', '.join(allowed)}"
            return stmt
        return stmt.where(column == canonical)

    def range(
        self, stmt: Select[Any], column: Any, name: str, *, dates: bool = False
    ) -> Select[Any]:
        """`<name>From` / `<name>To`, inclusive. `dates=True` for DATE columns (entryDate)."""
        for suffix, upper in (("From", False), ("To", True)):
            field = f"{name}{suffix}"
            raw = self.get(field)
            if raw is None:
                continue
            try:
                if dates:
                    day = parse_date_bound(raw)
                    stmt = stmt.where(column <= day if upper else column >= day)
                else:
                    moment, inclusive = parse_instant_bound(raw, upper=upper)
                    if upper:
                        stmt = stmt.where(column <= moment if inclusive else column < moment)
                    else:
                        stmt = stmt.where(column >= moment)
            except ValueError:
                self.errors[field] = "must be a date (YYYY-MM-DD) or an ISO-8601 instant"
        return stmt

    def decimal_range(self, stmt: Select[Any], column: Any, name: str) -> Select[Any]:
        """`<name>Min` / `<name>Max`, inclusive, numbers or decimal strings."""
        for suffix, upper in (("Min", False), ("Max", True)):
            field = f"{name}{suffix}"
            raw = self.get(field)
            if raw is None:
                continue
            try:
                number = parse_decimal(raw)
            except (ValueError, InvalidOperation):
                self.errors[field] = "must be a number"
                continue
            bound = _bound_for(column, number, upper=upper)
            stmt = stmt.where(column <= bound if upper else column >= bound)
        return stmt

    def search(self, stmt: Select[Any], search_column: Any, name: str = "search") -> Select[Any]:
        term = self.get(name)
        if term is None or term == "":
            return stmt
        if len(term) > MAX_SEARCH:
            self.errors[name] = f"must be at most {MAX_SEARCH} characters"
            return stmt
        return stmt.where(search_column.like(like_pattern(term), escape="\\"))

    def include_deleted(
        self, stmt: Select[Any], deleted_at: Any, name: str = "includeDeleted"
    ) -> Select[Any]:
        try:
            include = parse_bool(self.get(name))
        except ValueError:
            self.errors[name] = "must be one of true, false, 1, 0, yes, no"
            include = False
        return stmt if include else stmt.where(deleted_at.is_(None))

    def never(self, stmt: Select[Any]) -> Select[Any]:
        """An always-empty result (e.g. a Member filtering on someone else's id)."""
        return stmt.where(false())
