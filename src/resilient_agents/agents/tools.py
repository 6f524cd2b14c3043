"""Tools: what an agent may do, each run as its own journaled step.

Three kinds, one interface:
- `restate_tool(handler)`: a handler of a Restate service, virtual object or workflow. The schema comes from the
  handler's input type, the description from its docstring. A call is a Restate call (its own invocation in the
  UI, retried by Restate, exactly once). Virtual objects are keyed by the session's key unless told otherwise,
  so a tool always acts for the session's principal and the model never chooses whose data it reads.
- `function_tool(fn)`: a plain function (sync or async) run in `ctx.run` (journaled; retried `max_attempts` times,
  then reported to the model as a failure).
- `agent.as_tool()`: another agent answers one request and hands back its final text.

Per tool: `requires_approval` (the session waits for a human, see `approvals.py`), `schedulable` (the tool's
schema gets an optional `delay_seconds` argument; a call with it becomes a durable delayed call) and
`background` (every call is a one-way send: the model gets the invocation id, the session does not wait; for
workflows that take days, such as a loan review). `restate_tool` and `function_tool` also take `compensate`: how
to undo a completed call when its run fails (see `compensation.py`).
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal

import restate
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError, create_model
from pydantic_ai.tools import ToolDefinition
from restate.handler import handler_from_callable

from ..exceptions import ConfigurationError
from ..handlers import describe_validation_error
from ..observability import tool_span
from ..serde import TypedSerde

if TYPE_CHECKING:
    from .compensation import Compensation

DELAY_ARGUMENT = "delay_seconds"
"""The optional argument of schedulable tools: run the call this many seconds from now."""
DELAY_SCHEMA = {
    "type": "number",
    "minimum": 0,
    "description": "Optional. Run this later: seconds from now (3600 = in an hour, 86400 = tomorrow). "
    "Leave it out to run now.",
}
MAX_DELAY = timedelta(days=366)
_ANY: TypedSerde[Any] = TypedSerde(Any)
_EMPTY_SCHEMA: dict[str, Any] = {"type": "object", "properties": {}, "additionalProperties": False}


class ToolArgumentsError(Exception):
    """The model's arguments do not fit the tool; the message goes back to the model."""


@dataclass(frozen=True)
class ToolCallInfo:
    """One call as a key function or a function tool sees it."""

    session_key: str
    """The session's key: the principal the tools act for (the customer id in the bank)."""
    agent: str
    call_id: str
    arguments: dict[str, Any]
    unique_id: str
    """Unique in the session and stable across replays (for workflow keys, idempotency keys)."""


@dataclass(frozen=True)
class ToolRuntime:
    """Where tools run: the context of the session invocation and the session's own address."""

    ctx: restate.Context
    session_service: str
    session_key: str


@dataclass
class Started:
    """A tool call in flight: a journaled future and how to turn its result into what the model reads."""

    future: restate.RestateDurableFuture[Any]
    decode: Callable[[Any], Any] = lambda value: value


def _json_bytes(value: bytes) -> Any:
    return json.loads(value) if value else None


