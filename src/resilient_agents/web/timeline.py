"""The live step timeline of a session's current run, read from Restate's introspection SQL API.

Restate already records everything a run did: its journal (`sys_journal`: model calls and other `ctx.run` steps,
calls to tool handlers, sleeps, their results), the transient errors it retried (`sys_journal_events`) and its
status (`sys_invocation`: running, suspended, backing-off, with the last failure). This module turns those rows
into a list of steps for people: model calls, tool calls with their results, handoffs, waits and retries, each
with the invocation it belongs to, so the page can link to it in the Restate UI.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field

from ..agents import HANDOFF_PREFIX
from ..engine.admin import decode_entry
from .catalog import SessionApp
from .contract import as_text

Query = Callable[[str], list[dict[str, Any]]]

LIVE_STATUSES = frozenset({"pending", "scheduled", "ready", "running", "backing-off", "invoked"})
"""Statuses in which a run makes progress on its own (a suspended run waits for something outside)."""
DETAIL_CHARS = 240
MAX_CHILDREN = 30
_MODEL_STEP = re.compile(r"\b(llm|model)\b", re.IGNORECASE)
_HANDOFF_STEP = re.compile(r"hand ?off|transfer to", re.IGNORECASE)
_WAIT_STEP = re.compile(r"approv|wait|sleep|await", re.IGNORECASE)
_BOOKKEEPING_HANDLER = re.compile(r"^inbox_")
_BOOKKEEPING_RUNS = {"timestamp"}
"""The agent loop's own plumbing (its message inbox, reading the clock): kind "internal", hidden by default."""
_SKIPPED_COMMANDS = {"GetState", "GetEagerState", "GetLazyState", "SetState", "ClearState", "ClearAllState"}
_SKIPPED_COMMANDS |= {"GetStateKeys", "GetEagerStateKeys", "GetLazyStateKeys", "CompleteAwakeable", "SendSignal"}


class TimelineStep(BaseModel):
    """One thing a run did (or is doing)."""

    invocation_id: str
    index: int = -1
    """Journal index within its invocation; -1 for steps derived from the invocation's status."""
    kind: str
    """input, model, tool, handoff, wait, retry, step, call, output, or internal (the loop's bookkeeping)."""
    title: str
    detail: str = ""
    status: str = "done"
    """done, running, waiting, failed, or unused (a timer that lost its race when the run ended)."""
    at: str | None = None
    duration_ms: int | None = None
    depth: int = 0
    """0 for the run itself, 1 for the steps of a tool handler it called."""
    link: str = ""


class RunSummary(BaseModel):
    """The invocation the timeline is about."""

    invocation_id: str
    handler: str
    status: str
    result: str | None = None
    """success or failure once completed."""
    failure: str | None = None
    created_at: str | None = None
    link: str = ""


class Timeline(BaseModel):
    run: RunSummary | None = None
    steps: list[TimelineStep] = Field(default_factory=list)


def sql_string(value: str) -> str:
    """A SQL string literal (ids come from validated input or from Restate; quote them anyway)."""
    return "'" + value.replace("'", "''") + "'"


def _sql_list(values: Iterable[str]) -> str:
    return ", ".join(sql_string(v) for v in values)


