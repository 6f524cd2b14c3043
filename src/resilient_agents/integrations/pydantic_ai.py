"""Pydantic AI inside Restate, on `restate.ext.pydantic`: the same surface as the OpenAI Agents SDK integration.

`restate.ext.pydantic.RestateAgent` journals each model response. This module adds, as `openai_agents` does:
- parallel tools: the same `ParallelTools` set serves a Pydantic AI agent (`parallel_toolset`); the calls of a
  response are dispatched from a capability's `after_model_request` hook, which runs right after the
  journaled response on every replay (see parallel_tools for the design);
- `run_pydantic_agent`, which runs a RestateAgent with that dispatching;
- sessions with the shared run / get_history / get_state contract (`pydantic_ai_session`); the conversation
  is kept as typed pydantic-ai messages in the object's state.

The model is ours (`default_model()`: RA_MODEL) and set on the agent as an object: RestateAgent wraps the
agent's own model to journal it, which is why it must be built inside the service process (lazily).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import restate
from pydantic_ai import Agent, Tool
from pydantic_ai.capabilities import AbstractCapability
from pydantic_ai.messages import ModelMessage, ModelResponse
from pydantic_ai.models import ModelRequestContext
from pydantic_ai.run import AgentRunResult
from pydantic_ai.tools import RunContext
from pydantic_ai.toolsets import FunctionToolset
from restate.ext.pydantic import RestateAgent

from ..agents import ChatMessage, chat_messages
from ..agents import HistoryEntry as StoredMessage
from ..models import Usage
from ..serde import TypedSerde
from .parallel_tools import ParallelTools, ToolCall, collect, current_dispatcher, dispatching, owner_of
from .session import SdkSessionState, Turn, sdk_session

MESSAGES = "messages"
MESSAGES_SERDE: TypedSerde[list[ModelMessage]] = TypedSerde(list[ModelMessage])


def parallel_toolset(tools: ParallelTools, names: Iterable[str] | None = None) -> FunctionToolset[Any]:
    """The tools of `tools` (or those named) for a Pydantic AI agent; their calls run in parallel."""
    chosen = list(names) if names is not None else list(tools.bodies)
    return FunctionToolset([_pydantic_tool(tools, name) for name in chosen])


def _pydantic_tool(tools: ParallelTools, name: str) -> Tool[Any]:
    body = tools.bodies[name]

    async def collect_result(ctx: RunContext[Any], **arguments: Any) -> str:
        result = await collect(ctx.tool_call_id or "", name)
        return result.output

    # The schema comes from the tool's body so both SDKs offer the model exactly the same tool; the body
    # validates the arguments when the tools service runs it.
    return Tool.from_schema(
        collect_result, name=name, description=body.description, json_schema=body.params_json_schema, takes_ctx=True
    )


class ParallelToolDispatch(AbstractCapability[Any]):
    """Starts the parallel tool calls of each model response, in the response's order, right after it."""

    async def after_model_request(
        self, ctx: RunContext[Any], *, request_context: ModelRequestContext, response: ModelResponse
    ) -> ModelResponse:
        dispatcher = current_dispatcher()
        if dispatcher is not None:
            offered = {t.name for t in request_context.model_request_parameters.function_tools}
            dispatcher.dispatch(
                [
                    ToolCall(tool=part.tool_name, arguments=part.args_as_json_str(), call_id=part.tool_call_id)
                    for part in response.tool_calls
                    if part.tool_name in offered and owner_of(part.tool_name) is not None
                ]
            )
        return response


async def run_pydantic_agent(agent: RestateAgent[Any, Any], prompt: str, **kwargs: Any) -> AgentRunResult[Any]:
    """`agent.run(prompt, ...)` with parallel tool calls dispatched; call it inside a Restate handler."""
    capabilities = [*(kwargs.pop("capabilities", None) or []), ParallelToolDispatch()]
    with dispatching():
        return await agent.run(prompt, capabilities=capabilities, **kwargs)


def history_entries(messages: Sequence[ModelMessage], agent: str) -> list[ChatMessage]:
    """pydantic-ai messages as chat lines, the native loop's way, without the user's (the session records it)."""
    lines = chat_messages([StoredMessage(message=message, agent=agent) for message in messages])
    return [line for line in lines if line.role != "user"]


def pydantic_ai_session(
    name: str,
    build_agent: Callable[[], Agent[Any, Any]],
    *,
    agent_name: str | None = None,
    description: str | None = None,
) -> restate.VirtualObject:
    """A session virtual object `name` (keyed by conversation) running the agent `build_agent()` returns.

    The agent is built once per process, on the first message (its model comes from RA_MODEL); `agent_name`
    is how history and state name it (the session's name by default).
    """
    shown = agent_name or name

    @functools.cache
    def durable() -> RestateAgent[Any, Any]:
        return RestateAgent(build_agent())

    async def run_turn(ctx: restate.ObjectContext, message: str, state: SdkSessionState) -> Turn:
        agent = durable()
        history = await ctx.get(MESSAGES, serde=MESSAGES_SERDE) or []
        result = await run_pydantic_agent(agent, message, message_history=history)
        ctx.set(MESSAGES, result.all_messages(), serde=MESSAGES_SERDE)
        usage = result.usage()
        return Turn(
            final_output=str(result.output),
            agent=shown,
            usage=Usage(requests=usage.requests, input_tokens=usage.input_tokens, output_tokens=usage.output_tokens),
            entries=history_entries(result.new_messages(), shown),
        )

    return sdk_session(
        name,
        run_turn,
        first_agent=shown,
        framework="pydantic-ai",
        description=description or "A Pydantic AI agent session, one per conversation.",
    )
