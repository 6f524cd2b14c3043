"""Test app for traces: an agent session with one function tool and a handoff, driven by a scripted model.

The model (`RA_MODEL=registered:trace-script`) reads the last user message:
    lookup <label> [text]   Teller calls `lookup(label=..., note=text)`; once the result is in, answers "done: <result>"
    transfer                Teller hands off to Auditor, who answers "audited"
`lookup` records its effect in the CallLog; the first lookup of a label whose name starts with "hold" waits a
minute (a point to kill the service at), later ones answer at once.
"""

from __future__ import annotations

import asyncio

from pydantic_ai.messages import ModelMessage, ModelRequest, ModelResponse, ToolReturnPart
from pydantic_ai.models.function import AgentInfo

from resilient_agents import Agent, agent_session, function_tool, register_model
from resilient_agents.testing import CallLog, ScriptedModel, last_user_text, text, tool_calls


def _log() -> CallLog:
    log = CallLog.from_env()
    assert log is not None, "RA_CALL_LOG is not set"
    return log


async def lookup(label: str, note: str = "") -> str:
    """Look up a label."""
    first = _log().count("lookup", label) == 0
    _log().record("lookup", label)
    if first and label.startswith("hold"):
        await asyncio.sleep(60)
    return f"found {label}"


def _reply(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
    prompt, last = last_user_text(messages), messages[-1]
    returns = [p for p in last.parts if isinstance(p, ToolReturnPart)] if isinstance(last, ModelRequest) else []
    if info.instructions == "auditor":
        return text("audited")
    if prompt == "transfer":
        return tool_calls(("transfer_to_auditor", {}, "h1"))
    if returns:
        return text(f"done: {returns[-1].content}")
    _, label, *rest = prompt.split(" ", 2)
    return tool_calls(("lookup", {"label": label, "note": " ".join(rest)}, f"c{len(messages)}"))


register_model("trace-script", ScriptedModel(function=_reply, log=CallLog.from_env(), name="trace-script"))

auditor = Agent(name="Auditor", instructions="auditor", handoff_description="Audits.")
teller = Agent(name="Teller", instructions="teller", tools=[function_tool(lookup)], handoffs=[auditor])
session = agent_session("TracedSession", agents=[teller, auditor], starting_agent=teller)

services = [session]
