"""Crews without a server: budgets, start settings, status, the typed state round trip, the simulated feed."""

from __future__ import annotations

import inspect

import pytest

import resilient_agents.crews as crews
from resilient_agents import TypedSerde, Usage
from resilient_agents.crews import (
    AgentState,
    AgentView,
    Budget,
    CrewStart,
    Scheduled,
    StartRequest,
    crew,
    crew_status,
    proactive_agent,
)
from resilient_agents_apps.crew import FeedSimulator


def test_budget_counts_calls_and_tokens() -> None:
    assert Budget().exhausted(Usage(requests=10**6, input_tokens=10**9)) is None
    assert Budget(max_calls=2).exhausted(Usage(requests=1)) is None
    assert Budget(max_calls=2).exhausted(Usage(requests=2)) == "budget used up: 2 of 2 model calls"
    tokens = Budget(max_tokens=100).exhausted(Usage(requests=1, input_tokens=80, output_tokens=30))
    assert tokens == "budget used up: 110 of 100 tokens"


def test_crew_start_overrides_only_what_an_agent_sets() -> None:
    start = CrewStart(
        interval_ms=200, max_wakes=5, budget=Budget(max_calls=9), agents={"B": StartRequest(budget=Budget(max_calls=1))}
    )
    assert start.for_agent("A") == StartRequest(interval_ms=200, max_wakes=5, budget=Budget(max_calls=9))
    assert start.for_agent("B") == StartRequest(interval_ms=200, max_wakes=5, budget=Budget(max_calls=1))


def test_crew_status_summarises_the_agents() -> None:
    def views(*statuses: str) -> list[AgentView]:
        return [AgentView(agent=f"a{i}", key="k", status=s, interval_ms=1) for i, s in enumerate(statuses)]  # type: ignore[arg-type]

    assert crew_status(views("idle", "idle")) == "idle"
    assert crew_status(views("finished", "running")) == "running"
    assert crew_status(views("paused", "stopped")) == "paused"
    assert crew_status(views("finished", "out_of_budget", "idle")) == "stopped"


def test_state_round_trips_and_the_view_shows_the_next_wake_up() -> None:
    state = AgentState(status="running", interval_ms=200, spent=Usage(requests=3, input_tokens=40))
    state.scheduled = [
        Scheduled(invocation_id="inv_b", kind="follow_up", due_at_ms=900, note="check"),
        Scheduled(invocation_id="inv_a", kind="timer", due_at_ms=400),
    ]
    state.count_wake("timer")
    state.count_wake("timer")
    for i in range(40):
        state.note(i, "timer", f"wake {i}")
    serde: TypedSerde[AgentState] = TypedSerde(AgentState)
    again = serde.loads(serde.dumps(state))
    assert again == state
    assert len(again.activity) == 30 and again.activity[-1].note == "wake 39"
    view = AgentView.of("Monitor", "acme", again, {"cursor": 4})
    assert (view.next_wake_at_ms, view.next_wake_kind) == (400, "timer")
    assert view.wakes == {"timer": 2} and view.memory == {"cursor": 4}
    assert TypedSerde(AgentView).loads(TypedSerde(AgentView).dumps(view)) == view


def test_a_crew_needs_distinct_agents() -> None:
    async def act(turn: crews.Turn[crews.NoMemory]) -> None:
        """Does nothing."""

    a = proactive_agent("UnitA", act)
    with pytest.raises(ValueError, match="at least one"):
        crew("UnitCrew", [])
    with pytest.raises(ValueError, match="repeat"):
        crew("UnitCrew", [a, a])
    handlers = set(crew("UnitCrew", [a]).handlers)
    assert handlers == {"start", "pause", "resume", "stop", "status"}
    assert set(a.handlers) == {"start", "pause", "resume", "stop", "wake", "trigger", "get_state"}
    assert a.handlers["wake"].ingress_private, "only the agent itself schedules its wake-ups"


def test_the_feed_is_deterministic_with_a_crisis_every_fifth_tick() -> None:
    feed = FeedSimulator()
    assert feed.batch("acme", 3) == FeedSimulator().batch("acme", 3)
    assert feed.batch("acme", 3) != feed.batch("other", 3)
    for tick in range(12):
        negative = [e for e in feed.batch("acme", tick) if e.sentiment < -0.5]
        assert (len(negative) == 3) == (tick in (2, 7)), tick
        assert all(e.kind == "complaint" for e in negative)
    assert feed.engagement("reply-1") == feed.engagement("reply-1")


def test_crews_all_is_complete() -> None:
    public = {
        name
        for name, value in vars(crews).items()
        if not name.startswith("_") and (inspect.isclass(value) or inspect.isfunction(value))
    }
    assert public <= set(crews.__all__)
    assert crews.__all__ == sorted(crews.__all__)
