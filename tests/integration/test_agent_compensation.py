"""Saga compensation in the native loop, against a real server: a run that fails undoes the completed calls of
that run, newest first, each exactly once (also across a crash in the middle of undoing), and still fails."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from resilient_agents import IngressError
from resilient_agents.testing import Harness, eventually, harness_fixture

harness = harness_fixture("tests.apps.agents_compensation:services", env={"RA_MODEL": "registered:saga-script"})
SESSION = "SagaSession"


def new_key(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def steps(*calls: tuple[str, dict[str, Any]], then: str = "do") -> str:
    """A script for the model: the calls one per model call, then answer ("do") or fail ("fail")."""
    return f"{then} " + json.dumps([list(c) for c in calls])


def limit_turns(h: Harness, key: str, max_turns: int) -> None:
    h.ingress.call(SESSION, "configure", {"max_turns": max_turns}, key=key)


def events(h: Harness, key: str) -> list[str]:
    return [m["content"] for m in h.ingress.call(SESSION, "get_history", key=key) if m["role"] == "event"]


def undo_order(h: Harness, key: str) -> list[tuple[str, str]]:
    """The undos of this session's calls, in the order they were applied."""
    return [(e["kind"], e["name"]) for e in h.calls.entries() if e["kind"] in ("cancel", "unnote", "unremind")
            and key in str(e["name"])]  # fmt: skip


def booking_undos(h: Harness, invocation: str) -> list[dict[str, Any]]:
    """The `cancel_booking` invocations the run `invocation` started."""
    return h.query(
        "select status from sys_invocation where target = 'SagaBookings/cancel_booking'"
        f" and invoked_by_id = '{invocation}'"
    )


def test_a_run_out_of_budget_undoes_its_calls_newest_first(harness: Harness) -> None:
    key = new_key("budget")
    limit_turns(harness, key, 2)  # two model calls: book, then jot; the third (the answer) is refused
    message = steps(("book", {"name": f"{key}-hotel"}), ("jot", {"text": key}))
    invocation = harness.ingress.send(SESSION, "run", message, key=key)
    with pytest.raises(IngressError) as failed:
        harness.ingress.attach(invocation)
    assert failed.value.status == 429 and "max_turns reached" in failed.value.message
    assert harness.calls.count("book", f"{key}-hotel") == 1 and harness.calls.count("note", key) == 1
    assert undo_order(harness, key) == [("unnote", key), ("cancel", f"{key}-hotel")]
    cancel = harness.calls.entries("cancel", f"{key}-hotel")[0]
    assert cancel["booking_id"] == f"bk-{key}-hotel", "the compensation received the call's result"
    assert cancel["reason"].startswith("the run stopped: max_turns reached")
    assert harness.calls.entries("unnote", key)[0]["result"] == f"noted {key}"
    # the function's undo is a journaled step of the run, the handler's its own invocation
    journal = harness.query(f"select name from sys_journal where id = '{invocation}' and name = 'compensate unjot'")
    assert len(journal) == 1
    assert booking_undos(harness, invocation) == [{"status": "completed"}]
    assert events(harness, key) == [
        f'compensated: unjot({{"text": "{key}"}}) for jot',
        f'compensated: cancel_booking({{"name": "{key}-hotel"}}) for book',
        "The run was stopped: max_turns reached: 2 model calls in this run (the limit is 2); ask again, or raise"
        " max_turns with `configure`",
    ]
    assert harness.ingress.call(SESSION, "get_state", key=key)["status"] == "idle"
    # the next run starts from a valid history and commits: nothing of it is undone
    limit_turns(harness, key, 10)
    assert harness.ingress.call(SESSION, "run", "say hello", key=key)["final_output"] == "said: hello"
    assert len(undo_order(harness, key)) == 2


def test_a_terminal_model_error_undoes_the_run(harness: Harness) -> None:
    key = new_key("model")
    with pytest.raises(IngressError) as failed:
        harness.ingress.call(SESSION, "run", steps(("jot", {"text": key}), then="fail"), key=key)
    assert failed.value.status == 400 and "the provider refused the request" in failed.value.message
    assert undo_order(harness, key) == [("unnote", key)]
    assert events(harness, key)[0] == f'compensated: unjot({{"text": "{key}"}}) for jot'


