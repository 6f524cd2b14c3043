"""Saga compensation for agent actions: when a run fails, undo what its tools did, newest first.

    restate_tool(pay_bill, compensate=refund_bill)          # refund_bill: a Restate handler
    function_tool(book_hotel, compensate=cancel_hotel)      # cancel_hotel: a function, run durably

A compensation receives a `CompensationRequest`: the tool, the arguments it ran with, what it returned, why the
run is undone, and the session, agent and call id. A handler compensation is a Restate call (its own invocation,
exactly once); its input type must be a `CompensationRequest` (parametrized to type the arguments and result,
e.g. `CompensationRequest[PaymentRequest, PaymentReceipt]`) and the request is validated against it before the
call, as a tool's arguments are. An object or workflow handler gets the key of the call it undoes (the session's
key when that call had none). A function compensation takes one such parameter and runs in `ctx.run`, retried by
Restate until it succeeds (a saga cannot leave an undo half done).

When a run ends with a terminal error (a budget running out, a terminal model error, a cancellation such as an
interrupt), the loop undoes the calls of that run, in the reverse order of their start, each as a journaled
step, adds an event per call to the history ("compensated: refund_bill(...) for pay_bill"), then re-raises.
After a crash the replay walks the same list: a compensation whose step completed is not run again.
- A call that succeeded in this run: compensated. Calls of earlier runs never are: a run that answered commits.
- A call whose tool failed: nothing to undo.
- A call in flight when the run stopped: waited for (Restate cancels the in-flight calls of a cancelled run, so
  they end cancelled unless they finished first; a function tool finishes), then compensated if it succeeded.
- A delayed or background call: its invocation is cancelled, so a call that has not run never will; if it had
  already completed, its compensation runs with its result.
- An agent used as a tool: its own loop undoes its calls if it fails; once it has answered, they are committed.
A compensation that fails for good (a terminal error, or a request its input type refuses) is recorded as
"compensation failed: ..." and the others still run; the run's own error is re-raised in every case.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

import restate
from pydantic import TypeAdapter, ValidationError
from pydantic_core import to_jsonable_python
from restate.exceptions import TerminalError
from restate.serde import BytesSerde

from ..exceptions import ConfigurationError
from ..handlers import RequestModel, describe_validation_error
from .tools import Started, handler_parts

if TYPE_CHECKING:
    from .tools import Tool, ToolCallInfo, ToolRuntime

ArgumentsT = TypeVar("ArgumentsT")
ResultT = TypeVar("ResultT")
EVENT_SOURCE = "compensation"
"""The `source` of the history events a compensation adds."""
CANCELLED = 409
NOT_FOUND = 404
_BYTES = BytesSerde()


class CompensationRequest(RequestModel, Generic[ArgumentsT, ResultT]):
    """What a compensation receives: one completed tool call to undo."""

    tool: str = ""
    """The tool that ran."""
    arguments: ArgumentsT
    """What it ran with: the tool's validated input (a function tool's arguments as an object)."""
    result: ResultT
    """What it returned (JSON)."""
    reason: str = ""
    """Why the run is undone: "the run was interrupted", or the error that stopped it."""
    session_key: str = ""
    agent: str = ""
    call_id: str = ""


class CompensationError(Exception):
    """A compensation could not start: its input type refuses the request (the message names the field)."""


def _request_type(annotation: Any, what: str) -> Any:
    if annotation in (None, inspect.Parameter.empty, Any):
        return CompensationRequest
    if isinstance(annotation, type) and issubclass(annotation, CompensationRequest):
        return annotation
    raise ConfigurationError(
        f"{what}: a compensation takes a CompensationRequest (e.g. CompensationRequest[PaymentRequest,"
        f" PaymentReceipt]), not {annotation!r}"
    )


def _validate(adapter: TypeAdapter[Any], request: dict[str, Any]) -> Any:
    try:
        return adapter.validate_python(request)
    except ValidationError as exc:
        raise CompensationError(describe_validation_error(exc)) from None


@dataclass(kw_only=True)
class Compensation:
    """How to undo the calls of one tool."""

    name: str

    def start(self, rt: ToolRuntime, call: ToolCallInfo, key: str | None, request: dict[str, Any]) -> Any:
        """Start the journaled undo of `call` (`key`: the key the call went to) and return its future."""
        raise NotImplementedError


@dataclass(kw_only=True)
class HandlerCompensation(Compensation):
    """A Restate handler, called through Restate."""

    service: str
    handler: str
    service_kind: Literal["service", "object", "workflow"]
    input_type: Any = None
    """None when the handler takes no input."""
    _adapter: TypeAdapter[Any] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.input_type is not None:
            self._adapter = TypeAdapter(_request_type(self.input_type, f"{self.service}.{self.handler}"))

    def start(self, rt: ToolRuntime, call: ToolCallInfo, key: str | None, request: dict[str, Any]) -> Any:
        payload = b"" if self._adapter is None else self._adapter.dump_json(_validate(self._adapter, request))
        if self.service_kind == "service":
            key = None
        elif key is None:
            key = call.session_key if self.service_kind == "object" else f"{call.session_key}-{call.unique_id[:12]}"
        return rt.ctx.generic_call(self.service, self.handler, payload, key=key)


@dataclass(kw_only=True)
class FunctionCompensation(Compensation):
    """A plain function (sync or async) run in `ctx.run`; its return value is ignored."""

    function: Callable[..., Any]
    _adapter: TypeAdapter[Any] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        params = list(inspect.signature(self.function, eval_str=True).parameters.values())
        if len(params) != 1:
            raise ConfigurationError(f"compensation {self.name!r} must take one parameter, a CompensationRequest")
        self._adapter = TypeAdapter(_request_type(params[0].annotation, f"compensation {self.name!r}"))

    def start(self, rt: ToolRuntime, call: ToolCallInfo, key: str | None, request: dict[str, Any]) -> Any:
        assert self._adapter is not None
        value = _validate(self._adapter, request)

        async def step() -> None:
            result = self.function(value)
            if inspect.isawaitable(result):
                await result

        return rt.ctx.run_typed(f"compensate {self.name}", step)


def compensation_of(obj: Any) -> Compensation:
    """A Compensation from a Compensation, a Restate handler or a plain function."""
    if isinstance(obj, Compensation):
        return obj
    parts = handler_parts(obj)
    if parts is not None:
        definition, input_type, _ = parts
        return HandlerCompensation(
            name=definition.name,
            service=definition.service_tag.name,
            handler=definition.name,
            service_kind=definition.service_tag.kind,
            input_type=input_type,
        )
    if callable(obj):
        return FunctionCompensation(name=getattr(obj, "__name__", "compensation"), function=obj)
    raise ConfigurationError(f"{obj!r} cannot compensate: give a Restate handler or a function")


# --- the saga of one run ----------------------------------------------------------------------------------------


@dataclass
class _Action:
    tool: Tool
    compensation: Compensation
    call: ToolCallInfo
    value: Any
    """The validated arguments the tool ran with."""
    launched: Started | restate.SendHandle


def _render(arguments: Any) -> str:
    return json.dumps(arguments, default=str, ensure_ascii=False, sort_keys=True)


def reason_of(error: TerminalError) -> str:
    return "the run was interrupted" if error.status_code == CANCELLED else f"the run stopped: {error.message}"


class Saga:
    """The compensable calls one run started, in order; `compensate` undoes the completed ones, newest first.

    Rebuilt by a replay exactly as it was (the calls are journaled), so it needs no state of its own.
    """

    def __init__(self) -> None:
        self._actions: list[_Action] = []

    def __len__(self) -> int:
        return len(self._actions)

    def record(self, tool: Tool, call: ToolCallInfo, value: Any, launched: Started | restate.SendHandle) -> None:
        """Remember a call just started or sent, if its tool has a compensation."""
        if tool.compensation is not None:
            self._actions.append(_Action(tool, tool.compensation, call, value, launched))

    async def compensate(self, rt: ToolRuntime, error: TerminalError, note: Callable[[str], None]) -> None:
        """Undo every completed call, newest first; `note` records one history event per call undone."""
        reason = reason_of(error)
        for action in reversed(self._actions):
            await self._undo(rt, action, reason, note)

    async def _undo(self, rt: ToolRuntime, action: _Action, reason: str, note: Callable[[str], None]) -> None:
        call = action.call
        label = f"{action.compensation.name}({_render(call.arguments)}) for {action.tool.name}"
        try:
            result = await self._outcome(rt, action)
        except TerminalError as exc:
            # Restate forgets a delayed call cancelled before it started: attaching to it then answers 404.
            if isinstance(action.launched, restate.SendHandle) and exc.status_code in (CANCELLED, NOT_FOUND):
                note(f"cancelled: {action.tool.name}({_render(call.arguments)}) before it completed")
            return  # the tool failed, or was cancelled before it completed: nothing to undo
        request = {
            "tool": action.tool.name,
            "arguments": to_jsonable_python(action.value),
            "result": to_jsonable_python(result),
            "reason": reason,
            "session_key": call.session_key,
            "agent": call.agent,
            "call_id": call.call_id,
        }
        try:
            await action.compensation.start(rt, call, action.tool.call_key(call), request)
        except CompensationError as exc:
            note(f"compensation failed: {label}: {exc}")
        except TerminalError as exc:
            note(f"compensation failed: {label}: {exc.message}")
        else:
            note(f"compensated: {label}")

    @staticmethod
    async def _outcome(rt: ToolRuntime, action: _Action) -> Any:
        """The call's result; raises TerminalError when it failed, was cancelled or never ran."""
        launched = action.launched
        if isinstance(launched, Started):
            return launched.decode(await launched.future)
        # A delayed or background call: cancelling it first means it can no longer start after the run is undone.
        invocation_id = await launched.invocation_id()
        rt.ctx.cancel_invocation(invocation_id)
        raw = await rt.ctx.attach_invocation(invocation_id, serde=_BYTES)
        return json.loads(raw) if raw else None
