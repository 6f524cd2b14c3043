"""The pattern services as `make run` serves them (offline model): the seeds' requests work as written, every
default request gives a sensible deterministic result, bad input is a terminal 400, and the CLI clients work.
"""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from resilient_agents import IngressError
from resilient_agents.cli import app
from resilient_agents.testing import Harness, eventually
from resilient_agents_apps.patterns.specialists import TICKETS
from tests.apps.patterns_support import call_shared, patterns_harness

harness = patterns_harness("resilient_agents_apps.patterns:SERVICES")
OFFLINE = "[offline model]"


def test_chaining_default_request(harness: Harness) -> None:
    result = harness.ingress.call("CallChainingService", "run", {})
    assert len(result["steps"]) == 4
    assert all(s["output"].startswith(OFFLINE) for s in result["steps"])
    assert result["result"] == result["steps"][-1]["output"]
    assert harness.ingress.call("CallChainingService", "run", {}) == result, "deterministic"


def test_parallelization_seed_request_returns_one_result_per_input(harness: Harness) -> None:
    request = {"prompt": "Translate to French", "inputs": ["good morning", "thank you", "see you soon"]}
    result = harness.ingress.call("ParallelizationService", "run_in_parallel", request)
    assert [r["input"] for r in result["results"]] == request["inputs"]
    for item in result["results"]:
        assert item["output"].startswith(OFFLINE) and item["input"] in item["output"]
    assert len(harness.ingress.call("ParallelizationService", "run_in_parallel", {})["results"]) == 4


def test_parallel_tool_agent_default_request_calls_three_tools(harness: Harness) -> None:
    result = harness.ingress.call("ParallelToolAgent", "run", {})
    assert [c["tool"] for c in result["tool_calls"]] == ["get_weather", "find_hotels", "find_flights"]
    assert all(c["args"] == {"city": "Paris"} for c in result["tool_calls"])
    assert result["rounds"] == 2
    assert "Riverside Inn" in result["answer"] or "Hotel" in result["answer"]


def test_tool_router_default_request_loops_until_an_answer(harness: Harness) -> None:
    result = harness.ingress.call("ToolRouterService", "route", {})
    assert sorted(c["tool"] for c in result["tool_calls"]) == ["check_account_status", "send_password_reset"]
    assert all(c["args"] == {"email": "jonas@example.com"} for c in result["tool_calls"])
    assert "password reset link sent" in result["answer"]


@pytest.mark.parametrize(("ticket", "agent"), zip(TICKETS, ["account", "billing", "product"], strict=True))
def test_agent_router_routes_the_sample_tickets(harness: Harness, ticket: str, agent: str) -> None:
    result = harness.ingress.call("AgentRouterService", "route", {"message": ticket})
    assert result["agent"] == agent
    assert result["answer"].startswith(OFFLINE)


def test_remote_agent_router_calls_the_specialist_service(harness: Harness) -> None:
    result = harness.ingress.call("RemoteAgentRouter", "route", {"message": TICKETS[1]})
    assert result["agent"] == "billing"
    assert harness.ingress.call("BillingAgent", "run", TICKETS[1]) == result["answer"], "the same specialist answer"
    rows = harness.query("select count(*) as n from sys_invocation where target = 'BillingAgent/run'")
    assert rows[0]["n"] >= 2


def test_parallel_agents_default_request(harness: Harness) -> None:
    result = harness.ingress.call("ParallelAgentsService", "analyze_text", {})
    assert [a["agent"] for a in result["analyses"]] == ["sentiment", "key_points", "summary"]


def test_orchestrator_falls_back_to_default_approaches_offline(harness: Harness) -> None:
    result = harness.ingress.call("Orchestrator", "process_text", {})
    assert [w["type"] for w in result["worker_results"]] == ["formal", "conversational"]
    assert all(w["result"].startswith(OFFLINE) for w in result["worker_results"])
    assert result["combined"].startswith(OFFLINE)


def test_evaluator_default_request_passes_in_one_round_offline(harness: Harness) -> None:
    result = harness.ingress.call("EvaluatorOptimizer", "improve_until_good", {})
    assert result["accepted"] is True
    assert [r["status"] for r in result["rounds"]] == ["PASS"]


def test_racing_default_request_the_primary_wins_the_backup_is_cancelled(harness: Harness) -> None:
    result = harness.ingress.call("RacingService", "race", {})
    assert (result["winner"], result["cancelled"], result["failed"]) == ("concise", ["thorough"], [])


