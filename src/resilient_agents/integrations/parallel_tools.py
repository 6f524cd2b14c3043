"""Tool calls of one model response that run in parallel under an agent SDK, with a deterministic journal.

Why the SDK integrations run tools one at a time: a tool that does Restate work (`ctx.run`, calls, state) adds
entries to the journal, and two tools running concurrently would add them in an order that depends on
scheduling; replay after a crash would then meet a different order and fail. `restate.ext.openai` and
`restate.ext.pydantic` avoid this with a turnstile that lets the calls of a response run one after another in
call-id order.

How we run them in parallel instead (the design; docs/agent-sdks.md draws it):
1. Dispatch at one point. Right after the journaled model response, in an SDK hook that runs at the same
   place on every replay (OpenAI Agents SDK: `RunHooks.on_llm_end`; Pydantic AI: a capability's
   `after_model_request`), every call of a parallel tool in that response is started, in the response's
   order, as its own Restate invocation: `ctx.generic_call(<ToolsService>, "call", {tool, arguments,
   call_id})`. Starting a call writes one journal entry and does not wait, so the N entries land in the same
   order on every replay, whatever the tools later do.
2. Execute in isolation. Each call runs in its own invocation of the tools service, with its own journal and
   its own Restate context (`restate_context()` inside the tool), so tools may use `ctx.run`, sleeps, calls
   and other objects' state freely: nothing they do touches the agent's journal. The invocations run
   concurrently on the server: N slow tools take about as long as one.
3. Match by call id. When the SDK invokes the tool for a call id, the tool awaits the result of the call
   dispatched for that id. Awaiting writes nothing to the journal, so the order in which the SDK collects
   results does not matter; a lock lets one task at a time poll Restate, which the SDK's context needs.
After a crash the agent replays: the model response and the N call entries come from the journal, calls that
finished are not run again, and calls still running are awaited where they are (each is retried by Restate on
its own if its process died, its completed steps replayed from its own journal).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from typing import Any

import restate
from agents.tool import FunctionTool
from agents.tool_context import ToolContext
from pydantic import BaseModel
from pydantic_core import to_json
from restate.exceptions import TerminalError
from restate.ext.openai import durable_function_tool, restate_context
from restate.ext.openai.models import AgentsTerminalException

from ..exceptions import ConfigurationError
from ..handlers import RequestModel, handler
from ..serde import TypedSerde

CALL_HANDLER = "call"


class ToolCall(RequestModel):
    """One tool call as the tools service receives it."""

    tool: str = "lookup"
    """The tool's name."""
    arguments: str = "{}"
    """The model's arguments, a JSON object as text."""
    call_id: str = "call_1"
    """The model's id for this call; results are matched to calls by it."""


class ToolResult(BaseModel):
    """What one tool call returned, as the text the model will read."""

    output: str


CALL_SERDE: TypedSerde[ToolCall] = TypedSerde(ToolCall)
RESULT_SERDE: TypedSerde[ToolResult] = TypedSerde(ToolResult)
_OWNERS: dict[str, ParallelTools] = {}


class ParallelTools:
    """A set of tools whose calls run in parallel, each call a Restate invocation of one tools service.

        tools = ParallelTools("AirlineTools")

        @tools.tool
        async def update_seat(confirmation_number: str, new_seat: str) -> str:
            ...  # restate_context() here is this call's own context

        SERVICES = [session, tools.service, ...]

    `tools.tool` gives an OpenAI Agents SDK `FunctionTool`; `integrations.pydantic_ai.parallel_toolset(tools)`
    gives the same tools to a Pydantic AI agent. Tool names are unique across all sets in a process.
    """

    def __init__(self, service_name: str, *, description: str | None = None) -> None:
        self.service = restate.Service(
            service_name, description=description or "Runs the agent's tool calls, one invocation per call."
        )
        self.bodies: dict[str, FunctionTool] = {}
        """The tools as the service runs them (built with `durable_function_tool`), by name."""

        @handler(self.service, name=CALL_HANDLER)
        async def call(ctx: restate.Context, request: ToolCall) -> ToolResult:
            """Run one tool call (invoked by an agent for each call of a model response)."""
            return await self._execute(request)

    @property
    def name(self) -> str:
        return str(self.service.name)

    def tool(self, fn: Callable[..., Any] | None = None, **options: Any) -> Any:
        """Decorator: register `fn` as a parallel tool and return its `FunctionTool` for an SDK agent.

        Options are those of `durable_function_tool` (name_override, description_override, ...). Use as
        `@tools.tool` or `@tools.tool(name_override="...")`.
        """

        def register(func: Callable[..., Any]) -> FunctionTool:
            body: FunctionTool = durable_function_tool(func, **options)
            owner = _OWNERS.get(body.name)
            if owner is not None and owner is not self:
                raise ConfigurationError(f"tool {body.name!r} is already a parallel tool of {owner.name}")
            _OWNERS[body.name] = self
            self.bodies[body.name] = body
            return dataclasses.replace(body, on_invoke_tool=_dispatched_invoker(body.name))

        return register(fn) if fn is not None else register

    def dispatch(self, ctx: restate.Context, call: ToolCall) -> Any:
        """Start `call` as an invocation of the tools service; returns the durable future of its result."""
        return ctx.generic_call(self.name, CALL_HANDLER, CALL_SERDE.serialize(call))

    async def _execute(self, request: ToolCall) -> ToolResult:
        body = self.bodies.get(request.tool)
        if body is None:
            raise TerminalError(f"tool: {self.name} has no tool named {request.tool!r}", status_code=404)
        context: ToolContext[Any] = ToolContext(
            context=None,
            tool_name=request.tool,
            tool_call_id=request.call_id,
            tool_arguments=request.arguments,
        )
        try:
            output = await body.on_invoke_tool(context, request.arguments)
        except AgentsTerminalException as exc:
            # Re-raised as a plain TerminalError so Restate fails this call for good and the agent sees why.
            raise TerminalError(str(exc), status_code=500) from exc
        return ToolResult(output=as_text(output))