@dataclass(kw_only=True)
class Tool:
    """The common part of every tool."""

    name: str
    description: str = ""
    requires_approval: bool = False
    """Wait for a human to approve each call (`approve` / `reject` on the session)."""
    schedulable: bool = False
    """Offer the model a `delay_seconds` argument that turns the call into a durable delayed call."""
    background: bool = False
    """Send every call without waiting for its result (the model is told it started, with the invocation id)."""
    compensation: Compensation | None = None
    """How to undo a completed call when its run fails (`compensate=` of `restate_tool` / `function_tool`)."""

    def parameters_schema(self) -> dict[str, Any]:
        raise NotImplementedError

    def definition(self) -> ToolDefinition:
        """The schema the model sees; built once (it is offered at every model call)."""
        cached: ToolDefinition | None = self.__dict__.get("_definition")
        if cached is not None:
            return cached
        schema = json.loads(json.dumps(self.parameters_schema()))
        if self.schedulable:
            schema.setdefault("properties", {})[DELAY_ARGUMENT] = dict(DELAY_SCHEMA)
            schema.pop("additionalProperties", None)
        definition = ToolDefinition(name=self.name, description=self.description, parameters_json_schema=schema)
        self.__dict__["_definition"] = definition
        return definition

    def prepare(self, arguments: dict[str, Any]) -> Any:
        """Validate the model's arguments; raises ToolArgumentsError with a message for the model."""
        raise NotImplementedError

    def start(self, rt: ToolRuntime, call: ToolCallInfo, value: Any) -> Started:
        """Start the call as a journaled step and return it without waiting."""
        raise NotImplementedError

    def schedule(self, rt: ToolRuntime, call: ToolCallInfo, value: Any, delay: timedelta) -> restate.SendHandle:
        """Send the call to run after `delay` (a durable delayed invocation; zero: at once, without waiting)."""
        raise NotImplementedError

    def call_key(self, call: ToolCallInfo) -> str | None:
        """The key of the object or workflow a call goes to (None: a service, or no Restate call)."""
        return None


# --- Restate handlers -------------------------------------------------------------------------------------------

KeyFunction = Callable[[ToolCallInfo], str]


def _input_schema(tp: Any, param: str) -> tuple[dict[str, Any], bool]:
    """The tool schema for a handler input type, and whether the value is wrapped under `param`."""
    schema = TypeAdapter(tp).json_schema()
    if schema.get("type") == "object" and "properties" in schema:
        return schema, False
    defs = schema.pop("$defs", None)
    wrapper: dict[str, Any] = {"type": "object", "properties": {param: schema}, "required": [param]}
    if defs:
        wrapper["$defs"] = defs
    return wrapper, True


@dataclass(kw_only=True)
class HandlerTool(Tool):
    """A handler of a Restate service, virtual object or workflow, called through Restate."""

    service: str
    handler: str
    service_kind: Literal["service", "object", "workflow"]
    input_type: Any = None
    """None when the handler takes no input."""
    param: str = "input"
    key: str | KeyFunction | None = None
    """Virtual objects: None means the session's key. Workflows: None means a new workflow per call."""
    _schema: dict[str, Any] = field(default_factory=dict, repr=False)
    _wrapped: bool = False
    _adapter: TypeAdapter[Any] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.service_kind == "service" and self.key is not None:
            raise ConfigurationError(f"tool {self.name!r}: {self.service} is a service; services take no key")
        if self.input_type is None:
            self._schema = dict(_EMPTY_SCHEMA)
        else:
            self._adapter = TypeAdapter(self.input_type)
            self._schema, self._wrapped = _input_schema(self.input_type, self.param)

    def parameters_schema(self) -> dict[str, Any]:
        return self._schema

    def prepare(self, arguments: dict[str, Any]) -> Any:
        if self._adapter is None:
            if arguments:
                raise ToolArgumentsError(f"{self.name} takes no arguments, but got: {', '.join(sorted(arguments))}")
            return None
        raw: Any = arguments
        if self._wrapped:
            extra = sorted(set(arguments) - {self.param})
            if extra:
                raise ToolArgumentsError(f"{self.name} got unexpected arguments: {', '.join(extra)}")
            if self.param not in arguments:
                raise ToolArgumentsError(f"{self.name} needs the argument {self.param!r}")
            raw = arguments[self.param]
        try:
            return self._adapter.validate_python(raw)
        except ValidationError as exc:
            raise ToolArgumentsError(describe_validation_error(exc)) from None

    def _payload(self, value: Any) -> bytes:
        return b"" if self._adapter is None else self._adapter.dump_json(value)

    def call_key(self, call: ToolCallInfo) -> str | None:
        return self._key(call)

    def _key(self, call: ToolCallInfo) -> str | None:
        if self.service_kind == "service":
            return None
        if callable(self.key):
            return self.key(call)
        if self.key is not None:
            return self.key
        if self.service_kind == "object":
            return call.session_key
        return f"{call.session_key}-{call.unique_id[:12]}"

    def start(self, rt: ToolRuntime, call: ToolCallInfo, value: Any) -> Started:
        future = rt.ctx.generic_call(self.service, self.handler, self._payload(value), key=self._key(call))
        return Started(future, _json_bytes)

    def schedule(self, rt: ToolRuntime, call: ToolCallInfo, value: Any, delay: timedelta) -> restate.SendHandle:
        return rt.ctx.generic_send(
            self.service, self.handler, self._payload(value), key=self._key(call), send_delay=delay or None
        )


