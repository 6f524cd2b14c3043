"""The Typer application every command module registers on, and the shared console."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import httpx
import typer
from rich.console import Console

from ..config import Settings
from ..engine.ingress import IngressClient, IngressError

app = typer.Typer(
    name="resilient-agents",
    help="Resilient LLM apps and agents on Restate: run them locally, talk to them, inspect them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


def ingress_client(timeout: float = 300.0) -> IngressClient:
    """An ingress client for the configured ports (RA_INGRESS_PORT)."""
    return IngressClient(Settings.from_env().ingress_url, timeout=timeout)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print one clear line on stderr; raise the returned Exit."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


@contextlib.contextmanager
def restate_errors(client: IngressClient, target: str) -> Iterator[None]:
    """Turn a failed request into one clear line: the handler's own error, or Restate being unreachable."""
    try:
        yield
    except IngressError as exc:
        raise fail(f"{target}: {exc.message} (HTTP {exc.status})") from None
    except httpx.TransportError as exc:
        raise fail(f"cannot reach Restate at {client.url} ({exc}): is `make run` running?") from None
