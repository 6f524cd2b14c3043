"""The OpenAI Agents SDK inside Restate, on `restate.ext.openai`: our models, parallel tools, sessions.

`restate.ext.openai.DurableRunner` does the durable part (each model response journaled, tools run through a
turnstile, the conversation kept in the virtual object). This module adds what it lacks:
- our models: every RA_MODEL (offline, OpenAI, Anthropic, Ollama, a scripted test model) reaches the SDK through
  the model provider DurableRunner installs, so its calls are journaled (`RoutedRunConfig`);
- tool calls that run in parallel (`ParallelTools`, dispatched from the `on_llm_end` hook: see parallel_tools);
- sessions with the shared run / get_history / get_state contract (`openai_agents_session`).

    result = await run_agent(triage_agent, "can you change my seat to 10b?", use_restate_session=True)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import restate
from agents import Agent, RunConfig, RunHooks, RunResult
from agents.items import (
    HandoffOutputItem,
    ItemHelpers,
    MessageOutputItem,
    RunItem,
    ToolCallItem,
    ToolCallOutputItem,
    TResponseInputItem,
)
from agents.models.interface import ModelProvider
from agents.models.multi_provider import MultiProvider, MultiProviderMap
from agents.tool import FunctionTool
from restate import RunOptions
from restate.exceptions import TerminalError
from restate.ext.openai import DurableRunner

from ..agents import ChatMessage
from ..exceptions import ConfigurationError
from ..models import Usage
from .agents_models import ModelRouter
from .parallel_tools import ToolCall, current_dispatcher, dispatching
from .session import SdkSessionState, Turn, sdk_session

MODEL_PREFIX = "ra"
"""Model names `ra/<name>` are ours (see agents_models.ModelRouter); the rest go to the SDK's providers."""
_ROUTER = ModelRouter()


def model_ref(name: str = "default") -> str:
    """The SDK model name for one of our models: `model_ref()` is RA_MODEL, `model_ref("offline")` the offline one."""
    return f"{MODEL_PREFIX}/{name}"


def route_models(provider: ModelProvider) -> None:
    """Teach a MultiProvider (the SDK's default, and the one DurableRunner installs) our `ra/` model names."""
    if isinstance(provider, MultiProvider):
        mapping = provider.provider_map or MultiProviderMap()
        mapping.add_provider(MODEL_PREFIX, _ROUTER)
        provider.provider_map = mapping


@dataclasses.dataclass
class RoutedRunConfig(RunConfig):
    """A RunConfig whose model provider knows our `ra/` names, including the provider DurableRunner swaps in.

    DurableRunner replaces `model_provider` with its journaling provider through `dataclasses.replace`, which
    builds a new config of this class; `__post_init__` then adds our names to that provider. A model set on
    an Agent as an object would bypass the journaling provider, so models are always named, never passed.
    """

    def __post_init__(self) -> None:
        super().__post_init__()
        route_models(self.model_provider)


def routed_run_config(base: RunConfig | None = None, *, model: str | None = "default") -> RoutedRunConfig:
    """`base` (or a config with tracing off: no network) as a RoutedRunConfig.

    `model` names the model for every agent of the run (`model_ref(model)`); None keeps each agent's own.
    """
    values: dict[str, Any] = {"tracing_disabled": True}
    if base is not None:
        values = {f.name: getattr(base, f.name) for f in dataclasses.fields(RunConfig) if f.init}
    if model is not None and values.get("model") is None:
        values["model"] = model_ref(model)
    return RoutedRunConfig(**values)


class _DispatchingHooks(RunHooks[Any]):
    """Starts the parallel tool calls of each model response, then passes every event on to the user's hooks."""

    def __init__(self, inner: RunHooks[Any] | None) -> None:
        self.inner = inner or RunHooks()

    async def on_llm_end(self, context: Any, agent: Any, response: Any) -> None:
        # Runs right after the journaled model response and before any tool, at the same point on replay.
        offered = {t.name for t in agent.tools if isinstance(t, FunctionTool)}
        calls = [
            ToolCall(tool=item.name, arguments=item.arguments, call_id=item.call_id)
            for item in response.output
            if getattr(item, "type", None) == "function_call" and item.name in offered
        ]
        dispatcher = current_dispatcher()
        if dispatcher is not None:
            dispatcher.dispatch(calls)
        await self.inner.on_llm_end(context, agent, response)

    async def on_llm_start(self, context: Any, agent: Any, system_prompt: Any, input_items: Any) -> None:
        await self.inner.on_llm_start(context, agent, system_prompt, input_items)

    async def on_agent_start(self, context: Any, agent: Any) -> None:
        await self.inner.on_agent_start(context, agent)

    async def on_agent_end(self, context: Any, agent: Any, output: Any) -> None:
        await self.inner.on_agent_end(context, agent, output)

    async def on_handoff(self, context: Any, from_agent: Any, to_agent: Any) -> None:
        await self.inner.on_handoff(context, from_agent, to_agent)

    async def on_tool_start(self, context: Any, agent: Any, tool: Any) -> None:
        await self.inner.on_tool_start(context, agent, tool)

    async def on_tool_end(self, context: Any, agent: Any, tool: Any, result: Any) -> None:
        await self.inner.on_tool_end(context, agent, tool, result)


