"""`resilient-agents chat`, `state` and `history`: talk to a session and look inside it from the terminal.

`chat` is a REPL on one session: each message is a run; while it works a spinner shows and the tool calls,
handoffs and asynchronous events print as they land in the history; a tool call that needs approval is asked
about on the spot. Events that arrive between messages (a loan decision, a reminder) print too. `state` and
`history` show what the session's shared handlers answer, as tables.
"""

from __future__ import annotations

import concurrent.futures
import json
import threading
import time
import uuid
from typing import Annotated, Any

import httpx
import typer
from rich.markup import escape
from rich.table import Table

from ..agents.contract import ChatMessage, SessionState
from ..config import Settings
from ..engine.admin import AdminClient
from ..engine.ingress import IngressClient, IngressError
from ..exceptions import ResilientAgentsError
from ..web.catalog import SessionApp, configured_apps, find_app
from ..web.contract import decision_request, is_missing_handler, parse_history, parse_state
from ..web.timeline import session_invocations, signature
from ..web.tokens import SESSION_ID, SessionTokens
from ._app import app, console, fail, ingress_client, restate_errors

AppOption = Annotated[
    str, typer.Option("--app", "-a", help="bank, airline, loans, chat, or the service name of any session object")
]
SessionOption = Annotated[str, typer.Option("--session", "-s", help="The session id (the virtual object's key)")]
POLL_SECONDS = 0.3
IDLE_POLL_SECONDS = 1.0


def resolve_app(name: str) -> SessionApp:
    """A catalogue app by id or service name; any other capitalised name is taken as a session object."""
    found = find_app(name)
    if found is not None:
        return found
    if name[:1].isupper() and name.isidentifier():
        return SessionApp(name, name, name)
    known = ", ".join(a.id for a in configured_apps())
    raise fail(f"no app called {name!r}: use one of {known}, or a session object's service name")


def check_session_id(session_id: str) -> str:
    if not SESSION_ID.match(session_id):
        raise fail("--session: use 1-64 letters, digits, '-' or '_'")
    return session_id


class SessionReader:
    """Reads one session through its shared handlers (history, state) with the ingress client."""

    def __init__(self, client: IngressClient, app: SessionApp, session_id: str) -> None:
        self.client = client
        self.app = app
        self.session_id = session_id
        self.has_state = True

    def history(self) -> list[ChatMessage]:
        return parse_history(self.client.call(self.app.service, "get_history", key=self.session_id))

    def state(self) -> SessionState | None:
        """The session's state, or None for apps without `get_state` (the Chat pattern)."""
        if not self.has_state:
            return None
        try:
            return parse_state(self.client.call(self.app.service, "get_state", key=self.session_id))
        except IngressError as exc:
            if is_missing_handler(exc.status, exc.message):
                self.has_state = False
                return None
            raise

    def decide(self, approval_id: str, approve: bool, reason: str | None = None) -> Any:
        handler = "approve" if approve else "reject"
        return self.client.call(self.app.service, handler, decision_request(approval_id, reason), key=self.session_id)


def format_entry(entry: ChatMessage) -> str:
    """One history entry as a line of rich markup (content escaped: it is model output)."""
    content = escape(entry.content)
    who = escape(entry.agent or "")
    tool = escape(entry.tool_name or "")
    if entry.role == "user":
        return f"[bold]you>[/] {content}"
    if entry.role == "assistant":
        return f"[bold cyan]{who or 'agent'}>[/] {content}"
    if entry.role == "tool_call":
        return f"[dim]  ↳ {who} calls {tool}({content})[/]"
    if entry.role == "tool_result":
        return f"[{'red' if entry.is_error else 'dim'}]  ↳ {tool} → {content}[/]"
    if entry.role == "handoff":
        return f"[magenta]  ⇢ handoff: {content}[/]"
    if entry.role == "event":
        sender = escape(entry.source or entry.agent or "")
        return f"[bold yellow]⚡ update{(' from ' + sender) if sender else ''}:[/] {content}"
    return f"[dim]{escape(entry.role)}:[/] {content}"


def state_table(state: SessionState) -> Table:
    table = Table(title="Session", show_header=False, title_justify="left")
    table.add_column("field", style="bold")
    table.add_column("value")
    table.add_row("agent", escape(state.agent or "-"))
    table.add_row("status", state.status)
    table.add_row("turns", str(state.turns))
    table.add_row("model calls", str(state.usage.requests))
    table.add_row("tokens", f"{state.usage.input_tokens:,} in · {state.usage.output_tokens:,} out")
    table.add_row("pending approvals", str(len(state.pending_approvals)))
    return table


