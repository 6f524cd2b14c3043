"""The durable model call: one journaled step per request, so a completed call is never repeated.

The response (text, tool calls, token usage) is stored in Restate's journal; on a retry after a crash the
handler replays it from there instead of asking the provider again. Provider failures are classified: transient
ones are retried by Restate with backoff (honouring Retry-After), the others fail the step for good.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence

import restate
from pydantic import BaseModel
from pydantic_ai.messages import ModelMessage, ModelRequest, ModelResponse, TextPart, UserPromptPart
from pydantic_ai.models import Model, ModelRequestParameters
from pydantic_ai.settings import ModelSettings
from pydantic_ai.tools import ToolDefinition

from ..observability import instrument
from ..serde import TypedSerde
from .errors import classify
from .spec import model_from_env

RESPONSE_SERDE: TypedSerde[ModelResponse] = TypedSerde(ModelResponse, exclude_none=True)


class Usage(BaseModel):
    """Token usage, summed over model calls."""

    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def add(self, response: ModelResponse) -> Usage:
        """A new Usage with `response`'s tokens added."""
        return Usage(
            requests=self.requests + 1,
            input_tokens=self.input_tokens + (response.usage.input_tokens or 0),
            output_tokens=self.output_tokens + (response.usage.output_tokens or 0),
        )


@functools.cache
def default_model() -> Model:
    """The process-wide model named by RA_MODEL (built once)."""
    return model_from_env()


def _settings(extra: ModelSettings | None) -> ModelSettings:
    # Restate owns retries: a provider SDK retrying on its own would hide failures and double the backoff.
    settings: ModelSettings = {"max_retries": 0, "timeout": float(os.environ.get("RA_MODEL_TIMEOUT", "120"))}
    if extra:
        settings.update(extra)
    return settings


async def request_model(
    model: Model,
    messages: Sequence[ModelMessage],
    *,
    tools: Sequence[ToolDefinition] = (),
    output_tools: Sequence[ToolDefinition] = (),
    allow_text_output: bool = True,
    settings: ModelSettings | None = None,
) -> ModelResponse:
    """One provider request with classified errors, outside any journal (the body of a durable call)."""
    params = ModelRequestParameters(
        function_tools=list(tools),
        output_tools=list(output_tools),
        allow_text_output=allow_text_output,
        output_mode="tool" if output_tools and not allow_text_output else "text",
    )
    try:
        return await instrument(model).request(list(messages), _settings(settings), params)
    except Exception as exc:
        classified = classify(exc)
        if classified is None:
            raise
        raise classified from exc


async def durable_model_call(
    ctx: restate.Context,
    messages: Sequence[ModelMessage],
    *,
    model: Model | None = None,
    tools: Sequence[ToolDefinition] = (),
    output_tools: Sequence[ToolDefinition] = (),
    allow_text_output: bool = True,
    settings: ModelSettings | None = None,
    name: str = "LLM call",
) -> ModelResponse:
    """Call the model as a journaled step and return its response (replayed, not repeated, after a crash)."""
    chosen = model or default_model()

    async def step() -> ModelResponse:
        return await request_model(
            chosen,
            messages,
            tools=tools,
            output_tools=output_tools,
            allow_text_output=allow_text_output,
            settings=settings,
        )

    return await ctx.run_typed(name, step, restate.RunOptions(serde=RESPONSE_SERDE))


def response_text(response: ModelResponse) -> str:
    """The text parts of a response, joined."""
    return "".join(part.content for part in response.parts if isinstance(part, TextPart))


async def llm_call(
    ctx: restate.Context,
    prompt: str,
    *,
    system: str | None = None,
    model: Model | None = None,
    name: str = "LLM call",
) -> str:
    """The seeds' `llm_call`: one prompt in, text out, journaled."""
    request = ModelRequest(parts=[UserPromptPart(prompt)], instructions=system)
    return response_text(await durable_model_call(ctx, [request], model=model, name=name))
