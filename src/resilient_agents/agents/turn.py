"""The model phase of a turn: check the guards, build the request for the active agent, call the model durably.

The request is the conversation plus the active agent's instructions (set on a copy of the last request, never
stored: a handoff changes the persona without rewriting history) and its tools and handoffs as tool
definitions. The call goes through `durable_model_call`: journaled, so a completed call is never paid twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import restate
from pydantic_ai.messages import ModelMessage, ModelRequest, ModelResponse
from pydantic_ai.tools import ToolDefinition

from ..exceptions import BudgetExceeded
from ..models import Usage, durable_model_call
from .agent import Agent
from .contract import Budget
from .handoffs import handoffs_of


def check_budget(budget: Budget, model_calls: int, session_usage: Usage) -> None:
    """Raise BudgetExceeded before a model call the guards do not allow."""
    if model_calls >= budget.max_turns:
        raise BudgetExceeded(
            f"max_turns reached: {model_calls} model calls in this run (the limit is {budget.max_turns});"
            " ask again, or raise max_turns with `configure`"
        )
    if budget.token_budget is not None and session_usage.total_tokens >= budget.token_budget:
        raise BudgetExceeded(
            f"token budget used up: {session_usage.total_tokens} tokens used of {budget.token_budget};"
            " raise token_budget with `configure` or start a new session"
        )


def tool_definitions(agent: Agent, agents: Mapping[str, Agent]) -> list[ToolDefinition]:
    definitions = [tool.definition() for tool in agent.tools]
    definitions.extend(h.definition() for h in handoffs_of(agent, agents).values())
    return definitions


def with_instructions(messages: Sequence[ModelMessage], instructions: str) -> list[ModelMessage]:
    """The messages with `instructions` on the last request (a copy; the stored history stays as it was)."""
    result = list(messages)
    for index in range(len(result) - 1, -1, -1):
        message = result[index]
        if isinstance(message, ModelRequest):
            result[index] = replace(message, instructions=instructions)
            break
    return result


async def call_model(
    ctx: restate.Context, agent: Agent, agents: Mapping[str, Agent], messages: Sequence[ModelMessage]
) -> ModelResponse:
    """One journaled model call for the active agent."""
    return await durable_model_call(
        ctx,
        with_instructions(messages, agent.instructions),
        model=agent.resolved_model(),
        tools=tool_definitions(agent, agents),
        settings=agent.model_settings,
        name=f"LLM call ({agent.name})",
    )
