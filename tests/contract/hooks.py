"""Schemathesis hooks and custom checks for Hoursmith API v1 (pytest and the CLI).

Loaded by `hooks = "tests.contract.hooks"` in `schemathesis.toml` (the CLI) and imported by the
in-process suite. It registers:

- `before_call`: the test-data repairs of `tests/contract/repairs.py` (rules JSON Schema cannot
  state: date order, 7-day durations, references to existing records and the stored record of
  a PATCH, all read over the API under test), and a fresh `Idempotency-Key` per POST (valid keys
  only, so negative cases with an empty or over-long key stay negative; P23);
- `after_call`: forgets the records the repairs point at after a write that may change them;
- `EnvTokenAuth`: a global auth provider reading `API_TOKEN` for CLI runs (the lowest precedence,
  so the in-process suite's per-role config auth always wins);
- four checks: `error_envelope`, `pagination_invariants`, `idempotent_replay`,
  `rate_limit_headers`.

Each check is a plain function of `(ctx, response, case)`; the follow-up requests they need
(next pages, replays) go through `transport.make_sender`, over ASGI in-process or HTTP against
a live server. The pure parts (`envelope_problems`, `page_problems`, `sort_problems`,
`replay_problems`) take plain values so `test_checks_catch_breakage.py` can feed them crafted
responses.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import schemathesis

from tests.contract import repairs
from tests.contract.transport import Reply, make_sender

# The error catalogue of design §5: code → HTTP status.
ERROR_CODES: dict[str, int] = {
    "bad_request": 400,
    "unauthenticated": 401,
    "forbidden_plan": 402,
    "forbidden_scope": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "conflict": 409,
    "validation_error": 422,
    "rate_limited": 429,
    "internal": 500,
    "unavailable": 503,
}
ERROR_EXTRAS = {"fields", "requiredPlan", "feature", "requestId"}
RATE_LIMIT_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")
KEY_PATTERN = re.compile(r"^[\x20-\x7E]{1,255}$")
# Sort keys whose order is not the natural order of the JSON value: only grouping is checked.
ENUM_SORT_KEYS = {"status", "priority", "role", "paymentStatus"}
# Sort keys holding decimal strings (money).
DECIMAL_SORT_KEYS = {"amount", "amountPaid", "total"}
MAX_PAGES = 60
DEFAULT_LIMIT = 50


# ─────────────────────────────────────────────────────────────── hooks and auth


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """Repair rules a schema cannot state (see `repairs`); a fresh Idempotency-Key per POST."""
    repairs.repair(case, kwargs)
    if case.method.upper() != "POST" or not case.headers:
        return
    key = case.headers.get("Idempotency-Key")
    if isinstance(key, str) and KEY_PATTERN.match(key):
        case.headers["Idempotency-Key"] = str(uuid.uuid4())


@schemathesis.hook
def after_call(context: Any, case: Any, response: Any) -> None:
    """Forget the records repairs point at once a write may have archived or deleted them."""
    repairs.forget_after(case, response.status_code)


@schemathesis.auth()
class EnvTokenAuth:
    """Bearer token from `API_TOKEN` for CLI runs; configured auth takes precedence over it."""

    def get(self, case: Any, ctx: Any) -> str | None:
        """Return the token from the environment, or None to send no credentials."""
        return os.environ.get("API_TOKEN") or None

    def set(self, case: Any, data: str, ctx: Any) -> None:
        """Put the token into the Authorization header."""
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"


# ─────────────────────────────────────────────────────────────── plumbing


def header(response: Any, name: str) -> str | None:
    """One header of a Schemathesis `Response` (lists of values under lower-case names)."""
    values = response.headers.get(name.lower())
    if not values:
        return None
    return values[0] if isinstance(values, list) else str(values)


def response_json(response: Any) -> Any:
    """The JSON body of a Schemathesis `Response`, or None."""
    try:
        return json.loads(response.content) if response.content else None
    except ValueError:
        return None


def operation_id(case: Any) -> str:
    """The case's operationId (empty when the document has none)."""
    definition = getattr(case.operation, "definition", None)
    raw = getattr(definition, "raw", None) or {}
    return str(raw.get("operationId", ""))


def sent_headers(response: Any) -> dict[str, str]:
    """The headers the original request carried (minus ones the transport recomputes)."""
    skip = {"content-length", "host", "connection", "accept-encoding", "user-agent"}
    return {k: v for k, v in response.request.headers.items() if k.lower() not in skip}


