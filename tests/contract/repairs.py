"""Test-data repairs: rules no JSON Schema can state, made to hold before a case is sent.

Schemathesis generates schema-valid bodies; some of them still break a documented rule that is
only prose, and the server's correct 422 would be reported as "ST202 Schema-valid request
rejected". Two families:

- rules on the body alone: `startDate` on or before `dueDate`/`endDate` (D5), a `duration` of at
  most 7 days (D11);
- rules about other records: references must name existing records of the token's workspace
  (client, project of that client, task of that project, member), and a PATCH must keep the
  *resulting* record valid — its date order (D10), budget and fixed-fee rules (D12), a running
  timer stopped when a duration is set (D14), references within the stored parent (D15).

The records the second family needs are read from the API under test with the case's own token,
through the case's own transport (`transport.sender_for`): in-process the ASGI app, otherwise
HTTP. Never from a database, so the same run works against any deployment. Only well-formed
values are replaced, so negative cases stay negative, and the server keeps its 422 for every
other client.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from tests.contract.transport import Sender, base_url_of, sender_for

UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
PAGE = "50"  # one page is enough to find records that fit, and cheap to serve


def is_uuid(value: Any) -> bool:
    return isinstance(value, str) and UUID.match(value) is not None


def is_date(value: Any) -> bool:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


# ─────────────────────────────────────────────────────────────── the body alone

# Date pairs the document can only state in prose: `dueDate` / `endDate` on or after `startDate`.
LATER_DATES = ("dueDate", "endDate")


def order_dates(body: Any, later_names: tuple[str, ...] = LATER_DATES) -> None:
    """Move a valid `startDate` back to the earliest valid later date, in place (D5).

    Only bodies whose dates are well-formed are touched (a malformed date of a negative case
    stays malformed).
    """
    if not isinstance(body, dict) or not is_date(body.get("startDate")):
        return
    later = [body[name] for name in later_names if is_date(body.get(name))]
    if later and min(later) < body["startDate"]:
        body["startDate"] = min(later)


# The document's `duration` grammar; its total must also be at most 7 days (604800 s), which a
# pattern cannot state for "<h>h <m>m" sums (D11).
DURATION = re.compile(
    r"^(?:(?P<h>\d{1,3}(?:\.\d{1,2})?)h(?: ?(?P<hm>\d{1,4})m)?|(?P<m>\d{1,5})m"
    r"|(?P<ch>\d{1,3}):(?P<cm>[0-5]\d))$"
)
MAX_DURATION_SECONDS = 7 * 24 * 3600


def duration_seconds(text: str) -> float | None:
    """Seconds of a `duration` in the document's grammar, None if it does not match."""
    match = DURATION.fullmatch(text)
    if match is None:
        return None
    parts = match.groupdict()
    if parts["h"] is not None:
        return float(parts["h"]) * 3600 + int(parts["hm"] or 0) * 60
    if parts["m"] is not None:
        return int(parts["m"]) * 60.0
    return int(parts["ch"]) * 3600 + int(parts["cm"]) * 60.0


def cap_duration(body: Any) -> None:
    """A well-formed `duration` longer than 7 days becomes `168h` (malformed ones stay)."""
    if not isinstance(body, dict) or not isinstance(body.get("duration"), str):
        return
    seconds = duration_seconds(body["duration"])
    if seconds is not None and seconds > MAX_DURATION_SECONDS:
        body["duration"] = "168h"


# ─────────────────────────────────────────────────────────────── reading the API under test


@dataclass(frozen=True)
class Lookup:
    """Read-only requests to the API under test, as one token."""

    send: Sender
    base: str
    token: str

    def body(self, path: str, query: list[tuple[str, str]]) -> Any:
        """The JSON body of a 200 answer to `GET path?query`, else None."""
        url = f"{self.base}{path}" + (f"?{urlencode(query)}" if query else "")
        reply = self.send("GET", url, {"Authorization": f"Bearer {self.token}"}, None)
        return reply.json() if reply.status == 200 else None

    def data(self, path: str, **query: str) -> Any:
        """The `data` member of a 200 answer to `GET path?query`, else None."""
        body = self.body(path, list(query.items()))
        return body.get("data") if isinstance(body, dict) else None

    def items(self, path: str, **query: str) -> list[dict[str, Any]]:
        """The first page of a list, oldest first (stable as records are added)."""
        found = self.data(path, **{"limit": PAGE, "sort": "createdAt", **query})
        return [item for item in found or [] if isinstance(item, dict)]


