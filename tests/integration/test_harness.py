"""The harness boots a real restate-server, serves an app, and survives kills and restarts."""

from __future__ import annotations

from pathlib import Path

import pytest

from resilient_agents import IngressError
from resilient_agents.testing import Harness, TestServer, eventually, harness_fixture

harness = harness_fixture("tests.apps.steps:services")


def test_boots_and_serves(harness: Harness) -> None:
    assert harness.ingress.call("Steps", "run", {"count": 3, "delay": 0}) == [0, 1, 4]
    services = harness.admin.services()
    assert {"Steps", "Waiter", "LlmOnce"} <= set(services)
    rows = harness.query("select count(*) as n from sys_invocation")
    assert rows[0]["n"] >= 1


def test_completed_steps_not_rerun_after_sigkill(harness: Harness) -> None:
    harness.calls.clear()
    invocation = harness.ingress.send("Steps", "run", {"count": 6, "delay": 0.3})
    eventually(lambda: harness.calls.count("effect") >= 2, message="two steps done")
    harness.kill_service()
    done_before = harness.calls.counts("effect")
    harness.start_service()
    assert harness.ingress.attach(invocation) == [i * i for i in range(6)]
    counts = harness.calls.counts("effect")
    for name, n in done_before.items():
        journaled = harness.query(
            f"select count(*) as n from sys_journal where id = '{invocation}' and name = 'step {name[5:]}'"
        )[0]["n"]
        if journaled:
            assert counts[name] == n == 1, f"{name} ran again after the crash"
    assert sorted(counts) == [f"step-{i}" for i in range(6)]
    assert sum(counts.values()) <= 7, "at most the step in flight at the kill runs twice"


def test_awakeable_wait_survives_server_restart(harness: Harness) -> None:
    invocation = harness.ingress.send("Waiter", "wait", "restart-test")
    entry = eventually(lambda: harness.calls.entries("awakeable", "restart-test"))
    harness.restart_server()
    harness.ingress.resolve_awakeable(entry[0]["id"], "resolved after restart")
    assert harness.ingress.attach(invocation) == "restart-test: resolved after restart"


def test_bad_input_is_a_terminal_400_naming_the_field(harness: Harness) -> None:
    with pytest.raises(IngressError) as info:
        harness.ingress.call("Steps", "run", {"count": "many"})
    assert info.value.status == 400
    assert "count" in info.value.message
    with pytest.raises(IngressError) as unknown:
        harness.ingress.call("Steps", "run", {"count": 1, "colour": "red"})
    assert unknown.value.status == 400 and "colour" in unknown.value.message


def test_always_replay_mode_replays_without_rerunning_steps(tmp_path: Path) -> None:
    with TestServer.start(tmp_path, always_replay=True) as server, server.serve("tests.apps.steps:services") as h:
        invocation = h.ingress.send("Waiter", "wait", "replayed")
        entry = eventually(lambda: h.calls.entries("awakeable", "replayed"))
        eventually(lambda: h.invocation_status(invocation) == "suspended", message="suspended at once")
        h.ingress.resolve_awakeable(entry[0]["id"], "yes")
        assert h.ingress.attach(invocation) == "replayed: yes"
        assert h.calls.count("awakeable", "replayed") == 1, "a replay re-ran a journaled step"
