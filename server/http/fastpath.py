"""Per-operation work connexion redoes on every request, done once (installed by `create_app`).

connexion 3.3 rebuilds, for each request, things that depend only on the operation:

- `AsyncOperation.fn` constructs a `StarletteDecorator` and wraps the handler again, and the
  wrapper then builds the parameter and response decorators (each `inspect.signature`-ing the
  handler) and a fresh URI parser (a dict of the operation's parameters) before calling it;
- the bearer security wrapper calls `inspect.signature` on `bearer_info` twice
  (`_accepts_kwarg` for `required_scopes` and `request`).

The classes below keep the same decorators, the same parser class and the same calls, built once
per operation (per handler, per security function): request handling is unchanged, only the
repeated construction goes. Everything that reads the request (`operation`, `scope`, `receive`
context variables) still runs per request.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from connexion.apps.asynchronous import AsyncApi, AsyncOperation
from connexion.context import _operation, receive, scope
from connexion.decorators import StarletteDecorator
from connexion.security import SECURITY_HANDLERS, BearerSecurityHandler
from connexion.utils import inspect_function_arguments


@functools.lru_cache(maxsize=256)
def _arguments(function: Callable[..., Any]) -> tuple[frozenset[str], bool]:
    names, has_kwargs = inspect_function_arguments(function)
    return frozenset(names), has_kwargs


class CachedBearerSecurityHandler(BearerSecurityHandler):  # type: ignore[misc]  # untyped
    """connexion's bearer handler; the security function's signature is inspected once."""

    @staticmethod
    def _accepts_kwarg(func: Callable[..., Any], keyword: str) -> bool:
        names, has_kwargs = _arguments(func)
        return has_kwargs or keyword in names


SECURITY_MAP: dict[str, Any] = {**SECURITY_HANDLERS, "bearer": CachedBearerSecurityHandler}


class OnceStarletteDecorator(StarletteDecorator):  # type: ignore[misc]  # untyped
    """`StarletteDecorator` that decorates once and keeps one URI parser per operation."""

    def decorate(self, function: Callable[..., Any]) -> Callable[..., Any]:
        """connexion's `decorate`, with the parameter-name sanitiser (`pythonic`: inflection and
        three regex substitutions per name, per request) memoised: a pure function of a name."""
        function = self._sync_async_decorator(function)
        parameter_decorator = self._parameter_decorator_cls(
            framework=self.framework, pythonic_params=self.pythonic_params
        )
        parameter_decorator.sanitize_fn = functools.lru_cache(maxsize=1024)(
            parameter_decorator.sanitize_fn
        )
        function = parameter_decorator(function)
        response_decorator = self._response_decorator_cls(
            framework=self.framework, jsonifier=self.jsonifier
        )
        return response_decorator(function)  # type: ignore[no-any-return]

    def __call__(self, function: Callable[..., Any]) -> Callable[..., Any]:
        decorated = self.decorate(function)
        parsers: dict[int, tuple[Any, Any]] = {}

        def uri_parser() -> Any:
            op = _operation.get()
            hit = parsers.get(id(op))
            if hit is None or hit[0] is not op:
                parser_class = self.uri_parser_class or op.uri_parser_class
                hit = (op, parser_class(op.parameters, op.body_definition()))
                parsers[id(op)] = hit
            return hit[1]

        @functools.wraps(function)
        async def wrapper(*_args: Any, **_kwargs: Any) -> Any:
            request = self.framework.get_request(
                uri_parser=uri_parser(), scope=scope, receive=receive
            )
            return await decorated(request)

        return wrapper


class CachedAsyncOperation(AsyncOperation):  # type: ignore[misc]  # untyped
    """`AsyncOperation` whose decorated handler is built on first use, then reused."""

    @functools.cached_property
    def fn(self) -> Callable[..., Any]:
        decorator = OnceStarletteDecorator(
            pythonic_params=self.pythonic_params, jsonifier=self.jsonifier
        )
        return decorator(self._fn)


class CachedAsyncApi(AsyncApi):  # type: ignore[misc]  # untyped
    def make_operation(self, operation: Any) -> CachedAsyncOperation:
        return CachedAsyncOperation(
            operation.function,
            jsonifier=self.jsonifier,
            operation_id=operation.operation_id,
            pythonic_params=self.pythonic_params,
        )


def install(app: Any) -> None:
    """Make `app` (a connexion AsyncApp, before `add_api`) build `CachedAsyncOperation`s."""
    app._middleware_app.api_cls = CachedAsyncApi