def approvals_table(state: SessionState) -> Table:
    table = Table(title="Pending approvals", title_justify="left")
    for column in ("approval id", "tool", "arguments", "agent"):
        table.add_column(column)
    for approval in state.pending_approvals:
        arguments = json.dumps(approval.arguments, ensure_ascii=False, default=str)
        table.add_row(approval.id, escape(approval.tool_name), escape(arguments), escape(approval.agent or ""))
    return table


def history_table(entries: list[ChatMessage], full: bool = False) -> Table:
    table = Table(title="History", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("role")
    table.add_column("agent / tool")
    table.add_column("content", overflow="fold")
    for entry in entries:
        content = entry.content if full or len(entry.content) <= 300 else entry.content[:299] + "…"
        who = " / ".join(x for x in (entry.agent, entry.tool_name) if x)
        table.add_row(str(entry.index), entry.role, escape(who), escape(content))
    return table


def page_link(app: SessionApp, session_id: str, settings: Settings) -> str | None:
    """A link that opens this session on the chat page (with its token), if the secret is at hand."""
    try:
        token = SessionTokens(settings=settings).issue(app.id, session_id)
    except (OSError, ResilientAgentsError):
        return None
    return f"{settings.web_url}/?app={app.id}&session={session_id}#token={token}"


class Follower:
    """Prints history entries not printed yet; cheap to call often (it asks Restate's SQL API first)."""

    def __init__(self, reader: SessionReader, admin: AdminClient | None) -> None:
        self.reader = reader
        self.admin = admin
        self.printed = 0
        self.skip_user: list[str] = []
        """Messages typed here: already on screen, not printed again when they reach the history."""
        self._signature: str | None = None
        self._lock = threading.Lock()

    def start_at(self, entries: list[ChatMessage]) -> None:
        self.printed = len(entries)

    def changed(self) -> bool:
        if self.admin is None:
            return True
        try:
            rows = session_invocations(self.admin.query, self.reader.app, self.reader.session_id)
        except (httpx.HTTPError, ResilientAgentsError):
            return True  # no SQL answer: read the history itself
        current = signature(rows)
        if current == self._signature and not any(r.get("status") != "completed" for r in rows):
            return False
        self._signature = current
        return True

    def catch_up(self, force: bool = False) -> list[ChatMessage]:
        """Print and return the entries added since the last call."""
        with self._lock:
            if not force and not self.changed():
                return []
            entries = self.reader.history()
            new = entries[self.printed :]
            self.printed = len(entries)
            for entry in new:
                if entry.role == "user" and entry.content in self.skip_user:
                    self.skip_user.remove(entry.content)
                    continue
                console.print(format_entry(entry), highlight=False)
            return new


def _ask_approvals(reader: SessionReader, state: SessionState, asked: set[str]) -> None:
    for approval in state.pending_approvals:
        if approval.id in asked:
            continue
        asked.add(approval.id)
        arguments = json.dumps(approval.arguments, ensure_ascii=False, default=str)
        console.print(
            f"[bold yellow]approval needed:[/] {escape(approval.agent or 'the agent')} wants to call "
            f"[bold]{escape(approval.tool_name)}[/]({escape(arguments)})",
            highlight=False,
        )
        answer = console.input(escape("approve? [y/N] ")).strip().lower()
        approved = answer in ("y", "yes")
        reason = None if approved else (console.input("reason (optional): ").strip() or None)
        reader.decide(approval.id, approved, reason)
        console.print("[green]approved[/]" if approved else "[red]rejected[/]")


def run_turn(reader: SessionReader, follower: Follower, message: str) -> None:
    """Send one message, show progress until the run ends, ask for approvals on the way."""
    app, session_id = reader.app, reader.session_id
    invocation = reader.client.send(
        app.service, app.run_handler, message, key=session_id, idempotency_key=f"cli-{uuid.uuid4().hex}"
    )
    follower.skip_user.append(message)
    started = time.monotonic()
    asked: set[str] = set()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        outcome = pool.submit(reader.client.attach, invocation)
        with console.status("working…") as status:
            while not outcome.done():
                follower.catch_up()
                state = reader.state()
                if state is not None and any(a.id not in asked for a in state.pending_approvals):
                    status.stop()
                    _ask_approvals(reader, state, asked)
                    status.start()
                what = f" · {state.agent}" if state is not None and state.agent else ""
                status.update(f"working… {time.monotonic() - started:.0f}s{what}")
                time.sleep(POLL_SECONDS)
        follower.catch_up(force=True)
        try:
            outcome.result()
        except IngressError as exc:
            console.print(f"[bold red]the run failed:[/] {escape(exc.message)}", highlight=False)


def _watch_between_turns(follower: Follower, stop: threading.Event, busy: threading.Event) -> None:
    """Between messages, print asynchronous events as they arrive."""
    while not stop.wait(IDLE_POLL_SECONDS):
        if busy.is_set():
            continue
        try:
            follower.catch_up()
        except (httpx.HTTPError, ResilientAgentsError):
            continue  # Restate restarting: the next poll catches up


@app.command()
def chat(
    app_name: AppOption = "bank",
    session: SessionOption = "alice",
    last: Annotated[int, typer.Option(help="Earlier history entries to show first")] = 10,
) -> None:
    """Talk to a session: `resilient-agents chat --app bank --session alice` (/state, /history, /quit)."""
    target = resolve_app(app_name)
    session_id = check_session_id(session)
    settings = Settings.from_env()
    with ingress_client() as client, AdminClient(settings.admin_url) as admin:
        reader = SessionReader(client, target, session_id)
        follower = Follower(reader, admin)
        with restate_errors(client, f"{target.service}/{session_id}"):
            earlier = reader.history()
        console.print(f"[bold]{escape(target.title)}[/] session [bold]{session_id}[/] ({target.service})")
        link = page_link(target, session_id, settings)
        if link:
            console.print(f"on the chat page: {link}", highlight=False, markup=False)
        console.print("[dim]/state, /history, /quit; Ctrl-D leaves[/]")
        for entry in earlier[-last:] if last > 0 else []:
            console.print(format_entry(entry), highlight=False)
        follower.start_at(earlier)
        follower.changed()
        stop, busy = threading.Event(), threading.Event()
        watcher = threading.Thread(target=_watch_between_turns, args=(follower, stop, busy), daemon=True)
        watcher.start()
        try:
            _repl(reader, follower, busy)
        finally:
            stop.set()
            watcher.join(timeout=5)


def _repl(reader: SessionReader, follower: Follower, busy: threading.Event) -> None:
    while True:
        try:
            line = console.input("[bold]you>[/] ").strip()
        except (EOFError, KeyboardInterrupt):
            console.print()
            return
        if not line:
            continue
        if line in ("/quit", "/exit"):
            return
        busy.set()
        try:
            if line == "/state":
                _print_state(reader)
            elif line == "/history":
                console.print(history_table(reader.history()))
            else:
                run_turn(reader, follower, line)
        except IngressError as exc:
            console.print(f"[bold red]error:[/] {escape(exc.message)}", highlight=False)
        finally:
            busy.clear()


def _print_state(reader: SessionReader) -> None:
    state = reader.state()
    if state is None:
        console.print(f"{reader.app.service} keeps no state beyond its history (no get_state handler)")
        return
    console.print(state_table(state))
    if state.pending_approvals:
        console.print(approvals_table(state))


def _reader_call(fn: Any, target: SessionApp, session_id: str) -> Any:
    with ingress_client(timeout=30.0) as client, restate_errors(client, f"{target.service}/{session_id}"):
        return fn(SessionReader(client, target, session_id))


@app.command()
def state(
    app_name: AppOption = "bank",
    session: SessionOption = "alice",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables")] = False,
) -> None:
    """A session's state: active agent, status, turns, token usage, pending approvals."""
    target = resolve_app(app_name)
    current = _reader_call(lambda r: r.state(), target, check_session_id(session))
    if current is None:
        raise fail(f"{target.service} keeps no state beyond its history (no get_state handler): try `history`")
    if as_json:
        console.print_json(current.model_dump_json())
        return
    console.print(state_table(current))
    if current.pending_approvals:
        console.print(approvals_table(current))


@app.command()
def history(
    app_name: AppOption = "bank",
    session: SessionOption = "alice",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table")] = False,
    full: Annotated[bool, typer.Option("--full", help="Do not shorten long entries")] = False,
) -> None:
    """A session's conversation: messages, tool calls and results, handoffs, asynchronous events."""
    target = resolve_app(app_name)
    entries = _reader_call(lambda r: r.history(), target, check_session_id(session))
    if as_json:
        console.print_json(json.dumps([e.model_dump() for e in entries]))
        return
    if not entries:
        console.print(f"{target.service}/{session} has no history yet")
        return
    console.print(history_table(entries, full))