def lookup_for(case: Any, verify: Any = True) -> Lookup | None:
    """A lookup with the case's bearer token and transport; None when the case carries none."""
    auth = (case.headers or {}).get("Authorization")
    if not isinstance(auth, str) or not auth.startswith("Bearer ") or not auth[7:].strip():
        return None
    return Lookup(sender_for(case.operation.app, verify), base_url_of(case), auth[7:].strip())


@dataclass(frozen=True)
class Workspace:
    """Existing records of one token's workspace that generated references can point at."""

    user_id: str
    # clientId, projectId (of that client), taskId (of that project or None), as far as found.
    references: dict[str, str | None]


# (base URL, token) → what was found; forgotten after writes that may invalidate it.
_workspaces: dict[tuple[str, str], Workspace | None] = {}


def forget_workspaces() -> None:
    """Drop what was learnt about workspaces (records were changed, deleted or restored)."""
    _workspaces.clear()


def workspace(lookup: Lookup) -> Workspace | None:
    """The token's workspace records (cached); None when the token reads nothing (402, 401)."""
    key = (lookup.base, lookup.token)
    if key not in _workspaces:
        _workspaces[key] = discover_workspace(lookup)
    return _workspaces[key]


# Active projects whose tasks are listed when looking for one with a task (oldest first).
PROJECTS_TRIED = 5


def discover_workspace(lookup: Lookup) -> Workspace | None:
    """Find, over the API, an active project the token can log time to, its client and a task.

    Preference: an hourly project with a task, oldest first (so the choice is stable while the
    run adds records). A Member's lists only hold the projects it is on, so the choice suits it.
    Without any task, `taskId` is cleared (it is optional and nullable wherever it is sent).
    """
    me = lookup.data("/me")
    if not isinstance(me, dict) or not is_uuid(me.get("userId")):
        return None
    projects = sorted(
        lookup.items("/projects", status="ACTIVE"),
        key=lambda p: (p.get("rateType") != "HOURLY", p.get("createdAt") or "", p["id"]),
    )
    references: dict[str, str | None] = {}
    for project in projects[:PROJECTS_TRIED]:
        tasks = lookup.items("/tasks", projectId=project["id"])
        if tasks or not references:
            references = {
                "clientId": project["clientId"],
                "projectId": project["id"],
                "taskId": tasks[0]["id"] if tasks else None,
            }
        if tasks:
            break
    if not references:
        clients = lookup.items("/clients")
        references = {"clientId": clients[0]["id"]} if clients else {}
    return Workspace(user_id=me["userId"], references=references)


# ─────────────────────────────────────────────────────────────── references


def point_at_existing_records(body: dict[str, Any], found: Workspace) -> None:
    """Well-formed `clientId`/`projectId`/`taskId`/`userId`/`assigneeIds` name existing records.

    Schemathesis cannot know which ids exist; an unknown reference is a documented 422. The
    token's own user is a valid `userId` and assignee for every role.
    """
    for name, value in found.references.items():
        if is_uuid(body.get(name)):
            body[name] = value
    if is_uuid(body.get("userId")):
        body["userId"] = found.user_id
    ids = body.get("assigneeIds")
    if isinstance(ids, list) and ids and all(is_uuid(i) for i in ids):
        body["assigneeIds"] = [found.user_id]


# ─────────────────────────────────────────────────────────────── PATCH and the stored record

StoredRepair = Callable[[dict[str, Any], dict[str, Any], Lookup], None]


