"""Validators plugged into connexion through `validator_map` (toolchain notes §3.5, P8, P13).

- `FieldsParameterValidator`: checks every parameter and reports *all* failures as one 422
  `validation_error` whose `fields` names each parameter (`{"limit": "...", "Idempotency-Key":
  "is required"}`); unknown query parameters (strict validation) land there too.
- `FieldsJSONBodyValidator`: a body that is not UTF-8 or not JSON is 400 `bad_request` (P8: stock
  connexion answers 500 for bad UTF-8); schema violations are 422 with `fields` keyed by the
  JSON path of the bad member (`name`, `billing.city`, `tags[2]`).
- `RustJSONResponseValidator`: response bodies validated by `jsonschema_rs` (~100× faster than
  connexion's per-response Python validator); OAS 3.0 `nullable`, `writeOnly` and the injected
  `components` key are converted first. A failure is a 500 `internal`, logged with the reason.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Callable, Iterator
from typing import Any

import jsonschema_rs
import orjson
from connexion.datastructures import MediaTypeDict
from connexion.exceptions import BadRequestProblem, NonConformingResponseBody
from connexion.json_schema import Draft4RequestValidator
from connexion.validators import VALIDATOR_MAP, JSONRequestBodyValidator, ParameterValidator
from connexion.validators.json import JSONResponseBodyValidator
from jsonschema import Draft4Validator, FormatChecker, ValidationError, validators
from starlette.types import Receive, Scope

from server.errors import ValidationFailed
from server.http.jsonbody import decode_request_json

log = logging.getLogger("hoursmith.validation")

_MAX_REASON = 200


# --- error → fields ---------------------------------------------------------------------


def _join(path: list[str | int], leaf: str | None = None) -> str:
    out = ""
    for part in [*path, *([leaf] if leaf is not None else [])]:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "body"


def _reason(error: ValidationError) -> str:
    kind = error.validator
    if kind == "type":
        expected = error.validator_value
        if isinstance(expected, list):
            expected = " or ".join(str(t) for t in expected)
        return f"must be of type {expected}"
    if kind == "enum":
        allowed = ", ".join(str(v) for v in error.validator_value if v is not None)
        return f"must be one of: {allowed}"
    if kind == "format":
        return f"must be a valid {error.validator_value}"
    message = str(error.message)
    return message if len(message) <= _MAX_REASON else message[: _MAX_REASON - 1] + "…"


def errors_to_fields(
    errors: Iterator[ValidationError], prefix: str | None = None
) -> dict[str, str]:
    """Flatten jsonschema errors into `{path: reason}` (first reason per path wins)."""
    fields: dict[str, str] = {}

    def put(path: str, reason: str) -> None:
        key = f"{prefix}.{path}" if prefix and path != "body" else (prefix or path)
        fields.setdefault(key, reason)

    for error in errors:
        path = list(error.absolute_path)
        instance = error.instance
        rule_fields = error.schema.get("x-fields") if isinstance(error.schema, dict) else None
        if isinstance(rule_fields, list) and isinstance(instance, dict):
            # A cross-field rule of the document (`x-fields` + `x-message` beside the
            # `anyOf`/`not` that states it): name the fields involved, the ones sent first.
            reason = str(error.schema.get("x-message") or "breaks a rule between fields")
            for name in [f for f in rule_fields if f in instance] or rule_fields:
                put(_join(path, str(name)), reason)
        elif error.validator == "required" and isinstance(instance, dict):
            for name in error.validator_value:
                if name not in instance:
                    put(_join(path, name), "is required")
        elif error.validator == "additionalProperties" and isinstance(instance, dict):
            known = set(error.schema.get("properties", {}))
            for name in instance:
                if name not in known:
                    put(_join(path, name), "is not an allowed field")
        else:
            put(_join(path), _reason(error))
    return fields


# --- parameters ---------------------------------------------------------------------------


class FieldsParameterValidator(ParameterValidator):  # type: ignore[misc]
    """Collects every parameter failure instead of stopping at the first one."""

    def validate_request(self, request: Any) -> None:
        fields: dict[str, str] = {}
        if self.strict_validation:
            extra = self.validate_query_parameter_list(
                request, security_params=self.security_query_params
            )
            for name in sorted(extra):
                fields[name] = "is not a known query parameter"
        getters: dict[str, Callable[[dict[str, Any]], Any]] = {
            "query": lambda p: request.query_params.get(p["name"]),
            "path": lambda p: request.path_params.get(p["name"].replace("-", "_")),
            "header": lambda p: request.headers.get(p["name"]),
            "cookie": lambda p: request.cookies.get(p["name"]),
        }
        for location, getter in getters.items():
            for param in self.parameters.get(location, []):
                reason = self._check(param, getter(param))
                if reason:
                    fields.setdefault(param["name"], reason)
        if fields:
            raise ValidationFailed(fields, "Invalid request parameters")

    @staticmethod
    def _check(param: dict[str, Any], value: Any) -> str | None:
        schema = param.get("schema", param)
        if value is None:
            return "is required" if param.get("required") else None
        if value == "" and param.get("in") == "header" and param.get("required"):
            return "is required"
        errors = list(_cached_param_validator(schema).iter_errors(value))
        return _reason(errors[0]) if errors else None


# Draft 4's formats plus `uuid` and `date`: Draft 4 alone ignores both, so an
# empty or malformed `?clientId=` or `"dueDate": ""` passed validation (tests/contract/DEFECTS.md).
REQUEST_FORMATS = FormatChecker(formats=[*Draft4Validator.FORMAT_CHECKER.checkers, "uuid", "date"])


def _is_integer(_checker: Any, instance: Any) -> bool:
    """JSON Schema 2020-12 (the 3.1 document's dialect): `6397.0` is an integer, `True` is not."""
    if isinstance(instance, bool):
        return False
    return isinstance(instance, int) or (isinstance(instance, float) and instance.is_integer())


# connexion's Draft 4 request validator (defaults, nullable, readOnly/writeOnly) with the
# 2020-12 notion of `integer`: Draft 4 rejected integral floats (tests/contract/DEFECTS.md D7).
RequestValidator = validators.extend(
    Draft4RequestValidator,
    type_checker=Draft4RequestValidator.TYPE_CHECKER.redefine("integer", _is_integer),
)

_PARAM_CACHE: dict[int, tuple[dict[str, Any], Draft4Validator]] = {}


def _cached_param_validator(schema: dict[str, Any]) -> Draft4Validator:
    hit = _PARAM_CACHE.get(id(schema))
    if hit is None or hit[0] is not schema:
        hit = (
            schema,
            RequestValidator(schema, format_checker=REQUEST_FORMATS),
        )
        _PARAM_CACHE[id(schema)] = hit
    return hit[1]


# --- request bodies -----------------------------------------------------------------------


class FieldsJSONBodyValidator(JSONRequestBodyValidator):  # type: ignore[misc]
    """JSON body: 400 for bytes that are not UTF-8 JSON, 422 with `fields` for schema errors."""

    async def wrap_receive(self, receive: Receive, *, scope: Scope) -> tuple[Receive, Scope]:
        try:
            result: tuple[Receive, Scope] = await super().wrap_receive(receive, scope=scope)
        except BadRequestProblem as exc:
            if "required" in str(exc.detail):
                raise ValidationFailed(
                    {"body": "is required"}, "A request body is required"
                ) from None
            raise
        return result

    async def _parse(self, stream: AsyncGenerator[bytes, None], scope: Scope) -> Any:
        raw = b"".join([chunk async for chunk in stream])
        if not raw:
            return None
        return decode_request_json(raw, self._encoding)

    def _validate(self, body: Any) -> dict[str, Any] | None:
        if body is None and not self._nullable:
            raise ValidationFailed({"body": "is required"}, "A request body is required")
        fields = errors_to_fields(_cached_body_validator(self._schema).iter_errors(body))
        if fields:
            raise ValidationFailed(fields)
        return None


_BODY_CACHE: dict[int, tuple[dict[str, Any], Draft4Validator]] = {}


def _cached_body_validator(schema: dict[str, Any]) -> Draft4Validator:
    hit = _BODY_CACHE.get(id(schema))
    if hit is None or hit[0] is not schema:
        clean = {k: v for k, v in schema.items() if k != "components"}
        validator = RequestValidator(clean, format_checker=REQUEST_FORMATS)
        hit = (schema, validator)
        _BODY_CACHE[id(schema)] = hit
    return hit[1]


# --- responses ----------------------------------------------------------------------------

_SKIP = frozenset(
    {"components", "example", "examples", "discriminator", "xml", "externalDocs", "deprecated"}
)


def oas30_to_jsonschema(schema: Any, *, for_response: bool = True) -> Any:
    """Turn an OAS 3.0 schema object into plain draft-4 JSON Schema.

    - `nullable: true` beside `type` → `type: [t, "null"]` (and `null` added to an `enum`);
      beside a composition without `type` (`allOf: [$ref]` + nullable) → `anyOf: [null, …]`;
    - in responses, `writeOnly` properties must be absent → `{"not": {}}`;
    - `components` (injected by connexion, P13) and annotations are dropped; `x-*` too.
    Shared sub-schemas (resolved `$ref`s are the same dict) are converted once.
    """
    memo: dict[int, Any] = {}

    def conv(node: Any, depth: int) -> Any:
        if depth > 64:
            raise ValueError("schema nesting too deep (cycle?)")
        if isinstance(node, list):
            return [conv(item, depth + 1) for item in node]
        if not isinstance(node, dict):
            return node
        if id(node) in memo:
            return memo[id(node)]
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in _SKIP or key.startswith("x-") or key in ("nullable", "readOnly", "writeOnly"):
                continue
            if key in ("properties", "patternProperties"):
                out[key] = {
                    name: (
                        {"not": {}}
                        if for_response and isinstance(sub, dict) and sub.get("writeOnly")
                        else conv(sub, depth + 1)
                    )
                    for name, sub in value.items()
                }
            elif key == "enum":
                out[key] = list(value)
            else:
                out[key] = conv(value, depth + 1)
        if node.get("nullable") is True:
            if "type" in out:
                types = out["type"] if isinstance(out["type"], list) else [out["type"]]
                out["type"] = [*types, "null"] if "null" not in types else types
                if "enum" in out and None not in out["enum"]:
                    out["enum"].append(None)
            else:
                out = {"anyOf": [{"type": "null"}, out]}
        memo[id(node)] = out
        return out

    return conv(schema, 0)


_RESPONSE_CACHE: dict[int, tuple[dict[str, Any], Any]] = {}


def _rust_validator(schema: dict[str, Any]) -> Any:
    hit = _RESPONSE_CACHE.get(id(schema))
    if hit is None or hit[0] is not schema:
        converted = oas30_to_jsonschema(schema)
        hit = (schema, jsonschema_rs.Draft4Validator(converted, validate_formats=True))
        _RESPONSE_CACHE[id(schema)] = hit
    return hit[1]


class RustJSONResponseValidator(JSONResponseBodyValidator):  # type: ignore[misc]
    """Response body validation through jsonschema_rs; failures are logged and become 500."""

    def _parse(self, stream: Iterator[bytes]) -> Any:
        raw = b"".join(stream)
        if not raw:
            return None
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise NonConformingResponseBody(detail=f"Response body is not JSON: {exc}") from None

    def _validate(self, body: Any) -> None:
        if not self._schema:
            return
        validator = _rust_validator(self._schema)
        try:
            validator.validate(body)
        except jsonschema_rs.ValidationError as exc:
            where = "/".join(str(p) for p in exc.instance_path)
            log.error(
                "response does not conform to the spec at %s %s: %s at /%s",
                self._scope.get("method"),
                self._scope.get("path"),
                exc.message,
                where,
            )
            raise NonConformingResponseBody(
                detail=f"Response body does not conform to specification: {exc.message} at /{where}"
            ) from None


VALIDATORS: dict[str, Any] = {
    "parameter": FieldsParameterValidator,
    "body": MediaTypeDict({**VALIDATOR_MAP["body"], "*/*json": FieldsJSONBodyValidator}),
    "response": MediaTypeDict({**VALIDATOR_MAP["response"], "*/*json": RustJSONResponseValidator}),
}
