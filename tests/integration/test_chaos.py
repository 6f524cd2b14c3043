"""Chaos: agent sessions whose tools apply real side effects survive SIGKILLs and server restarts, exactly once.

The small version of `make chaos` (see tests/apps/chaos.py for the workload and its checks), plus the
deterministic case it rests on: a tool killed after its effect was applied but before Restate journaled the step
runs again, and its journal-derived idempotency key stops the second application. The same crash with a key made
fresh on each attempt applies the effect twice, and the ledger check catches it: the check can fail.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from resilient_agents.chaos import ChaosPlan
from resilient_agents.testing import Harness, TestServer, eventually
from tests.apps.chaos import SESSION, Ledger, run_chaos, serve_chaos_app


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Harness, Ledger]]:
    # A server of its own: the chaos restarts it, and the counts are this module's alone.
    with TestServer.start(tmp_path_factory.mktemp("chaos")) as server, serve_chaos_app(server) as served:
        yield served


def crash_after_the_effect(h: Harness, session: str, message: str) -> dict[str, object]:
    """Send `message` (with "hold"), SIGKILL the service once the effect is applied, restart, await the answer."""
    invocation = h.ingress.send(SESSION, "run", message, key=session)
    held = eventually(lambda: h.calls.entries("held", session), timeout=30, message="effect applied")
    h.kill_service()
    h.start_service()
    answer = h.ingress.attach(invocation)
    assert isinstance(answer, dict)
    return {"answer": answer["final_output"], "call_id": held[0]["call_id"]}


def test_a_tool_retried_after_a_crash_applies_its_effect_once(app: tuple[Harness, Ledger]) -> None:
    h, ledger = app
    outcome = crash_after_the_effect(h, "exactly-once", "deposit 7 hold")
    assert outcome["answer"] == "deposited 7 (balance 7)"
    call_id = str(outcome["call_id"])
    assert ledger.count("attempts", "exactly-once", call_id) == 2, "the tool ran again after the crash"
    assert ledger.count("effects", "exactly-once", call_id) == 1, (
        "the journal-derived key stopped the second application"
    )


def test_without_a_stable_key_the_check_sees_the_duplicate(app: tuple[Harness, Ledger]) -> None:
    h, ledger = app
    outcome = crash_after_the_effect(h, "fresh-keys", "unsafe-deposit 8 hold")
    call_id = str(outcome["call_id"])
    assert ledger.count("attempts", "fresh-keys", call_id) == 2
    assert ledger.count("effects", "fresh-keys", call_id) == 2, "a fresh key per attempt applies the effect twice"


def test_sessions_survive_kills_and_server_restarts(app: tuple[Harness, Ledger]) -> None:
    h, ledger = app
    plan = ChaosPlan(kills=3, server_restarts=1, interval=(0.2, 0.8), downtime=(0.0, 0.3), seed=20261121)
    result = run_chaos(h, ledger, sessions=8, messages=2, plan=plan, timeout=90)
    print("\n" + result.summary())
    assert not result.problems, "\n".join(result.problems)
    assert (result.counts.kills, result.counts.server_restarts) == (3, 1)
    sent = sum(len(amounts) for amounts in result.sent.values())
    assert sent >= 8 * 2 and result.answered == sent
    assert result.duplicates == 0
    # Completed model calls are journaled: only a call in flight at a disruption is made again.
    disruptions = result.counts.kills + result.counts.server_restarts
    assert 2 * sent <= result.model_calls <= 2 * sent + disruptions * result.sessions