def dates_with(later_names: tuple[str, ...]) -> StoredRepair:
    """A repair keeping `startDate` on or before the *resulting* later dates (D10).

    If the merge of body and stored record would break the order, the body's `startDate` is set
    to the earliest resulting later date. Only bodies whose sent dates are well-formed (or null).
    """

    def keep_dates_in_order(body: dict[str, Any], stored: dict[str, Any], _: Lookup) -> None:
        names = ("startDate", *later_names)
        if any(body.get(n) is not None and not is_date(body[n]) for n in names):
            return
        merged = {n: body[n] if n in body else stored.get(n) for n in names}
        later = [merged[n] for n in later_names if merged[n]]
        if merged["startDate"] and later and min(later) < merged["startDate"]:
            body["startDate"] = min(later)

    return keep_dates_in_order


def keep_project_rules(body: dict[str, Any], stored: dict[str, Any], _: Lookup) -> None:
    """The resulting project keeps "not both budgets" and "a fixed fee exactly when FIXED" (D12).

    The value that comes from the stored record is adjusted: the stored budget is cleared, or
    `rateType` follows a sent fee, or a stored fee is cleared for a sent non-FIXED type.
    """
    for sent, other in (("budgetHours", "budgetAmount"), ("budgetAmount", "budgetHours")):
        if body.get(sent) is not None and other not in body and stored.get(other) is not None:
            body[other] = None
    rate = body.get("rateType", stored.get("rateType"))
    fee = body["fixedFeeAmount"] if "fixedFeeAmount" in body else stored.get("fixedFeeAmount")
    if not isinstance(rate, str):
        return  # a negative case: leave it
    if rate != "FIXED" and fee is not None:
        if "rateType" not in body and "fixedFeeAmount" in body:
            body["rateType"] = "FIXED"
        elif "fixedFeeAmount" not in body:
            body["fixedFeeAmount"] = None
    elif rate == "FIXED" and fee is None and "rateType" not in body:
        body["rateType"] = "HOURLY"
    elif rate == "FIXED" and fee is None and "fixedFeeAmount" not in body:
        body["fixedFeeAmount"] = "1000.00"


def stop_a_running_timer(body: dict[str, Any], stored: dict[str, Any], _: Lookup) -> None:
    """Setting a duration on a running entry also sends `running: false` (D14).

    Bodies that already send `running` are left alone.
    """
    if "running" in body or not ({"durationSeconds", "duration"} & body.keys()):
        return
    if stored.get("running") is True:
        body["running"] = False


def within_parent(parent_key: str, child_key: str, children_path: str) -> StoredRepair:
    """A repair keeping `child_key` among the children of the resulting `parent_key` (D15).

    `point_at_existing_records` points a well-formed child at the workspace's project or task;
    on a stored record of another parent that pair breaks a rule of the *resulting* record. The
    child the body does not move is re-pointed at a child of that parent (or cleared when the
    parent has none).
    """

    def keep_within_parent(body: dict[str, Any], stored: dict[str, Any], lookup: Lookup) -> None:
        parent = body.get(parent_key, stored.get(parent_key))
        child = body.get(child_key, stored.get(child_key))
        if not is_uuid(child) or not is_uuid(parent):
            return  # nothing to keep, or a negative case: leave it
        children = {c["id"] for c in lookup.items(children_path, **{parent_key: parent})}
        if child not in children:
            body[child_key] = min(children) if children else None

    return keep_within_parent


# Collection path → the repairs a PATCH of one of its records needs, in order.
STORED_REPAIRS: dict[str, tuple[StoredRepair, ...]] = {
    "/projects/{id}": (dates_with(("dueDate",)), keep_project_rules),
    "/tasks/{id}": (dates_with(("dueDate", "endDate")),),
    "/time-entries/{id}": (stop_a_running_timer, within_parent("projectId", "taskId", "/tasks")),
    "/expenses/{id}": (within_parent("clientId", "projectId", "/projects"),),
}


def stored_record(case: Any, lookup: Lookup) -> dict[str, Any] | None:
    """The record a PATCH addresses, read with the case's token (None if it is not readable)."""
    record_id = (case.path_parameters or {}).get("id")
    if not is_uuid(record_id):
        return None
    found = lookup.data(case.operation.path.replace("{id}", record_id))
    return found if isinstance(found, dict) else None


