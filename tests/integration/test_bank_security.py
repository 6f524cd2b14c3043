"""The customer is the session key: a model that asks for another customer's data (or to move their money) gets
the session's own customer's data or a refusal, and never reaches the other account."""

from __future__ import annotations

import json

from resilient_agents.testing import Harness, harness_fixture

harness = harness_fixture("tests.apps.bank_attacker:services", env={"RA_MODEL": "registered:bank-attacker"})


def test_a_model_cannot_reach_another_customers_account(harness: Harness) -> None:
    bob_balance = harness.ingress.call("Account", "get_balance", key="bob")["balance"]
    result = harness.ingress.call("AgentSession", "run", "attack", key="alice")
    answers = json.loads(result["final_output"])
    by_call = [(name, outcome) for name, outcome, _ in answers]
    assert by_call == [
        ("get_balance", "retried"),
        ("get_spending", "retried"),
        ("get_transactions", "retried"),
        ("pay_bill", "retried"),
        ("get_balance", "success"),
    ], "every call that named bob was refused before it ran (the payment never even asked for approval)"
    assert "customer_id" in answers[0][2] and "customer_id" in answers[1][2] and "customer" in answers[2][2]
    assert "account" in answers[3][2]
    assert answers[4][2] == {"customer_id": "alice", "balance": 4250.4, "currency": "EUR"}
    history = json.dumps(harness.ingress.call("AgentSession", "get_history", key="alice"))
    assert str(bob_balance) not in history and "Bob Jansen" not in history
    from_session = harness.query(
        "select target from sys_invocation where target_service_name = 'Account'"
        " and invoked_by_target like 'AgentSession/alice/%'"
    )
    assert from_session and {row["target"].split("/")[1] for row in from_session} == {"alice"}
