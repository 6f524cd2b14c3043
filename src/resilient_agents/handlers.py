"""Handlers whose bad input is a clear, terminal 400, never a retried 500.

The Restate SDK turns an input it cannot parse into a terminal error with status 500. `handler(service)` is a
drop-in for `@service.handler()` that validates the input itself and answers a wrong shape, a missing field, an
unknown key or an oversized payload with `InvalidRequest` (400, or 413 for size): the message names the field,
nothing is retried and nothing is stored. The JSON schema shown in the Restate UI playground (and its default
request) still comes from the input type.
"""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError
from restate.serde import Serde

from .exceptions import InvalidRequest
from .serde import TypedSerde

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])
MAX_INPUT_BYTES = int(os.environ.get("RA_MAX_INPUT_BYTES", str(1024 * 1024)))


class RequestModel(BaseModel):
    """Base for handler inputs: unknown keys are refused rather than silently dropped."""

    model_config = ConfigDict(extra="forbid")


class _Invalid:
    """What the serde hands the handler when the input did not validate."""

    def __init__(self, message: str, status: int = 400) -> None:
        self.message = message
        self.status = status


def describe_validation_error(error: ValidationError) -> str:
    problems = []
    for item in error.errors()[:5]:
        location = ".".join(str(p) for p in item["loc"]) or "the request body"
        problems.append(f"{location}: {item['msg']}")
    more = f" (and {error.error_count() - 5} more)" if error.error_count() > 5 else ""
    return "invalid request: " + "; ".join(problems) + more


class _ValidatingSerde(Serde[Any]):
    def __init__(self, tp: Any) -> None:
        self._adapter: TypeAdapter[Any] = TypeAdapter(tp)
        self._optional = _accepts_none(tp)

    def deserialize(self, buf: bytes) -> Any:
        if len(buf) > MAX_INPUT_BYTES:
            return _Invalid(f"request body of {len(buf)} bytes is over the limit of {MAX_INPUT_BYTES} bytes", 413)
        if not buf:
            if self._optional:
                return None
            try:
                return self._adapter.validate_python(None)
            except ValidationError:
                return _Invalid("invalid request: the request body is empty; send a JSON body")
        try:
            return self._adapter.validate_json(buf)
        except ValidationError as exc:
            return _Invalid(describe_validation_error(exc))

    def serialize(self, obj: Any) -> bytes:
        return self._adapter.dump_json(obj)


def _accepts_none(tp: Any) -> bool:
    try:
        TypeAdapter(tp).validate_python(None)
    except ValidationError:
        return False
    return True


def _add_output_serde(annotation: Any, options: dict[str, Any]) -> None:
    """Results the SDK cannot serialize on its own (a list of models, a union...) go through `TypedSerde`.

    The SDK serializes a top-level pydantic model or plain JSON; anything else would fail after the handler ran
    and be retried forever. Pydantic models keep the SDK's serde, which also publishes their schema.
    """
    if "output_serde" in options or annotation in (None, inspect.Signature.empty):
        return
    if isinstance(annotation, type) and issubclass(annotation, BaseModel | str | int | float | bool):
        return
    options["output_serde"] = TypedSerde(annotation)


def handler(service: Any, name: str | None = None, **options: Any) -> Callable[[F], F]:
    """Register a handler on `service` (Service, VirtualObject or Workflow) with validated input.

    Use exactly like `@service.handler(...)`; options (kind="shared", timeouts...) pass through.
    """

    def decorate(fn: F) -> F:
        signature = inspect.signature(fn, eval_str=True)
        params = list(signature.parameters.values())
        _add_output_serde(signature.return_annotation, options)
        if len(params) < 2:
            return service.handler(name, **options)(fn)  # type: ignore[no-any-return]
        serde = _ValidatingSerde(params[-1].annotation)

        @functools.wraps(fn)
        async def checked(ctx: Any, arg: Any) -> Any:
            if isinstance(arg, _Invalid):
                raise InvalidRequest(arg.message, arg.status)
            return await fn(ctx, arg)

        register = service.main if options.pop("main", False) else service.handler
        return register(name, input_serde=serde, **options)(checked)  # type: ignore[no-any-return]

    return decorate
