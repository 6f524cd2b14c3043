"""The pure parts of the agent loop, without a server: tool schemas and validation, handoffs, the chat view,
the guards, and the round trip of every value that crosses the journal or state."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import restate
from pydantic_ai.messages import ModelRequest, ModelResponse, TextPart, ToolCallPart, ToolReturnPart, UserPromptPart

import resilient_agents
from resilient_agents import BudgetExceeded, ConfigurationError, RequestModel, TypedSerde, Usage, handler
from resilient_agents import agents as agents_api
from resilient_agents.agents import (
    Agent,
    AgentResponse,
    Budget,
    ChatMessage,
    HistoryEntry,
    PendingApproval,
    SessionState,
    ToolCallInfo,
    agent_session,
    chat_messages,
    function_tool,
    restate_tool,
)
from resilient_agents.agents.agent import collect_agents, snake
from resilient_agents.agents.handoffs import handoff_names, handoffs_of
from resilient_agents.agents.history import event_entry, user_entry
from resilient_agents.agents.tools import ToolArgumentsError
from resilient_agents.agents.turn import check_budget, tool_definitions, with_instructions

NOW = datetime(2025, 5, 1, tzinfo=UTC)
service = restate.Service("UnitTools")
obj = restate.VirtualObject("UnitObject")
flow = restate.Workflow("UnitFlow")


class Lookup(RequestModel):
    city: str
    days: int = 1


@handler(service)
async def forecast(ctx: restate.Context, req: Lookup) -> str:
    """The weather forecast for a city."""
    return req.city


@handler(service)
async def echo(ctx: restate.Context, text: str) -> str:
    return text


@handler(obj, kind="shared")
async def balance(ctx: restate.ObjectSharedContext) -> float:
    """The balance."""
    return 1.0


@flow.main()
async def review(ctx: restate.WorkflowContext, loan_id: str) -> str:
    """Review a loan."""
    return loan_id


def call(**arguments: Any) -> ToolCallInfo:
    return ToolCallInfo("alice", "A", "c1", arguments, "0123456789abcdef")


def test_handler_tool_schema_comes_from_the_input_type_and_docstring() -> None:
    tool = restate_tool(forecast)
    definition = tool.definition()
    assert (definition.name, definition.description) == ("forecast", "The weather forecast for a city.")
    assert definition.parameters_json_schema["required"] == ["city"]
    assert definition.parameters_json_schema["additionalProperties"] is False
    assert tool.prepare({"city": "Paris"}) == Lookup(city="Paris")
    with pytest.raises(ToolArgumentsError, match="city"):
        tool.prepare({"days": 2})
    with pytest.raises(ToolArgumentsError, match="country"):
        tool.prepare({"city": "Paris", "country": "FR"})


def test_a_primitive_input_is_wrapped_under_its_parameter_name() -> None:
    tool = restate_tool(echo)
    assert tool.definition().parameters_json_schema == {
        "type": "object",
        "properties": {"text": {"type": "string"}},
        "required": ["text"],
    }
    assert tool.definition().description == "UnitTools.echo"
    assert tool.prepare({"text": "hi"}) == "hi"
    with pytest.raises(ToolArgumentsError, match="unexpected"):
        tool.prepare({"text": "hi", "other": 1})


def test_object_tools_act_for_the_session_key_and_take_no_id_from_the_model() -> None:
    tool = restate_tool(balance)
    assert tool.service_kind == "object" and tool._key(call()) == "alice"
    with pytest.raises(ToolArgumentsError, match="takes no arguments"):
        tool.prepare({"customer_id": "bob"})
    fixed = restate_tool(balance, key=lambda c: f"{c.session_key}-savings")
    assert fixed._key(call()) == "alice-savings"
    workflow = restate_tool(review)
    assert workflow.service_kind == "workflow" and workflow._key(call()) == "alice-0123456789ab"
    with pytest.raises(ConfigurationError, match="services take no key"):
        restate_tool(echo, key="x")
    with pytest.raises(ConfigurationError, match="not a Restate handler"):
        restate_tool(len)


def test_schedulable_tools_offer_delay_seconds() -> None:
    tool = restate_tool(forecast, schedulable=True)
    schema = tool.definition().parameters_json_schema
    assert schema["properties"]["delay_seconds"]["type"] == "number"
    assert "delay_seconds" not in schema["required"]
    assert "delay_seconds" not in restate_tool(forecast).definition().parameters_json_schema["properties"]


def test_function_tools_from_signatures() -> None:
    def add(a: int, b: int = 2) -> int:
        """Add two numbers.

        More detail that is not part of the description."""
        return a + b

    def who(info: ToolCallInfo, greeting: str) -> str:
        return f"{greeting} {info.session_key}"

    tool = function_tool(add)
    assert tool.definition().description == "Add two numbers."
    assert tool.definition().parameters_json_schema["required"] == ["a"]
    with pytest.raises(ToolArgumentsError, match="a: Input should be a valid integer"):
        tool.prepare({"a": "x"})
    decorated = function_tool(name="greet", requires_approval=True)(who)
    assert decorated.name == "greet" and decorated.requires_approval
    assert list(decorated.definition().parameters_json_schema["properties"]) == ["greeting"]


async def test_function_tools_invoke_sync_and_async_functions() -> None:
    async def slow_add(a: int, b: int) -> int:
        return a + b

    def who(info: ToolCallInfo, greeting: str) -> str:
        return f"{greeting} {info.session_key}"

    adder = function_tool(slow_add)
    assert await adder.invoke(call(), adder.prepare({"a": 1, "b": 2})) == 3
    greeter = function_tool(who)
    assert await greeter.invoke(call(), greeter.prepare({"greeting": "hi"})) == "hi alice"


def test_agents_resolve_handoffs_by_object_and_by_name() -> None:
    c = Agent(name="C Agent", handoff_description="Agent C.", handoffs=["A"])
    b = Agent(name="B", handoffs=[c])
    a = Agent(name="A", handoffs=[b, "C Agent"], tools=[restate_tool(forecast)])
    registry = collect_agents([a])
    assert sorted(registry) == ["A", "B", "C Agent"]
    assert sorted(handoffs_of(a, registry)) == ["transfer_to_b", "transfer_to_c_agent"]
    assert handoffs_of(a, registry)["transfer_to_c_agent"].description == "Agent C."
    assert [d.name for d in tool_definitions(a, registry)] == ["forecast", "transfer_to_b", "transfer_to_c_agent"]
    assert handoff_names(registry)["transfer_to_c_agent"] == "C Agent"
    assert snake("Account Manager Agent") == "account_manager_agent"
    with pytest.raises(ConfigurationError, match="not one of the session's agents"):
        collect_agents([Agent(name="X", handoffs=["Nobody"])])
    with pytest.raises(ConfigurationError, match="two tools named"):
        Agent(name="D", tools=[restate_tool(forecast), restate_tool(forecast)])


def test_agent_session_checks_its_configuration() -> None:
    a = Agent(name="A")
    session = agent_session("UnitSession", agents=[a])
    handlers = set(session.handlers)
    contract = {"run", "message", "get_history", "get_messages", "get_state", "approve", "reject", "notify"}
    assert contract <= handlers
    assert session.handlers["run"].kind == "exclusive" and session.handlers["get_state"].kind == "shared"
    assert session.handlers["inbox_push"].ingress_private
    with pytest.raises(ConfigurationError, match="starting agent"):
        agent_session("Other", agents=[a], starting_agent="B")
    with pytest.raises(ConfigurationError, match="at least one agent"):
        agent_session("Empty", agents=[])


def test_instructions_go_on_a_copy_of_the_last_request() -> None:
    history = [ModelRequest(parts=[UserPromptPart("hi", timestamp=NOW)]), ModelResponse(parts=[TextPart("hello")])]
    history.append(ModelRequest(parts=[UserPromptPart("more", timestamp=NOW)]))
    sent = with_instructions(history, "be brief")
    assert isinstance(sent[-1], ModelRequest) and sent[-1].instructions == "be brief"
    assert isinstance(history[-1], ModelRequest) and history[-1].instructions is None


def test_guards() -> None:
    check_budget(Budget(max_turns=2), 1, Usage())
    with pytest.raises(BudgetExceeded, match="max_turns"):
        check_budget(Budget(max_turns=2), 2, Usage())
    with pytest.raises(BudgetExceeded, match="token budget used up: 100 tokens used of 100"):
        check_budget(Budget(token_budget=100), 0, Usage(requests=1, input_tokens=60, output_tokens=40))
    assert BudgetExceeded("x").status_code == 429


def test_the_chat_view_of_a_conversation() -> None:
    entries = [
        user_entry("move me", NOW),
        HistoryEntry(
            message=ModelResponse(
                parts=[
                    TextPart("Let me see."),
                    ToolCallPart("lookup", {"q": 1}, "c1"),
                    ToolCallPart("transfer_to_b", {}, "c2"),
                ]
            ),
            agent="A",
        ),
        HistoryEntry(
            message=ModelRequest(
                parts=[
                    ToolReturnPart("lookup", {"found": True}, "c1", timestamp=NOW, outcome="failed"),
                    ToolReturnPart("transfer_to_b", "Transferred to B.", "c2", timestamp=NOW),
                ]
            ),
            agent="A",
        ),
        event_entry("loan approved", "LoanWorkflow", NOW),
        HistoryEntry(message=ModelResponse(parts=[TextPart("Done.")]), agent="B"),
    ]
    lines = chat_messages(entries, {"transfer_to_b": "B"})
    assert [(m.index, m.role, m.agent, m.tool_name) for m in lines] == [
        (0, "user", None, None),
        (1, "assistant", "A", None),
        (2, "tool_call", "A", "lookup"),
        (3, "handoff", "A", "transfer_to_b"),
        (4, "tool_result", "A", "lookup"),
        (5, "event", None, None),
        (6, "assistant", "B", None),
    ]
    assert lines[3].content == "A -> B" and lines[4].is_error and lines[4].content == '{"found": true}'
    assert lines[5].content == "loan approved" and lines[5].source == "LoanWorkflow"
    assert [m.index for m in chat_messages(entries, {"transfer_to_b": "B"}, first_entry=3)] == [5, 6]


@pytest.mark.parametrize(
    "value",
    [
        HistoryEntry(
            message=ModelResponse(parts=[ToolCallPart("t", {"a": 1}, "c")], timestamp=NOW), agent="A", source=None
        ),
        event_entry("e", "s", NOW),
        AgentResponse(
            final_output="x",
            agent="A",
            usage=Usage(requests=1),
            messages=[ChatMessage(index=0, role="user", content="x")],
        ),
        SessionState(
            agent="A", pending_approvals=[PendingApproval(id="ap-1", tool_name="t", agent="A", arguments={"a": 1})]
        ),
        Budget(max_turns=3, token_budget=None),
    ],
)
def test_values_round_trip_through_the_serializer(value: Any) -> None:
    serde: TypedSerde[Any] = TypedSerde(type(value))
    assert serde.loads(serde.dumps(value)) == value


def test_public_api_is_exported() -> None:
    for name in agents_api.__all__:
        assert hasattr(agents_api, name), name
    assert "agent_session" in resilient_agents.__all__ and resilient_agents.agent_session is agent_session


def test_stored_history_entries_round_trip_compactly() -> None:
    from resilient_agents.agents.history import ENTRY_SERDE

    entries = [
        user_entry("hello", NOW, agent="A"),
        HistoryEntry(message=ModelResponse(parts=[ToolCallPart("t", {"a": 1}, "c")], timestamp=NOW), agent="A"),
        HistoryEntry(
            message=ModelRequest(parts=[ToolReturnPart("t", {"ok": True}, "c", timestamp=NOW, outcome="failed")])
        ),
        event_entry("loan approved", "LoanWorkflow", NOW),
    ]
    for entry in entries:
        data = ENTRY_SERDE.serialize(entry)
        assert ENTRY_SERDE.deserialize(data) == entry
        assert b"null" not in data
