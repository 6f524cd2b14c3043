"""`HumanInTheLoopService/{key}/...`: a person reviews what the model wrote, on a virtual object.

- `run_with_promise`: generate, wait (durably) for feedback on an awakeable whose curl command is logged, improve,
  until the feedback is PASS;
- `run`: the same loop over separate calls: the first call gives the task, each next call gives feedback (PASS
  accepts); the session lives in the object's state;
- `moderate`: a moderator approves or rejects; if nobody answers in time a supervisor is asked, and after that
  deadline the result is an escalation instead of an endless wait;
- `pending` (shared): the question waiting for a person and the command that answers it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

import restate
from pydantic import BaseModel, Field

from resilient_agents import RequestModel, handler, llm_call
from resilient_agents.patterns import (
    EscalationLevel,
    EvaluationResult,
    PendingFeedback,
    Round,
    StateKey,
    generation_prompt,
    human_feedback_loop,
    is_approval,
    is_pass,
    structured_call,
    wait_for_human,
)

human = restate.VirtualObject("HumanInTheLoopService", description="A person in the loop, durably.")

PENDING: StateKey[PendingFeedback] = StateKey("pending", PendingFeedback)


@handler(human)
async def run_with_promise(ctx: restate.ObjectContext, task: str) -> EvaluationResult:
    """Generate, then wait for feedback on an awakeable (the curl command is logged); loop until PASS."""
    result = await human_feedback_loop(ctx, task, on_pending=lambda p: PENDING.set(ctx, p))
    PENDING.clear(ctx)
    return result


# --- run: one call per round, the session in state ------------------------------------------------------------


class FeedbackSession(BaseModel):
    """A feedback loop spread over calls."""

    task: str
    draft: str
    rounds: list[Round] = []
    done: bool = False


class FeedbackTurn(BaseModel):
    """The current draft and what to send next."""

    content: str
    round: int
    accepted: bool
    next: str


SESSION: StateKey[FeedbackSession] = StateKey("session", FeedbackSession)
NEXT_HINT = "Send feedback to the same key to improve it, or PASS to accept."


async def _draft(ctx: restate.ObjectContext, task: str, rounds: list[Round]) -> str:
    return await llm_call(ctx, generation_prompt(task, rounds), name=f"generate {len(rounds) + 1}")


@handler(human)
async def run(ctx: restate.ObjectContext, message: str) -> FeedbackTurn:
    """First call: the task. Next calls: feedback on the last draft (PASS accepts). State keeps the session."""
    session = await SESSION.get(ctx)
    if session is None or session.done:
        session = FeedbackSession(task=message, draft=await _draft(ctx, message, []))
    elif is_pass(message):
        session.rounds.append(Round(content=session.draft, status="PASS", feedback=message))
        session.done = True
    else:
        session.rounds.append(Round(content=session.draft, status="NEEDS_IMPROVEMENT", feedback=message))
        session.draft = await _draft(ctx, session.task, session.rounds)
    SESSION.set(ctx, session)
    next_step = "Accepted. Send a new task to start again." if session.done else NEXT_HINT
    return FeedbackTurn(
        content=session.draft,
        round=len(session.rounds) + (0 if session.done else 1),
        accepted=session.done,
        next=next_step,
    )


# --- moderate: approval with escalating deadlines -------------------------------------------------------------


class Assessment(BaseModel):
    """Your moderation recommendation."""

    verdict: Literal["allow", "review", "block"] = Field(description="allow, review or block")
    reason: str = Field(description="Why, in one sentence")


class ModerationRequest(RequestModel):
    """Content to moderate and how long each reviewer has."""

    content: str = Field(
        default="Check out our durable agents! They never lose your work, even when servers crash.",
        description="The content waiting for approval",
    )
    moderator_timeout_seconds: float = Field(default=300, gt=0, le=30 * 86400, description="Moderator deadline")
    supervisor_timeout_seconds: float = Field(default=600, gt=0, le=30 * 86400, description="Supervisor deadline")


class ModerationResult(BaseModel):
    """The decision, who made it, and what the model recommended."""

    decision: Literal["approved", "rejected", "escalated"]
    decided_by: str | None
    comment: str
    model_verdict: str
    timed_out: list[str]


@handler(human)
async def moderate(ctx: restate.ObjectContext, req: ModerationRequest) -> ModerationResult:
    """Model recommendation, then a moderator decides; no answer in time goes to a supervisor, then escalates."""
    assessment = await structured_call(
        ctx,
        req.content,
        Assessment,
        system="You moderate user content for a public page. Recommend allow, review or block.",
        tool_name="assessment",
        name="assess",
    )
    answer = await wait_for_human(
        ctx,
        f"Content:\n{req.content}\nModel recommendation: {assessment.verdict} ({assessment.reason})",
        [
            EscalationLevel(role="moderator", timeout=timedelta(seconds=req.moderator_timeout_seconds)),
            EscalationLevel(role="supervisor", timeout=timedelta(seconds=req.supervisor_timeout_seconds)),
        ],
        example="approve",
        instructions="Answer 'approve', or 'reject: <reason>'.",
        on_pending=lambda p: PENDING.set(ctx, p),
    )
    PENDING.clear(ctx)
    if answer.answer is None:
        return ModerationResult(
            decision="escalated",
            decided_by=None,
            comment="Nobody decided in time: the content stays unpublished and is flagged for follow-up.",
            model_verdict=assessment.verdict,
            timed_out=answer.timed_out,
        )
    return ModerationResult(
        decision="approved" if is_approval(answer.answer) else "rejected",
        decided_by=answer.role,
        comment=answer.answer,
        model_verdict=assessment.verdict,
        timed_out=answer.timed_out,
    )


@handler(human, kind="shared")
async def pending(ctx: restate.ObjectSharedContext) -> PendingFeedback | None:
    """The question waiting for a person on this key, with the curl command that answers it (None if none)."""
    return await PENDING.get(ctx)


SERVICES = [human]
