"""A time entry's request body → attribute values, every problem reported in one 422 (design §5).

Plain fields go through the shared reader (`server.services.serialize.read_fields`); the ids,
the two spellings of a duration and `running` have rules of their own, read here.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from server.errors import ValidationFailed
from server.formats import as_integer
from server.services.durations import MAX_DURATION_SECONDS, parse_duration
from server.services.serialize import Field, read_fields

# Plain fields handled by the shared reader; ids, durations and `running` are read here.
_FIELDS: tuple[Field, ...] = (
    Field("entryDate", "entry_date", "date", required=True, nullable=False),
    Field("note", "note"),
    Field("billable", "billable", "bool", nullable=False),
)
_ID_KEYS = {"projectId": "project_id", "taskId": "task_id", "userId": "user_id"}
_OWN_KEYS = {*_ID_KEYS, "durationSeconds", "duration", "running"}


def read_time_entry_body(body: Mapping[str, Any] | None, *, creating: bool) -> dict[str, Any]:
    """Body → attribute values (+ `_running`), every problem reported in one 422."""
    data = dict(body or {})
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    try:
        out.update(
            read_fields(
                {k: v for k, v in data.items() if k not in _OWN_KEYS}, _FIELDS, creating=creating
            )
        )
    except ValidationFailed as exc:
        errors.update(exc.fields or {})
    for key, attr in _ID_KEYS.items():
        if key not in data:
            continue
        value = data[key]
        if value is None and key == "taskId":
            out[attr] = None
        elif not is_uuid(value):
            errors[key] = "must be a UUID"
        else:
            out[attr] = str(value)
    if creating and "projectId" not in data:
        errors["projectId"] = "is required"
    if "running" in data:
        if not isinstance(data["running"], bool):
            errors["running"] = "must be a boolean"
        else:
            out["_running"] = data["running"]
    _read_duration(data, out, errors)
    starting = out.get("_running") is True
    sent_duration = sorted({"durationSeconds", "duration"} & data.keys())
    if creating and starting:
        for key in sent_duration:
            errors[key] = "must not be sent when starting a timer (running: true)"
    elif creating and not sent_duration:
        errors["durationSeconds"] = "is required (or send duration, or start a running timer)"
    if not creating and starting:
        errors["running"] = "can only be false (start timers with createTimeEntry)"
    if errors:
        raise ValidationFailed(errors)
    return out


def _read_duration(data: Mapping[str, Any], out: dict[str, Any], errors: dict[str, str]) -> None:
    if "durationSeconds" in data and data["durationSeconds"] is not None:
        seconds = as_integer(data["durationSeconds"])
        if seconds is None:
            errors["durationSeconds"] = "must be an integer"
        elif not 0 <= seconds <= MAX_DURATION_SECONDS:
            errors["durationSeconds"] = f"must be between 0 and {MAX_DURATION_SECONDS}"
        else:
            out["duration_seconds"] = seconds
        return  # durationSeconds wins over duration when both are sent
    if "durationSeconds" in data:
        errors["durationSeconds"] = "must not be null"
        return
    if "duration" in data:
        try:
            out["duration_seconds"] = parse_duration(data["duration"])
        except ValueError as exc:
            errors["duration"] = str(exc)


def is_uuid(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
