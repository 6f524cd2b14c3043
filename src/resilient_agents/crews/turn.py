"""One turn of a proactive agent: what its `act` function gets when a timer, a follow-up or a message wakes it.

A `Turn` wraps the Restate object context with what an agent needs: its typed memory, model calls that count
against its budget, durable steps, messages to the other agents of its crew, and follow-ups it schedules for
itself. Everything it does is journaled, so a crash in the middle of a turn replays the completed parts.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any, Generic, TypeVar

import restate
from pydantic import BaseModel
from pydantic_ai.messages import ModelMessage, ModelRequest, ModelResponse, UserPromptPart
from pydantic_ai.models import Model
from pydantic_ai.tools import ToolDefinition

from ..exceptions import BudgetExceeded
from ..models import Usage, durable_model_call, response_text
from ..serde import TypedSerde
from .state import AgentMessage, AgentState, WakeKind

M = TypeVar("M", bound=BaseModel)
MESSAGE_SERDE: TypedSerde[AgentMessage] = TypedSerde(AgentMessage)


class Turn(Generic[M]):
    """The agent's view of one wake-up. `memory` is saved when the turn ends."""

    def __init__(
        self,
        ctx: restate.ObjectContext,
        *,
        agent: str,
        kind: WakeKind,
        messages: Sequence[AgentMessage],
        note: str,
        memory: M,
        state: AgentState,
        now_ms: int,
        model: Model | None,
        schedule: Callable[[WakeKind, timedelta, str], Awaitable[None]],
    ) -> None:
        self.ctx = ctx
        self.agent = agent
        self.kind: WakeKind = kind
        """What woke the agent: its timer, a follow-up it scheduled, a message, or a resume."""
        self.messages = list(messages)
        """The messages this turn handles (several after a pause)."""
        self.note = note
        """The note given to the follow-up that woke the agent."""
        self.memory = memory
        self.now_ms = now_ms
        """The journaled time of this wake-up (epoch milliseconds)."""
        self._state = state
        self._model = model
        self._schedule = schedule
        self._stop_reason: str | None = None

    @property
    def key(self) -> str:
        """The object key: the crew (or campaign, customer...) this agent works for."""
        return self.ctx.key()

    @property
    def interval(self) -> timedelta:
        """The agent's configured period; a natural unit for follow-up delays."""
        return timedelta(milliseconds=self._state.interval_ms)

    @property
    def wake_number(self) -> int:
        """How many turns of this kind the current run has taken, this one included."""
        return self._state.wakes.get(self.kind, 0)

    @property
    def spent(self) -> Usage:
        return self._state.spent

    @property
    def stop_reason(self) -> str | None:
        return self._stop_reason

    async def model_call(
        self,
        messages: Sequence[ModelMessage],
        *,
        tools: Sequence[ToolDefinition] = (),
        output_tools: Sequence[ToolDefinition] = (),
        allow_text_output: bool = True,
        name: str = "LLM call",
    ) -> ModelResponse:
        """A durable model call, refused with `BudgetExceeded` once the agent's budget is used up."""
        reason = self._state.budget.exhausted(self._state.spent)
        if reason:
            raise BudgetExceeded(reason)
        response = await durable_model_call(
            self.ctx,
            messages,
            model=self._model,
            tools=tools,
            output_tools=output_tools,
            allow_text_output=allow_text_output,
            name=name,
        )
        self._state.spent = self._state.spent.add(response)
        return response

    async def llm(self, prompt: str, *, system: str | None = None, name: str = "LLM call") -> str:
        """One prompt in, text out, counted against the budget."""
        request = ModelRequest(parts=[UserPromptPart(prompt)], instructions=system)
        return response_text(await self.model_call([request], name=name))

    async def run(self, name: str, action: Callable[[], Any], type_hint: Any = None) -> Any:
        """A durable step (a side effect done once, sync or async); `type_hint` types its journaled result."""
        options: restate.RunOptions[Any] = (
            restate.RunOptions(serde=TypedSerde(type_hint)) if type_hint else restate.RunOptions()
        )
        return await self.ctx.run_typed(name, action, options)

    def send(self, agent: str, message: str, data: BaseModel | dict[str, Any] | None = None) -> None:
        """Message another agent with the same key (its crew mate); it wakes at once."""
        payload = data.model_dump(mode="json") if isinstance(data, BaseModel) else dict(data or {})
        body = AgentMessage(message=message, source=self.agent, data=payload)
        self.ctx.generic_send(agent, "trigger", MESSAGE_SERDE.dumps(body), key=self.key)
        self._state.messages_sent += 1
        self.log("sent", f"to {agent}: {message}")

    async def follow_up(self, delay: timedelta, note: str) -> None:
        """Wake this agent again after `delay` with `note` (cancelled if the agent is paused or stopped)."""
        await self._schedule("follow_up", delay, note)

    def log(self, kind: str, note: str) -> None:
        """Add a line to the activity shown by `get_state`."""
        self._state.note(self.now_ms, kind, note)

    def stop(self, reason: str) -> None:
        """Stop the agent once this turn ends (nothing more is scheduled)."""
        self._stop_reason = reason
