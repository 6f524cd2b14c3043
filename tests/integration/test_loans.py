"""The loan approval app against a real Restate server: both branches, crashes and restarts while the workflow
waits for its decision, duplicate submissions, repayments with compressed time, the officer's CLI."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

import pytest
from typer.testing import CliRunner

from resilient_agents import IngressError
from resilient_agents.cli import app, console
from resilient_agents.testing import Harness, TestServer, eventually, harness_fixture
from resilient_agents_apps.loans import BANK, monthly_payment
from tests.apps.loans import ENV, QUESTION

harness = harness_fixture("tests.apps.loans:SERVICES", env=ENV)
WORKFLOW = "LoanApprovalWorkflow"


def loan_request(customer: str, amount: float, months: int = 12, purpose: str = "") -> dict[str, Any]:
    request = {"customer_id": customer, "loan_amount": amount, "loan_duration_months": months, "purpose": purpose}
    return {"loan_request": request}


def transfers(h: Harness, account: str, loan_id: str) -> list[float]:
    """The amounts booked on `account` for the payout of `loan_id` (repayments excluded)."""
    history = h.ingress.call("LoanAccount", "get_transactions", key=account)["transactions"]
    return [t["amount"] for t in history if t["reason"] == f"Loan {loan_id}"]


def loan(h: Harness, customer: str, loan_id: str) -> dict[str, Any]:
    loans = h.ingress.call("LoanAccount", "get_loan_status", key=customer)["loans"]
    return next((item for item in loans if item["loan_id"] == loan_id), {"status": "not registered yet"})


def events(h: Harness, customer: str) -> list[str]:
    """The asynchronous messages in the customer's chat (decisions, questions, repayments)."""
    return [m["content"] for m in h.ingress.call("LoanAgent", "get_history", key=customer) if m["role"] == "event"]


def chat(h: Harness, customer: str, message: str) -> str:
    return str(h.ingress.call("LoanAgent", "run", message, key=customer)["final_output"])


def review_calls(h: Harness) -> int:
    return h.calls.count("model", "review")


def test_the_seed_requests_work_with_the_offline_model(harness: Harness) -> None:
    answer = chat(harness, "ada", "Hi, I would like to apply for a loan of 1000 euros.")
    assert answer.startswith("[offline model]") and "ada-loan-1" in answer and "submitted" in answer

    # the workflow starts the review session, which decides through the workflow's handler, as a tool
    eventually(lambda: any("Loan ada-loan-1 was approved" in e for e in events(harness, "ada")), timeout=30)
    review = harness.ingress.call("LoanReviewAgent", "get_history", key="ada-loan-1")
    decided = [m for m in review if m["role"] == "tool_call"]
    assert [m["tool_name"] for m in decided] == ["on_loan_decision"]
    assert decided[0]["agent"] == "Loan Review Agent"
    assert transfers(harness, "ada", "ada-loan-1") == [1000.0]
    assert transfers(harness, BANK, "ada-loan-1") == [-1000.0]

    status = chat(harness, "ada", "Hi, what is the status of my loan?")
    assert "get_loan_status" in status and "ada-loan-1" in status
    assert '"status": "approved"' in status or '"status": "repaid"' in status
    assert "balance" in chat(harness, "ada", "how much is my balance?")


def test_the_review_agent_rejects_and_no_money_moves(harness: Harness) -> None:
    harness.ingress.send(WORKFLOW, "run", loan_request("rex", 50_000), key="rex-1")
    decision = harness.ingress.workflow_attach(WORKFLOW, "rex-1")
    assert decision == {"approved": False, "reason": "The income does not cover it."}
    assert transfers(harness, "rex", "rex-1") == [] and transfers(harness, BANK, "rex-1") == []
    assert loan(harness, "rex", "rex-1")["status"] == "rejected"
    eventually(lambda: "Loan rex-1 was rejected. Reason: The income does not cover it." in events(harness, "rex"))
    with pytest.raises(IngressError) as again:
        harness.ingress.call(WORKFLOW, "on_loan_decision", {"approved": True}, key="rex-1")
    assert again.value.status == 409 and "already decided" in again.value.message