def sent_body(response: Any) -> bytes | None:
    """The original request's body as bytes."""
    body = response.request.body
    if body is None or isinstance(body, bytes):
        return body
    return str(body).encode()


def with_query(url: str, **changes: str | None) -> str:
    """`url` with query parameters replaced (None removes one)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in changes]
    query += [(k, v) for k, v in changes.items() if v is not None]
    return urlunsplit(parts._replace(query=urlencode(query)))


# ─────────────────────────────────────────────────────────────── error envelope


def envelope_problems(
    status: int, content_type: str | None, body: bytes, headers: Mapping[str, str | None]
) -> list[str]:
    """Everything wrong with one non-2xx response's envelope (empty when it is right)."""
    problems: list[str] = []
    media = (content_type or "").split(";")[0].strip().lower()
    if media != "application/json":
        problems.append(f"{status} has content-type {content_type!r}, not application/json")
    try:
        payload = json.loads(body) if body else None
    except ValueError:
        return [*problems, f"{status} body is not JSON: {body[:200]!r}"]
    if not isinstance(payload, dict) or set(payload) != {"error"}:
        return [*problems, f"{status} body is not {{'error': {{...}}}}: {payload!r}"[:400]]
    error = payload["error"]
    if not isinstance(error, dict):
        return [*problems, f"{status} 'error' is not an object: {error!r}"]
    code, message = error.get("code"), error.get("message")
    if not isinstance(code, str) or not isinstance(message, str) or not message:
        problems.append(f"{status} error lacks a string code and message: {error!r}")
    elif code not in ERROR_CODES:
        problems.append(f"{status} error code {code!r} is not in the catalogue")
    elif ERROR_CODES[code] != status:
        documented = ERROR_CODES[code]
        problems.append(f"status {status} carries code {code!r} (documented as {documented})")
    unknown = set(error) - {"code", "message"} - ERROR_EXTRAS
    if unknown:
        problems.append(f"{status} error has undocumented members {sorted(unknown)}")
    fields = error.get("fields")
    if fields is not None and not (
        isinstance(fields, dict) and all(isinstance(v, str) for v in fields.values())
    ):
        problems.append(f"{status} error.fields is not a map of strings: {fields!r}")
    plan = (error.get("requiredPlan"), error.get("feature"))
    if status == 402 and plan != ("studio", "apiAccess"):
        problems.append(f"402 lacks requiredPlan 'studio' / feature 'apiAccess': {error!r}")
    if status == 401 and not (headers.get("www-authenticate") or "").startswith("Bearer"):
        problems.append("401 without 'WWW-Authenticate: Bearer'")
    if status == 405 and not headers.get("allow"):
        problems.append("405 without an Allow header")
    if status in {429, 503} and not headers.get("retry-after"):
        problems.append(f"{status} without Retry-After")
    return problems