def handler_parts(handler: Any) -> tuple[Any, Any, str] | None:
    """The SDK's definition of a Restate handler, its input type (None: no input) and the input's parameter name;
    None when `handler` is not a Restate handler."""
    try:
        definition: Any = handler_from_callable(handler)
    except (ValueError, TypeError):
        return None
    params = list(inspect.signature(definition.fn, eval_str=True).parameters.values())
    if len(params) < 2:
        return definition, None, "input"
    input_type = params[-1].annotation
    return definition, (Any if input_type is inspect.Parameter.empty else input_type), params[-1].name


def _compensation(compensate: Any) -> Compensation | None:
    from .compensation import compensation_of

    return None if compensate is None else compensation_of(compensate)


def restate_tool(
    handler: Any,
    *,
    name: str | None = None,
    description: str | None = None,
    key: str | KeyFunction | None = None,
    requires_approval: bool = False,
    schedulable: bool = False,
    background: bool = False,
    compensate: Any = None,
) -> HandlerTool:
    """A tool that calls a Restate handler (decorated with `@handler(...)` or `@service.handler()`).

    `compensate` (a Restate handler or a function taking a `CompensationRequest`) undoes a completed call when
    its run fails.
    """
    parts = handler_parts(handler)
    if parts is None:
        raise ConfigurationError(f"{handler!r} is not a Restate handler: use function_tool for plain functions")
    definition, input_type, param = parts
    return HandlerTool(
        name=name or definition.name,
        description=description or definition.description or f"{definition.service_tag.name}.{definition.name}",
        requires_approval=requires_approval,
        schedulable=schedulable,
        background=background,
        compensation=_compensation(compensate),
        service=definition.service_tag.name,
        handler=definition.name,
        service_kind=definition.service_tag.kind,
        input_type=input_type,
        param=param,
        key=key,
    )


# --- plain functions --------------------------------------------------------------------------------------------


class _Arguments(BaseModel):
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)


@dataclass(kw_only=True)
class FunctionTool(Tool):
    """A plain function run durably in `ctx.run` inside the session's invocation."""

    function: Callable[..., Any]
    max_attempts: int = 3
    """Attempts before a raising function is reported to the model as failed (Restate retries in between)."""
    _model: type[BaseModel] | None = field(default=None, repr=False)
    _takes_call: bool = False

    def __post_init__(self) -> None:
        signature = inspect.signature(self.function, eval_str=True)
        fields: dict[str, Any] = {}
        for index, param in enumerate(signature.parameters.values()):
            annotation = Any if param.annotation is inspect.Parameter.empty else param.annotation
            if index == 0 and annotation is ToolCallInfo:
                self._takes_call = True
                continue
            default = ... if param.default is inspect.Parameter.empty else param.default
            fields[param.name] = (annotation, default)
        self._model = create_model(f"{self.name}_arguments", __base__=_Arguments, **fields)

    def parameters_schema(self) -> dict[str, Any]:
        assert self._model is not None
        schema = self._model.model_json_schema()
        schema.pop("title", None)
        return schema

    def prepare(self, arguments: dict[str, Any]) -> Any:
        assert self._model is not None
        try:
            return self._model.model_validate(arguments)
        except ValidationError as exc:
            raise ToolArgumentsError(describe_validation_error(exc)) from None

    async def invoke(self, call: ToolCallInfo, value: BaseModel) -> Any:
        """Run the function once (the body of the journaled step)."""
        kwargs = {name: getattr(value, name) for name in type(value).model_fields}
        args = (call,) if self._takes_call else ()
        result = self.function(*args, **kwargs)
        if inspect.isawaitable(result):
            result = await result
        return result

    def start(self, rt: ToolRuntime, call: ToolCallInfo, value: Any) -> Started:
        async def step() -> Any:
            with tool_span(self.name, call):
                return await self.invoke(call, value)

        options: restate.RunOptions[Any] = restate.RunOptions(serde=_ANY, max_attempts=self.max_attempts)
        return Started(rt.ctx.run_typed(f"tool {self.name}", step, options))

    def schedule(self, rt: ToolRuntime, call: ToolCallInfo, value: Any, delay: timedelta) -> restate.SendHandle:
        from .contract import ScheduledToolCall

        payload = ScheduledToolCall(agent=call.agent, tool=self.name, arguments=call.arguments, call_id=call.call_id)
        return rt.ctx.generic_send(
            rt.session_service,
            "run_scheduled_tool",
            payload.model_dump_json().encode(),
            key=rt.session_key,
            send_delay=delay or None,
        )


