"""The airline customer-service agent, served as `make run` serves it, with the offline model (no RA_MODEL).

The seeds' requests work as written: "can you change my seat to 10b?" asks for the confirmation number and
the next message "5666" completes the change; "can you send me an invoice for booking AB4568?" sends it. The
bookings are Restate state (`Booking/<confirmation number>`), changed exactly once.
"""

from __future__ import annotations

import json

import pytest

from resilient_agents.testing import Harness, harness_fixture

harness = harness_fixture("resilient_agents_apps.airline:SERVICES")

OPENAI = "AirlineAgent"
PYDANTIC = "AirlineAgentPydantic"


@pytest.mark.parametrize("session", [OPENAI, PYDANTIC])
def test_seat_change_asks_for_the_confirmation_number_then_completes(harness: Harness, session: str) -> None:
    key = f"seat-{session}"
    before = harness.ingress.call("Booking", "get", key="5666")
    first = harness.ingress.call(session, "run", "can you change my seat to 10b?", key=key)
    assert "confirmation number" in first["final_output"]
    assert first["final_output"].startswith("[offline model]")
    if session == OPENAI:
        assert first["agent"] == "Seat Booking Agent", "the triage agent handed the seat change over"
        assert [m["role"] for m in first["messages"]] == ["user", "handoff", "assistant"]
    second = harness.ingress.call(session, "run", "5666", key=key)
    assert "Seat changed to 10B on booking 5666" in second["final_output"]
    assert second["agent"] == first["agent"]
    booking = harness.ingress.call("Booking", "get", key="5666")
    assert booking["seat"] == "10B" and booking["passenger"] == before["passenger"]
    calls = [m for m in second["messages"] if m["role"] == "tool_call"]
    assert [(c["tool_name"], json.loads(c["content"])) for c in calls] == [
        ("update_seat", {"confirmation_number": "5666", "new_seat": "10B"})
    ]


@pytest.mark.parametrize("session", [OPENAI, PYDANTIC])
def test_invoice_is_sent_once_per_request(harness: Harness, session: str) -> None:
    sent_before = harness.ingress.call("Booking", "get", key="AB4568")["invoices_sent"]
    reply = harness.ingress.call(session, "run", "can you send me an invoice for booking AB4568?", key=f"inv-{session}")
    assert "Invoice for booking AB4568" in reply["final_output"] and "grace@example.com" in reply["final_output"]
    if session == OPENAI:
        assert reply["agent"] == "Triage Agent", "the triage agent sends invoices itself"
    assert harness.ingress.call("Booking", "get", key="AB4568")["invoices_sent"] == sent_before + 1


def test_questions_are_handed_to_the_faq_agent(harness: Harness) -> None:
    reply = harness.ingress.call(OPENAI, "run", {"message": "how much baggage can I bring?"}, key="faq")
    assert reply["agent"] == "FAQ Agent"
    assert "carry-on bag" in reply["final_output"]
    history = harness.ingress.call(OPENAI, "get_history", key="faq")
    assert [(m["role"], m["agent"], m["tool_name"]) for m in history] == [
        ("user", None, None),
        ("handoff", "FAQ Agent", None),
        ("tool_call", "FAQ Agent", "faq_lookup"),
        ("tool_result", "FAQ Agent", "faq_lookup"),
        ("assistant", "FAQ Agent", None),
    ]
    assert [m["index"] for m in history] == list(range(5))
    state = harness.ingress.call(OPENAI, "get_state", key="faq")
    assert state["agent"] == "FAQ Agent" and state["status"] == "idle" and state["framework"] == "openai-agents"
    assert state["turns"] == 1 and state["usage"]["requests"] == 3 and state["usage"]["output_tokens"] > 0


def test_unknown_booking_is_answered_not_failed(harness: Harness) -> None:
    reply = harness.ingress.call(PYDANTIC, "run", "please send the invoice for booking ZZ9999", key="unknown")
    assert "no booking with confirmation number ZZ9999" in reply["final_output"]


def test_sessions_are_separate_conversations(harness: Harness) -> None:
    harness.ingress.call(OPENAI, "run", "can you change my seat to 10b?", key="alice")
    other = harness.ingress.call(OPENAI, "run", "hello", key="bob")
    assert other["agent"] == "Triage Agent" and other["turn"] == 1
    assert harness.ingress.call(OPENAI, "get_state", key="alice")["agent"] == "Seat Booking Agent"
    harness.ingress.call(OPENAI, "reset", key="alice")
    assert harness.ingress.call(OPENAI, "get_history", key="alice") == []
    assert harness.ingress.call(OPENAI, "get_state", key="alice")["agent"] == "Triage Agent"
