"""Our models inside the OpenAI Agents SDK: the item/message adapter, the provider, and the offline model's turns."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from agents import Agent, ModelSettings, ModelTracing, RunConfig, handoff
from agents.testing import ScriptedModel
from agents.tool_context import ToolContext
from openai.types.responses import ResponseFunctionToolCall, ResponseOutputMessage
from pydantic_ai.messages import ModelRequest, ModelResponse, TextPart, ToolCallPart, ToolReturnPart, UserPromptPart
from pydantic_ai.models import ModelRequestParameters
from pydantic_ai.tools import ToolDefinition
from restate import RunOptions
from restate.exceptions import TerminalError
from restate.ext.openai import durable_function_tool
from restate.ext.openai.models import State
from restate.ext.openai.runner_wrapper import DurableModelCalls, RestateModelWrapper

from resilient_agents import ConfigurationError, OfflineModel, TerminalModelError, TypedSerde, Usage
from resilient_agents.agents import ChatMessage
from resilient_agents.integrations import (
    ModelRouter,
    ParallelTools,
    PydanticAIAgentsModel,
    RoutedRunConfig,
    SdkSessionState,
    SessionReply,
    ToolCall,
    ToolResult,
    model_ref,
    openai_agents_session,
    parallel_toolset,
    register_agents_model,
    routed_run_config,
)
from resilient_agents.integrations.agents_models import OUTPUT_TOOL, to_messages, to_output_items
from resilient_agents.integrations.openai_agents import handoff_cycle
from resilient_agents.integrations.pydantic_ai import history_entries as pydantic_history

INVOICE = ToolDefinition(
    name="send_invoice",
    description="Send the invoice of a booking to the passenger's email.",
    parameters_json_schema={
        "type": "object",
        "properties": {"confirmation_number": {"type": "string"}},
        "required": ["confirmation_number"],
    },
)
TO_SEATS = ToolDefinition(
    name="transfer_to_seat_booking_agent",
    description="Handoff to the Seat Booking Agent: changes the seat of a booking.",
)


async def test_offline_model_answers_instead_of_handing_off_once_a_tool_answered() -> None:
    query = ModelRequest(parts=[UserPromptPart("can you send me an invoice for booking AB4568?")])
    call = ModelResponse(parts=[ToolCallPart("send_invoice", {"confirmation_number": "AB4568"}, "c1")])
    result = ModelRequest(parts=[ToolReturnPart("send_invoice", "Invoice sent to grace@example.com.", "c1")])
    params = ModelRequestParameters(function_tools=[INVOICE, TO_SEATS])
    first = await OfflineModel().request([query], None, params)
    assert [p.tool_name for p in first.parts if isinstance(p, ToolCallPart)] == ["send_invoice"]
    second = await OfflineModel().request([query, call, result], None, params)
    (part,) = second.parts
    assert isinstance(part, TextPart), "no handoff after the invoice tool answered"
    assert "grace@example.com" in part.content


# --- the item <-> message adapter ------------------------------------------------------------------------------


def test_input_items_become_pydantic_ai_messages() -> None:
    items: list[Any] = [
        {"role": "user", "content": "change my seat"},
        {"type": "function_call", "call_id": "c1", "name": "transfer_to_seats", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "c1", "output": '{"assistant": "Seats"}'},
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Which booking?"}]},
        {"role": "user", "content": [{"type": "input_text", "text": "5666"}]},
    ]
    messages = to_messages(items, "Be brief.")
    assert [type(m).__name__ for m in messages] == [
        "ModelRequest",
        "ModelResponse",
        "ModelRequest",
        "ModelResponse",
        "ModelRequest",
    ]
    call = messages[1].parts[0]
    assert isinstance(call, ToolCallPart) and call.tool_name == "transfer_to_seats" and call.tool_call_id == "c1"
    returned = messages[2].parts[0]
    assert isinstance(returned, ToolReturnPart) and returned.tool_name == "transfer_to_seats"
    assert isinstance(messages[3].parts[0], TextPart) and messages[3].parts[0].content == "Which booking?"
    last = messages[-1]
    assert isinstance(last, ModelRequest) and last.instructions == "Be brief."
    assert isinstance(last.parts[0], UserPromptPart) and last.parts[0].content == "5666"
    assert to_messages("hi")[0].parts[0].content == "hi"  # type: ignore[union-attr]


def test_a_response_becomes_output_items() -> None:
    response = ModelResponse(
        parts=[
            TextPart("Let me check."),
            ToolCallPart("lookup", {"item": "a"}, "c1"),
            ToolCallPart("lookup", {"item": "b"}, "c2"),
        ]
    )
    message, first, second = to_output_items(response)
    assert isinstance(message, ResponseOutputMessage) and message.content[0].text == "Let me check."  # type: ignore[union-attr]
    assert isinstance(first, ResponseFunctionToolCall) and isinstance(second, ResponseFunctionToolCall)
    assert [(c.call_id, c.name, json.loads(c.arguments)) for c in (first, second)] == [
        ("c1", "lookup", {"item": "a"}),
        ("c2", "lookup", {"item": "b"}),
    ]
    structured = to_output_items(ModelResponse(parts=[ToolCallPart(OUTPUT_TOOL, {"answer": 42}, "o1")]))
    assert len(structured) == 1 and json.loads(structured[0].content[0].text) == {"answer": 42}  # type: ignore[union-attr]


@durable_function_tool
async def change_seat(confirmation_number: str, new_seat: str) -> str:
    """Move the passenger to another seat.

    Args:
        confirmation_number: The booking's confirmation number.
        new_seat: The seat to move to.
    """
    return "done"


async def test_adapted_offline_model_calls_sdk_tools_and_handoffs() -> None:
    model = PydanticAIAgentsModel(OfflineModel())
    seats = Agent(name="Seat Booking Agent", handoff_description="Changes the seat of a booking.")
    handoffs = [handoff(seats)]

    async def ask(text: str, tools: list[Any], with_handoffs: list[Any]) -> list[Any]:
        response = await model.get_response(
            None, text, ModelSettings(), tools, None, with_handoffs, ModelTracing.DISABLED
        )
        assert response.usage.requests == 1
        return response.output

    (transfer,) = await ask("can you change my seat to 10b?", [], handoffs)
    assert isinstance(transfer, ResponseFunctionToolCall) and transfer.name == "transfer_to_seat_booking_agent"
    (question,) = await ask("can you change my seat to 10b?", [change_seat], [])
    assert isinstance(question, ResponseOutputMessage)
    assert "confirmation number" in question.content[0].text  # type: ignore[union-attr]
    (call,) = await ask("seat 10b on booking 5666 please", [change_seat], [])
    assert isinstance(call, ResponseFunctionToolCall)
    assert json.loads(call.arguments) == {"confirmation_number": "5666", "new_seat": "10B"}


# --- naming models: the router, and the provider DurableRunner installs -----------------------------------------


def test_router_names_our_models_and_registered_sdk_models() -> None:
    router = ModelRouter()
    offline = router.get_model("offline")
    assert isinstance(offline, PydanticAIAgentsModel) and isinstance(offline.model, OfflineModel)
    scripted = ScriptedModel([])
    register_agents_model("unit-fixed", scripted)
    assert router.get_model("unit-fixed") is scripted
    made: list[ScriptedModel] = []
    register_agents_model("unit-factory", lambda: made.append(ScriptedModel([])) or made[-1])
    first, second = router.get_model("unit-factory"), router.get_model("unit-factory")
    assert first is not second and made == [first, second]
    with pytest.raises(TerminalModelError) as bad:
        router.get_model("nonsense")
    assert "RA_MODEL" in str(bad.value)


def test_durable_runners_own_provider_reaches_our_models() -> None:
    # DurableRunner swaps in its journaling provider with dataclasses.replace; the routed config survives that.
    config = routed_run_config(model="offline")
    assert config.model == model_ref("offline") == "ra/offline" and config.tracing_disabled
    durable = dataclasses.replace(config, model_provider=DurableModelCalls(State(), RunOptions()))
    assert isinstance(durable, RoutedRunConfig)
    model = durable.model_provider.get_model(durable.model)  # type: ignore[arg-type]
    assert isinstance(model, RestateModelWrapper), "journaled by restate.ext.openai"
    assert isinstance(model.model, PydanticAIAgentsModel) and isinstance(model.model.model, OfflineModel)
    kept = routed_run_config(RunConfig(model="ra/registered:x", workflow_name="w"), model="offline")
    assert kept.model == "ra/registered:x" and kept.workflow_name == "w"


# --- handoff cycles, parallel tools, typed values ---------------------------------------------------------------


def test_cycles_of_agent_handoffs_are_refused_with_the_fix() -> None:
    a = Agent(name="A")
    b = Agent(name="B", handoffs=[a])
    a.handoffs = [b]
    assert handoff_cycle(a) == ["A", "B", "A"]
    with pytest.raises(ConfigurationError) as refused:
        openai_agents_session("UnitCycle", [a, b])
    assert "handoff(" in str(refused.value)
    c = Agent(name="C")
    d = Agent(name="D", handoffs=[handoff(c)])
    c.handoffs = [d]
    assert handoff_cycle(c) is None


def test_a_parallel_tool_keeps_its_schema_and_its_name_is_unique() -> None:
    first = ParallelTools("UnitToolsOne")

    async def unit_probe(city: str) -> str:
        """Probe a city.

        Args:
            city: The city.
        """
        return city

    tool = first.tool(unit_probe)
    body = first.bodies["unit_probe"]
    assert tool.name == body.name == "unit_probe" and tool.params_json_schema == body.params_json_schema
    assert tool.on_invoke_tool is not body.on_invoke_tool
    assert first.tool(unit_probe).name == "unit_probe", "registering again in the same set is fine"
    with pytest.raises(ConfigurationError):
        ParallelTools("UnitToolsTwo").tool(unit_probe)
    assert [t.name for t in parallel_toolset(first).tools.values()] == ["unit_probe"]


async def test_a_parallel_tool_outside_a_dispatching_run_fails_terminally() -> None:
    tools = ParallelTools("UnitToolsThree")

    async def unit_orphan() -> str:
        """Never dispatched."""
        return "x"

    tool = tools.tool(unit_orphan)
    context: ToolContext[Any] = ToolContext(
        context=None, tool_name="unit_orphan", tool_call_id="c1", tool_arguments="{}"
    )
    with pytest.raises(TerminalError) as failed:
        await tool.on_invoke_tool(context, "{}")
    assert "outside an agent run" in str(failed.value)


def test_values_crossing_the_journal_round_trip() -> None:
    values: list[tuple[Any, Any]] = [
        (TypedSerde(ToolCall), ToolCall(tool="t", arguments='{"a": 1}', call_id="c9")),
        (TypedSerde(ToolResult), ToolResult(output="ok")),
        (TypedSerde(SdkSessionState), SdkSessionState(agent="A", status="running", framework="openai-agents")),
        (
            TypedSerde(SessionReply),
            SessionReply(
                final_output="hi",
                agent="A",
                turn=2,
                usage=Usage(requests=1),
                session_usage=Usage(requests=3, input_tokens=7),
                messages=[ChatMessage(index=3, role="tool_call", content="{}", agent="A", tool_name="t")],
            ),
        ),
    ]
    for serde, value in values:
        assert serde.loads(serde.dumps(value)) == value
    idle = SdkSessionState(agent="A", status="idle", framework="pydantic-ai")
    assert b'"status":"idle"' in TypedSerde(SdkSessionState).dumps(idle), "status shows in the UI's state tab"


def test_pydantic_messages_become_chat_lines_without_the_user_line() -> None:
    messages = [
        ModelRequest(parts=[UserPromptPart("lookup a")]),
        ModelResponse(parts=[ToolCallPart("lookup", {"item": "a"}, "c1")]),
        ModelRequest(parts=[ToolReturnPart("lookup", "a: found", "c1")]),
        ModelResponse(parts=[TextPart("results: a: found")]),
    ]
    lines = pydantic_history(messages, "Researcher")
    assert [(m.role, m.tool_name, m.tool_call_id, m.content) for m in lines] == [
        ("tool_call", "lookup", "c1", '{"item": "a"}'),
        ("tool_result", "lookup", "c1", "a: found"),
        ("assistant", None, None, "results: a: found"),
    ]
