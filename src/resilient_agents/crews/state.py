"""The typed values of a proactive agent: its persisted state, its requests, and what it shows from outside.

Everything here crosses the journal or lives in Restate state, so every type is a pydantic model that
round-trips through `TypedSerde`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from ..handlers import RequestModel
from ..models import Usage

AgentStatus = Literal["idle", "running", "paused", "stopped", "finished", "out_of_budget"]
"""idle: never started; finished: did its `max_wakes`; out_of_budget: stopped itself at its spending limit."""

WakeKind = Literal["timer", "follow_up", "message", "resume"]

ACTIVE: frozenset[str] = frozenset({"running", "paused"})
MAX_ACTIVITY = 30
MAX_BACKLOG = 100


class Budget(RequestModel):
    """What one agent may spend, summed over its whole life; None means no limit."""

    max_calls: int | None = Field(default=None, ge=0)
    """Model calls."""
    max_tokens: int | None = Field(default=None, ge=0)
    """Input plus output tokens."""

    def exhausted(self, spent: Usage) -> str | None:
        """Why `spent` has reached this budget, or None while there is room left."""
        if self.max_calls is not None and spent.requests >= self.max_calls:
            return f"budget used up: {spent.requests} of {self.max_calls} model calls"
        if self.max_tokens is not None and spent.total_tokens >= self.max_tokens:
            return f"budget used up: {spent.total_tokens} of {self.max_tokens} tokens"
        return None


class AgentMessage(RequestModel):
    """A trigger from outside or a message from another agent; it wakes the agent at once."""

    message: str = "Something happened: have a look."
    source: str = "external"
    """Who sent it: an agent's name, or "external" for a webhook, a person, a cron."""
    data: dict[str, Any] = Field(default_factory=dict)
    """A structured payload; the receiving agent validates it with its own model."""


class StartRequest(RequestModel):
    """How to run an agent: every field left out keeps the agent's own default."""

    interval_ms: int | None = Field(default=None, ge=10)
    """The period of the agent's timer (and its unit for follow-ups); compress it in tests."""
    budget: Budget | None = None
    max_wakes: int | None = Field(default=None, ge=1)
    """Finish after this many timer wakes (None: run until stopped)."""


class WakeUp(BaseModel):
    """The payload of a scheduled wake-up the agent sends itself."""

    generation: int
    """The run this timer belongs to: a timer from before a pause or stop is ignored."""
    kind: WakeKind = "timer"
    note: str = ""


class Scheduled(BaseModel):
    """A wake-up the agent has scheduled and not yet received: cancelled by id on pause and stop."""

    invocation_id: str
    kind: WakeKind
    due_at_ms: int
    note: str = ""


class Activity(BaseModel):
    """One line of the agent's recent activity, for people and the Restate UI."""

    at_ms: int
    kind: str
    note: str


class AgentState(BaseModel):
    """Everything a proactive agent keeps about itself (state key "agent")."""

    status: AgentStatus = "idle"
    reason: str = ""
    """Why the agent is in this status (who paused it, which limit stopped it)."""
    generation: int = 0
    interval_ms: int = 60_000
    budget: Budget = Field(default_factory=Budget)
    max_wakes: int | None = None
    spent: Usage = Field(default_factory=Usage)
    wakes: dict[str, int] = Field(default_factory=dict)
    """Turns taken in the current run, by kind (timer, follow_up, message, resume)."""
    messages_sent: int = 0
    dropped: int = 0
    """Messages that arrived while the agent was not running and not paused."""
    backlog: list[AgentMessage] = Field(default_factory=list)
    """Messages that arrived while paused: handled at the first turn after resume."""
    scheduled: list[Scheduled] = Field(default_factory=list)
    deferred: list[Scheduled] = Field(default_factory=list)
    """Follow-ups cancelled by a pause, with the delay they had left: scheduled again on resume."""
    started_at_ms: int | None = None
    last_wake_at_ms: int | None = None
    activity: list[Activity] = Field(default_factory=list)

    def note(self, at_ms: int, kind: str, note: str) -> None:
        self.activity = [*self.activity, Activity(at_ms=at_ms, kind=kind, note=note)][-MAX_ACTIVITY:]

    def count_wake(self, kind: WakeKind) -> None:
        self.wakes = {**self.wakes, kind: self.wakes.get(kind, 0) + 1}

    @property
    def next_wake_at_ms(self) -> int | None:
        return min((s.due_at_ms for s in self.scheduled), default=None)


class AgentView(BaseModel):
    """What `get_state` answers: the state, the next wake-up and the spending, readable from outside."""

    agent: str
    key: str
    status: AgentStatus
    reason: str = ""
    generation: int = 0
    interval_ms: int
    next_wake_at_ms: int | None = None
    next_wake_kind: WakeKind | None = None
    wakes: dict[str, int] = Field(default_factory=dict)
    max_wakes: int | None = None
    spent: Usage = Field(default_factory=Usage)
    budget: Budget = Field(default_factory=Budget)
    messages_sent: int = 0
    backlog: int = 0
    dropped: int = 0
    scheduled: list[Scheduled] = Field(default_factory=list)
    started_at_ms: int | None = None
    last_wake_at_ms: int | None = None
    activity: list[Activity] = Field(default_factory=list)
    memory: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def of(cls, agent: str, key: str, state: AgentState, memory: dict[str, Any]) -> AgentView:
        upcoming = min(state.scheduled, key=lambda s: s.due_at_ms, default=None)
        return cls(
            agent=agent,
            key=key,
            status=state.status,
            reason=state.reason,
            generation=state.generation,
            interval_ms=state.interval_ms,
            next_wake_at_ms=upcoming.due_at_ms if upcoming else None,
            next_wake_kind=upcoming.kind if upcoming else None,
            wakes=state.wakes,
            max_wakes=state.max_wakes,
            spent=state.spent,
            budget=state.budget,
            messages_sent=state.messages_sent,
            backlog=len(state.backlog),
            dropped=state.dropped,
            scheduled=state.scheduled,
            started_at_ms=state.started_at_ms,
            last_wake_at_ms=state.last_wake_at_ms,
            activity=state.activity,
            memory=memory,
        )


class Delivery(BaseModel):
    """What `trigger` answers: whether the message was handled now, kept for later, or dropped."""

    outcome: Literal["handled", "queued", "dropped"]
    status: AgentStatus
