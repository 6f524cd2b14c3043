"""`resilient-agents crew start|pause|resume|stop|status CREW_ID`: command a proactive crew and watch it.

Every command prints the crew's table: each agent's status, wake-ups, next wake-up, spending and budget.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from ..crews import AgentView, CrewView
from ._app import app, console, ingress_client, restate_errors

crew_app = typer.Typer(help="Command a long-lived proactive crew (start, pause, resume, stop, status).")
app.add_typer(crew_app, name="crew")

CrewService = Annotated[str, typer.Option("--service", help="The crew's virtual object")]
DEFAULT_CREW = "CampaignCrew"


def _call(service: str, handler: str, crew_id: str, body: Any = None) -> CrewView:
    with ingress_client() as client, restate_errors(client, f"{service}/{crew_id}/{handler}"):
        return CrewView.model_validate(client.call(service, handler, body, key=crew_id))


def _in(at_ms: int | None, now_ms: int) -> str:
    if at_ms is None:
        return "-"
    seconds = (at_ms - now_ms) / 1000
    return "due now" if seconds <= 0 else f"in {seconds:.1f}s"


def _spend(view: AgentView) -> str:
    calls = f"{view.spent.requests}" + (f"/{view.budget.max_calls}" if view.budget.max_calls is not None else "")
    tokens = f"{view.spent.total_tokens:,}" + (
        f"/{view.budget.max_tokens:,}" if view.budget.max_tokens is not None else ""
    )
    return f"{calls} calls · {tokens} tokens"


def crew_table(view: CrewView, now_ms: int | None = None) -> Table:
    """The crew as a table, one agent a row."""
    now = now_ms if now_ms is not None else int(time.time() * 1000)
    table = Table(title=f"{view.crew}/{view.key}: {view.status}", title_justify="left")
    for column in ("agent", "status", "wakes", "next wake-up", "spent (budget)", "reason / last activity"):
        table.add_column(column)
    for agent in view.agents:
        wakes = ", ".join(f"{kind} {n}" for kind, n in sorted(agent.wakes.items())) or "-"
        upcoming = f"{agent.next_wake_kind} {_in(agent.next_wake_at_ms, now)}" if agent.next_wake_kind else "-"
        last = agent.activity[-1].note if agent.activity else ""
        table.add_row(
            agent.agent,
            agent.status,
            wakes,
            upcoming,
            _spend(agent),
            escape(agent.reason if agent.status != "running" else last)[:80],
        )
    return table


@crew_app.command()
def start(
    crew_id: Annotated[str, typer.Argument(help="The crew's key, e.g. a campaign name")],
    interval_ms: Annotated[int | None, typer.Option(help="Timer period of the periodic agents")] = None,
    max_wakes: Annotated[int | None, typer.Option(help="Finish after this many timer wake-ups")] = None,
    max_calls: Annotated[int | None, typer.Option(help="Model-call budget of each agent")] = None,
    service: CrewService = DEFAULT_CREW,
) -> None:
    """Start every agent of the crew."""
    body: dict[str, Any] = {"interval_ms": interval_ms, "max_wakes": max_wakes}
    if max_calls is not None:
        body["budget"] = {"max_calls": max_calls}
    console.print(crew_table(_call(service, "start", crew_id, {k: v for k, v in body.items() if v is not None})))


@crew_app.command()
def pause(crew_id: str, reason: str = "", service: CrewService = DEFAULT_CREW) -> None:
    """Pause the crew: nothing stays scheduled, messages are kept."""
    console.print(crew_table(_call(service, "pause", crew_id, {"reason": reason})))


@crew_app.command()
def resume(crew_id: str, reason: str = "", service: CrewService = DEFAULT_CREW) -> None:
    """Resume a paused crew."""
    console.print(crew_table(_call(service, "resume", crew_id, {"reason": reason})))


@crew_app.command()
def stop(crew_id: str, reason: str = "", service: CrewService = DEFAULT_CREW) -> None:
    """Stop the crew: nothing stays scheduled, later messages are dropped."""
    console.print(crew_table(_call(service, "stop", crew_id, {"reason": reason})))


@crew_app.command()
def status(
    crew_id: str,
    watch: Annotated[bool, typer.Option("--watch", help="Refresh every second until Ctrl-C")] = False,
    service: CrewService = DEFAULT_CREW,
) -> None:
    """Each agent's status, wake-ups, next wake-up and spending."""
    while True:
        console.print(crew_table(_call(service, "status", crew_id)))
        if not watch:
            return
        time.sleep(1.0)