def function_tool(
    function: Callable[..., Any] | None = None,
    *,
    name: str | None = None,
    description: str | None = None,
    requires_approval: bool = False,
    schedulable: bool = False,
    background: bool = False,
    max_attempts: int = 3,
    compensate: Any = None,
) -> Any:
    """A tool from a plain function; usable as `function_tool(fn, ...)` or as a decorator `@function_tool(...)`.

    The parameters become the schema (use `Annotated[int, Field(description=...)]` for details); a first
    parameter typed `ToolCallInfo` receives the call (the session key, the agent, the call id). `compensate`
    undoes a completed call when its run fails (see `restate_tool`).
    """

    def build(fn: Callable[..., Any]) -> FunctionTool:
        doc = inspect.getdoc(fn) or ""
        return FunctionTool(
            name=name or fn.__name__,
            description=description or doc.split("\n\n")[0] or fn.__name__,
            requires_approval=requires_approval,
            schedulable=schedulable,
            background=background,
            compensation=_compensation(compensate),
            function=fn,
            max_attempts=max_attempts,
        )

    return build(function) if function is not None else build


# --- agents as tools --------------------------------------------------------------------------------------------


@dataclass(kw_only=True)
class AgentTool(Tool):
    """Another agent of the session answering one request (in its own invocation, so it runs in parallel)."""

    agent_name: str

    def parameters_schema(self) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {"input": {"type": "string", "description": "The request for the agent, in full."}},
            "required": ["input"],
        }

    def prepare(self, arguments: dict[str, Any]) -> Any:
        value = arguments.get("input")
        if not isinstance(value, str) or not value.strip():
            raise ToolArgumentsError(f"{self.name} needs the argument 'input' (the request, as text)")
        extra = sorted(set(arguments) - {"input"})
        if extra:
            raise ToolArgumentsError(f"{self.name} got unexpected arguments: {', '.join(extra)}")
        return value

    def _payload(self, value: str) -> bytes:
        from .contract import AgentToolRequest

        return AgentToolRequest(agent=self.agent_name, input=value).model_dump_json().encode()

    def start(self, rt: ToolRuntime, call: ToolCallInfo, value: Any) -> Started:
        future = rt.ctx.generic_call(rt.session_service, "run_agent_tool", self._payload(value), key=rt.session_key)
        return Started(future, _json_bytes)

    def schedule(self, rt: ToolRuntime, call: ToolCallInfo, value: Any, delay: timedelta) -> restate.SendHandle:
        return rt.ctx.generic_send(
            rt.session_service, "run_agent_tool", self._payload(value), key=rt.session_key, send_delay=delay or None
        )


def as_tool(obj: Any) -> Tool:
    """A Tool from a Tool, a Restate handler or a plain function."""
    if isinstance(obj, Tool):
        return obj
    if callable(obj):
        try:
            handler_from_callable(obj)
        except (ValueError, TypeError):
            return function_tool(obj)  # type: ignore[no-any-return]
        return restate_tool(obj)
    raise ConfigurationError(f"{obj!r} is not a tool: give a Tool, a Restate handler or a function")