def test_seed_human_in_the_loop_request_as_written(harness: Harness) -> None:
    invocation = harness.ingress.send(
        "HumanInTheLoopService", "run_with_promise", "Write a poem about Durable Execution", key="giselle"
    )
    pending = eventually(lambda: call_shared(harness, "HumanInTheLoopService", "giselle", "pending"))
    assert pending["curl"].startswith(f"curl {harness.ingress.url}/restate/awakeables/sign_")
    assert "Write a poem about Durable Execution" in pending["question"]
    harness.ingress.resolve_awakeable(pending["awakeable_id"], "PASS")
    result = harness.ingress.attach(invocation)
    assert result["accepted"] is True and len(result["rounds"]) == 1


def test_seed_chat_request(harness: Harness) -> None:
    answer = harness.ingress.call("Chat", "message", "Hello, who are you?", key="seed-chat")
    assert answer.startswith(OFFLINE)
    history = call_shared(harness, "Chat", "seed-chat", "get_history")["messages"]
    assert [(m["role"], m["content"]) for m in history] == [("user", "Hello, who are you?"), ("assistant", answer)]


@pytest.mark.parametrize(
    ("service", "handler", "body", "field"),
    [
        ("ParallelizationService", "run_in_parallel", {"prompt": "x", "inputs": "not a list"}, "inputs"),
        ("ParallelizationService", "run_in_parallel", {"prompt": "x", "inputs": []}, "inputs"),
        ("CallChainingService", "run", {"steps": "one"}, "steps"),
        ("ToolRouterService", "route", {"mesage": "typo"}, "mesage"),
        ("ParallelToolAgent", "run", {"message": ["x"]}, "message"),
        ("AgentRouterService", "route", {"message": 3}, "message"),
        ("RemoteAgentRouter", "route", {"message": None}, "message"),
        ("BillingAgent", "run", {"question": "x"}, "string"),
        ("ParallelAgentsService", "analyze_text", {"text": 1}, "text"),
        ("Orchestrator", "process_text", {"max_subtasks": 99}, "max_subtasks"),
        ("EvaluatorOptimizer", "improve_until_good", {"max_rounds": 0}, "max_rounds"),
        ("RacingService", "race", {"strategies": [{"name": ""}]}, "strategies.0.name"),
        ("RacingService", "race", {"strategies": [{"name": "a"}, {"name": "a"}]}, "unique"),
    ],
)
def test_bad_input_is_a_terminal_400_naming_the_field(
    harness: Harness, service: str, handler: str, body: Any, field: str
) -> None:
    with pytest.raises(IngressError) as info:
        harness.ingress.call(service, handler, body)
    assert info.value.status == 400
    assert field in info.value.message
    stuck = harness.query(
        f"select id from sys_invocation where target = '{service}/{handler}' and status != 'completed'"
    )
    assert stuck == [], "a bad request is never retried"


# --- the CLI clients --------------------------------------------------------------------------------------------


def _cli(harness: Harness, *args: str) -> Any:
    env = {"RA_INGRESS_PORT": str(harness.server.config.ingress_port), "COLUMNS": "200"}
    return CliRunner().invoke(app, list(args), env=env)


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("chaining_client", ["Step 1", "Step 4", OFFLINE]),
        ("parallelization_client", ["Customers:", "Suppliers:", OFFLINE]),
        ("routing_client", ["Ticket 1", "Ticket 3", "Routed to: account", "Routed to: billing", "Routed to: product"]),
        ("orchestrator_client", ["Analysis", "formal", "conversational", "Combined"]),
        ("evaluator_client", ["=== GENERATION START ===", "Status: PASS", "accepted after 1 round"]),
    ],
)
def test_cli_clients_print_the_result(harness: Harness, command: str, expected: list[str]) -> None:
    result = _cli(harness, command)
    assert result.exit_code == 0, result.output
    for text in expected:
        assert text in result.output, f"{text!r} missing from:\n{result.output}"


def test_cli_routing_client_remote(harness: Harness) -> None:
    result = _cli(harness, "routing_client", "--remote")
    assert result.exit_code == 0 and "Routed to: billing" in result.output


def test_cli_client_says_so_when_restate_is_unreachable() -> None:
    result = CliRunner().invoke(app, ["chaining_client"], env={"RA_INGRESS_PORT": "9", "COLUMNS": "200"})
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "cannot reach Restate at http://127.0.0.1:9" in lines[0], result.output
