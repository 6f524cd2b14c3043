"""Our configured model inside the OpenAI Agents SDK: an `agents.Model` over any pydantic-ai Model, and a provider.

The SDK talks to models in the OpenAI Responses format (input items in, output items out); our model layer
(`RA_MODEL`: the offline model, OpenAI, Anthropic, Ollama, a registered scripted model) speaks pydantic-ai
messages. `PydanticAIAgentsModel` translates between the two in both directions, so every model we can name
drives an SDK agent.

`ModelRouter` is the `agents.ModelProvider` that names them. It must be reached through the provider that
`restate.ext.openai.DurableRunner` installs, because DurableRunner only journals (and only sets up its tool
turnstile for) models it gets from that provider: see `openai_agents.RoutedRunConfig`. Names it knows:

    default                  the model RA_MODEL names (the offline model when unset)
    offline, openai:gpt-4o…  any RA_MODEL spec
    <name>                   an SDK model registered with `register_agents_model` (the SDK's own test models)
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from typing import Any

from agents import Model as AgentsModel
from agents import ModelProvider, ModelSettings, ModelTracing
from agents.agent_output import AgentOutputSchemaBase
from agents.handoffs import Handoff
from agents.items import ModelResponse as AgentsResponse
from agents.items import TResponseInputItem, TResponseOutputItem, TResponseStreamEvent
from agents.models.fake_id import FAKE_RESPONSES_ID
from agents.tool import FunctionTool, Tool
from agents.usage import Usage as AgentsUsage
from openai.types.responses import ResponseFunctionToolCall, ResponseOutputMessage, ResponseOutputText
from pydantic_ai.messages import (
    ModelMessage,
    ModelRequest,
    ModelRequestPart,
    ModelResponse,
    ModelResponsePart,
    SystemPromptPart,
    TextPart,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)
from pydantic_ai.models import Model
from pydantic_ai.settings import ModelSettings as PydanticSettings
from pydantic_ai.tools import ToolDefinition

from ..exceptions import ConfigurationError, TerminalModelError
from ..models import build_model, default_model, parse_model_spec, request_model

OUTPUT_TOOL = "final_result"
"""The tool an adapted model calls to give a structured final output (agents with an `output_type`)."""

AgentsModelEntry = AgentsModel | Callable[[], AgentsModel]
_SDK_MODELS: dict[str, AgentsModelEntry] = {}


def register_agents_model(name: str, model: AgentsModelEntry) -> None:
    """Make an `agents.Model` (or a factory of one) reachable as model `ra/<name>` in this process.

    Meant for the SDK's own test doubles (`agents.testing.ScriptedModel`): a factory is called once per model
    request, so a one-step scripted model per call makes a script that needs no position and survives a
    restart of the service process.
    """
    _SDK_MODELS[name] = model


class ModelRouter(ModelProvider):
    """Looks up models by our names (see the module docstring); SDK models pass through, others are adapted."""

    def get_model(self, model_name: str | None) -> AgentsModel:
        name = model_name or "default"
        entry = _SDK_MODELS.get(name)
        if entry is not None:
            return entry if isinstance(entry, AgentsModel) else entry()
        try:
            model = default_model() if name == "default" else build_model(parse_model_spec(name))
        except ConfigurationError as exc:
            # Outside any journaled step: without this the handler would be retried forever on a bad setting.
            raise TerminalModelError(str(exc), 500) from exc
        return PydanticAIAgentsModel(model)


class PydanticAIAgentsModel(AgentsModel):
    """A pydantic-ai Model as an `agents.Model`: Responses items in, pydantic-ai messages to the model, items out."""

    def __init__(self, model: Model) -> None:
        self.model = model

    async def get_response(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff],
        tracing: ModelTracing,
        *,
        previous_response_id: str | None = None,
        conversation_id: str | None = None,
        prompt: Any = None,
    ) -> AgentsResponse:
        structured = output_schema is not None and not output_schema.is_plain_text()
        output_tools = [_output_tool(output_schema)] if structured and output_schema is not None else []
        response = await request_model(
            self.model,
            to_messages(input, system_instructions),
            tools=tool_definitions(tools, handoffs),
            output_tools=output_tools,
            allow_text_output=not structured,
            settings=_settings(model_settings),
        )
        return AgentsResponse(
            output=to_output_items(response),
            usage=AgentsUsage(
                requests=1,
                input_tokens=response.usage.input_tokens or 0,
                output_tokens=response.usage.output_tokens or 0,
                total_tokens=(response.usage.input_tokens or 0) + (response.usage.output_tokens or 0),
            ),
            response_id=response.provider_response_id,
        )

    def stream_response(self, *args: Any, **kwargs: Any) -> AsyncIterator[TResponseStreamEvent]:
        # A stream cannot be journaled as one step; DurableRunner refuses streaming for the same reason.
        raise TerminalModelError("streaming model responses is not supported inside Restate; use Runner.run")


def _settings(settings: ModelSettings) -> PydanticSettings:
    mapped: PydanticSettings = {}
    if settings.temperature is not None:
        mapped["temperature"] = settings.temperature
    if settings.top_p is not None:
        mapped["top_p"] = settings.top_p
    if settings.max_tokens is not None:
        mapped["max_tokens"] = settings.max_tokens
    if settings.parallel_tool_calls is not None:
        mapped["parallel_tool_calls"] = settings.parallel_tool_calls
    return mapped


def _output_tool(schema: AgentOutputSchemaBase) -> ToolDefinition:
    return ToolDefinition(
        name=OUTPUT_TOOL,
        description=f"Give the final answer as {schema.name()}.",
        parameters_json_schema=schema.json_schema(),
        kind="output",
    )


def tool_definitions(tools: Iterable[Tool], handoffs: Iterable[Handoff]) -> list[ToolDefinition]:
    """The SDK's function tools and handoffs as pydantic-ai tool definitions (handoffs are `transfer_to_…` tools)."""
    definitions = [
        ToolDefinition(name=t.name, description=t.description, parameters_json_schema=t.params_json_schema)
        for t in tools
        if isinstance(t, FunctionTool)
    ]
    definitions += [
        ToolDefinition(name=h.tool_name, description=h.tool_description, parameters_json_schema=h.input_json_schema)
        for h in handoffs
    ]
    return definitions


