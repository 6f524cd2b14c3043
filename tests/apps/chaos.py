"""The chaos workload: many agent sessions whose tools apply real side effects, under crashes and restarts.

Each message "deposit N" makes the (scripted) model call two tools at once:
- `deposit`, a function tool that writes to a SQLite ledger outside Restate. Its idempotency key is the session
  key plus `ToolCallInfo.unique_id`, which comes from the journal (ctx.uuid) and is the same on every retry, so a
  retried call (the service died after the write, before Restate journaled the step) cannot apply twice;
- `add`, a handler of the `Counter` virtual object (tests/apps/steps.py) keyed by the session: Restate state,
  exactly once.
Then it answers "deposited N (balance B)".

`run_chaos(...)` drives it (what `make chaos` and tests/integration/test_chaos.py run) and checks the end state:
every session completed, every message answered, no effect applied twice, the wallet and the ledger agree with
what was sent, the history holds every turn.

    python -m tests.apps.chaos --sessions 40 --messages 5 --kills 12 --restarts 2
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx
from pydantic_ai.messages import (
    ModelMessage,
    ModelRequest,
    ModelResponse,
    RetryPromptPart,
    ToolReturnPart,
    UserPromptPart,
)
from pydantic_ai.models.function import AgentInfo

from resilient_agents import register_model
from resilient_agents.agents import Agent, ToolCallInfo, agent_session, function_tool, restate_tool
from resilient_agents.chaos import Chaos, ChaosCounts, ChaosPlan
from resilient_agents.testing import CallLog, Harness, ScriptedModel, TestServer, text, tool_calls
from tests.apps.steps import add, counter

LEDGER_ENV = "RA_CHAOS_LEDGER"
SESSION = "ChaosSession"


class Ledger:
    """The side-effect ledger: a SQLite file outside Restate, written by the `deposit` tool."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        with self._connect() as db:
            db.execute("pragma journal_mode=wal")
            db.execute(
                "create table if not exists effects"
                " (idempotency_key text primary key, session text, call_id text, amount integer)"
            )
            db.execute("create table if not exists attempts (idempotency_key text, session text, call_id text)")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30)

    def apply(self, idempotency_key: str, session: str, call_id: str, amount: int) -> bool:
        """Apply the effect unless this key was applied before; True if applied now."""
        with self._connect() as db:
            db.execute("insert into attempts values (?, ?, ?)", (idempotency_key, session, call_id))
            cursor = db.execute(
                "insert or ignore into effects values (?, ?, ?, ?)", (idempotency_key, session, call_id, amount)
            )
            return cursor.rowcount == 1

    def count(self, table: Literal["attempts", "effects"], session: str, call_id: str) -> int:
        """How many times this tool call (by its logical identity, not its key) was attempted, or applied."""
        with self._connect() as db:
            sql = f"select count(*) from {table} where session = ? and call_id = ?"
            return int(db.execute(sql, (session, call_id)).fetchone()[0])

    def scalar(self, sql: str) -> int:
        with self._connect() as db:
            return int(db.execute(sql).fetchone()[0] or 0)

    def by_session(self) -> dict[str, list[int]]:
        with self._connect() as db:
            rows = db.execute("select session, amount from effects order by rowid").fetchall()
        amounts: dict[str, list[int]] = {}
        for session, amount in rows:
            amounts.setdefault(session, []).append(amount)
        return amounts


# --- the app (served in the service process) --------------------------------------------------------------------


async def _apply(call: ToolCallInfo, amount: int, hold: bool, idempotency_key: str) -> str:
    await asyncio.sleep(random.uniform(0.02, 0.2))  # a slow external system: kills land mid-call
    ledger = Ledger(os.environ[LEDGER_ENV])
    applied = ledger.apply(idempotency_key, call.session_key, call.call_id, amount)
    if hold and ledger.count("attempts", call.session_key, call.call_id) == 1:
        # Applied, not yet journaled: the test kills the service now, so Restate retries this call.
        log = CallLog.from_env()
        assert log is not None
        log.record("held", call.session_key, call_id=call.call_id)
        await asyncio.sleep(60)
    return f"deposited {amount}" + ("" if applied else " (already applied)")


async def deposit(call: ToolCallInfo, amount: int, hold: bool = False) -> str:
    """Deposit an amount into the ledger."""
    # The key comes from the journal (ctx.uuid under the hood): the same on every retry of this call.
    return await _apply(call, amount, hold, f"{call.session_key}/{call.unique_id}")


async def deposit_unsafe(call: ToolCallInfo, amount: int, hold: bool = False) -> str:
    """Deposit with a fresh key on every attempt: what not to do (the ledger check must catch it)."""
    return await _apply(call, amount, hold, uuid.uuid4().hex)