def as_text(output: Any) -> str:
    """A tool's return value as the text the model reads: strings as they are, anything else as JSON."""
    if isinstance(output, str):
        return output
    return to_json(output).decode()


def owner_of(tool_name: str) -> ParallelTools | None:
    """The set a parallel tool belongs to, or None for any other tool."""
    return _OWNERS.get(tool_name)


class ToolDispatcher:
    """The calls dispatched for the current agent run that no tool has collected yet, by call id."""

    def __init__(self, ctx: restate.Context) -> None:
        self.ctx = ctx
        self.pending: dict[str, Any] = {}
        # One task at a time may poll Restate: the context reads the invocation's input stream, and two
        # tasks reading it concurrently can each take the other's completion and wait forever.
        self.lock = asyncio.Lock()

    def dispatch(self, calls: Sequence[ToolCall]) -> None:
        """Start every parallel call of one model response, in the given (the response's) order."""
        for call in calls:
            owner = owner_of(call.tool)
            if owner is not None:
                self.pending[call.call_id] = owner.dispatch(self.ctx, call)

    async def result(self, call_id: str, tool_name: str) -> ToolResult:
        """The result of the call dispatched for `call_id` (raises TerminalError when it failed for good)."""
        future = self.pending.pop(call_id, None)
        if future is None:
            raise TerminalError(
                f"parallel tool {tool_name!r} (call {call_id}) was not dispatched: run the agent with "
                "resilient_agents.integrations (run_agent, or run_pydantic_agent) so its calls are started "
                "right after the model response",
                status_code=500,
            )
        async with self.lock:
            raw = await future
        return RESULT_SERDE.loads(raw)


_DISPATCHER: ContextVar[ToolDispatcher | None] = ContextVar("resilient_agents_tool_dispatcher", default=None)


@contextlib.contextmanager
def dispatching(ctx: restate.Context | None = None) -> Iterator[ToolDispatcher]:
    """Within this block, parallel tool calls of the agent run are dispatched and collected by call id."""
    dispatcher = ToolDispatcher(ctx or restate_context())
    token = _DISPATCHER.set(dispatcher)
    try:
        yield dispatcher
    finally:
        _DISPATCHER.reset(token)


def current_dispatcher() -> ToolDispatcher | None:
    return _DISPATCHER.get()


async def collect(call_id: str, tool_name: str) -> ToolResult:
    """The result of a dispatched call, from inside the SDK's tool invocation."""
    dispatcher = current_dispatcher()
    if dispatcher is None:
        raise TerminalError(
            f"parallel tool {tool_name!r} called outside an agent run of resilient_agents.integrations",
            status_code=500,
        )
    return await dispatcher.result(call_id, tool_name)


def _dispatched_invoker(tool_name: str) -> Callable[[ToolContext[Any], str], Any]:
    async def invoke(context: ToolContext[Any], arguments: str) -> str:
        try:
            result = await collect(context.tool_call_id, tool_name)
        except TerminalError as exc:
            # Both an SDK exception (the run stops instead of wrapping it) and a TerminalError (never retried),
            # as restate.ext.openai does for tools that fail for good.
            raise AgentsTerminalException(exc.message) from exc
        return result.output

    return invoke
