"""Proactive crews against a real Restate server: timers, messages, follow-ups, budgets, pause/stop, restarts."""

from __future__ import annotations

import time
from typing import Any

import pytest
from typer.testing import CliRunner

from resilient_agents import IngressError
from resilient_agents.cli import app, console
from resilient_agents.testing import Harness, TestServer, eventually, harness_fixture

harness = harness_fixture("tests.apps.crew:SERVICES")

CREW = "CampaignCrew"
MONITOR, ANALYST, RESPONDER = "CampaignMonitor", "CampaignAnalyst", "CampaignResponder"
SERVICES = (CREW, MONITOR, ANALYST, RESPONDER)
TICK_MS = 200


def agent(h: Harness, name: str, key: str) -> dict[str, Any]:
    return dict(h.ingress.call(name, "get_state", key=key))


def unfinished(h: Harness, key: str) -> list[dict[str, Any]]:
    """Invocations of the crew's services for `key` that are not completed: scheduled, inboxed, running..."""
    names = ", ".join(f"'{s}'" for s in SERVICES)
    return h.query(
        "select target, status from sys_invocation"
        f" where target_service_name in ({names}) and target_service_key = '{key}' and status != 'completed'"
    )


def posts(h: Harness, key: str) -> list[str]:
    """The replies the responder really posted for campaign `key`, in order (the publisher's ledger)."""
    return [e["id"] for e in h.calls.entries("effect", "post") if e["campaign"] == key]


def finished(h: Harness, key: str) -> dict[str, Any]:
    def check() -> dict[str, Any] | None:
        state = agent(h, MONITOR, key)
        return state if state["status"] == "finished" else None

    return eventually(check, timeout=60, message=f"monitor {key} finished")


def test_crew_wakes_the_expected_number_of_times_and_works_together(harness: Harness) -> None:
    started = time.monotonic()
    view = harness.ingress.call(CREW, "start", {"interval_ms": TICK_MS, "max_wakes": 6}, key="wakes")
    assert view["status"] == "running"
    monitor = finished(harness, "wakes")
    elapsed = time.monotonic() - started

    assert monitor["wakes"] == {"timer": 6}
    assert [t["tick"] for t in monitor["memory"]["ticks"]] == list(range(6)), "each feed tick read exactly once"
    assert monitor["scheduled"] == [] and monitor["next_wake_at_ms"] is None
    assert elapsed >= 5 * TICK_MS / 1000 * 0.9, "the timer really waited between wake-ups"
    wakes = harness.query(f"select count(*) as n from sys_invocation where target = '{MONITOR}/wakes/wake'")[0]["n"]
    assert wakes == 6, "one timer invocation per wake-up: no stray timers"

    # tick 2 is a crisis: monitor -> analyst (model) -> responder (model, one post) -> follow-ups both ways
    def incident_reviewed() -> dict[str, Any] | None:
        analyst = agent(harness, ANALYST, "wakes")
        incidents = analyst["memory"].get("incidents", [])
        if incidents and incidents[0]["status"] == "reviewed" and incidents[0].get("engagement") is not None:
            return analyst
        return None

    analyst = eventually(incident_reviewed, timeout=30)
    assert [i["id"] for i in analyst["memory"]["incidents"]] == ["incident-2"]
    assert analyst["wakes"]["message"] == 2 and analyst["wakes"]["follow_up"] == 1
    assert analyst["spent"]["requests"] == 1 and analyst["spent"]["input_tokens"] > 0
    responder = agent(harness, RESPONDER, "wakes")
    assert [r["id"] for r in responder["memory"]["replies"]] == ["reply-incident-2"]
    assert responder["spent"]["requests"] == 1
    assert posts(harness, "wakes") == ["reply-incident-2"]

    harness.ingress.call(CREW, "stop", {}, key="wakes")
    eventually(lambda: not unfinished(harness, "wakes"), timeout=20, message="nothing left for key wakes")


