"""Test app for the agent loop: a scripted model driven by commands in the user's message, and tools that record
their effects in the CallLog.

The model (registered as `RA_MODEL=registered:loop-script`) reads the last user message:
    say <text>                 answers "said: <text>"
    call [[tool, {args}], ...] calls those tools in one response; once their results are in, answers
                               "done: tool=result; ..." (in call order)
    slowcall [...]             the same, each model call taking 0.4 s more (room for a crash mid-call)
    chain <agent> <agent> ...  hands off along the chain (one handoff per model call), then answers
                               "chain ended at <agent>"
It is a pure function of the conversation, so a repeated call after a crash answers the same.
"""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import restate
from pydantic_ai.messages import ModelMessage, ModelRequest, ModelResponse, ToolReturnPart, UserPromptPart
from pydantic_ai.models.function import AgentInfo

from resilient_agents import RequestModel, handler, register_model
from resilient_agents.agents import Agent, ToolCallInfo, agent_session, function_tool, restate_tool
from resilient_agents.testing import CallLog, ScriptedModel, text, tool_calls

tools_service = restate.Service("LoopTools")
vault = restate.VirtualObject("Vault")


def _log() -> CallLog:
    log = CallLog.from_env()
    assert log is not None, "RA_CALL_LOG is not set"
    return log


class SlowRequest(RequestModel):
    name: str = "a"
    delay: float = 1.0


@handler(tools_service)
async def slow(ctx: restate.Context, req: SlowRequest) -> str:
    """Wait `delay` seconds (a durable timer), then apply the effect `name` once."""
    await ctx.sleep(timedelta(seconds=req.delay))

    def apply() -> None:
        _log().record("effect", req.name)

    await ctx.run_typed("apply", apply)
    return f"{req.name} ok"


@handler(tools_service)
async def broken(ctx: restate.Context, reason: str) -> str:
    """Always fails for good."""
    raise restate.TerminalError(f"broken tool: {reason}")


@handler(tools_service)
async def remind(ctx: restate.Context, note: str) -> str:
    """Record a reminder (scheduled with delay_seconds)."""

    def apply() -> None:
        _log().record("reminder", note)

    await ctx.run_typed("remind", apply)
    return f"reminded: {note}"


@handler(vault, kind="shared")
async def get_secret(ctx: restate.ObjectSharedContext) -> str:
    """The secret of the session's own customer."""
    return f"secret of {ctx.key()}"


async def multiply(a: int, b: int) -> int:
    """Multiply two numbers."""
    await asyncio.sleep(0.05)
    return a * b


async def nap(seconds: float) -> float:
    """Sleep (a slow function tool)."""
    await asyncio.sleep(seconds)
    return seconds


def whoami(call: ToolCallInfo) -> str:
    """Who the tool acts for."""
    return f"{call.session_key} via {call.agent}"


def pay(call: ToolCallInfo, amount: float) -> str:
    """Pay an amount (needs approval)."""
    _log().record("payment", call.session_key, amount=amount)
    return f"paid {amount}"


def jot(text: str) -> str:
    """Write a note (a function tool with an effect)."""
    _log().record("note", text)
    return f"noted {text}"


def flaky(note: str) -> str:
    """Raises every time (reported to the model after its attempts)."""
    raise RuntimeError(f"flaky failed on {note}")


async def _reply(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
    user = ""
    returns: list[ToolReturnPart] = []
    for message in messages:
        if isinstance(message, ModelRequest):
            for part in message.parts:
                if isinstance(part, UserPromptPart) and isinstance(part.content, str):
                    if not part.content.startswith("[event from"):
                        user, returns = part.content, []
                elif isinstance(part, ToolReturnPart):
                    returns.append(part)
    me = (info.instructions or "agent:?").split(":", 1)[1]
    if user.startswith("say "):
        return text(f"said: {user[4:]}")
    if user.startswith("slowcall "):
        await asyncio.sleep(0.4)
        user = user[4:]
    if user.startswith("call "):
        asked = json.loads(user[5:])
        answered = [r for r in returns if not r.tool_name.startswith("transfer_to_")]
        if len(answered) >= len(asked):
            return text("done: " + "; ".join(f"{r.tool_name}={_short(r)}" for r in answered[-len(asked) :]))
        return tool_calls(*[(name, args, f"c{len(messages)}_{i}") for i, (name, args) in enumerate(asked)])
    if user.startswith("chain "):
        chain = user.split()[1:]
        if me in chain and chain.index(me) + 1 < len(chain):
            nxt = chain[chain.index(me) + 1]
            return tool_calls((f"transfer_to_{nxt.lower()}", {}, f"h{len(messages)}"))
        if me not in chain:
            return tool_calls((f"transfer_to_{chain[0].lower()}", {}, f"h{len(messages)}"))
        return text(f"chain ended at {me}")
    return text(f"{me} heard: {user}")


def _short(part: ToolReturnPart) -> str:
    content = part.content if isinstance(part.content, str) else json.dumps(part.content, sort_keys=True)
    return f"{part.outcome}:{content}" if part.outcome != "success" else content


MODEL = ScriptedModel(function=_reply, log=CallLog.from_env(), name="loop-script")
register_model("loop-script", MODEL)

helper = Agent(name="Helper", instructions="agent:Helper")
agent_c = Agent(name="C", instructions="agent:C", handoffs=["A"], handoff_description="Agent C.")
agent_b = Agent(name="B", instructions="agent:B", handoffs=[agent_c, "A"], handoff_description="Agent B.")
agent_a = Agent(
    name="A",
    instructions="agent:A",
    tools=[
        restate_tool(slow),
        restate_tool(slow, name="slow_in_background", background=True),
        restate_tool(broken),
        restate_tool(remind, schedulable=True),
        restate_tool(get_secret),
        function_tool(multiply),
        function_tool(nap),
        function_tool(jot),
        function_tool(whoami),
        function_tool(pay, requires_approval=True),
        function_tool(flaky, max_attempts=2),
        helper.as_tool(name="ask_helper", description="Ask the helper agent."),
    ],
    handoffs=[agent_b],
)
session = agent_session(
    "LoopSession",
    agents=[agent_a, helper],
    starting_agent=agent_a,
    approval_timeout=timedelta(seconds=30),
)
quick_approvals = agent_session(
    "QuickApprovals",
    agents=[Agent(name="A", instructions="agent:A", tools=[function_tool(pay, requires_approval=True)])],
    approval_timeout=timedelta(seconds=1),
    on_approval_timeout="approve",
)


services = [session, quick_approvals, tools_service, vault]
