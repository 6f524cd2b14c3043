"""`resilient-agents client "<message>"`, `approve` and `reject`: the seeds' client for agent sessions.

    resilient-agents client "how much is my balance?"                     # AgentSession/alice/run
    resilient-agents client "can you change my seat to 10b?" --app airline
    resilient-agents client "never mind" --mode interrupt                  # through the session's `message`
    resilient-agents approve ap-1a2b3c4d --session alice

The session is `--session`, else `$RA_SESSION`, else "alice". While the run works a spinner shows; when it waits
for an approval the client prints the pending call and the command that approves it.
"""

from __future__ import annotations

import os
from typing import Annotated, Any

import httpx
import typer
from rich.markup import escape

from ..engine.ingress import IngressClient, IngressError
from ._app import app, console, fail, ingress_client, restate_errors

SESSION_SERVICES = {"bank": "AgentSession", "airline": "AirlineAgent", "loans": "LoanAgent"}
"""App name -> the session virtual object that answers `run` (a service name is accepted as well)."""
DEFAULT_SESSION = "alice"
POLL_SECONDS = 1.0

AppOption = Annotated[str, typer.Option("--app", "-a", help="bank, airline, loans, or a session object's name")]
SessionOption = Annotated[
    str | None, typer.Option("--session", "-s", help="The session key (default: $RA_SESSION or alice)")
]


def session_service(app_name: str) -> str:
    if app_name in SESSION_SERVICES:
        return SESSION_SERVICES[app_name]
    if app_name[:1].isupper() and app_name.isidentifier():
        return app_name
    raise fail(f"--app: no app called {app_name!r}; use {', '.join(SESSION_SERVICES)} or a session object's name")


def session_key(session: str | None) -> str:
    key = session or os.environ.get("RA_SESSION") or DEFAULT_SESSION
    if not key.strip() or "/" in key:
        raise fail("--session: give a key without '/'")
    return key


def _announce_approvals(client: IngressClient, service: str, key: str, app_name: str, seen: set[str]) -> None:
    """Print approvals the run waits for (once each); sessions without `get_state` are skipped quietly."""
    try:
        state = client.call(service, "get_state", key=key, timeout=5)
    except (IngressError, httpx.HTTPError):
        return
    for pending in state.get("pending_approvals", []) if isinstance(state, dict) else []:
        approval_id = str(pending.get("id"))
        if approval_id in seen:
            continue
        seen.add(approval_id)
        console.print(
            f"[yellow]waiting for approval[/] {escape(approval_id)}: {escape(str(pending.get('tool_name')))}"
            f" {escape(str(pending.get('arguments', {})))}",
            highlight=False,
        )
        console.print(
            f"  approve: resilient-agents approve {approval_id} --app {app_name} --session {key}"
            f"   reject: resilient-agents reject {approval_id} --app {app_name} --session {key}",
            highlight=False,
            markup=False,
        )


def wait_for_answer(client: IngressClient, invocation_id: str, service: str, key: str, app_name: str) -> Any:
    """Attach to the run until it answers, announcing approvals it waits for."""
    seen: set[str] = set()
    with console.status(f"{service}/{key} is working..."):
        while True:
            try:
                return client.attach(invocation_id, timeout=POLL_SECONDS)
            except httpx.ReadTimeout:
                _announce_approvals(client, service, key, app_name, seen)


def print_answer(result: Any) -> None:
    if isinstance(result, dict) and "final_output" in result:
        console.print(str(result["final_output"]), highlight=False, markup=False)
        if result.get("agent"):
            console.print(f"[dim]-- {escape(str(result['agent']))}[/]", highlight=False)
    elif isinstance(result, str):
        console.print(result, highlight=False, markup=False)
    else:
        console.print_json(data=result)


@app.command()
def client(
    message: Annotated[str, typer.Argument(help="What to say to the agent")],
    app_name: AppOption = "bank",
    session: SessionOption = None,
    mode: Annotated[
        str | None,
        typer.Option(help="For a session that may be busy: interrupt, incorporate or queue (native sessions)"),
    ] = None,
) -> None:
    """Send a message to an agent session and print its answer."""
    service, key = session_service(app_name), session_key(session)
    if not message.strip():
        raise fail("the message is empty")
    if mode is not None and mode not in ("interrupt", "incorporate", "queue"):
        raise fail("--mode: use interrupt, incorporate or queue")
    with ingress_client() as ingress, restate_errors(ingress, f"{service}/{key}"):
        if mode is None:
            invocation_id = ingress.send(service, "run", message, key=key)
        else:
            receipt = ingress.call(service, "message", {"message": message, "mode": mode}, key=key)
            invocation_id = receipt["invocation_id"]
            console.print(f"[dim]{escape(receipt['mode'])}: run {escape(invocation_id)}[/]", highlight=False)
        result = wait_for_answer(ingress, invocation_id, service, key, app_name)
    print_answer(result)


def _decide(approval_id: str, app_name: str, session: str | None, reason: str | None, approved: bool) -> None:
    service, key = session_service(app_name), session_key(session)
    handler = "approve" if approved else "reject"
    with ingress_client() as ingress, restate_errors(ingress, f"{service}/{key}/{handler}"):
        receipt = ingress.call(service, handler, {"approval_id": approval_id, "reason": reason}, key=key)
    verb = "approved" if approved else "rejected"
    console.print(f"{verb} {escape(approval_id)} ({escape(str(receipt.get('tool_name')))})", highlight=False)


@app.command()
def approve(
    approval_id: Annotated[str, typer.Argument(help="The id shown by the client or `get_state` (ap-...)")],
    app_name: AppOption = "bank",
    session: SessionOption = None,
    reason: Annotated[str | None, typer.Option(help="Why (the agent reads it)")] = None,
) -> None:
    """Approve a tool call a session waits for."""
    _decide(approval_id, app_name, session, reason, approved=True)


@app.command()
def reject(
    approval_id: Annotated[str, typer.Argument(help="The id shown by the client or `get_state` (ap-...)")],
    app_name: AppOption = "bank",
    session: SessionOption = None,
    reason: Annotated[str | None, typer.Option(help="Why (the agent reads it)")] = None,
) -> None:
    """Reject a tool call a session waits for; the agent is told."""
    _decide(approval_id, app_name, session, reason, approved=False)
