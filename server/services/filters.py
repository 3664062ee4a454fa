"""The filters every list shares (design §7): booleans, date/instant ranges, decimals, search.

Filters read the handler's snake_case kwargs (`created_at_from`) and report errors under the
API's names (`createdAtFrom`); `Filters.raise_if_invalid` answers one 422 naming every bad
filter. Paging itself (cursors, keyset) is `server.services.pagination`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Select, false
from sqlalchemy.orm import Session

from server.db.models import search_fold
from server.db.search_index import where_contains
from server.errors import ValidationFailed
from server.services.pagination import MAX_SEARCH, snake

_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


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

    def search(
        self,
        stmt: Select[Any],
        search_column: Any,
        name: str = "search",
        *,
        session: Session | None = None,
        max_length: int = MAX_SEARCH,
    ) -> Select[Any]:
        """Substring match on a folded column. With the `session` of a `search_text` list, the
        substring index of migration 0003 narrows the rows first (`server.db.search_index`);
        the match itself stays, so the answer is the scan's either way."""
        term = self.get(name)
        if term is None or term == "":
            return stmt
        if len(term) > max_length:
            self.errors[name] = f"must be at most {max_length} characters"
            return stmt
        return where_contains(session, stmt, search_column, search_fold(term))

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