def test_pause_keeps_messages_resume_continues_stop_leaves_nothing_scheduled(harness: Harness) -> None:
    harness.ingress.call(CREW, "start", {"interval_ms": TICK_MS}, key="pause")
    eventually(lambda: agent(harness, MONITOR, "pause")["wakes"].get("timer", 0) >= 2, timeout=30)

    paused = harness.ingress.call(CREW, "pause", {"reason": "campaign on hold"}, key="pause")
    assert paused["status"] == "paused"
    assert {a["status"] for a in paused["agents"]} == {"paused"}
    monitor = agent(harness, MONITOR, "pause")
    assert monitor["reason"] == "campaign on hold"
    assert monitor["scheduled"] == [] and monitor["next_wake_at_ms"] is None
    # the cancelled timer is gone from the server too, so nothing can wake a paused agent
    eventually(lambda: not unfinished(harness, "pause"), timeout=20, message="nothing scheduled while paused")
    wakes_at_pause = monitor["wakes"]["timer"]

    kept = harness.ingress.call(ANALYST, "trigger", {"message": "look at the press", "source": "pr-team"}, key="pause")
    assert kept == {"outcome": "queued", "status": "paused"}
    assert agent(harness, ANALYST, "pause")["backlog"] == 1

    resumed = harness.ingress.call(CREW, "resume", {}, key="pause")
    assert resumed["status"] == "running"
    eventually(lambda: agent(harness, MONITOR, "pause")["wakes"]["timer"] >= wakes_at_pause + 2, timeout=30)
    analyst = eventually(lambda: (a := agent(harness, ANALYST, "pause"))["wakes"].get("resume") and a, timeout=30)
    assert analyst["backlog"] == 0
    assert any("pr-team: look at the press" in a["note"] for a in analyst["activity"])

    stopped = harness.ingress.call(CREW, "stop", {"reason": "campaign over"}, key="pause")
    assert stopped["status"] == "stopped"
    for state in stopped["agents"]:
        assert state["status"] == "stopped" and state["scheduled"] == [] and state["reason"] == "campaign over"
    eventually(lambda: not unfinished(harness, "pause"), timeout=20, message="nothing left after stop")
    ticks = agent(harness, MONITOR, "pause")["wakes"]["timer"]
    late = harness.ingress.call(MONITOR, "trigger", {"message": "check now"}, key="pause")
    assert late == {"outcome": "dropped", "status": "stopped"}
    assert agent(harness, MONITOR, "pause")["wakes"]["timer"] == ticks
    fired = harness.query(f"select count(*) as n from sys_invocation where target = '{MONITOR}/pause/wake'")[0]["n"]
    assert fired == ticks, "every timer that fired was a wake-up: none from before the pause slipped through"

    with pytest.raises(IngressError) as refused:
        harness.ingress.call(MONITOR, "resume", {}, key="pause")
    assert refused.value.status == 409 and "stopped" in refused.value.message


def test_next_wake_up_is_readable_and_stop_cancels_it(harness: Harness) -> None:
    started = harness.ingress.call(MONITOR, "start", {"interval_ms": 600_000}, key="slow")
    assert started["next_wake_kind"] == "timer"
    state = eventually(lambda: (m := agent(harness, MONITOR, "slow"))["wakes"].get("timer") == 1 and m, timeout=30)
    [timer] = state["scheduled"]
    assert state["next_wake_at_ms"] == timer["due_at_ms"]
    assert 590_000 <= timer["due_at_ms"] - state["last_wake_at_ms"] <= 610_000, "ten minutes after the first wake"
    row = harness.query(f"select status from sys_invocation where id = '{timer['invocation_id']}'")
    assert row == [{"status": "scheduled"}], "the timer is a delayed invocation held by Restate"

    stopped = harness.ingress.call(MONITOR, "stop", {}, key="slow")
    assert stopped["status"] == "stopped" and stopped["next_wake_at_ms"] is None
    # cancelled, not fired: a scheduled invocation that is cancelled leaves no row at all (and it was 10 min away)
    eventually(
        lambda: not harness.query(f"select status from sys_invocation where id = '{timer['invocation_id']}'"),
        timeout=20,
        message="the timer cancelled",
    )
    assert unfinished(harness, "slow") == []