def test_the_agent_asks_the_customer_and_the_wait_survives_a_crash_and_a_restart(harness: Harness) -> None:
    before = review_calls(harness)
    harness.ingress.send(WORKFLOW, "run", loan_request("cleo", 2000, purpose="a bike; ask me anything"), key="cleo-1")
    eventually(lambda: loan(harness, "cleo", "cleo-1")["status"] == "waiting_for_customer", timeout=30)
    assert any(QUESTION in e for e in events(harness, "cleo"))
    assert harness.ingress.call(WORKFLOW, "get_status", key="cleo-1")["status"] == "in_review"
    eventually(lambda: review_calls(harness) - before == 2, message="question asked, turn closed")

    harness.kill_service()
    harness.start_service()
    harness.restart_server()

    answer = chat(harness, "cleo", "My answer for the reviewer: I earn 4000 euros a month")
    assert "answer_reviewer" in answer and "passed to the reviewer of loan cleo-1" in answer
    decision = harness.ingress.workflow_attach(WORKFLOW, "cleo-1", timeout=60)
    assert decision == {"approved": True, "reason": "Income confirmed by the customer."}
    assert transfers(harness, "cleo", "cleo-1") == [2000.0]
    # ask + close, then decide + close: the calls made before the crash were replayed, not repeated
    assert review_calls(harness) - before == 4
    review = harness.ingress.call("LoanReviewAgent", "get_history", key="cleo-1")
    assert [m["tool_name"] for m in review if m["role"] == "tool_call"] == ["request_info", "on_loan_decision"]


