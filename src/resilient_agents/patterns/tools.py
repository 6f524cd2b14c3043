"""Tool routing: the model picks tools, they run as journaled steps, and the loop goes on until a final answer.

When one model response asks for several tools they run at once (durable futures gathered with
`restate.gather`): each tool call is its own journal entry, so after a crash only the tools that had not finished
run again, and a failing tool is retried in place without restarting the others (see `parallel`). A tool's
`TerminalError` (or arguments that do not validate) is reported back to the model as the tool's result instead of
failing the whole invocation; any other exception is retried (in place, then by Restate).
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, get_type_hints

import restate
from pydantic import BaseModel, ValidationError
from pydantic_ai.messages import (
    ModelMessage,
    ModelRequest,
    ModelRequestPart,
    RetryInfo,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)
from pydantic_ai.models import Model
from pydantic_ai.tools import ToolDefinition

from ..models import durable_model_call, response_text
from .parallel import retry_in_place

ToolFunction = Callable[[Any], Coroutine[Any, Any, str]]


@dataclass(frozen=True)
class DurableTool:
    """A tool the model may call: its arguments are a pydantic model, its result text; it runs journaled."""

    name: str
    description: str
    args_type: type[BaseModel]
    function: ToolFunction

    def definition(self) -> ToolDefinition:
        return ToolDefinition(
            name=self.name, description=self.description, parameters_json_schema=self.args_type.model_json_schema()
        )


def durable_tool(function: ToolFunction) -> DurableTool:
    """Make a tool of `async def name(args: ArgsModel) -> str`; the docstring is the description for the model."""
    params = list(inspect.signature(function).parameters)
    hints = get_type_hints(function)
    if len(params) != 1 or not isinstance(hints.get(params[0]), type) or not issubclass(hints[params[0]], BaseModel):
        raise TypeError(f"tool {function.__name__} must take exactly one pydantic model argument")
    return DurableTool(
        name=function.__name__,
        description=inspect.getdoc(function) or function.__name__.replace("_", " "),
        args_type=hints[params[0]],
        function=function,
    )


class ToolCallRecord(BaseModel):
    """One tool call the model made: arguments as the model sent them and what the tool returned."""

    tool: str
    args: dict[str, Any]
    result: str
    ok: bool = True
    """False when the arguments did not validate or the tool failed terminally (the model was told)."""


class ToolLoopResult(BaseModel):
    """The final answer of a tool loop and the tool calls that led to it."""

    answer: str
    tool_calls: list[ToolCallRecord]
    rounds: int
    """Model calls made."""


def _args(call: ToolCallPart) -> dict[str, Any]:
    return call.args_as_dict()


def _in_place(function: ToolFunction, args: BaseModel) -> Callable[[], Coroutine[Any, Any, str]]:
    """The tool's step body: a failing tool retries in place first, so its siblings keep running (see parallel)."""

    async def step() -> str:
        return await retry_in_place(lambda: function(args), retry_on=(Exception,))

    return step


def _retry(call: ToolCallPart, problem: str, info: RetryInfo[Any]) -> ToolReturnPart:
    """A tool result asking the model to call again (bad arguments, unknown tool)."""
    return ToolReturnPart(call.tool_name, problem, call.tool_call_id, outcome="retried", retry=info)


async def run_tool_calls(
    ctx: restate.Context, calls: Sequence[ToolCallPart], tools: Sequence[DurableTool]
) -> tuple[list[ModelRequestPart], list[ToolCallRecord]]:
    """Run the tool calls of one model response in parallel, each as its own journaled step."""
    by_name = {t.name: t for t in tools}
    futures: dict[int, restate.RestateDurableFuture[str]] = {}
    problems: dict[int, ToolReturnPart] = {}
    for i, call in enumerate(calls):
        tool = by_name.get(call.tool_name)
        if tool is None:
            problem = f"Unknown tool {call.tool_name!r}; available: {', '.join(by_name)}."
            problems[i] = _retry(call, problem, RetryInfo("unknown_tool"))
            continue
        try:
            args = tool.args_type.model_validate(call.args_as_dict(raise_if_invalid=True))
        except (ValidationError, ValueError, AssertionError) as exc:
            problems[i] = _retry(call, f"Invalid arguments for {call.tool_name}: {exc}", RetryInfo("validation_error"))
            continue
        futures[i] = ctx.run_typed(
            f"tool {call.tool_name}", _in_place(tool.function, args), restate.RunOptions(type_hint=str)
        )
    await restate.gather(*futures.values())
    parts: list[ModelRequestPart] = []
    records: list[ToolCallRecord] = []
    for i, call in enumerate(calls):
        if i in futures:
            try:
                result = await futures[i]
            except restate.TerminalError as exc:
                problems[i] = ToolReturnPart(
                    call.tool_name, f"{call.tool_name} failed: {exc.message}", call.tool_call_id, outcome="failed"
                )
            else:
                parts.append(ToolReturnPart(call.tool_name, result, call.tool_call_id))
                records.append(ToolCallRecord(tool=call.tool_name, args=_args(call), result=result))
                continue
        parts.append(problems[i])
        records.append(ToolCallRecord(tool=call.tool_name, args=_args(call), result=str(problems[i].content), ok=False))
    return parts, records


async def run_tool_loop(
    ctx: restate.Context,
    prompt: str,
    tools: Sequence[DurableTool],
    *,
    system: str | None = None,
    model: Model | None = None,
    max_rounds: int = 6,
) -> ToolLoopResult:
    """Call the model with `tools` until it answers without asking for one; at most `max_rounds` model calls.

    At the bound the model is asked once more, without tools, for its final answer.
    """
    definitions = [t.definition() for t in tools]
    messages: list[ModelMessage] = [ModelRequest(parts=[UserPromptPart(prompt)], instructions=system)]
    records: list[ToolCallRecord] = []
    for round_ in range(1, max_rounds + 1):
        response = await durable_model_call(ctx, messages, tools=definitions, model=model, name=f"LLM call {round_}")
        messages.append(response)
        calls = [p for p in response.parts if isinstance(p, ToolCallPart)]
        if not calls:
            return ToolLoopResult(answer=response_text(response), tool_calls=records, rounds=round_)
        parts, new_records = await run_tool_calls(ctx, calls, tools)
        records.extend(new_records)
        messages.append(ModelRequest(parts=parts, instructions=system))
    response = await durable_model_call(ctx, messages, model=model, name="final answer")
    return ToolLoopResult(answer=response_text(response), tool_calls=records, rounds=max_rounds + 1)


def tool_result(value: Any) -> str:
    """Tool results are text for the model; structured values are sent as compact JSON."""
    if isinstance(value, BaseModel):
        return value.model_dump_json()
    return value if isinstance(value, str) else json.dumps(value, default=str)