def test_a_successful_run_commits(harness: Harness) -> None:
    key = new_key("ok")
    result = harness.ingress.call(
        SESSION, "run", steps(("book", {"name": f"{key}-flight"}), ("jot", {"text": key})), key=key
    )
    assert result["final_output"] == "done: book=success; jot=success"
    # a later run that fails does not touch the calls of the run that answered
    limit_turns(harness, key, 1)
    with pytest.raises(IngressError):
        harness.ingress.call(SESSION, "run", steps(("jot", {"text": f"{key}-2"})), key=key)
    assert undo_order(harness, key) == [("unnote", f"{key}-2")]
    assert harness.calls.count("book", f"{key}-flight") == 1
    assert not any(e.startswith("compensat") and "flight" in e for e in events(harness, key))


def test_a_failed_tool_is_not_compensated(harness: Harness) -> None:
    key = new_key("failed")
    limit_turns(harness, key, 2)
    message = steps(("book", {"name": f"{key}-car"}), ("sold_out", {"name": f"{key}-boat"}))
    with pytest.raises(IngressError) as failed:
        harness.ingress.call(SESSION, "run", message, key=key)
    assert failed.value.status == 429
    assert undo_order(harness, key) == [("cancel", f"{key}-car")]
    assert [e for e in events(harness, key) if e.startswith("compensat")] == [
        f'compensated: cancel_booking({{"name": "{key}-car"}}) for book'
    ]


def test_an_interrupt_undoes_the_completed_calls(harness: Harness) -> None:
    key = new_key("interrupt")
    message = steps(("book", {"name": f"{key}-hotel"}), ("jot", {"text": key}), ("wait", {"seconds": 30}))
    first = harness.ingress.send(SESSION, "run", message, key=key)
    wait_started = f"select id from sys_invocation where target = 'SagaBookings/wait' and invoked_by_id = '{first}'"
    eventually(lambda: harness.query(wait_started), message="the run waits in its third step")
    receipt = harness.ingress.call(SESSION, "message", {"message": "say stop", "mode": "interrupt"}, key=key)
    assert receipt["mode"] == "interrupt" and receipt["cancelled_invocation_id"] == first
    with pytest.raises(IngressError) as cancelled:
        harness.ingress.attach(first)
    assert cancelled.value.status == 409
    # the new run starts after the cancelled one finished undoing
    assert harness.ingress.attach(receipt["invocation_id"])["final_output"] == "said: stop"
    assert undo_order(harness, key) == [("unnote", key), ("cancel", f"{key}-hotel")]
    assert harness.calls.entries("cancel", f"{key}-hotel")[0]["reason"] == "the run was interrupted"
    history = harness.ingress.call(SESSION, "get_history", key=key)
    roles = [m["role"] for m in history]
    assert roles[-6:] == ["tool_result", "event", "event", "event", "user", "assistant"]
    assert history[-6]["is_error"] and "interrupted" in history[-6]["content"]
    assert [m["content"] for m in history[-5:-2]] == [
        f'compensated: unjot({{"text": "{key}"}}) for jot',
        f'compensated: cancel_booking({{"name": "{key}-hotel"}}) for book',
        "The run was interrupted",
    ]


IN_FLIGHT = {
    # Restate cancels the run's in-flight call: the booking never applies, so there is nothing to undo
    "handler": ("book", {"name": "{key}", "book_delay": 30}, "SagaBookings/book", 0),
    # a function tool in flight finishes, then is undone
    "function": ("slow_jot", {"text": "{key}", "seconds": 1.0}, None, 1),
}


@pytest.mark.parametrize("kind", list(IN_FLIGHT))
def test_an_interrupt_waits_for_the_calls_in_flight(harness: Harness, kind: str) -> None:
    key = new_key(f"flight-{kind}")
    tool, template, target, applied = IN_FLIGHT[kind]
    arguments = json.loads(json.dumps(template).replace("{key}", key))
    first = harness.ingress.send(SESSION, "run", steps((tool, arguments)), key=key)
    if target is not None:
        started = f"select id from sys_invocation where target = '{target}' and invoked_by_id = '{first}'"
        eventually(lambda: harness.query(started), message="the call is in flight")
    else:
        eventually(lambda: harness.calls.count("note-started", key) == 1, message="the function is running")
    receipt = harness.ingress.call(SESSION, "message", {"message": "say stop", "mode": "interrupt"}, key=key)
    assert harness.ingress.attach(receipt["invocation_id"])["final_output"] == "said: stop"
    effect = "book" if tool == "book" else "note"
    assert harness.calls.count(effect, key) == applied
    assert len(undo_order(harness, key)) == applied
    compensated = [e for e in events(harness, key) if e.startswith("compensated")]
    assert len(compensated) == applied


