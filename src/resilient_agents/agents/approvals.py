"""Tool approvals: the session waits on a durable promise until a human approves or rejects, or time runs out.

For each call of a tool with `requires_approval`, the run creates an awakeable (Restate's durable promise) and a
durable timer, records a `PendingApproval` in the session state (visible in `get_state` and the Restate UI) and
sets the status to `waiting_for_approval`. The shared handlers `approve` / `reject` read the pending list and
resolve the awakeable; they run while the run waits, because shared handlers do not queue behind the exclusive
one. The wait survives crashes and restarts of both the service and restate-server: it is journaled, not held in
memory. When the timer fires first, the configured default (`on_timeout`) applies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

import restate

from ..exceptions import InvalidRequest
from ..serde import TypedSerde
from .contract import ApprovalAnswer, ApprovalDecision, ApprovalReceipt, PendingApproval
from .tools import Tool, ToolCallInfo

APPROVALS_KEY = "approvals"
STATUS_KEY = "status"
DECISION_SERDE: TypedSerde[ApprovalDecision] = TypedSerde(ApprovalDecision)
PENDING_SERDE: TypedSerde[list[PendingApproval]] = TypedSerde(list[PendingApproval])


@dataclass(frozen=True)
class ApprovalPolicy:
    """How long a session waits for a decision and what happens when nobody answers."""

    timeout: timedelta = timedelta(hours=24)
    on_timeout: Literal["approve", "reject"] = "reject"


async def pending_approvals(ctx: restate.ObjectContext | restate.ObjectSharedContext) -> list[PendingApproval]:
    return await ctx.get(APPROVALS_KEY, serde=PENDING_SERDE) or []


class ApprovalGate:
    """Asks for approvals in a session run and waits for the answers."""

    def __init__(self, ctx: restate.ObjectContext, policy: ApprovalPolicy) -> None:
        self.ctx = ctx
        self.policy = policy

    async def decide(
        self,
        requests: list[tuple[Tool, ToolCallInfo, timedelta | None]],
        meanwhile: Sequence[restate.RestateDurableFuture[Any]] = (),
    ) -> list[ApprovalDecision]:
        """One decision per request, in order; all requests are open at once, so humans answer in any order.

        `meanwhile` are the calls already started: waiting on them too keeps function tools running while the
        session waits for people (the SDK runs a `ctx.run` only while something awaits it).
        """
        if not requests:
            return []
        ctx = self.ctx
        now = await ctx.time()
        waits = []
        records = []
        for tool, call, delay in requests:
            awakeable_id, decision = ctx.awakeable(serde=DECISION_SERDE)
            timer = ctx.sleep(self.policy.timeout, name=f"approval timeout {tool.name}")
            waits.append((decision, timer))
            records.append(
                PendingApproval(
                    id=f"ap-{call.unique_id[:8]}",
                    tool_name=tool.name,
                    arguments=call.arguments,
                    agent=call.agent,
                    tool_call_id=call.call_id,
                    delay_seconds=delay.total_seconds() if delay is not None else None,
                    expires_at=now + self.policy.timeout.total_seconds(),
                    on_timeout=self.policy.on_timeout,
                    awakeable_id=awakeable_id,
                )
            )
        ctx.set(APPROVALS_KEY, records, serde=PENDING_SERDE)
        ctx.set(STATUS_KEY, "waiting_for_approval")
        decisions = []
        others = list(meanwhile)
        # Waiting in a fixed order keeps the journal deterministic; every promise and timer is already running.
        for decision, timer in waits:
            while True:
                done, _ = await restate.wait_completed(decision, timer, *others)
                if decision in done:
                    decisions.append(await decision)
                    break
                if timer in done:
                    approved = self.policy.on_timeout == "approve"
                    reason = f"nobody answered within {self.policy.timeout}; the default is to {self.policy.on_timeout}"
                    decisions.append(ApprovalDecision(approved=approved, reason=reason, by="timeout"))
                    break
                others = [f for f in others if f not in done]
        ctx.clear(APPROVALS_KEY)
        ctx.set(STATUS_KEY, "running")
        return decisions


async def answer_approval(ctx: restate.ObjectSharedContext, answer: ApprovalAnswer, approved: bool) -> ApprovalReceipt:
    """The body of the `approve` / `reject` handlers: resolve the pending approval's promise."""
    pending = await pending_approvals(ctx)
    for record in pending:
        if record.id == answer.approval_id:
            ctx.resolve_awakeable(
                record.awakeable_id, ApprovalDecision(approved=approved, reason=answer.reason), serde=DECISION_SERDE
            )
            return ApprovalReceipt(approval_id=record.id, approved=approved, tool_name=record.tool_name)
    known = ", ".join(r.id for r in pending) or "none"
    raise InvalidRequest(
        f"approval_id: no pending approval {answer.approval_id!r} in session {ctx.key()!r} (pending: {known})", 404
    )
