"""What the agent loop needs from the offline model: failed tool results reported (not retried for ever),
delays and payees read from the message, enum values written with spaces, and the bank's words routing the seed
questions to the right agent and tool."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic_ai.messages import ModelRequest, ModelResponse, TextPart, ToolCallPart, ToolReturnPart, UserPromptPart
from pydantic_ai.models import ModelRequestParameters
from pydantic_ai.tools import ToolDefinition

from resilient_agents import OfflineModel
from resilient_agents.agents import Agent
from resilient_agents.agents.agent import collect_agents
from resilient_agents.agents.turn import tool_definitions
from resilient_agents.models.offline import duration_seconds, fill_arguments
from resilient_agents_apps.bank import account_agent, intake_agent, loan_agent

PAY = ToolDefinition(
    name="pay_bill",
    description="Pay a bill.",
    parameters_json_schema={
        "type": "object",
        "properties": {
            "payee": {"type": "string"},
            "amount": {"type": "number"},
            "delay_seconds": {"type": "number"},
        },
        "required": ["payee", "amount"],
    },
)
LOOKUP = ToolDefinition(name="get_balance", description="The balance.")


async def ask(messages: list[Any], tools: list[ToolDefinition]) -> ModelResponse:
    return await OfflineModel().request(messages, None, ModelRequestParameters(function_tools=tools))


def user(text: str) -> ModelRequest:
    return ModelRequest(parts=[UserPromptPart(text)])


def called(response: ModelResponse) -> list[str]:
    return [p.tool_name for p in response.parts if isinstance(p, ToolCallPart)]


async def test_a_failed_tool_result_is_reported_not_called_again() -> None:
    call = ModelResponse(parts=[ToolCallPart("get_balance", {}, "c1")])
    failed = ModelRequest(parts=[ToolReturnPart("get_balance", "The tool failed: down", "c1", outcome="failed")])
    response = await ask([user("what is my balance"), call, failed], [LOOKUP])
    (part,) = response.parts
    assert isinstance(part, TextPart)
    assert part.content == "[offline model] I could not complete that: The tool failed: down"


async def test_successes_and_failures_are_both_reported() -> None:
    other = ToolDefinition(name="get_weather", description="The balance weather.")
    call = ModelResponse(parts=[ToolCallPart("get_balance", {}, "c1"), ToolCallPart("get_weather", {}, "c2")])
    results = ModelRequest(
        parts=[
            ToolReturnPart("get_balance", {"balance": 5}, "c1"),
            ToolReturnPart("get_weather", "rejected", "c2", outcome="denied"),
        ]
    )
    response = await ask([user("balance"), call, results], [LOOKUP, other])
    (part,) = response.parts
    assert isinstance(part, TextPart)
    assert '- get_balance: {"balance": 5}' in part.content and part.content.endswith("But: rejected")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("remind me in 10 minutes", 600),
        ("in 2 hours please", 7200),
        ("pay it tomorrow", 86400),
        ("next week", 604800),
        ("next month", 2592000),
        ("in 30 seconds", 30),
        ("pay 120 euros now", None),
    ],
)
def test_durations(text: str, seconds: float | None) -> None:
    assert duration_seconds(text) == seconds


def test_payee_amount_and_delay_are_read_apart() -> None:
    args, missing = fill_arguments(PAY, "pay 120 euros to the electricity company tomorrow")
    assert missing == [] and args == {"payee": "electricity company", "amount": 120.0, "delay_seconds": 86400.0}
    args, _ = fill_arguments(PAY, "please pay 45.5 to Acme Water in 10 minutes")
    assert args == {"payee": "Acme Water", "amount": 45.5, "delay_seconds": 600.0}
    args, _ = fill_arguments(PAY, "pay 30 to bob")
    assert args == {"payee": "bob", "amount": 30.0}, "a delay is only set when the message names one"


def test_enum_values_written_with_spaces() -> None:
    tool = ToolDefinition(
        name="spending",
        parameters_json_schema={
            "type": "object",
            "properties": {"period": {"enum": ["last_month", "this_month", "last_3_months"]}},
        },
    )
    assert fill_arguments(tool, "spending over the last 3 months")[0] == {"period": "last_3_months"}
    assert fill_arguments(tool, "spending this month")[0] == {"period": "this_month"}
    assert fill_arguments(tool, "spending")[0] == {"period": "last_month"}


BANK = collect_agents([intake_agent])
SEED = {
    "how much is my balance?": ("Account Agent", "get_balance", {}),
    "how much did I spend on gambling last month?": (
        "Account Agent",
        "get_spending",
        {"category": "gambling", "period": "last_month"},
    ),
    "give me an overview of my outstanding loans and credit": ("Loan Agent", "get_loans", {}),
}


async def _step(agent: Agent, messages: list[Any]) -> ModelResponse:
    return await ask(messages, tool_definitions(agent, BANK))


@pytest.mark.parametrize("question", list(SEED))
@pytest.mark.parametrize("start", [intake_agent, account_agent, loan_agent], ids=lambda a: a.name)
async def test_bank_seed_questions_reach_the_right_tool(question: str, start: Agent) -> None:
    target, tool, arguments = SEED[question]
    messages: list[Any] = [user(question)]
    agent = start
    for _ in range(3):
        response = await _step(agent, messages)
        calls = [p for p in response.parts if isinstance(p, ToolCallPart)]
        assert calls, f"{agent.name} answered without calling a tool: {response.parts}"
        (call,) = calls
        messages.append(response)
        if call.tool_name.startswith("transfer_to_"):
            agent = next(a for a in BANK.values() if a.handoff_tool_name == call.tool_name)
            messages.append(ModelRequest(parts=[ToolReturnPart(call.tool_name, "ok", call.tool_call_id)]))
            continue
        assert (agent.name, call.tool_name, call.args) == (target, tool, arguments)
        messages.append(ModelRequest(parts=[ToolReturnPart(call.tool_name, {"result": 1}, call.tool_call_id)]))
        final = await _step(agent, messages)
        assert called(final) == [], "after the answer came back it should stop calling tools"
        return
    pytest.fail(f"{question!r} from {start.name} did not reach {tool}")
