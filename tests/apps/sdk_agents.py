"""Test app for the agent-SDK integrations: slow parallel tools, scripted models, both SDKs, one tools service.

Messages the scripted models understand (the same for both SDKs):
    "lookup a:1 b:1 c:1"     one response calling slow_lookup for each item (sleeping that many seconds)
    "lookup a:1 note:x"      ... plus `remember` (an in-session durable_function_tool, OpenAI SDK only)
    "transfer"               hand off to the Helper agent (OpenAI SDK only)
    anything else            an answer that quotes the previous user message (proves the conversation is kept)
After tool results the model answers with them, in call order. Every real model call and every tool effect is
recorded in the CallLog, with start and end times for tools.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from typing import Any

from agents import Agent
from agents.testing import ModelCall, ModelStep, ScriptedModel, assistant_message, function_call
from pydantic_ai import Agent as PydanticAgent
from pydantic_ai.messages import ModelMessage, ModelRequest, ModelResponse, ToolReturnPart, UserPromptPart
from pydantic_ai.models.function import AgentInfo
from restate.ext.openai import durable_function_tool, restate_context

from resilient_agents.integrations import (
    ParallelTools,
    openai_agents_session,
    parallel_toolset,
    pydantic_ai_session,
    register_agents_model,
)
from resilient_agents.testing import CallLog, text, tool_calls
from resilient_agents.testing import ScriptedModel as PydanticScriptedModel


def _log() -> CallLog:
    log = CallLog.from_env()
    assert log is not None, "RA_CALL_LOG is not set"
    return log


tools = ParallelTools("SdkTestTools")


@tools.tool
async def slow_lookup(item: str, seconds: float) -> str:
    """Look an item up; takes `seconds`.

    Args:
        item: What to look up.
        seconds: How long the lookup takes.
    """
    ctx = restate_context()

    async def lookup() -> str:
        started = time.time()
        await asyncio.sleep(seconds)
        _log().record("effect", item, start=started, end=time.time())
        return f"{item}: found"

    return await ctx.run_typed(f"lookup {item}", lookup)


@durable_function_tool
async def remember(fact: str) -> str:
    """Write a fact down (runs in the session's own invocation, one at a time).

    Args:
        fact: The fact.
    """

    def write() -> str:
        _log().record("effect", f"remember {fact}")
        return f"noted: {fact}"

    return await restate_context().run_typed(f"remember {fact}", write)


# --- the plan a scripted model follows -------------------------------------------------------------------------


def plan(message: str) -> list[tuple[str, dict[str, Any]]]:
    """The tool calls a "lookup ..." message asks for."""
    calls: list[tuple[str, dict[str, Any]]] = []
    for word in message.split()[1:]:
        name, _, value = word.partition(":")
        if name == "note":
            calls.append(("remember", {"fact": value}))
        else:
            calls.append(("slow_lookup", {"item": name, "seconds": float(value or 0)}))
    return calls


def answer(results: Sequence[str]) -> str:
    return "results: " + "; ".join(results)


# --- OpenAI Agents SDK: the SDK's own ScriptedModel, routed through our provider --------------------------------


def _items(call: ModelCall) -> list[Mapping[str, Any]]:
    raw = call.input if isinstance(call.input, list) else [{"role": "user", "content": call.input}]
    return [i if isinstance(i, Mapping) else i.model_dump(exclude_unset=True) for i in raw]


def _reply(call: ModelCall) -> list[Any]:
    items = _items(call)
    agent = "Helper" if "You are the helper" in (call.system_instructions or "") else "Researcher"
    _log().record("model", "openai-script", agent=agent)
    users = [str(i.get("content")) for i in items if i.get("role") == "user"]
    message = users[-1] if users else ""
    if agent == "Helper":
        return [assistant_message(f"helper: {message}")]
    outputs = []
    for item in reversed(items):
        if item.get("type") != "function_call_output":
            break
        outputs.insert(0, str(item.get("output")))
    if outputs:
        return [assistant_message(answer(outputs))]
    if message.startswith("lookup"):
        return [function_call(name, args, call_id=f"call_{i}") for i, (name, args) in enumerate(plan(message))]
    if message == "transfer":
        return [function_call("transfer_to_helper", {}, call_id="call_transfer")]
    before = users[-2] if len(users) > 1 else "nothing"
    return [assistant_message(f"you said before: {before}")]


# A fresh one-step ScriptedModel per model request: the script needs no position, so it survives a restart.
register_agents_model("openai-script", lambda: ScriptedModel([ModelStep.respond(_reply)]))

helper = Agent(name="Helper", instructions="You are the helper.")
researcher = Agent(
    name="Researcher",
    instructions="You are the researcher.",
    tools=[slow_lookup, remember],
    handoffs=[helper],
)
openai_session = openai_agents_session("SdkOpenAISession", [researcher, helper], model="openai-script")


# --- Pydantic AI: our ScriptedModel on the agent, through restate.ext.pydantic ----------------------------------


def _pydantic_reply(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
    users = [
        str(p.content)
        for m in messages
        if isinstance(m, ModelRequest)
        for p in m.parts
        if isinstance(p, UserPromptPart)
    ]
    last = messages[-1]
    returns = [p for p in last.parts if isinstance(p, ToolReturnPart)] if isinstance(last, ModelRequest) else []
    if returns:
        return text(answer([p.model_response_str() for p in returns]))
    message = users[-1] if users else ""
    if message.startswith("lookup"):
        return tool_calls(*[(name, args, f"call_{i}") for i, (name, args) in enumerate(plan(message))])
    before = users[-2] if len(users) > 1 else "nothing"
    return text(f"you said before: {before}")


def build_pydantic_agent() -> PydanticAgent[None, str]:
    model = PydanticScriptedModel(function=_pydantic_reply, log=CallLog.from_env(), name="pydantic-script")
    return PydanticAgent(model, name="Researcher", toolsets=[parallel_toolset(tools)])


pydantic_session = pydantic_ai_session("SdkPydanticSession", build_pydantic_agent, agent_name="Researcher")

SERVICES = [openai_session, pydantic_session, tools.service]