def test_budget_stops_the_agent_at_its_limit(harness: Harness) -> None:
    start = {"interval_ms": TICK_MS, "max_wakes": 9, "agents": {ANALYST: {"budget": {"max_calls": 1}}}}
    harness.ingress.call(CREW, "start", start, key="budget")
    finished(harness, "budget")  # ticks 2 and 7 are crises: the analyst can afford only the first

    analyst = eventually(
        lambda: (a := agent(harness, ANALYST, "budget"))["dropped"] >= 1 and a, timeout=30, message="2nd alert"
    )
    assert analyst["status"] == "out_of_budget"
    assert analyst["reason"] == "budget used up: 1 of 1 model calls"
    assert analyst["spent"]["requests"] == 1
    assert analyst["scheduled"] == [], "an agent out of budget keeps nothing scheduled (its follow-up too)"
    assert [i["id"] for i in analyst["memory"]["incidents"]] == ["incident-2"]
    assert agent(harness, RESPONDER, "budget")["status"] == "running", "the budget is per agent"

    harness.ingress.call(CREW, "stop", {}, key="budget")
    eventually(lambda: not unfinished(harness, "budget"), timeout=20)


def test_crew_survives_a_server_restart_and_a_service_crash(harness: Harness) -> None:
    model_calls_before = harness.calls.count("model")
    harness.ingress.call(CREW, "start", {"interval_ms": TICK_MS, "max_wakes": 10}, key="restart")
    # restart once the first incident is answered, so no model call is in flight
    eventually(lambda: posts(harness, "restart") == ["reply-incident-2"], timeout=30)
    harness.restart_server()
    eventually(lambda: agent(harness, MONITOR, "restart")["wakes"]["timer"] >= 6, timeout=30)
    harness.kill_service()
    harness.start_service()

    monitor = finished(harness, "restart")
    assert monitor["wakes"] == {"timer": 10}
    assert [t["tick"] for t in monitor["memory"]["ticks"]] == list(range(10))
    responder = eventually(
        lambda: len((r := agent(harness, RESPONDER, "restart"))["memory"].get("replies", [])) == 2 and r, timeout=30
    )
    assert [r["id"] for r in responder["memory"]["replies"]] == ["reply-incident-2", "reply-incident-7"]
    assert posts(harness, "restart") == ["reply-incident-2", "reply-incident-7"], "each reply posted once"
    # two incidents: the analyst and the responder call the model once each, and no call was repeated
    eventually(lambda: agent(harness, ANALYST, "restart")["spent"]["requests"] == 2, timeout=30)
    assert harness.calls.count("model") - model_calls_before == 4
    harness.ingress.call(CREW, "stop", {}, key="restart")
    eventually(lambda: not unfinished(harness, "restart"), timeout=20)


def test_bad_requests_are_400s_naming_the_field(harness: Harness) -> None:
    with pytest.raises(IngressError) as info:
        harness.ingress.call(CREW, "start", {"interval_ms": 1}, key="bad")
    assert info.value.status == 400 and "interval_ms" in info.value.message
    with pytest.raises(IngressError) as unknown:
        harness.ingress.call(CREW, "start", {"agents": {"Nobody": {}}}, key="bad")
    assert unknown.value.status == 400 and "Nobody" in unknown.value.message
    with pytest.raises(IngressError) as budget:
        harness.ingress.call(ANALYST, "start", {"budget": {"max_calls": -1}}, key="bad")
    assert budget.value.status == 400 and "budget.max_calls" in budget.value.message


def test_cli_commands_the_crew_and_shows_each_agent(
    harness: Harness, restate_server: TestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RA_INGRESS_PORT", str(restate_server.config.ingress_port))
    monkeypatch.setattr(console, "width", 200)  # a wide terminal: one table row per agent

    def cli(*args: str) -> str:
        result = CliRunner().invoke(app, ["crew", *args])
        assert result.exit_code == 0, result.output
        return result.output

    out = cli("start", "cli", "--interval-ms", "60000", "--max-calls", "7")
    assert "CampaignCrew/cli: running" in out
    assert "CampaignMonitor" in out and "0/7 calls" in out
    out = cli("status", "cli")
    assert "timer in " in out, "the monitor's next wake-up is shown"
    assert "paused" in cli("pause", "cli", "--reason", "lunch")
    assert "CampaignCrew/cli: running" in cli("resume", "cli")
    assert "CampaignCrew/cli: stopped" in cli("stop", "cli")
    eventually(lambda: not unfinished(harness, "cli"), timeout=20)
    result = CliRunner().invoke(app, ["crew", "start", "cli", "--interval-ms", "1"])
    assert result.exit_code == 1 and "interval_ms" in result.output