def test_a_person_decides_big_loans_across_a_crash_and_a_restart(
    harness: Harness, restate_server: TestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RA_INGRESS_PORT", str(restate_server.config.ingress_port))
    monkeypatch.setenv("RA_ADMIN_PORT", str(restate_server.config.admin_port))
    monkeypatch.setattr(console, "width", 200)
    before = review_calls(harness)
    cli = CliRunner()
    submitted = cli.invoke(app, ["loans", "apply", "hugo", "2000000", "--loan-id", "hugo-big"])
    assert submitted.exit_code == 0, submitted.output
    eventually(lambda: harness.ingress.call(WORKFLOW, "get_status", key="hugo-big")["status"] == "waiting_for_human")
    assert loan(harness, "hugo", "hugo-big")["status"] == "waiting_for_human"
    eventually(lambda: any("needs a decision by a loan officer" in e for e in events(harness, "hugo")))
    pending = cli.invoke(app, ["loans", "pending"])
    assert pending.exit_code == 0 and "hugo-big" in pending.output and "2,000,000.00" in pending.output

    harness.kill_service()
    harness.start_service()
    harness.restart_server()

    decided = cli.invoke(app, ["loans", "decide", "hugo-big", "--approve", "--reason", "collateral checked"])
    assert decided.exit_code == 0 and "Loan hugo-big approved." in decided.output, decided.output
    assert harness.ingress.workflow_attach(WORKFLOW, "hugo-big", timeout=60) == {
        "approved": True,
        "reason": "collateral checked",
    }
    assert transfers(harness, "hugo", "hugo-big") == [2_000_000.0]
    assert transfers(harness, BANK, "hugo-big") == [-2_000_000.0]
    assert harness.service_log_text().count("loan hugo-big needs a human decision") == 1, "the request ran once"
    assert review_calls(harness) == before, "no agent reviews a loan of a million or more"
    status = cli.invoke(app, ["loans", "status", "hugo-big"])
    assert "approved" in status.output and "human" in status.output
    again = cli.invoke(app, ["loans", "decide", "hugo-big", "--reject"])
    assert again.exit_code == 1 and "already decided" in again.output
    eventually(lambda: any("Loan hugo-big was approved" in e for e in events(harness, "hugo")))


def test_a_person_rejects_through_the_handler(harness: Harness) -> None:
    harness.ingress.send(WORKFLOW, "run", loan_request("hugo", 5_000_000), key="hugo-huge")
    eventually(lambda: harness.ingress.call(WORKFLOW, "get_status", key="hugo-huge")["status"] == "waiting_for_human")
    reply = harness.ingress.call(
        WORKFLOW, "on_loan_decision", {"approved": False, "reason": "too risky"}, key="hugo-huge"
    )
    assert reply == "Loan hugo-huge rejected."
    assert harness.ingress.workflow_attach(WORKFLOW, "hugo-huge")["approved"] is False
    assert transfers(harness, "hugo", "hugo-huge") == []
    assert loan(harness, "hugo", "hugo-huge")["status"] == "rejected"


def test_submitting_the_same_loan_twice_starts_one_workflow(harness: Harness) -> None:
    body = loan_request("dora", 1500)
    first = harness.ingress.send(WORKFLOW, "run", body, key="dora-1")
    second = harness.ingress.send(WORKFLOW, "run", body, key="dora-1")
    assert first == second
    assert harness.ingress.workflow_attach(WORKFLOW, "dora-1")["approved"] is True
    with pytest.raises(IngressError) as late:
        harness.ingress.call(WORKFLOW, "run", body, key="dora-1")
    assert late.value.status == 409
    runs = harness.query(f"select count(*) as n from sys_invocation where target = '{WORKFLOW}/dora-1/run'")
    assert runs[0]["n"] == 1
    assert transfers(harness, "dora", "dora-1") == [1500.0] and transfers(harness, BANK, "dora-1") == [-1500.0]
    review = harness.ingress.call("LoanReviewAgent", "get_history", key="dora-1")
    assert len([m for m in review if m["role"] == "user"]) == 1, "one review"


def test_repayments_fire_every_interval_until_the_loan_is_repaid(harness: Harness) -> None:
    harness.ingress.send(WORKFLOW, "run", loan_request("pia", 1200, months=3), key="pia-1")
    assert harness.ingress.workflow_attach(WORKFLOW, "pia-1")["approved"] is True
    repaid = eventually(lambda: (item := loan(harness, "pia", "pia-1"))["status"] == "repaid" and item, timeout=30)
    installment = monthly_payment(1200, 3)
    assert repaid["payments_made"] == 3 and repaid["repaid"] == round(3 * installment, 2)
    assert repaid["next_payment_at_ms"] is None
    history = harness.ingress.call("LoanAccount", "get_transactions", key="pia")["transactions"]
    payments = [t for t in history if t["reason"].startswith("Loan repayment pia-1")]
    assert [t["amount"] for t in payments] == [-installment] * 3
    times = [datetime.fromisoformat(t["timestamp"]) for t in payments]
    gaps = [(later - earlier).total_seconds() for earlier, later in itertools.pairwise(times)]
    assert all(gap >= 0.4 * 0.8 for gap in gaps), f"one repayment per interval (0.4 s here), gaps {gaps}"
    bank = harness.ingress.call("LoanAccount", "get_transactions", key=BANK)["transactions"]
    assert [t["amount"] for t in bank if t["reason"].startswith("Loan repayment pia-1")] == [installment] * 3
    eventually(lambda: any("Loan pia-1 is fully repaid" in e for e in events(harness, "pia")))
    leftover = harness.query(
        "select status from sys_invocation where target = 'LoanAccount/pia/loan_payment' and status != 'completed'"
    )
    assert leftover == [], "nothing stays scheduled after the last repayment"


def test_bad_loan_requests_are_refused(harness: Harness) -> None:
    with pytest.raises(IngressError) as negative:
        harness.ingress.call(WORKFLOW, "run", loan_request("eve", -5), key="eve-1")
    assert negative.value.status == 400 and "loan_request.loan_amount" in negative.value.message
    with pytest.raises(IngressError) as bank:
        harness.ingress.call(WORKFLOW, "run", loan_request(BANK, 5), key="bank-1")
    assert bank.value.status == 400 and "customer_id" in bank.value.message
    with pytest.raises(IngressError) as unknown:
        harness.ingress.call(WORKFLOW, "on_loan_decision", {"approved": True}, key="no-such-loan")
    assert unknown.value.status == 404
    with pytest.raises(IngressError) as odd_key:
        harness.ingress.call("LoanAccount", "apply_for_loan", {"amount": 10}, key="k" * 70)
    assert odd_key.value.status == 400 and "cannot hold a loan" in odd_key.value.message
    with pytest.raises(IngressError) as private:
        harness.ingress.call("LoanAccount", "deposit", {"reason": "gift", "amount": 1e6, "timestamp": "now"}, key="eve")
    assert private.value.status in (400, 404), "money moves only through the workflow"
