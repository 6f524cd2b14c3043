"""Test app for provider faults, driven by the real OpenAI client against the local endpoint (RA_MODEL):
a chain of journaled model calls, and an agent session whose tool records its effects.

`endpoint_reply` is what the endpoint answers when no fault is queued: for the session, a `lookup` tool call
on the user's first message (again, with good arguments, when the loop reports malformed ones), then the final
answer once the tool's result is in; for plain calls, "fake answer to: <prompt>".
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import restate
from pydantic import Field

from resilient_agents import RequestModel, handler, llm_call
from resilient_agents.agents import Agent, ToolCallInfo, agent_session, function_tool
from resilient_agents.testing import CallLog
from resilient_agents.testing.fake_openai import text_completion, tool_call_completion

chain = restate.Service("ModelChain")


class ChainRequest(RequestModel):
    prompts: list[str] = Field(default_factory=lambda: ["first", "second"])


@handler(chain)
async def run(ctx: restate.Context, req: ChainRequest) -> list[str]:
    """Ask the model each prompt in turn, one journaled call each."""
    return [await llm_call(ctx, prompt, name=f"LLM call {i}") for i, prompt in enumerate(req.prompts)]


async def lookup(call: ToolCallInfo, item: str) -> str:
    """Look an item up (records the effect; "hold" waits on its first attempt, for a kill)."""
    log = CallLog.from_env()
    assert log is not None, "RA_CALL_LOG is not set"
    first = log.count("lookup", call.session_key) == 0
    log.record("lookup", call.session_key, item=item, call_id=call.call_id)
    if item == "hold" and first:
        await asyncio.sleep(60)
    return f"{item} is in stock"


SESSION = "FaultySession"
clerk = Agent(name="Clerk", instructions="Look items up with the lookup tool.", tools=[function_tool(lookup)])

SERVICES = [chain, agent_session(SESSION, agents=[clerk])]


def endpoint_reply(body: dict[str, Any]) -> dict[str, Any]:
    """The endpoint's normal answers (see the module docstring)."""
    messages = body.get("messages", [])
    last = messages[-1] if messages else {}
    if not body.get("tools"):
        return text_completion(f"fake answer to: {last.get('content', '')}")
    if last.get("role") == "tool" and "not a JSON object" not in str(last.get("content")):
        return text_completion(f"found: {last['content']}")
    asked = next(m["content"] for m in reversed(messages) if m.get("role") == "user")
    item = str(asked).split()[-1]
    return tool_call_completion("lookup", json.dumps({"item": item}), call_id=f"call_{len(messages)}")