# ─────────────────────────────────────────────────────────────── cursors


def _wire(value: Any) -> list[str]:
    """A query value as Schemathesis puts it on the wire (lists repeat the parameter)."""
    if isinstance(value, list):
        return [item for v in value for item in _wire(v)]
    if value is None:
        return []
    if isinstance(value, bool):
        return ["true" if value else "false"]
    return [str(value)]


def follow_a_real_cursor(case: Any, lookup: Lookup) -> None:
    """A generated `cursor` of a positive list case becomes a real one of the same query (P24).

    Cursors are opaque and signed, so any generated one is rightly 400 `bad_request`; without
    this every such case would be an ST202 (or need a blanket 400 allowance on every list). The
    same list is asked for one item and its `nextCursor` is sent instead (a cursor is bound to
    the query, not to `limit`); with no next page the cursor is left out. Negative cases keep
    theirs.
    """
    query = case.query
    if not isinstance(query, dict) or not isinstance(query.get("cursor"), str):
        return
    meta = getattr(case, "meta", None)
    if meta is None or not meta.generation.mode.is_positive:
        return
    rest = [(k, v) for k, raw in query.items() if k not in {"cursor", "limit"} for v in _wire(raw)]
    first = lookup.body(case.operation.path, [*rest, ("limit", "1")])
    if not isinstance(first, dict) or not isinstance(first.get("pagination"), dict):
        return  # the query itself is refused: the case's answer will say why
    cursor = first["pagination"].get("nextCursor")
    if isinstance(cursor, str):
        query["cursor"] = cursor
    else:
        del query["cursor"]


# ─────────────────────────────────────────────────────────────── links

# A well-formed id that names no record.
NO_RECORD = "00000000-0000-4000-8000-000000000000"


def id_from_a_null_field(case: Any) -> None:
    """A path `id` a stateful link took from a null field becomes an id of no record.

    Schemathesis' inferred links read ids out of responses; a null one (an invoice line without
    a task) is sent as the literal `None`, which the server rightly refuses (422: not a uuid)
    while Schemathesis counts the request as schema-valid. The request is kept, addressed to a
    well-formed id of no record (a 404 is then the right answer). Only positive cases.
    """
    params = case.path_parameters
    if not isinstance(params, dict) or params.get("id") not in (None, "None") or "id" not in params:
        return
    meta = getattr(case, "meta", None)
    if meta is not None and meta.generation.mode.is_positive:
        params["id"] = NO_RECORD


# ─────────────────────────────────────────────────────────────── entry point


def repair(case: Any, transport_kwargs: Mapping[str, Any]) -> None:
    """Make every rule above hold for the case, in place (a `before_call` hook's work)."""
    id_from_a_null_field(case)
    body = case.body
    if isinstance(body, dict):
        order_dates(body)
        cap_duration(body)
    lookup = lookup_for(case, transport_kwargs.get("verify", True))
    if lookup is None:
        return
    follow_a_real_cursor(case, lookup)
    if not isinstance(body, dict):
        return
    found = workspace(lookup)
    if found is not None:
        point_at_existing_records(body, found)
    repairs = STORED_REPAIRS.get(case.operation.path, ())
    if case.method.upper() != "PATCH" or not repairs:
        return
    stored = stored_record(case, lookup)
    if stored is None:
        return
    for keep in repairs:
        keep(body, stored, lookup)


def forget_after(case: Any, status: int) -> None:
    """Forget the workspaces after a successful write to a record they point at.

    Archiving, deleting or moving the chosen client, project or task (a PATCH, DELETE or
    `POST …/archive` of that id) may make it unfit; other writes cannot.
    """
    if case.method.upper() == "GET" or not 200 <= status < 300:
        return
    record_id = (case.path_parameters or {}).get("id")
    if record_id and any(
        record_id in found.references.values() for found in _workspaces.values() if found
    ):
        forget_workspaces()