def shorten(value: Any, limit: int = DETAIL_CHARS) -> str:
    text = " ".join(as_text(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def first_line(text: str | None) -> str:
    """The message of a failure without its traceback."""
    if not text:
        return ""
    return shorten(text.strip().splitlines()[0])


def _millis(start: str | None, end: str | None) -> int | None:
    if not start or not end:
        return None
    try:
        delta = datetime.fromisoformat(end.replace("Z", "+00:00")) - datetime.fromisoformat(
            start.replace("Z", "+00:00")
        )
    except ValueError:
        return None
    return max(0, int(delta.total_seconds() * 1000))


def session_invocations(query: Query, app: SessionApp, session_id: str, limit: int = 50) -> list[dict[str, Any]]:
    """The session's invocations that can change it (newest first): reads of history and state left out."""
    reads = _sql_list(app.read_handlers) or "''"
    return query(
        "select id, target_handler_name, status, journal_size, retry_count, created_at, completion_result, "
        "completion_failure, last_failure from sys_invocation "
        f"where target_service_name = {sql_string(app.service)} and target_service_key = {sql_string(session_id)} "
        f"and target_handler_name not in ({reads}) order by created_at desc limit {int(limit)}"
    )


def children_of(query: Query, parent_ids: Iterable[str]) -> list[dict[str, Any]]:
    """The invocations those invocations started (tool handlers, sub-agents), oldest first."""
    ids = list(parent_ids)
    if not ids:
        return []
    return query(
        "select id, target, target_handler_name, status, journal_size, retry_count, last_failure, invoked_by_id, "
        f"created_at from sys_invocation where invoked_by_id in ({_sql_list(ids)}) "
        f"order by created_at limit {MAX_CHILDREN}"
    )


def signature(rows: Iterable[dict[str, Any]]) -> str:
    """Changes whenever any of these invocations moves on (new journal entry, new status, new retry)."""
    digest = hashlib.sha256()
    for row in rows:
        key = (row.get("id"), row.get("status"), row.get("journal_size"), row.get("retry_count"))
        digest.update(repr(key).encode())
    return digest.hexdigest()[:20]


def is_live(rows: Iterable[dict[str, Any]]) -> bool:
    return any(row.get("status") in LIVE_STATUSES for row in rows)


def _summarise_model_response(value: Any) -> tuple[str, str]:
    """(title suffix, detail) of a journaled model response: the tools it asked for, or its text."""
    if not isinstance(value, dict) or not isinstance(value.get("parts"), list):
        return "", shorten(value)
    calls, texts = [], []
    for part in value["parts"]:
        if not isinstance(part, dict):
            continue
        kind = part.get("part_kind")
        if kind == "tool-call" or "tool_name" in part:
            calls.append(f"{part.get('tool_name')}({shorten(part.get('args'), 80)})")
        elif kind == "text" or "content" in part:
            texts.append(as_text(part.get("content")))
    usage = value["usage"] if isinstance(value.get("usage"), dict) else {}
    tokens = ""
    if usage.get("input_tokens") or usage.get("output_tokens"):
        tokens = f" · {usage.get('input_tokens', 0)} in / {usage.get('output_tokens', 0)} out tokens"
    names = [c.split("(")[0] for c in calls]
    if names and all(n.startswith(HANDOFF_PREFIX) for n in names):
        return f": hands off to {', '.join(n[len(HANDOFF_PREFIX) :] for n in names)}", tokens.lstrip(" ·")
    if calls:
        return f": asks for {', '.join(names)}", shorten("; ".join(calls)) + tokens
    return "", shorten(" ".join(texts)) + tokens


def _classify_run(name: str) -> str:
    if _HANDOFF_STEP.search(name):
        return "handoff"
    if _MODEL_STEP.search(name):
        return "model"
    if _WAIT_STEP.search(name):
        return "wait"
    return "tool"


def _handler_of(target: Any) -> str:
    if isinstance(target, dict) and target:
        body = next(iter(target.values()))
        if isinstance(body, dict):
            return str(body.get("handler") or "")
    return ""


def _target_name(target: Any) -> str:
    """`Service/handler` (or `Object/key/handler`) from a Call entry's invocation_target."""
    if not isinstance(target, dict) or not target:
        return "a handler"
    body = next(iter(target.values()))
    if not isinstance(body, dict):
        return "a handler"
    parts = [body.get("name"), body.get("key"), body.get("handler")]
    return "/".join(str(p) for p in parts if p)


def journal_steps(
    invocation_id: str, rows: list[dict[str, Any]], link: str, depth: int = 0
) -> tuple[list[TimelineStep], dict[int, str]]:
    """Steps of one invocation's journal (rows in index order), and the child invocation started at each step."""
    steps: list[TimelineStep] = []
    open_steps: dict[int, TimelineStep] = {}
    children: dict[int, str] = {}
    for row in rows:
        lite = json.loads(row.get("entry_lite_json") or "{}")
        entry = decode_entry(row)
        if "Command" in lite:
            command, body = next(iter(lite["Command"].items()), ("", {}))
            body = body if isinstance(body, dict) else {}
            step = _command_step(invocation_id, command, body, entry, link, depth)
            if step is None:
                continue
            steps.append(step)
            if command in ("Call", "OneWayCall") and body.get("invocation_id"):
                children[len(steps) - 1] = str(body["invocation_id"])
            completion = body.get("result_completion_id", body.get("completion_id"))
            if completion is not None and command != "OneWayCall":
                step.status = "running" if step.kind != "wait" else "waiting"
                open_steps[int(completion)] = step
        elif "Notification" in lite:
            ident = lite["Notification"].get("id", {})
            completion = ident.get("CompletionId") if isinstance(ident, dict) else None
            step = open_steps.pop(int(completion), None) if completion is not None else None
            if step is None:
                if lite["Notification"].get("ty") == "Signal":
                    steps.append(
                        TimelineStep(
                            invocation_id=invocation_id,
                            index=entry.index,
                            kind="wait",
                            title="external event received (an approval, a callback)",
                            detail=shorten(entry.value),
                            at=entry.appended_at,
                            depth=depth,
                            link=link,
                        )
                    )
                continue
            _complete(step, entry)
    return steps, children


def _command_step(
    invocation_id: str, command: str, body: dict[str, Any], entry: Any, link: str, depth: int
) -> TimelineStep | None:
    base: dict[str, Any] = {
        "invocation_id": invocation_id,
        "index": entry.index,
        "at": entry.appended_at,
        "depth": depth,
        "link": link,
    }
    if command in _SKIPPED_COMMANDS:
        return None
    if command == "Input":
        return TimelineStep(kind="input", title="request received", detail=shorten(entry.value), **base)
    if command == "Output":
        failed = entry.failure is not None
        detail = first_line(entry.failure) if failed else shorten(entry.value)
        title = "failed" if failed else "finished"
        if not failed and isinstance(entry.value, dict) and "final_output" in entry.value:
            detail = shorten(entry.value["final_output"])  # an agent's answer: the rest is in the history
        return TimelineStep(kind="output", title=title, detail=detail, status="failed" if failed else "done", **base)
    if command == "Run":
        name = entry.name or str(body.get("name") or "step")
        kind = "internal" if name in _BOOKKEEPING_RUNS else _classify_run(name)
        return TimelineStep(kind=kind, title=name, **base)
    if command == "Call":
        target = body.get("invocation_target")
        kind = "internal" if _BOOKKEEPING_HANDLER.match(_handler_of(target)) else "tool"
        return TimelineStep(kind=kind, title=f"calls {_target_name(target)}", **base)
    if command == "OneWayCall":
        return TimelineStep(kind="call", title=f"sends {_target_name(body.get('invocation_target'))}", **base)
    if command == "Sleep":
        wake = body.get("wake_up_time")
        when = datetime.fromtimestamp(wake / 1000, tz=UTC) if isinstance(wake, int) else None
        until = when.strftime("%Y-%m-%d %H:%M:%S UTC") if when else "later"
        what = entry.name or str(body.get("name") or "") or "sleeps"
        return TimelineStep(kind="wait", title=f"{what} (until {until})", **base)
    if command in ("GetPromise", "PeekPromise", "AttachInvocation", "GetInvocationOutput"):
        return TimelineStep(kind="wait", title=f"waits ({command})", detail=entry.name or "", **base)
    return TimelineStep(kind="step", title=entry.name or command, **base)


def _complete(step: TimelineStep, entry: Any) -> None:
    step.duration_ms = _millis(step.at, entry.appended_at)
    if entry.failure is not None:
        step.status, step.detail = "failed", first_line(entry.failure)
        return
    step.status = "done"
    if step.kind == "model":
        suffix, step.detail = _summarise_model_response(entry.value)
        step.title += suffix
        if suffix.startswith(": hands off"):
            step.kind = "handoff"
    elif step.kind != "wait" or entry.value is not None:
        step.detail = shorten(entry.value)


def _status_steps(row: dict[str, Any], link: str, depth: int) -> list[TimelineStep]:
    """Steps the journal does not show: a retry in progress, a suspension, a pause."""
    status = row.get("status")
    base: dict[str, Any] = {"invocation_id": row["id"], "depth": depth, "link": link}
    retries = int(row.get("retry_count") or 0)
    if status == "backing-off":
        return [
            TimelineStep(
                kind="retry",
                title=f"retrying (attempt {retries + 1})",
                detail=first_line(row.get("last_failure")),
                status="running",
                **base,
            )
        ]
    if status == "paused":
        return [TimelineStep(kind="retry", title="paused after repeated failures", status="failed", **base)]
    if status == "suspended":
        return [
            TimelineStep(kind="wait", title="waiting (suspended until something completes)", status="waiting", **base)
        ]
    return []


def _event_steps(events: list[dict[str, Any]], link: str, depth: int) -> dict[int, list[TimelineStep]]:
    """Transient errors that were retried, keyed by the journal index they followed."""
    placed: dict[int, list[TimelineStep]] = {}
    for event in events:
        data = json.loads(event.get("event_json") or "{}")
        if data.get("ty") != "TransientError":
            continue
        what = data.get("related_command_name") or data.get("related_command_type") or "a step"
        step = TimelineStep(
            invocation_id=str(event["id"]),
            kind="retry",
            title=f"{what} failed, retried",
            detail=first_line(data.get("error_message")),
            status="done",
            at=event.get("appended_at"),
            depth=depth,
            link=link,
        )
        placed.setdefault(int(event.get("after_journal_entry_index") or 0), []).append(step)
    return placed


def build_timeline(query: Query, run: dict[str, Any], ui_url: str) -> Timeline:
    """The steps of `run` (a row of `session_invocations`) and of the handlers it called."""
    run_id = str(run["id"])
    children = {row["id"]: row for row in children_of(query, [run_id])}
    ids = [run_id, *children]
    journal = query(
        "select id, index, entry_type, name, entry_lite_json, entry_json, appended_at from sys_journal "
        f"where id in ({_sql_list(ids)}) order by id, index"
    )
    events = query(
        "select id, after_journal_entry_index, appended_at, event_json from sys_journal_events "
        f"where id in ({_sql_list(ids)})"
    )
    by_id: dict[str, list[dict[str, Any]]] = {}
    for row in journal:
        by_id.setdefault(str(row["id"]), []).append(row)

    def link(invocation_id: str) -> str:
        return f"{ui_url}/invocations/{invocation_id}"

    def steps_of(invocation_id: str, depth: int, row: dict[str, Any]) -> list[TimelineStep]:
        steps, started = journal_steps(invocation_id, by_id.get(invocation_id, []), link(invocation_id), depth)
        if row.get("status") == "completed":
            for step in steps:
                if step.status in ("running", "waiting"):
                    step.status = "unused"
        retried = _event_steps([e for e in events if e["id"] == invocation_id], link(invocation_id), depth)
        out: list[TimelineStep] = []
        for position, step in enumerate(steps):
            if depth == 0 and position in started and started[position] in children:
                child = started[position]
                out.append(step)
                out.extend(s for s in steps_of(child, 1, children[child]) if s.kind not in ("input", "output"))
                continue
            out.append(step)
            out.extend(retried.pop(step.index, []))
        for rest in retried.values():
            out.extend(rest)
        return out + _status_steps(row, link(invocation_id), depth)

    summary = RunSummary(
        invocation_id=run_id,
        handler=str(run.get("target_handler_name", "")),
        status=str(run.get("status", "")),
        result=run.get("completion_result"),
        failure=first_line(run.get("completion_failure")) or None,
        created_at=run.get("created_at"),
        link=link(run_id),
    )
    return Timeline(run=summary, steps=steps_of(run_id, 0, run))
