"""The agent loop: model call, tool calls, handoff, again, until the model answers with text.

    while True:
        take messages that arrived meanwhile (incorporate mode)
        check the guards (max turns per run, token budget per session)
        call the model for the active agent                     journaled: never repeated after a crash
        no tool calls -> answer (unless messages arrived: then go on)
        run the tool calls in parallel                          each journaled on its own
        apply the handoff, if any                               the active agent is kept in state

The loop works on a `Conversation` (written through to state in a session, in memory for an agent used as a
tool). Everything it decides depends only on journaled values, so a replay after a crash takes the same path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import restate
from pydantic_ai.messages import ModelRequest, ToolCallPart, ToolReturnPart
from restate.exceptions import TerminalError

from ..models import Usage, response_text
from ..observability import HANDOFF_ATTRIBUTE, turn_span
from ..serde import TypedSerde
from .agent import Agent
from .approvals import ApprovalGate
from .compensation import EVENT_SOURCE, Saga
from .contract import Budget
from .history import Conversation, HistoryEntry, event_entry, user_entry
from .inbox import Inbox
from .tool_calls import run_tool_calls
from .tools import ToolRuntime
from .turn import call_model, check_budget

AGENT_KEY = "agent"
USAGE_KEY = "usage"
USAGE_SERDE: TypedSerde[Usage] = TypedSerde(Usage)
INTERRUPTED = "The call was interrupted before it finished (the run was stopped)."


def timestamp_of(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


@dataclass
class LoopResult:
    final_output: str
    agent: Agent
    usage: Usage
    session_usage: Usage


@dataclass
class AgentLoop:
    """One run of the loop for a conversation."""

    ctx: restate.Context
    service: str
    """The session object's name (tools call back into it: agent tools, scheduled function tools)."""
    session_key: str
    agents: Mapping[str, Agent]
    agent: Agent
    conversation: Conversation
    budget: Budget = field(default_factory=Budget)
    session_usage: Usage = field(default_factory=Usage)
    gate: ApprovalGate | None = None
    inbox: Inbox | None = None
    persist: bool = False
    """Write the active agent and the usage to state (sessions); False for agents used as tools."""
    usage: Usage = field(default_factory=Usage)
    model_calls: int = 0
    saga: Saga = field(default_factory=Saga)
    """The compensable calls of this run, undone if it fails (see `compensation.py`)."""

    def _state(self) -> restate.ObjectContext | None:
        return self.ctx if self.persist else None  # type: ignore[return-value]

    def _incorporate(self, messages: list[str], when: datetime) -> None:
        for text in messages:
            self.conversation.append(user_entry(text, when, self.agent.name))

    async def run(self) -> LoopResult:
        runtime = ToolRuntime(self.ctx, self.service, self.session_key)
        try:
            return await self._turns(runtime)
        except TerminalError as exc:
            if self.saga:
                await self._compensate(runtime, exc)
            raise

    async def _compensate(self, runtime: ToolRuntime, error: TerminalError) -> None:
        if self.inbox is not None:
            # Let go of the inbox first: an interrupt sent now queues a new run instead of cancelling the undo.
            await self.inbox.detach(self.ctx.request().id)
        when = timestamp_of(await self.ctx.time())
        # Calls left open must be answered before the events, or the history is invalid for providers.
        close_dangling_calls(self.conversation, self.agent.name, when)
        await self.saga.compensate(
            runtime, error, lambda text: self.conversation.append(event_entry(text, EVENT_SOURCE, when))
        )

    async def _turns(self, runtime: ToolRuntime) -> LoopResult:
        while True:
            # One span per turn (a no-op unless tracing is on); a replayed turn gets none (see observability.py).
            with turn_span(self.agent.name, self.model_calls + 1) as span:
                if self.inbox is not None and self.model_calls > 0:
                    arrived = await self.inbox.take()
                    if arrived:
                        self._incorporate(arrived, timestamp_of(await self.ctx.time()))
                check_budget(self.budget, self.model_calls, self.session_usage)
                response = await call_model(self.ctx, self.agent, self.agents, self.conversation.model_messages())
                self.model_calls += 1
                self.usage = self.usage.add(response)
                self.session_usage = self.session_usage.add(response)
                state = self._state()
                if state is not None:
                    state.set(USAGE_KEY, self.session_usage, serde=USAGE_SERDE)
                self.conversation.append(HistoryEntry(message=response, agent=self.agent.name))

                calls = [part for part in response.parts if isinstance(part, ToolCallPart)]
                if not calls:
                    if self.inbox is not None:
                        arrived = await self.inbox.close()
                        if arrived:
                            self._incorporate(arrived, response.timestamp)
                            continue
                    return LoopResult(response_text(response), self.agent, self.usage, self.session_usage)

                outcome = await run_tool_calls(
                    runtime,
                    self.agent,
                    self.agents,
                    calls,
                    gate=self.gate,
                    timestamp=response.timestamp,
                    saga=self.saga,
                )
                self.conversation.append(
                    HistoryEntry(message=ModelRequest(parts=list(outcome.parts)), agent=self.agent.name)
                )
                if outcome.handoff is not None:
                    span.set_attribute(HANDOFF_ATTRIBUTE, outcome.handoff)
                    self.agent = self.agents[outcome.handoff]
                    if state is not None:
                        state.set(AGENT_KEY, self.agent.name)


def close_dangling_calls(conversation: Conversation, agent: str | None, when: datetime) -> None:
    """Answer tool calls left without a result by a stopped run, so the history stays valid for providers."""
    dangling = conversation.dangling_calls()
    if dangling:
        parts = [
            ToolReturnPart(p.tool_name, INTERRUPTED, p.tool_call_id, timestamp=when, outcome="interrupted")
            for p in dangling
        ]
        conversation.append(HistoryEntry(message=ModelRequest(parts=parts), agent=agent))
