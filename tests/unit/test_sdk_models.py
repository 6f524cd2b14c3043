"""Our models inside the OpenAI Agents SDK: the item/message adapter, the provider, and the offline model's turns."""

from __future__ import annotations

from pydantic_ai.messages import ModelRequest, ModelResponse, TextPart, ToolCallPart, ToolReturnPart, UserPromptPart
from pydantic_ai.models import ModelRequestParameters
from pydantic_ai.tools import ToolDefinition

from resilient_agents import OfflineModel

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
    name="transfer_to_seat_booking_agent", description="Handoff to the Seat Booking Agent: changes the seat of a booking."
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