def test_a_crash_while_undoing_applies_each_undo_once(harness: Harness) -> None:
    key = new_key("crash")
    limit_turns(harness, key, 2)
    # undone newest first: the flight at once, then the hotel after a 3 s durable timer (the crash lands there)
    message = steps(("book", {"name": f"{key}-hotel", "undo_delay": 3.0}), ("book", {"name": f"{key}-flight"}))
    invocation = harness.ingress.send(SESSION, "run", message, key=key)
    eventually(
        lambda: harness.calls.count("cancel", f"{key}-flight") == 1 and len(booking_undos(harness, invocation)) == 2,
        message="the flight is cancelled, the hotel's cancellation waits",
    )
    harness.kill_service()
    assert harness.calls.count("cancel", f"{key}-hotel") == 0, "the crash came after the undo: nothing tested"
    harness.start_service()
    with pytest.raises(IngressError) as failed:
        harness.ingress.attach(invocation)
    assert failed.value.status == 429
    assert undo_order(harness, key) == [("cancel", f"{key}-flight"), ("cancel", f"{key}-hotel")]
    assert harness.calls.count("book", f"{key}-hotel") == 1 and harness.calls.count("book", f"{key}-flight") == 1
    assert [e for e in events(harness, key) if e.startswith("compensated")] == [
        f'compensated: cancel_booking({{"name": "{key}-flight"}}) for book',
        f'compensated: cancel_booking({{"name": "{key}-hotel", "undo_delay": 3.0}}) for book',
    ]


def test_an_interrupt_does_not_cancel_the_undo(harness: Harness) -> None:
    key = new_key("undoing")
    limit_turns(harness, key, 1)
    invocation = harness.ingress.send(SESSION, "run", steps(("book", {"name": key, "undo_delay": 1.0})), key=key)
    eventually(lambda: booking_undos(harness, invocation), message="the undo is under way")
    # the failing run let go of its inbox before undoing: the interrupt becomes a queued run
    receipt = harness.ingress.call(SESSION, "message", {"message": "say next", "mode": "interrupt"}, key=key)
    assert receipt["mode"] == "queue" and receipt["cancelled_invocation_id"] is None
    with pytest.raises(IngressError) as failed:
        harness.ingress.attach(invocation)
    assert failed.value.status == 429
    assert harness.calls.count("cancel", key) == 1
    assert harness.ingress.attach(receipt["invocation_id"])["final_output"] == "said: next"


def test_delayed_calls_are_cancelled_or_undone(harness: Harness) -> None:
    key = new_key("delayed")
    limit_turns(harness, key, 3)
    message = steps(
        ("remind", {"note": f"{key}-soon", "delay_seconds": 0.1}),
        ("remind", {"note": f"{key}-later", "delay_seconds": 3600}),
        ("wait", {"seconds": 2.0}),  # the first reminder (0.1 s) runs meanwhile
    )
    with pytest.raises(IngressError) as failed:
        harness.ingress.call(SESSION, "run", message, key=key)
    assert failed.value.status == 429
    # the reminder that ran is taken back with its result; the one still waiting is cancelled and never runs
    assert harness.calls.count("reminder", f"{key}-soon") == 1
    assert harness.calls.entries("unremind", f"{key}-soon")[0]["result"] == f"reminded: {key}-soon"
    assert harness.calls.count("unremind", f"{key}-later") == 0
    compensations = [e for e in events(harness, key) if e.startswith(("compensated", "cancelled"))]
    assert compensations == [
        f'cancelled: remind({{"note": "{key}-later"}}) before it completed',
        f'compensated: unremind({{"note": "{key}-soon"}}) for remind',
    ]
    # nothing is left scheduled: the cancelled call is gone, only the one that ran is on record
    reminders = harness.query(
        "select status, completion_result from sys_invocation where target = 'LoopTools/remind'"
        f" and invoked_by_target = '{SESSION}/{key}/run'"
    )
    assert reminders == [{"status": "completed", "completion_result": "success"}]
