"""The session apps the chat page and the session CLI can talk to, and how to reach each one.

Every entry is a virtual object that keeps the session contract (`docs/agent-loop.md`): an exclusive handler that
takes a message (`run`, or `message` for the Chat pattern), and the shared `get_history` (plus, for agents,
`get_state`, `approve` and `reject`). Add your own with `RA_WEB_APPS="support=SupportAgent,notes=Notes/message"`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from ..exceptions import ConfigurationError

APPS_ENV = "RA_WEB_APPS"
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")


@dataclass(frozen=True)
class SessionApp:
    """One app on the page: a session virtual object and the handler that takes a message."""

    id: str
    """Short name used in URLs and on the command line (`bank`)."""
    service: str
    """The virtual object (`AgentSession`); a session is one key of it."""
    label: str = ""
    run_handler: str = "run"
    """The exclusive handler that takes the user's message."""
    description: str = ""
    examples: tuple[str, ...] = ()
    """Messages offered as one-click suggestions on an empty conversation."""
    read_handlers: tuple[str, ...] = field(default=("get_history", "get_state", "get_messages"))
    """Handlers that only read: their invocations are not activity of the session."""

    @property
    def title(self) -> str:
        return self.label or self.id


DEFAULT_APPS: tuple[SessionApp, ...] = (
    SessionApp(
        "bank",
        "AgentSession",
        "Bank",
        description="The bank agent (native agent loop): balance, transactions, loans.",
        examples=("how much is my balance?", "how much did I spend on gambling last month?"),
    ),
    SessionApp(
        "airline",
        "AirlineAgent",
        "Airline",
        description="Airline customer service (OpenAI Agents SDK): seats, baggage, invoices.",
        examples=("can you change my seat to 10b?", "can you send me an invoice for booking AB4568?"),
    ),
    SessionApp(
        "loans",
        "LoanAgent",
        "Loans",
        description="Loan applications: the decision arrives later, without a reload.",
        examples=("Hi, I would like to apply for a loan of 1000 euros.", "Hi, what is the status of my loan?"),
    ),
    SessionApp(
        "chat",
        "Chat",
        "Chat pattern",
        run_handler="message",
        description="The Chat pattern: a long-lived conversation kept in Restate state.",
        examples=("Write a poem about Durable Execution",),
        read_handlers=("get_history",),
    ),
)


def parse_apps(spec: str) -> list[SessionApp]:
    """`id=Service[/handler]` items separated by commas, e.g. `support=SupportAgent,notes=Notes/message`."""
    apps = []
    for raw in spec.split(","):
        item = raw.strip()
        if not item:
            continue
        app_id, sep, target = item.partition("=")
        service, _, run_handler = target.partition("/")
        if not sep or not all(_NAME.match(name) for name in (app_id, service, run_handler or "run")):
            raise ConfigurationError(f"{APPS_ENV}: {item!r} is not id=Service or id=Service/handler")
        apps.append(SessionApp(app_id, service, app_id, run_handler=run_handler or "run"))
    return apps


def configured_apps() -> list[SessionApp]:
    """The default apps followed by those `RA_WEB_APPS` adds (an added id replaces a default one)."""
    extra = parse_apps(os.environ.get(APPS_ENV, ""))
    replaced = {app.id for app in extra}
    return [app for app in DEFAULT_APPS if app.id not in replaced] + extra


def find_app(name: str, apps: list[SessionApp] | None = None) -> SessionApp | None:
    """An app by id, or by its service name (`bank` or `AgentSession`)."""
    for app in apps if apps is not None else configured_apps():
        if name in (app.id, app.service):
            return app
    return None
