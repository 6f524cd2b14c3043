"""`resilient-agents invoke`: call any handler through the ingress, like curl but with readable output."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.json import JSON

from ._app import app, console, fail, ingress_client, restate_errors


def parse_json_argument(raw: str | None) -> Any:
    """A JSON value from the command line; a bare word is taken as a string."""
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw


def print_result(result: Any) -> None:
    if isinstance(result, str):
        console.print(result, highlight=False, markup=False)
    else:
        console.print(JSON.from_data(result))


@app.command()
def invoke(
    target: Annotated[str, typer.Argument(help="Service/handler or Service/key/handler")],
    body: Annotated[str | None, typer.Argument(help="JSON body (a bare word is sent as a string)")] = None,
    idempotency_key: Annotated[str | None, typer.Option(help="Deduplicate retries of this request")] = None,
    send: Annotated[bool, typer.Option("--send", help="Do not wait; print the invocation id")] = False,
) -> None:
    """Invoke a handler: `resilient-agents invoke CallChainingService/run '{}'`."""
    parts = target.strip("/").split("/")
    if len(parts) not in (2, 3):
        raise fail(f"{target!r} is not Service/handler or Service/key/handler")
    service, key, handler = (parts[0], None, parts[1]) if len(parts) == 2 else (parts[0], parts[1], parts[2])
    with ingress_client() as client, restate_errors(client, target):
        if send:
            console.print(
                client.send(service, handler, parse_json_argument(body), key=key, idempotency_key=idempotency_key)
            )
            return
        print_result(client.call(service, handler, parse_json_argument(body), key=key, idempotency_key=idempotency_key))