@schemathesis.check
def error_envelope(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every non-2xx is application/json {"error": {code, message, …}} with a catalogue code."""
    if 200 <= response.status_code < 300:
        return None
    names = ("www-authenticate", "allow", "retry-after")
    problems = envelope_problems(
        response.status_code,
        header(response, "content-type"),
        response.content or b"",
        {name: header(response, name) for name in names},
    )
    assert not problems, "; ".join(problems)
    return True


# ─────────────────────────────────────────────────────────────── rate-limit headers


def rate_limit_problems(headers: Mapping[str, str | None]) -> list[str]:
    """Missing or non-integer X-RateLimit-* headers."""
    problems = []
    for name in RATE_LIMIT_HEADERS:
        value = headers.get(name)
        if value is None:
            problems.append(f"missing {name}")
        elif not value.isdigit():
            problems.append(f"{name} is not a non-negative integer: {value!r}")
    return problems


@schemathesis.check
def rate_limit_headers(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every response carries X-RateLimit-Limit, -Remaining and -Reset (design §8)."""
    problems = rate_limit_problems({name: header(response, name) for name in RATE_LIMIT_HEADERS})
    assert not problems, f"{response.status_code}: " + "; ".join(problems)
    return True


# ─────────────────────────────────────────────────────────────── pagination


def _sort_value(field: str, value: Any) -> Any:
    if field in DECIMAL_SORT_KEYS and value is not None:
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return value
    return value


def sort_problems(items: Sequence[Mapping[str, Any]], sort: str) -> list[str]:
    """Order violations of (sort key, id) with nulls first ascending and last descending."""
    field = sort.removeprefix("-")
    descending = sort.startswith("-")
    rows = [r for r in items if isinstance(r, Mapping)]
    if not rows or any(field not in r for r in rows):
        return []  # the field is omitted (money-blind Member responses): nothing to compare
    if field in ENUM_SORT_KEYS:
        seen: list[Any] = []
        for r in rows:
            if seen and r[field] != seen[-1] and r[field] in seen:
                return [f"sort={sort}: value {r[field]!r} is not contiguous"]
            if not seen or r[field] != seen[-1]:
                seen.append(r[field])
        return []
    problems = []
    for i, (a, b) in enumerate(itertools.pairwise(rows)):
        va, vb = _sort_value(field, a[field]), _sort_value(field, b[field])
        if va is None or vb is None:
            # ascending: nulls first; descending: nulls last
            wrong = (True, False) if descending else (False, True)
            bad = (va is None, vb is None) == wrong
            ok_ids = True
            if va is None and vb is None:
                ok_ids = (a["id"] > b["id"]) if descending else (a["id"] < b["id"])
            if bad or not ok_ids:
                problems.append(f"sort={sort}: items {i},{i + 1} out of order ({va!r}, {vb!r})")
            continue
        key_a, key_b = (va, a["id"]), (vb, b["id"])
        try:
            in_order = key_a > key_b if descending else key_a < key_b
        except TypeError:
            problems.append(f"sort={sort}: values {va!r} and {vb!r} are not comparable")
            continue
        if not in_order:
            pair = f"({va!r},{a['id']}) / ({vb!r},{b['id']})"
            problems.append(f"sort={sort}: items {i},{i + 1} out of order {pair}")
    return problems


def page_problems(body: Any, requested_limit: int | None) -> list[str]:
    """Shape problems of one list page: size within limit, unique ids, pagination object."""
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        return [f"list body is not {{'data': [...]}}: {str(body)[:200]}"]
    pagination = body.get("pagination")
    if not isinstance(pagination, dict) or "nextCursor" not in pagination:
        return [f"list body lacks pagination.nextCursor: {pagination!r}"]
    data = body["data"]
    limit = pagination.get("limit")
    problems = []
    expected = requested_limit if requested_limit is not None else DEFAULT_LIMIT
    if limit != expected:
        problems.append(f"pagination.limit is {limit!r}, the request asked for {expected}")
    if isinstance(limit, int) and len(data) > limit:
        problems.append(f"{len(data)} items on a page of limit {limit}")
    ids = [item.get("id") for item in data if isinstance(item, dict)]
    if len(set(ids)) != len(ids):
        problems.append("repeated ids on one page")
    cursor = pagination["nextCursor"]
    if cursor is not None and isinstance(limit, int) and len(data) < limit:
        problems.append(f"nextCursor set on a short page ({len(data)} < {limit})")
    return problems


def walk_problems(
    first: Any, fetch: Callable[[str], Reply], sort: str, whole: Callable[[], Reply] | None
) -> list[str]:
    """Follow nextCursor to the end: no repeated ids, every cursor leads somewhere, no skips.

    `fetch(cursor)` returns the next page; `whole()` (optional) returns the same list in one
    page of 200, to prove the walk neither stopped early nor skipped records.
    """
    problems: list[str] = []
    seen: list[str] = [i["id"] for i in first["data"] if isinstance(i, dict)]
    limit = first["pagination"]["limit"]
    items: list[Any] = list(first["data"])
    cursor = first["pagination"]["nextCursor"]
    pages = 1
    while cursor is not None and pages < MAX_PAGES:
        reply = fetch(cursor)
        pages += 1
        body = reply.json()
        if reply.status != 200:
            return [*problems, f"page {pages} (nextCursor) answered {reply.status}: {body!r}"[:400]]
        problems += [f"page {pages}: {p}" for p in page_problems(body, limit)]
        if problems:
            return problems
        if not body["data"]:
            problems.append(f"nextCursor of page {pages - 1} led to an empty page")
        for item in body["data"]:
            if item["id"] in seen:
                problems.append(f"page {pages} repeats id {item['id']}")
            seen.append(item["id"])
        items += body["data"]
        cursor = body["pagination"]["nextCursor"]
    problems += sort_problems(items, sort)
    if whole is not None and cursor is None and len(seen) < 200:
        reply = whole()
        body = reply.json()
        if reply.status == 200 and isinstance(body, dict) and isinstance(body.get("data"), list):
            all_ids = [i["id"] for i in body["data"]]
            if body["pagination"]["nextCursor"] is None and sorted(all_ids) != sorted(seen):
                missing = set(all_ids) - set(seen)
                problems.append(
                    f"walking the pages found {len(seen)} ids, one page of 200 has "
                    f"{len(all_ids)} (missing {sorted(missing)[:3]})"
                )
    return problems


@schemathesis.check
def pagination_invariants(ctx: Any, response: Any, case: Any) -> bool | None:
    """List 200s: ≤ limit items, unique ids, nextCursor walk without repeats, sort respected."""
    if response.status_code != 200 or not operation_id(case).startswith("list"):
        return None
    body = response_json(response)
    query = dict(parse_qsl(urlsplit(response.request.url).query, keep_blank_values=True))
    try:
        requested = int(query["limit"]) if "limit" in query else None
    except ValueError:
        requested = None
    problems = page_problems(body, requested)
    assert not problems, "; ".join(problems)
    sort = query.get("sort") or "-createdAt"
    send = make_sender(ctx, case)
    url, headers = response.request.url, sent_headers(response)

    def fetch(cursor: str) -> Reply:
        return send("GET", with_query(url, cursor=cursor), headers, None)

    def whole() -> Reply:
        return send("GET", with_query(url, cursor=None, limit="200"), headers, None)

    problems = walk_problems(body, fetch, sort, None if "cursor" in query else whole)
    assert not problems, "; ".join(problems)
    return True


# ─────────────────────────────────────────────────────────────── idempotency


def replay_problems(
    first_status: int, first_body: bytes, replay: Reply, location: str | None
) -> list[str]:
    """Differences between a 2xx POST and its replay with the same key and body."""
    problems = []
    if replay.status != first_status:
        problems.append(f"replay answered {replay.status}, the original {first_status}")
    if replay.headers.get("idempotent-replayed") != "true":
        got = replay.headers.get("idempotent-replayed")
        problems.append(f"replay lacks 'Idempotent-Replayed: true' ({got!r})")
    try:
        same = json.loads(replay.body or b"null") == json.loads(first_body or b"null")
    except ValueError:
        same = replay.body == first_body
    if not same:
        problems.append(f"replayed body differs: {replay.body[:200]!r} vs {first_body[:200]!r}")
    if location is not None and replay.headers.get("location") != location:
        problems.append(f"replayed Location {replay.headers.get('location')!r} != {location!r}")
    return problems


def conflict_problems(reply: Reply) -> list[str]:
    """The same key with another body must be 409 conflict."""
    body = reply.json()
    code = body.get("error", {}).get("code") if isinstance(body, dict) else None
    if reply.status != 409 or code != "conflict":
        return [f"same key, other body answered {reply.status} {code!r}, expected 409 conflict"]
    return []


# Free-text fields whose value can change without making a request invalid.
TEXT_FIELDS = ("name", "description", "note", "notes", "contactName", "customCategory")


def other_body(body: bytes | None) -> bytes | None:
    """The same JSON body with one free-text value changed (same length), or None if none."""
    try:
        payload = json.loads(body) if body else None
    except ValueError:
        return None
    if not isinstance(payload, dict):
        return None
    for name in TEXT_FIELDS:
        value = payload.get(name)
        if isinstance(value, str) and value.strip():
            last = "x" if value[-1] != "x" else "y"
            return json.dumps({**payload, name: value[:-1] + last}).encode()
    return None


@schemathesis.check
def idempotent_replay(ctx: Any, response: Any, case: Any) -> bool | None:
    """A 2xx POST replays exactly with Idempotent-Replayed: true; another body is 409."""
    if case.method.upper() != "POST" or not 200 <= response.status_code < 300:
        return None
    headers = sent_headers(response)
    key = next((v for k, v in headers.items() if k.lower() == "idempotency-key"), None)
    if key is None:
        return None
    send = make_sender(ctx, case)
    url, body = response.request.url, sent_body(response)
    replay = send("POST", url, headers, body)
    if replay.status == ERROR_CODES["rate_limited"]:
        # A rate-limited deployment refused the replay before idempotency (design §4's order):
        # nothing was replayed, so there is nothing to judge.
        return None
    problems = replay_problems(
        response.status_code, response.content or b"", replay, header(response, "location")
    )
    changed = other_body(body)
    if changed is not None:
        conflict = send("POST", url, headers, changed)
        if conflict.status != ERROR_CODES["rate_limited"]:
            problems += conflict_problems(conflict)
    assert not problems, "; ".join(problems)
    return True
