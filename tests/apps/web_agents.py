"""Test app for the chat page and the session CLI: a small bank on the native agent loop, with a scripted model.

`WebBank/{customer}` has a Teller agent with a balance tool (a Restate handler: its own invocation in the
timeline), a transfer tool that needs a human approval, and a handoff to a Loans agent. Its agents' model (set
on the agents, so the other apps in the same process keep the offline model) is a pure function of the
conversation:
    "...balance..."   -> calls get_balance, then answers "Your balance is <result>."
    "...transfer..."  -> calls transfer_money(amount=50, to="bob"), then answers "Transfer: <result>"
    "...fraud..."     -> calls check_fraud, which fails its first attempt (Restate retries it), then answers
    "...slow..."      -> calls slow_report (a 20 s durable sleep: long enough to be interrupted), then answers
    "...loan..."      -> the Teller hands off to Loans, which answers "Loans here: ..."
    anything else     -> "<agent> heard: <message>"
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import restate
from pydantic_ai.messages import ModelMessage, ModelRequest, ModelResponse, ToolReturnPart, UserPromptPart
from pydantic_ai.models.function import AgentInfo

from resilient_agents import handler
from resilient_agents.agents import HANDOFF_PREFIX, Agent, ToolCallInfo, agent_session, function_tool, restate_tool
from resilient_agents.testing import ScriptedModel, text, tool_calls

accounts = restate.VirtualObject("WebBankAccounts")


@handler(accounts, kind="shared")
async def get_balance(ctx: restate.ObjectSharedContext) -> str:
    """The balance of the session's own customer."""
    return f"$100,000.00 for {ctx.key()}"


_fraud_attempts: dict[str, int] = {}


@handler(accounts, kind="shared")
async def check_fraud(ctx: restate.ObjectSharedContext) -> str:
    """Check the account for fraud (the checker times out once per customer: Restate retries it)."""

    async def check() -> str:
        _fraud_attempts[ctx.key()] = _fraud_attempts.get(ctx.key(), 0) + 1
        if _fraud_attempts[ctx.key()] == 1:
            raise RuntimeError("fraud service timed out")
        return "no fraud found"

    return await ctx.run_typed("fraud check", check)


@handler(accounts, kind="shared")
async def slow_report(ctx: restate.ObjectSharedContext) -> str:
    """A long report (a durable timer stands for the slow work)."""
    await ctx.sleep(timedelta(seconds=20))
    return "the report is ready"


def transfer_money(call: ToolCallInfo, amount: float, to: str) -> str:
    """Transfer money to someone (a person approves it first)."""
    return f"sent ${amount:.2f} to {to} for {call.session_key}"


def _reply(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
    user, returns = "", []
    for message in messages:
        if not isinstance(message, ModelRequest):
            continue
        for part in message.parts:
            if isinstance(part, UserPromptPart) and isinstance(part.content, str):
                if not part.content.startswith("[event from"):
                    user, returns = part.content, []
            elif isinstance(part, ToolReturnPart) and not part.tool_name.startswith(HANDOFF_PREFIX):
                returns.append(part)
    me = (info.instructions or "agent:?").split(":", 1)[1]
    said = user.lower()
    if "loan" in said:
        if me == "Teller":
            return tool_calls((f"{HANDOFF_PREFIX}loans", {}, f"h{len(messages)}"))
        return text(f"Loans here: about '{user}', your application is being reviewed.")
    if "balance" in said:
        if returns:
            return text(f"Your balance is {returns[-1].content}.")
        return tool_calls(("get_balance", {}, f"b{len(messages)}"))
    if "slow" in said:
        if returns:
            return text(f"Report: {returns[-1].content}.")
        return tool_calls(("slow_report", {}, f"s{len(messages)}"))
    if "fraud" in said:
        if returns:
            return text(f"Fraud check: {returns[-1].content}.")
        return tool_calls(("check_fraud", {}, f"f{len(messages)}"))
    if "transfer" in said:
        if returns:
            return text(f"Transfer: {returns[-1].content}")
        return tool_calls(("transfer_money", {"amount": 50, "to": "bob"}, f"t{len(messages)}"))
    return text(f"{me} heard: {user}")


MODEL = ScriptedModel(function=_reply, name="web-bank")
loans = Agent(name="Loans", instructions="agent:Loans", model=MODEL, handoff_description="Loan applications.")
teller = Agent(
    name="Teller",
    instructions="agent:Teller",
    model=MODEL,
    tools=[
        restate_tool(get_balance),
        restate_tool(check_fraud),
        restate_tool(slow_report),
        function_tool(transfer_money, requires_approval=True),
    ],
    handoffs=[loans],
)
session = agent_session("WebBank", agents=[teller])

SERVICES = [session, accounts]


def page_services() -> list[Any]:
    """This app and the ready apps the page tests talk to, served by one process (one start-up, not four)."""
    from resilient_agents_apps import airline, bank, loans
    from resilient_agents_apps.patterns import chat

    return [*SERVICES, *bank.SERVICES, *airline.SERVICES, *loans.SERVICES, *chat.SERVICES]
