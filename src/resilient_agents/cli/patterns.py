"""The pattern clients of the seeds: `chaining_client`, `parallelization_client`, `routing_client`,
`orchestrator_client`, `evaluator_client`.

Each sends the service's default request (the request models carry the seeds' defaults, so `{}` is the default
request), shows a spinner while the durable invocation runs, and prints the result readably.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.rule import Rule

from ..patterns import ChainResult, EvaluationResult, OrchestratorResult, ParallelResult, RoutedAnswer
from ._app import app, console, ingress_client, restate_errors


def call_with_spinner(service: str, handler: str, body: Any) -> Any:
    """Invoke `service/handler` through the ingress; one clear error line if it fails or Restate is down."""
    target = f"{service}/{handler}"
    with (
        ingress_client() as client,
        restate_errors(client, target),
        console.status(f"waiting for {target} (durable: Ctrl-C does not cancel it)..."),
    ):
        return client.call(service, handler, body)


def _text(text: str) -> None:
    console.print(escape(text), highlight=False)


def _section(title: str, text: str) -> None:
    """A heading rule and the text under it (long model output wraps instead of being cut by a box)."""
    console.print(Rule(escape(title), align="left"))
    _text(text)


@app.command("chaining_client")
def chaining_client() -> None:
    """Send the default report through CallChainingService/run and print every step."""
    result = ChainResult.model_validate(call_with_spinner("CallChainingService", "run", {}))
    for i, step in enumerate(result.steps, start=1):
        console.print(Rule(f"Step {i}", align="left"))
        console.print(f"[dim]{escape(step.instruction)}[/]", highlight=False)
        _text(step.output)


@app.command("parallelization_client")
def parallelization_client() -> None:
    """Analyze the default stakeholder groups at once with ParallelizationService/run_in_parallel."""
    result = ParallelResult.model_validate(call_with_spinner("ParallelizationService", "run_in_parallel", {}))
    for item in result.results:
        _section(item.input.splitlines()[0], item.output)


@app.command("routing_client")
def routing_client(
    remote: Annotated[
        bool, typer.Option("--remote", help="Use RemoteAgentRouter (specialists in their own services)")
    ] = False,
) -> None:
    """Route three sample support tickets to specialist agents (AgentRouterService/route)."""
    from resilient_agents_apps.patterns.specialists import TICKETS

    service = "RemoteAgentRouter" if remote else "AgentRouterService"
    console.print("Processing support tickets...")
    for i, ticket in enumerate(TICKETS, start=1):
        answer = RoutedAnswer.model_validate(call_with_spinner(service, "route", {"message": ticket}))
        _section(f"Ticket {i}", ticket)
        console.print(f"[bold]Routed to:[/] {escape(answer.agent)}", highlight=False)
        _section("Response", answer.answer)


@app.command("orchestrator_client")
def orchestrator_client() -> None:
    """Break the default task into subtasks with Orchestrator/process_text and print every worker's result."""
    result = OrchestratorResult.model_validate(call_with_spinner("Orchestrator", "process_text", {}))
    _section("Analysis", result.analysis)
    for worker in result.worker_results:
        _section(f"{worker.type}: {worker.description}", worker.result)
    if result.combined:
        _section("Combined", result.combined)


@app.command("evaluator_client")
def evaluator_client() -> None:
    """Improve the default task until the evaluator passes it (EvaluatorOptimizer/improve_until_good)."""
    result = EvaluationResult.model_validate(call_with_spinner("EvaluatorOptimizer", "improve_until_good", {}))
    for round_ in result.rounds:
        console.print("=== GENERATION START ===")
        _text(round_.content)
        console.print("=== GENERATION END ===\n")
        console.print("=== EVALUATION START ===")
        console.print(f"Status: {round_.status}", highlight=False)
        _text(f"Feedback: {round_.feedback}")
        console.print("=== EVALUATION END ===\n")
    verdict = "accepted" if result.accepted else "not accepted (round limit reached)"
    console.print(f"[bold]{verdict}[/] after {len(result.rounds)} round(s)", highlight=False)
