"""connexion's response validation with its per-response lookups done once per status.

For every response, connexion 3.3's `ResponseValidationOperation` builds a `MediaTypeDict` of
the operation's media types, looks up the response definition twice, re-derives the set of
required headers and resolves the response schema (`with_definitions` re-injects
`components`). All of that depends only on (operation, status, media type), so
`CachedResponseValidationOperation` computes it on first use and keeps it in a `ResponsePlan`.
The checks are connexion's own, in the same order and with the same errors: a wrong media type
or a missing required header is `NonConformingResponseHeaders`, and the body goes to the
validator of the `validator_map` (`server.http.request_validation.RustJSONResponseValidator`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connexion import utils
from connexion.exceptions import NonConformingResponseHeaders
from connexion.middleware.response_validation import (
    ResponseValidationAPI,
    ResponseValidationMiddleware,
    ResponseValidationOperation,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send


@dataclass(frozen=True)
class ResponsePlan:
    """What one (status, media type) of an operation needs checked."""

    required_headers: frozenset[str]
    validator_cls: Any  # None: no body validator registered for the media type
    schema: dict[str, Any]
    nullable: bool

    def check_headers(self, headers: list[tuple[bytes, bytes]]) -> None:
        if not self.required_headers:
            return
        present = {name.decode("latin-1").lower() for name, _ in headers}
        missing = self.required_headers - present
        if missing:
            raise NonConformingResponseHeaders(
                detail="Keys in response header don't match response specification. "
                f"Difference: {', '.join(sorted(missing))}"
            )


class CachedResponseValidationOperation(ResponseValidationOperation):  # type: ignore[misc]
    def __init__(self, next_app: ASGIApp, **kwargs: Any) -> None:
        super().__init__(next_app, **kwargs)
        self._plans: dict[tuple[int, str], ResponsePlan] = {}

    def plan(self, status: int, mime_type: str) -> ResponsePlan:
        plan = self._plans.get((status, mime_type))
        if plan is None:
            # Not cached when it raises: a media type the operation does not produce stays an
            # error every time.
            if status < 400:
                self.validate_mime_type(mime_type)
            definition = self._operation.response_definition(str(status), mime_type)
            plan = ResponsePlan(
                required_headers=frozenset(
                    name.lower()
                    for name, header in definition.get("headers", {}).items()
                    if header.get("required", False)
                ),
                validator_cls=self._body_validator(mime_type),
                schema=self._operation.response_schema(str(status), mime_type),
                nullable=utils.is_nullable(definition),
            )
            self._plans[(status, mime_type)] = plan
        return plan

    def _body_validator(self, mime_type: str) -> Any:
        try:  # MediaTypeDict matches wildcards (`*/*json`) in __getitem__ only, not in get()
            return self._validator_map["response"][mime_type]
        except KeyError:
            return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def wrapped_send(message: Message) -> None:
            nonlocal send
            if message["type"] == "http.response.start":
                headers = message["headers"]
                mime_type, encoding = self.extract_content_type(headers)
                plan = self.plan(int(message["status"]), mime_type)
                plan.check_headers(headers)
                if plan.validator_cls is not None:
                    validator = plan.validator_cls(
                        scope, schema=plan.schema, nullable=plan.nullable, encoding=encoding
                    )
                    send = validator.wrap_send(send)
            await send(message)

        await self.next_app(scope, receive, wrapped_send)


class CachedResponseValidationAPI(ResponseValidationAPI):  # type: ignore[misc]
    def make_operation(self, operation: Any) -> Any:
        if self.validate_responses:
            return CachedResponseValidationOperation(
                self.next_app, operation=operation, validator_map=self.validator_map
            )
        return self.next_app


class CachedResponseValidationMiddleware(ResponseValidationMiddleware):  # type: ignore[misc]
    """Drop-in for connexion's `ResponseValidationMiddleware` in the middleware list."""

    api_cls = CachedResponseValidationAPI
