"""The offline model picks tools by words, fills arguments from the schema, asks for what is missing."""

from __future__ import annotations

from pydantic_ai.messages import ModelRequest, ModelResponse, TextPart, ToolCallPart, ToolReturnPart, UserPromptPart
from pydantic_ai.models import ModelRequestParameters
from pydantic_ai.tools import ToolDefinition

from resilient_agents import OfflineModel
from resilient_agents.models.offline import PREFIX, fill_arguments

BALANCE = ToolDefinition(name="get_balance", description="Get the balance of the bank account.")
HISTORY = ToolDefinition(
    name="get_transaction_history",
    description="Get the transactions of the account, with amounts and categories like gambling or groceries.",
)
SEAT = ToolDefinition(
    name="update_seat",
    description="Change the seat of a booking.",
    parameters_json_schema={
        "type": "object",
        "properties": {"confirmation_number": {"type": "string"}, "new_seat": {"type": "string"}},
        "required": ["confirmation_number", "new_seat"],
    },
)
TRANSFER = ToolDefinition(name="transfer_to_account_agent", description="Questions about balance and transactions.")


async def ask(messages: list, tools: list[ToolDefinition]) -> ModelResponse:  # type: ignore[type-arg]
    return await OfflineModel().request(messages, None, ModelRequestParameters(function_tools=tools))


def user(text: str) -> ModelRequest:
    return ModelRequest(parts=[UserPromptPart(text)])


async def test_picks_the_tool_whose_words_match() -> None:
    response = await ask([user("how much is my balance?")], [BALANCE, HISTORY])
    assert [p.tool_name for p in response.parts if isinstance(p, ToolCallPart)] == ["get_balance"]


async def test_gambling_question_goes_to_transactions() -> None:
    response = await ask([user("how much did I spend on gambling last month?")], [BALANCE, HISTORY])
    assert [p.tool_name for p in response.parts if isinstance(p, ToolCallPart)] == ["get_transaction_history"]


async def test_handoff_only_when_no_tool_fits() -> None:
    response = await ask([user("what is my balance?")], [TRANSFER])
    assert [p.tool_name for p in response.parts if isinstance(p, ToolCallPart)] == ["transfer_to_account_agent"]


async def test_answers_from_tool_results_and_is_labelled() -> None:
    call = ModelResponse(parts=[ToolCallPart("get_balance", {}, "c1")])
    result = ModelRequest(parts=[ToolReturnPart("get_balance", {"balance": 100000}, "c1")])
    response = await ask([user("how much is my balance?"), call, result], [BALANCE, HISTORY])
    (part,) = response.parts
    assert isinstance(part, TextPart)
    assert part.content.startswith(PREFIX)
    assert "100000" in part.content


async def test_asks_for_a_missing_argument_then_uses_the_next_message() -> None:
    first = await ask([user("can you change my seat to 10b?")], [SEAT])
    (question,) = first.parts
    assert isinstance(question, TextPart) and "confirmation number" in question.content
    second = await ask([user("can you change my seat to 10b?"), first, user("5666")], [SEAT])
    (call,) = second.parts
    assert isinstance(call, ToolCallPart)
    assert call.args == {"confirmation_number": "5666", "new_seat": "10B"}


async def test_tied_tools_are_called_together() -> None:
    weather = ToolDefinition(name="get_weather", description="Weather forecast.")
    news = ToolDefinition(name="get_news", description="Latest news headlines.")
    response = await ask([user("give me the weather and the news")], [weather, news])
    assert sorted(p.tool_name for p in response.parts if isinstance(p, ToolCallPart)) == ["get_news", "get_weather"]


async def test_deterministic() -> None:
    a = await ask([user("anything at all")], [BALANCE])
    b = await ask([user("anything at all")], [BALANCE])
    assert a.parts == b.parts


def test_fills_numbers_enums_and_free_text() -> None:
    tool = ToolDefinition(
        name="apply_for_loan",
        parameters_json_schema={
            "type": "object",
            "properties": {
                "amount": {"type": "integer"},
                "currency": {"type": "string", "enum": ["USD", "EUR"]},
                "reason": {"type": "string"},
            },
            "required": ["amount", "currency", "reason"],
        },
    )
    args, missing = fill_arguments(tool, "I would like a loan of 1,000 eur for a car")
    assert missing == []
    assert args == {
        "amount": 1000,
        "currency": "EUR",
        "reason": f"{PREFIX} based on: I would like a loan of 1,000 eur for a car",
    }


async def test_one_round_of_tools_per_message() -> None:
    apply = ToolDefinition(name="apply_for_loan", description="Apply for a new loan.")
    status = ToolDefinition(name="get_loan_status", description="The status of the customer's loans.")
    call = ModelResponse(parts=[ToolCallPart("get_loan_status", {}, "c1")])
    result = ModelRequest(parts=[ToolReturnPart("get_loan_status", {"status": "approved"}, "c1")])
    response = await ask([user("what is the status of my loan?"), call, result], [apply, status])
    assert [type(p) for p in response.parts] == [TextPart], "a second, weaker tool must not be chained on"


def test_authored_free_text_is_labelled_and_quoted_text_is_not() -> None:
    tool = ToolDefinition(
        name="decide",
        parameters_json_schema={
            "type": "object",
            "properties": {"reason": {"type": "string"}, "message": {"type": "string"}},
            "required": ["reason", "message"],
        },
    )
    args, _ = fill_arguments(tool, "approve the loan for Dave")
    assert args["reason"] == f"{PREFIX} based on: approve the loan for Dave"
    assert args["message"] == "approve the loan for Dave"
