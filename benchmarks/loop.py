"""The plain agent loop on pydantic-ai messages, and the scripted model as a pydantic-ai model.

The floor runs this loop with nothing persisted; DBOS runs the very same loop with its steps made durable
(`Steps` is the seam). Our native loop uses the pydantic-ai model from here too, so every contender on
pydantic-ai messages answers with byte-identical responses.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Protocol

from pydantic_ai.messages import (
    ModelMessage,
    ModelRequest,
    ModelResponse,
    TextPart,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)
from pydantic_ai.models import ModelRequestParameters
from pydantic_ai.models.function import AgentInfo, FunctionModel
from pydantic_ai.tools import ToolDefinition

from .workload import TOOL_DESCRIPTION, TOOL_NAMES, TOOL_SCHEMA, respond, run_tool

TOOL_DEFINITIONS = [
    ToolDefinition(name=name, description=TOOL_DESCRIPTION, parameters_json_schema=TOOL_SCHEMA) for name in TOOL_NAMES
]
PARAMETERS = ModelRequestParameters(function_tools=TOOL_DEFINITIONS, allow_text_output=True)


def turn_position(messages: Sequence[ModelMessage]) -> tuple[str, int]:
    """The latest user prompt and how many tool-calling responses followed it."""
    rounds = 0
    for message in reversed(messages):
        if isinstance(message, ModelResponse) and any(isinstance(p, ToolCallPart) for p in message.parts):
            rounds += 1
        elif isinstance(message, ModelRequest):
            for part in message.parts:
                if isinstance(part, UserPromptPart) and isinstance(part.content, str):
                    return part.content, rounds
    raise ValueError("no user prompt in the conversation")


async def _answer(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
    prompt, rounds = turn_position(messages)
    reply = await respond(prompt, rounds)
    if reply.tool_calls:
        return ModelResponse(parts=[ToolCallPart(c.name, dict(c.args), c.call_id) for c in reply.tool_calls])
    return ModelResponse(parts=[TextPart(reply.text or "")])


def bench_model() -> FunctionModel:
    """The scripted model as a pydantic-ai model."""
    return FunctionModel(_answer, model_name="bench")


async def call_tool(call: ToolCallPart) -> ToolReturnPart:
    """Run one tool call of the workload and wrap its result as pydantic-ai's tool return."""
    args = call.args_as_dict()
    content = await run_tool(call.tool_name, int(args["n"]), int(args["ms"]), str(args.get("tag", "")))
    return ToolReturnPart(call.tool_name, content, call.tool_call_id)


class Steps(Protocol):
    """How the loop's two kinds of step are executed (directly, or as durable steps of some engine)."""

    async def model(self, messages: list[ModelMessage]) -> ModelResponse: ...

    async def tool(self, call: ToolCallPart) -> ToolReturnPart: ...


class PlainSteps:
    """No durability: call the model and the tools directly."""

    def __init__(self) -> None:
        self._model = bench_model()

    async def model(self, messages: list[ModelMessage]) -> ModelResponse:
        return await self._model.request(messages, None, PARAMETERS)

    async def tool(self, call: ToolCallPart) -> ToolReturnPart:
        return await call_tool(call)


async def agent_turn(history: Sequence[ModelMessage], prompt: str, steps: Steps) -> list[ModelMessage]:
    """One user message through the loop; returns the messages this turn added (all tool calls in parallel)."""
    messages: list[ModelMessage] = [*history, ModelRequest(parts=[UserPromptPart(prompt)])]
    while True:
        response = await steps.model(messages)
        messages.append(response)
        calls = [p for p in response.parts if isinstance(p, ToolCallPart)]
        if not calls:
            return messages[len(history) :]
        returns = await asyncio.gather(*(steps.tool(call) for call in calls))
        messages.append(ModelRequest(parts=list(returns)))


def final_text(messages: Sequence[ModelMessage]) -> str:
    last = messages[-1]
    assert isinstance(last, ModelResponse)
    return "".join(p.content for p in last.parts if isinstance(p, TextPart))
