"""Structured model output: the model answers by calling an output tool whose arguments are a pydantic model.

Routing and evaluation decisions are enums in that schema, so a decision is one of the allowed values or it is
asked for again (bounded), never free text parsed with a regular expression. The offline model fills enums from
words of the prompt (else the first value), which keeps every demo deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, TypeVar, cast

import restate
from pydantic import BaseModel, Field, ValidationError, create_model
from pydantic_ai.messages import (
    ModelMessage,
    ModelRequest,
    ModelRequestPart,
    ModelResponse,
    RetryFeedbackPart,
    RetryInfo,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)
from pydantic_ai.models import Model
from pydantic_ai.tools import ToolDefinition

from ..exceptions import TerminalModelError
from ..models import durable_model_call

M = TypeVar("M", bound=BaseModel)


def output_tool(output_type: type[BaseModel], name: str, description: str | None = None) -> ToolDefinition:
    """The tool definition through which the model returns an `output_type`."""
    return ToolDefinition(
        name=name,
        description=description or (output_type.__doc__ or f"Return the {name}.").strip(),
        parameters_json_schema=output_type.model_json_schema(),
    )


def _parse(response: ModelResponse, tool_name: str, output_type: type[M]) -> M | ModelRequestPart:
    """The validated output in `response`, or the complaint to send back to the model."""
    call = next((p for p in response.parts if isinstance(p, ToolCallPart) and p.tool_name == tool_name), None)
    if call is None:
        return RetryFeedbackPart(f"Answer by calling the `{tool_name}` tool.", retry=RetryInfo("no_output"))
    try:
        return output_type.model_validate(call.args_as_dict(raise_if_invalid=True))
    except (ValidationError, ValueError, AssertionError) as exc:
        return ToolReturnPart(
            tool_name,
            f"Invalid arguments, call the tool again: {exc}",
            call.tool_call_id,
            outcome="retried",
            retry=RetryInfo("validation_error"),
        )


async def structured_call(
    ctx: restate.Context,
    prompt: str,
    output_type: type[M],
    *,
    system: str | None = None,
    tool_name: str = "final_result",
    model: Model | None = None,
    name: str = "LLM call",
    retries: int = 1,
) -> M:
    """Ask the model for an `output_type`, journaled; an invalid answer is sent back for correction `retries` times.

    Raises `TerminalModelError` when the model still does not produce a valid value.
    """
    definition = output_tool(output_type, tool_name)
    messages: list[ModelMessage] = [ModelRequest(parts=[UserPromptPart(prompt)], instructions=system)]
    problem = ""
    for attempt in range(retries + 1):
        response = await durable_model_call(
            ctx,
            messages,
            model=model,
            output_tools=[definition],
            allow_text_output=False,
            name=name if attempt == 0 else f"{name} (retry {attempt})",
        )
        parsed = _parse(response, tool_name, output_type)
        if isinstance(parsed, output_type):
            return parsed
        complaint = cast(ModelRequestPart, parsed)
        problem = str(getattr(complaint, "content", ""))
        messages = [*messages, response, ModelRequest(parts=[complaint], instructions=system)]
    raise TerminalModelError(f"the model gave no valid {output_type.__name__} after {retries + 1} tries: {problem}")


class Choice(BaseModel):
    """A decision between named options, with the model's reason."""

    choice: str
    """One of the offered option names."""
    reason: str = ""


async def choose(
    ctx: restate.Context,
    prompt: str,
    options: Sequence[str],
    *,
    system: str | None = None,
    field_description: str = "The best option.",
    tool_name: str = "decision",
    model: Model | None = None,
    name: str = "decide",
) -> Choice:
    """Let the model pick one of `options` (an enum in the output schema); journaled like any model call."""
    if not options:
        raise ValueError("choose() needs at least one option")
    # A model class built per call, so the enum in the JSON schema lists exactly these options.
    allowed: Any = Literal[tuple(options)]  # type: ignore[valid-type]
    dynamic = create_model(
        "Decision",
        __doc__="Return your decision.",
        choice=(allowed, Field(description=field_description)),
        reason=(str, Field(default="", description="One sentence on why.")),
    )
    value = await structured_call(ctx, prompt, dynamic, system=system, tool_name=tool_name, model=model, name=name)
    data = cast(BaseModel, value).model_dump()
    return Choice(choice=str(data["choice"]), reason=str(data.get("reason") or ""))