def since_last_user(messages: list[ModelMessage]) -> tuple[str, list[ToolReturnPart | RetryPromptPart]]:
    """The last user message, and the tool results (and retry prompts) that came after it."""
    user, results = "", []
    for message in messages:
        if isinstance(message, ModelRequest):
            for part in message.parts:
                if isinstance(part, UserPromptPart) and isinstance(part.content, str):
                    user, results = part.content, []
                elif isinstance(part, ToolReturnPart | RetryPromptPart):
                    results.append(part)
    return user, results


def _reply(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
    """A pure function of the conversation: "[unsafe-]deposit N [hold]" -> deposit and add at once -> answer."""
    user, results = since_last_user(messages)
    returns = [r for r in results if isinstance(r, ToolReturnPart)]
    verb, amount_text, *flags = user.split()
    amount = int(amount_text)
    if not returns:
        turn = len(messages)
        tool = "deposit_unsafe" if verb == "unsafe-deposit" else "deposit"
        args = {"amount": amount, "hold": "hold" in flags}
        return tool_calls((tool, args, f"d{turn}"), ("add", {"amount": amount}, f"w{turn}"))
    wallet_balance = next(r.content for r in returns if r.tool_name == "add")
    return text(f"deposited {amount} (balance {wallet_balance})")


MODEL = ScriptedModel(function=_reply, log=CallLog.from_env(), latency=0.05, name="chaos-script")
register_model("chaos-script", MODEL)

teller = Agent(
    name="Teller",
    instructions="Deposit what the customer asks.",
    tools=[function_tool(deposit), function_tool(deposit_unsafe), restate_tool(add)],
)
SERVICES = [agent_session(SESSION, agents=[teller]), counter]


# --- the driver (in the test process) ---------------------------------------------------------------------------


@dataclass
class ChaosResult:
    """What a chaos run did and what it found."""

    sessions: int
    messages: int
    """Messages each session sends at least; sessions go on until the chaos plan is done."""
    sent: dict[int, list[int]] = field(default_factory=dict)
    """The amounts each session deposited, in order."""
    answered: int = 0
    counts: ChaosCounts = field(default_factory=ChaosCounts)
    effects: int = 0
    tool_attempts: int = 0
    duplicates: int = 0
    model_calls: int = 0
    """Requests the model answered: two per message, plus any in flight at a kill (sent again)."""
    client_retries: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    def count_retry(self) -> None:
        self.client_retries += 1

    def summary(self) -> str:
        return (
            f"sessions={self.sessions} messages={sum(map(len, self.sent.values()))} answered={self.answered}"
            f" kills={self.counts.kills} restarts={self.counts.server_restarts} effects={self.effects}"
            f" tool_attempts={self.tool_attempts} duplicates={self.duplicates} model_calls={self.model_calls}"
            f" client_retries={self.client_retries} seconds={self.seconds:.1f} problems={len(self.problems)}"
        )


MAX_MESSAGES = 500
"""A bound on each session's messages, whatever the chaos does."""


async def send_with_retries(
    client: httpx.AsyncClient,
    path: str,
    body: Any,
    idempotency_key: str,
    deadline: float,
    on_retry: Callable[[], None] = lambda: None,
) -> Any:
    """POST until answered: the idempotency key makes a repeat attach to the same invocation, never a new one."""
    headers = {"idempotency-key": idempotency_key}
    while True:
        try:
            res = await client.post(path, json=body, headers=headers)
        except httpx.TransportError as exc:
            problem = repr(exc)
        else:
            if res.status_code < 400:
                return res.json()
            if res.status_code < 500:
                raise AssertionError(f"{path} refused: HTTP {res.status_code} {res.text[:200]}")
            problem = f"HTTP {res.status_code}: {res.text[:200]}"
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} not answered before the deadline; last: {problem}")
        on_retry()
        await asyncio.sleep(0.2)  # the server is restarting: try again shortly


async def _workload(h: Harness, chaos: Chaos, run: str, result: ChaosResult, deadline: float) -> None:
    limits = httpx.Limits(max_connections=result.sessions + 4)
    async with httpx.AsyncClient(base_url=h.server.server.ingress_url, timeout=60, limits=limits) as client:

        async def session(i: int) -> None:
            sent = result.sent.setdefault(i, [])
            for k in range(MAX_MESSAGES):
                if k >= result.messages and chaos.finished.is_set():
                    return
                amount = i * MAX_MESSAGES + k + 1
                sent.append(amount)
                path = f"/{SESSION}/{run}-{i}/run"
                answer = await send_with_retries(
                    client, path, f"deposit {amount}", f"{run}-{i}-{k}", deadline, result.count_retry
                )
                if str(answer.get("final_output", "")).startswith(f"deposited {amount} "):
                    result.answered += 1
                else:
                    result.problems.append(f"session {i} message {k}: unexpected answer {answer!r}")

        outcomes = await asyncio.gather(*(session(i) for i in range(result.sessions)), return_exceptions=True)
        for i, outcome in enumerate(outcomes):
            if isinstance(outcome, BaseException):
                result.problems.append(f"session {i} did not complete: {outcome!r}")


