"""The bank agent with the offline model: the seed's three requests through the ingress (as curl sends them) and
through the CLI client, a payment that waits for the customer's approval, and a clear error without Restate."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from urllib.parse import urlsplit

import httpx
from typer.testing import CliRunner

from resilient_agents.cli import app
from resilient_agents.engine import free_port
from resilient_agents.testing import Harness, eventually, harness_fixture

harness = harness_fixture("resilient_agents_apps.bank:SERVICES", env={"RA_MODEL": "offline"})


def curl_run(h: Harness, customer: str, message: str) -> dict[str, object]:
    """`curl localhost:8080/AgentSession/<customer>/run --json '"<message>"'`."""
    response = httpx.post(
        f"{h.ingress.url}/AgentSession/{customer}/run",
        content=json.dumps(message).encode(),
        headers={"content-type": "application/json", "accept": "application/json"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    result: dict[str, object] = response.json()
    return result


def cli_env(h: Harness) -> dict[str, str]:
    return {"RA_INGRESS_PORT": str(urlsplit(h.ingress.url).port), "RA_SESSION": "alice"}


def test_the_seed_requests(harness: Harness) -> None:
    balance = curl_run(harness, "alice", "how much is my balance?")
    assert balance["agent"] == "Account Agent"
    assert '"balance": 4250.4' in str(balance["final_output"]) and "EUR" in str(balance["final_output"])

    gambling = curl_run(harness, "alice", "how much did I spend on gambling last month?")
    output = str(gambling["final_output"])
    assert gambling["agent"] == "Account Agent"
    assert '"category": "gambling"' in output and '"total_spent": 115.0' in output

    loans = curl_run(harness, "alice", "give me an overview of my outstanding loans and credit")
    output = str(loans["final_output"])
    assert loans["agent"] == "Loan Agent"
    assert "Car purchase" in output and '"total_outstanding": 6920.0' in output and '"credit_limit": 2000.0' in output

    history = harness.ingress.call("AgentSession", "get_history", key="alice")
    handoffs = [m["content"] for m in history if m["role"] == "handoff"]
    assert handoffs == ["Intake Agent -> Account Agent", "Account Agent -> Loan Agent"]
    state = harness.ingress.call("AgentSession", "get_state", key="alice")
    assert state["turns"] == 3 and state["agent"] == "Loan Agent" and state["usage"]["requests"] >= 6


def test_each_customer_sees_only_their_own_account(harness: Harness) -> None:
    bob = str(curl_run(harness, "bob", "how much did I spend on gambling last month?")["final_output"])
    assert '"total_spent": 0.0' in bob
    carol = str(curl_run(harness, "carol", "how much is my balance?")["final_output"])
    assert '"customer_id": "carol"' in carol and "310.25" in carol and "alice" not in carol


def test_the_cli_client(harness: Harness) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["client", "how much is my balance?", "--session", "dave"], env=cli_env(harness))
    assert result.exit_code == 0, result.output
    assert '"customer_id": "dave"' in result.output and "-- Account Agent" in result.output
    default = runner.invoke(
        app, ["client", "give me an overview of my outstanding loans and credit"], env=cli_env(harness)
    )
    assert default.exit_code == 0 and "-- Loan Agent" in default.output and "Car purchase" in default.output
    # --mode goes through the session's `message` handler; with nothing running, incorporate becomes a new run
    queued = runner.invoke(
        app, ["client", "how much is my balance?", "--session", "gina", "--mode", "incorporate"], env=cli_env(harness)
    )
    assert queued.exit_code == 0 and "queue: run inv_" in queued.output and '"customer_id": "gina"' in queued.output


def test_the_cli_says_when_restate_is_not_reachable() -> None:
    result = CliRunner().invoke(app, ["client", "hello"], env={"RA_INGRESS_PORT": str(free_port())})
    assert result.exit_code == 1
    assert "cannot reach Restate" in result.output and "make run" in result.output
    bad = CliRunner().invoke(app, ["client", "hello", "--app", "nope"])
    assert bad.exit_code == 1 and "--app" in bad.output


def test_a_scheduled_payment_waits_for_approval(harness: Harness) -> None:
    customer = "erin"
    before = harness.ingress.call("Account", "get_balance", key=customer)["balance"]
    env = {**os.environ, **cli_env(harness), "COLUMNS": "200", "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "resilient_agents.cli", "client", "pay 20 to the water company in 2 seconds"]
    client = subprocess.Popen([*command, "--session", customer], env=env, stdout=subprocess.PIPE, text=True)
    lines: list[str] = []
    stream = client.stdout
    assert stream is not None
    reader = threading.Thread(target=lambda: lines.extend(iter(stream.readline, "")), daemon=True)
    reader.start()
    try:
        # the client announces the approval (with the command to give it) while the run waits
        eventually(lambda: any("waiting for approval" in line for line in lines), message="the client announced it")
        state = harness.ingress.call("AgentSession", "get_state", key=customer)
        pending = state["pending_approvals"][0]
        assert pending["tool_name"] == "pay_bill" and pending["arguments"] == {"payee": "water company", "amount": 20.0}
        assert pending["delay_seconds"] == 2.0 and state["status"] == "waiting_for_approval"
        approved = CliRunner().invoke(app, ["approve", pending["id"], "--session", customer], env=cli_env(harness))
        assert approved.exit_code == 0 and f"approved {pending['id']} (pay_bill)" in approved.output
        client.wait(timeout=60)
        reader.join(timeout=10)
    finally:
        client.kill()
    output = "".join(lines)
    assert f"waiting for approval {pending['id']}: pay_bill" in output
    assert f"resilient-agents approve {pending['id']} --app bank --session {customer}" in output
    assert '"scheduled": true' in output and "-- Account Agent" in output
    assert harness.ingress.call("Account", "get_balance", key=customer)["balance"] == before, "paid before the delay"
    eventually(
        lambda: harness.ingress.call("Account", "get_balance", key=customer)["balance"] == round(before - 20, 2),
        timeout=20,
        message="the scheduled payment ran",
    )


def test_rejecting_with_the_cli(harness: Harness) -> None:
    customer = "frank"
    invocation = harness.ingress.send("AgentSession", "run", "pay 75 to the gym", key=customer)
    state = eventually(lambda: harness.ingress.call("AgentSession", "get_state", key=customer)["pending_approvals"])
    result = CliRunner().invoke(
        app, ["reject", state[0]["id"], "--session", customer, "--reason", "not mine"], env=cli_env(harness)
    )
    assert result.exit_code == 0 and "rejected" in result.output
    answer = harness.ingress.attach(invocation)
    assert "rejected (human): not mine" in answer["final_output"]
    missing = CliRunner().invoke(app, ["approve", "ap-none", "--session", customer], env=cli_env(harness))
    assert missing.exit_code == 1 and "no pending approval 'ap-none'" in missing.output