async def run_agent(
    starting_agent: Agent[Any],
    input: str | list[TResponseInputItem],
    *,
    model: str | None = "default",
    use_restate_session: bool = False,
    run_config: RunConfig | None = None,
    hooks: RunHooks[Any] | None = None,
    run_options: RunOptions[Any] | None = None,
    **kwargs: Any,
) -> RunResult:
    """`DurableRunner.run` with our models and parallel tools; call it inside a Restate handler.

    `model` names one of our models for every agent (None: each agent's own `ra/...` or SDK model name).
    `use_restate_session` keeps the conversation in the virtual object's state (DurableRunner's session).
    Other keyword arguments (max_turns, context, ...) go to the SDK's `Runner.run`.
    """
    cycle = handoff_cycle(starting_agent)
    if cycle:
        raise TerminalError(_cycle_message(cycle), status_code=500)
    with dispatching():
        return await DurableRunner.run(
            starting_agent,
            input,
            use_restate_session=use_restate_session,
            run_options=run_options,
            run_config=routed_run_config(run_config, model=model),
            hooks=_DispatchingHooks(hooks),
            **kwargs,
        )


def handoff_cycle(agent: Agent[Any], path: tuple[str, ...] = ()) -> list[str] | None:
    """A cycle of agents that hand off to each other as Agent objects, or None.

    restate.ext.openai wraps the tools of handoff agents eagerly and recursively, so such a cycle recurses
    forever; the way back to an agent must be a `handoff(agent)` object, which it wraps lazily.
    """
    if agent.name in path:
        return [*path[path.index(agent.name) :], agent.name]
    for target in agent.handoffs:
        if isinstance(target, Agent):
            cycle = handoff_cycle(target, (*path, agent.name))
            if cycle:
                return cycle
    return None


def _cycle_message(cycle: list[str]) -> str:
    return (
        f"agents hand off in a cycle ({' -> '.join(cycle)}): DurableRunner cannot wrap that; "
        f"make the way back a handoff object, e.g. handoffs=[agents.handoff({cycle[-2]!r} agent)]"
    )


def reachable_agents(agents: Sequence[Agent[Any]]) -> dict[str, Agent[Any]]:
    """Every agent in `agents` and in their Agent handoffs, by name (the ones a session can resume with).

    Agents behind `handoff(...)` objects are not visible here: list them in `agents`.
    """
    found: dict[str, Agent[Any]] = {}
    todo = list(agents)
    while todo:
        agent = todo.pop(0)
        if agent.name in found:
            continue
        found[agent.name] = agent
        todo.extend(h for h in agent.handoffs if isinstance(h, Agent))
    return found


def history_entries(items: Sequence[RunItem]) -> list[ChatMessage]:
    """The SDK's run items as chat lines: answers, tool calls and results, handoffs."""
    entries: list[ChatMessage] = []
    names: dict[str, str] = {}
    for item in items:
        agent = item.agent.name
        if isinstance(item, MessageOutputItem):
            entries.append(
                ChatMessage(index=0, role="assistant", content=ItemHelpers.text_message_output(item), agent=agent)
            )
        elif isinstance(item, ToolCallItem):
            call = item.raw_item
            name, call_id = getattr(call, "name", None), getattr(call, "call_id", None)
            if name and call_id:
                names[call_id] = name
            entries.append(
                ChatMessage(
                    index=0,
                    role="tool_call",
                    content=getattr(call, "arguments", None) or "",
                    agent=agent,
                    tool_name=name,
                    tool_call_id=call_id,
                )
            )
        elif isinstance(item, ToolCallOutputItem):
            output = item.raw_item
            found = output.get("call_id") if isinstance(output, dict) else getattr(output, "call_id", None)
            call_id = found if isinstance(found, str) else None
            entries.append(
                ChatMessage(
                    index=0,
                    role="tool_result",
                    content=str(item.output),
                    agent=agent,
                    tool_name=names.get(call_id or ""),
                    tool_call_id=call_id,
                )
            )
        elif isinstance(item, HandoffOutputItem):
            target = item.target_agent.name
            content = f"{item.source_agent.name} handed the conversation to {target}"
            entries.append(ChatMessage(index=0, role="handoff", content=content, agent=target))
    return entries


def openai_agents_session(
    name: str,
    agents: Sequence[Agent[Any]],
    *,
    model: str | None = "default",
    max_turns: int = 10,
    description: str | None = None,
) -> restate.VirtualObject:
    """A session virtual object `name` (keyed by conversation) that runs `agents[0]` and its handoffs.

    The SDK's conversation items live in the object's state (DurableRunner's Restate session); the agent that
    answered last takes the next message, so a specialist that asked a question gets the answer.
    """
    if not agents:
        raise ValueError("openai_agents_session needs at least one agent")
    for agent in agents:
        cycle = handoff_cycle(agent)
        if cycle:
            raise ConfigurationError(_cycle_message(cycle))
    by_name = reachable_agents(agents)
    first = agents[0]

    async def run_turn(ctx: restate.ObjectContext, message: str, state: SdkSessionState) -> Turn:
        agent = by_name.get(state.agent, first)
        result = await run_agent(agent, message, model=model, use_restate_session=True, max_turns=max_turns)
        usage = result.context_wrapper.usage
        return Turn(
            final_output=str(result.final_output),
            agent=result.last_agent.name,
            usage=Usage(requests=usage.requests, input_tokens=usage.input_tokens, output_tokens=usage.output_tokens),
            entries=history_entries(result.new_items),
        )

    return sdk_session(
        name,
        run_turn,
        first_agent=first.name,
        framework="openai-agents",
        description=description or f"An OpenAI Agents SDK session starting with {first.name}, one per conversation.",
    )
