"""The bank's saga: a bill paid in a run that then fails is refunded (offline model, real server)."""

from __future__ import annotations

import pytest

from resilient_agents import IngressError
from resilient_agents.testing import Harness, eventually, harness_fixture

harness = harness_fixture("resilient_agents_apps.bank:SERVICES", env={"RA_MODEL": "offline"})


def test_a_payment_is_refunded_when_the_run_runs_out_of_budget(harness: Harness) -> None:
    customer = "hank"
    before = harness.ingress.call("Account", "get_balance", key=customer)["balance"]
    # intake hands off, the account agent pays; the third model call (the answer) is over the limit
    harness.ingress.call("AgentSession", "configure", {"max_turns": 2}, key=customer)
    invocation = harness.ingress.send("AgentSession", "run", "pay 40 to the electricity company", key=customer)
    pending = eventually(
        lambda: harness.ingress.call("AgentSession", "get_state", key=customer)["pending_approvals"],
        message="the payment waits for approval",
    )
    harness.ingress.call("AgentSession", "approve", {"approval_id": pending[0]["id"]}, key=customer)
    with pytest.raises(IngressError) as failed:
        harness.ingress.attach(invocation)
    assert failed.value.status == 429 and "max_turns reached" in failed.value.message

    assert harness.ingress.call("Account", "get_balance", key=customer)["balance"] == before
    newest = harness.ingress.call("Account", "get_transactions", key=customer)[:2]
    assert [(t["description"], t["amount"]) for t in newest] == [
        ("Refund: electricity company", 40.0),
        ("electricity company", -40.0),
    ]
    events = [m["content"] for m in harness.ingress.call("AgentSession", "get_history", key=customer)]
    assert 'compensated: refund_bill({"amount": 40.0, "payee": "electricity company"}) for pay_bill' in events
    refunds = harness.query(
        f"select status from sys_invocation where target = 'Account/{customer}/refund_bill'"
        f" and invoked_by_id = '{invocation}'"
    )
    assert refunds == [{"status": "completed"}], "one refund, a Restate call of the failed run"
    # only Restate may refund: the handler is not reachable through the ingress
    with pytest.raises(IngressError) as private:
        harness.ingress.call("Account", "refund_bill", {}, key=customer)
    assert private.value.status == 400 and "not public" in private.value.message
