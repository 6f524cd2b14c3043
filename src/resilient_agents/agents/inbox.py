"""Messages for a session that is busy: interrupt, incorporate or queue, correct under single-writer objects.

A session's `run` is exclusive: while it works, Restate queues every other exclusive call for the same key. So a
message that must reach a running run cannot go through state of the session key. It goes through the
session's *inbox*: the same virtual object under the key `<key>~inbox`, whose exclusive handlers serialize
every decision about pending messages:

- `inbox_open(run_id)`    the run starts: the inbox records the running invocation, hands back leftovers;
- `inbox_take()`          before each model call after the first: the run takes what arrived (journaled as the
                          result of a call, so a replay sees the same messages);
- `inbox_close()`         the run is about to answer: if messages wait, they are handed back and the run goes on
                          with them; otherwise the inbox closes, atomically, so no message can fall in between;
- `inbox_detach(run_id)`  a run that failed or was cancelled lets go; waiting messages stay for the next run;
- `inbox_push(message)`   what the shared handler `message` forwards to:
    queue        send a new `run` (Restate queues it after the current one);
    incorporate  inbox open: store it for the running run's next step; closed: same as queue;
    interrupt    inbox open: cancel the running invocation (Restate cancels its in-flight tool calls too; the
                 run records what happened and lets go) and send a new `run` with the message; closed: queue.
The internal handlers are ingress-private: only the session itself calls them.
"""

from __future__ import annotations

import restate

from ..exceptions import InvalidRequest
from ..handlers import handler
from ..serde import TypedSerde
from .contract import DeliveryMode, MessageReceipt, MessageRequest, RunRequest

INBOX_SUFFIX = "~inbox"
OPEN_KEY = "open_run"
MESSAGES_KEY = "messages"
_STRINGS: TypedSerde[list[str]] = TypedSerde(list[str])
_STRING: TypedSerde[str] = TypedSerde(str)
_RECEIPT: TypedSerde[MessageReceipt] = TypedSerde(MessageReceipt)


def inbox_key(session_key: str) -> str:
    return session_key + INBOX_SUFFIX


def is_inbox_key(key: str) -> bool:
    return key.endswith(INBOX_SUFFIX)


def require_session_key(key: str) -> None:
    if is_inbox_key(key):
        raise InvalidRequest(f"session key {key!r} is reserved for the session inbox; use a key without {INBOX_SUFFIX}")


class Inbox:
    """The run's side of the inbox: calls to the session object under the inbox key."""

    def __init__(self, ctx: restate.ObjectContext, service: str) -> None:
        self.ctx = ctx
        self.service = service
        self.key = inbox_key(ctx.key())

    async def _call(self, handler_name: str, payload: bytes = b"") -> list[str]:
        raw = await self.ctx.generic_call(self.service, handler_name, payload, key=self.key)
        return _STRINGS.deserialize(raw) or []

    async def open(self, run_id: str) -> list[str]:
        return await self._call("inbox_open", _STRING.serialize(run_id))

    async def take(self) -> list[str]:
        return await self._call("inbox_take")

    async def close(self) -> list[str]:
        return await self._call("inbox_close")

    async def detach(self, run_id: str) -> None:
        await self._call("inbox_detach", _STRING.serialize(run_id))


async def _take_all(ctx: restate.ObjectContext) -> list[str]:
    messages = await ctx.get(MESSAGES_KEY, serde=_STRINGS) or []
    if messages:
        ctx.clear(MESSAGES_KEY)
    return messages


def add_inbox_handlers(session: restate.VirtualObject) -> None:
    """Register the inbox handlers on `session` (called by `agent_session`)."""
    service = session.name

    def session_key_of(ctx: restate.ObjectContext) -> str:
        key = ctx.key()
        if not is_inbox_key(key):
            raise InvalidRequest(f"{key!r} is not an inbox key")
        return key[: -len(INBOX_SUFFIX)]

    @handler(session, name="inbox_open", ingress_private=True, output_serde=_STRINGS)
    async def inbox_open(ctx: restate.ObjectContext, run_id: str) -> list[str]:
        session_key_of(ctx)
        ctx.set(OPEN_KEY, run_id, serde=_STRING)
        return await _take_all(ctx)

    @handler(session, name="inbox_take", ingress_private=True, output_serde=_STRINGS)
    async def inbox_take(ctx: restate.ObjectContext) -> list[str]:
        return await _take_all(ctx)

    @handler(session, name="inbox_close", ingress_private=True, output_serde=_STRINGS)
    async def inbox_close(ctx: restate.ObjectContext) -> list[str]:
        messages = await _take_all(ctx)
        if not messages:
            ctx.clear(OPEN_KEY)
        return messages

    @handler(session, name="inbox_detach", ingress_private=True, output_serde=_STRINGS)
    async def inbox_detach(ctx: restate.ObjectContext, run_id: str) -> list[str]:
        if await ctx.get(OPEN_KEY, serde=_STRING) == run_id:
            ctx.clear(OPEN_KEY)
        return []

    @handler(session, name="inbox_push", ingress_private=True, output_serde=_RECEIPT)
    async def inbox_push(ctx: restate.ObjectContext, request: MessageRequest) -> MessageReceipt:
        key = session_key_of(ctx)
        running = await ctx.get(OPEN_KEY, serde=_STRING)
        if request.mode == "incorporate" and running is not None:
            messages = await ctx.get(MESSAGES_KEY, serde=_STRINGS) or []
            ctx.set(MESSAGES_KEY, [*messages, request.message], serde=_STRINGS)
            return MessageReceipt(mode="incorporate", invocation_id=running)
        cancelled = None
        if request.mode == "interrupt" and running is not None:
            ctx.cancel_invocation(running)
            ctx.clear(OPEN_KEY)
            cancelled = running
        payload = RunRequest(message=request.message).model_dump_json().encode()
        handle = ctx.generic_send(service, "run", payload, key=key)
        invocation_id = await handle.invocation_id()
        mode: DeliveryMode = "interrupt" if cancelled else "queue"
        return MessageReceipt(mode=mode, invocation_id=invocation_id, cancelled_invocation_id=cancelled)