def _check(h: Harness, run: str, ledger: Ledger, result: ChaosResult, model_calls_before: int) -> None:
    mine = f"session like '{run}-%'"
    result.effects = ledger.scalar(f"select count(*) from effects where {mine}")
    result.tool_attempts = ledger.scalar(f"select count(*) from attempts where {mine}")
    result.duplicates = ledger.scalar(
        f"select count(*) from (select session, call_id from effects where {mine}"
        " group by session, call_id having count(*) > 1)"
    )
    result.model_calls = h.calls.count("model", "chaos-script") - model_calls_before
    if result.duplicates:
        result.problems.append(f"{result.duplicates} effects applied twice")
    stored = ledger.by_session()
    for i in range(result.sessions):
        key, expected = f"{run}-{i}", result.sent.get(i, [])
        if sorted(stored.get(key, [])) != expected:
            result.problems.append(f"{key}: ledger holds {stored.get(key)}, expected {expected}")
        stored_total = h.query(
            f"select value_utf8 from state where service_name = 'Counter' and service_key = '{key}' and key = 'total'"
        )
        wallet_balance = int(stored_total[0]["value_utf8"]) if stored_total else 0
        if wallet_balance != sum(expected):
            result.problems.append(f"{key}: wallet balance {wallet_balance}, expected {sum(expected)}")
        state = h.ingress.call(SESSION, "get_state", key=key)
        if state["turns"] != len(expected) or state["status"] != "idle":
            result.problems.append(f"{key}: state {state['status']} after {state['turns']} turns")
        history = h.ingress.call(SESSION, "get_history", key=key)
        asked = [m["content"] for m in history if m["role"] == "user"]
        answers = [m for m in history if m["role"] == "assistant"]
        if asked != [f"deposit {a}" for a in expected] or len(answers) != len(expected):
            result.problems.append(f"{key}: history has {len(asked)} messages and {len(answers)} answers")


@contextlib.contextmanager
def serve_chaos_app(server: TestServer) -> Iterator[tuple[Harness, Ledger]]:
    """Serve the chaos app on `server` with a fresh ledger."""
    ledger_path = Path(tempfile.mkstemp(prefix="ledger-", suffix=".sqlite", dir=server.base_dir)[1])
    ledger = Ledger(ledger_path)
    env = {"RA_MODEL": "registered:chaos-script", LEDGER_ENV: str(ledger_path)}
    with server.serve("tests.apps.chaos:SERVICES", env=env) as h:
        yield h, ledger


def run_chaos(
    h: Harness, ledger: Ledger, *, sessions: int, messages: int, plan: ChaosPlan, timeout: float = 120.0
) -> ChaosResult:
    """Run the workload under `plan` against the served chaos app, then check the end state."""
    result = ChaosResult(sessions=sessions, messages=messages)
    run = f"chaos-{uuid.uuid4().hex[:6]}"
    started = time.monotonic()
    model_calls_before = h.calls.count("model", "chaos-script")
    with Chaos(h, plan) as chaos:
        asyncio.run(_workload(h, chaos, run, result, started + timeout))
    result.counts = chaos.counts
    _check(h, run, ledger, result, model_calls_before)
    result.seconds = time.monotonic() - started
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Agent sessions under SIGKILLs and server restarts.")
    parser.add_argument("--sessions", type=int, default=40)
    parser.add_argument("--messages", type=int, default=5)
    parser.add_argument("--kills", type=int, default=12)
    parser.add_argument("--restarts", type=int, default=2)
    parser.add_argument("--hard", action="store_true", help="restart restate-server with SIGKILL")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(1_000_000)
    plan = ChaosPlan(kills=args.kills, server_restarts=args.restarts, hard_restarts=args.hard, seed=seed)
    print(f"chaos: {args.sessions} sessions x {args.messages} messages, seed {seed}", flush=True)
    with TestServer.start() as server, serve_chaos_app(server) as (h, ledger):
        result = run_chaos(h, ledger, sessions=args.sessions, messages=args.messages, plan=plan, timeout=args.timeout)
    for event in result.counts.events:
        print(f"  {event}")
    for problem in result.problems:
        print(f"  PROBLEM {problem}")
    print(result.summary())
    sys.exit(1 if result.problems else 0)


if __name__ == "__main__":
    main()