# --- Responses items -> pydantic-ai messages ------------------------------------------------------------------


def _as_mapping(item: Any) -> Mapping[str, Any]:
    if isinstance(item, Mapping):
        return item
    dump = getattr(item, "model_dump", None)
    return dump(exclude_unset=True) if callable(dump) else {}


def _text(content: Any) -> str:
    """The text of a message's content: a string, or a list of input/output text parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [_as_mapping(part).get("text") for part in content]
        return "".join(t for t in texts if isinstance(t, str))
    return "" if content is None else str(content)


def to_messages(input: str | list[TResponseInputItem], instructions: str | None = None) -> list[ModelMessage]:
    """The SDK's input items as pydantic-ai messages, consecutive items of one side merged into one message."""
    items: list[Any] = [{"role": "user", "content": input}] if isinstance(input, str) else list(input)
    messages: list[ModelMessage] = []
    request: list[ModelRequestPart] = []
    response: list[ModelResponsePart] = []
    call_names: dict[str, str] = {}

    def close_request() -> None:
        if request:
            messages.append(ModelRequest(parts=list(request)))
            request.clear()

    def close_response() -> None:
        if response:
            messages.append(ModelResponse(parts=list(response)))
            response.clear()

    for raw in items:
        item = _as_mapping(raw)
        kind, role = item.get("type"), item.get("role")
        if kind == "function_call":
            close_request()
            call_names[item["call_id"]] = item["name"]
            response.append(ToolCallPart(item["name"], item.get("arguments") or "{}", item["call_id"]))
        elif kind == "function_call_output":
            close_response()
            name = call_names.get(item["call_id"], "tool")
            request.append(ToolReturnPart(name, _text(item.get("output")), item["call_id"]))
        elif role == "assistant":
            close_request()
            response.append(TextPart(_text(item.get("content"))))
        elif role in ("system", "developer"):
            close_response()
            request.append(SystemPromptPart(_text(item.get("content"))))
        elif role == "user":
            close_response()
            request.append(UserPromptPart(_text(item.get("content"))))
        # reasoning, hosted-tool and other provider-specific items have no pydantic-ai counterpart: skipped
    close_request()
    close_response()
    if instructions:
        if not messages or not isinstance(messages[-1], ModelRequest):
            messages.append(ModelRequest(parts=[]))
        last = messages[-1]
        assert isinstance(last, ModelRequest)
        last.instructions = instructions
    return messages


# --- pydantic-ai response -> Responses output items -----------------------------------------------------------


def to_output_items(response: ModelResponse) -> list[TResponseOutputItem]:
    """A pydantic-ai response as Responses output items: one assistant message for the text, one item per call."""
    items: list[TResponseOutputItem] = []
    texts = [part.content for part in response.parts if isinstance(part, TextPart)]
    for part in response.parts:
        if isinstance(part, ToolCallPart) and part.tool_name == OUTPUT_TOOL:
            texts.append(json.dumps(part.args_as_dict()))
    if texts:
        items.append(
            ResponseOutputMessage(
                id=FAKE_RESPONSES_ID,
                type="message",
                role="assistant",
                status="completed",
                content=[ResponseOutputText(type="output_text", text="".join(texts), annotations=[])],
            )
        )
    for part in response.parts:
        if isinstance(part, ToolCallPart) and part.tool_name != OUTPUT_TOOL:
            items.append(
                ResponseFunctionToolCall(
                    id=FAKE_RESPONSES_ID,
                    type="function_call",
                    call_id=part.tool_call_id,
                    name=part.tool_name,
                    arguments=part.args_as_json_str(),
                    status="completed",
                )
            )
    return items
