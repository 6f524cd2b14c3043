"""Human in the loop on awakeables: ask, print how to answer, wait durably, escalate when nobody answers.

`ask_human` creates an awakeable and logs the exact `curl .../restate/awakeables/{id}/resolve` command that
answers it (the configured ingress URL). The wait is durable: the service and restate-server may restart while it
lasts, and the handler resumes when the answer arrives. `wait_for_human` adds deadlines: when one level (a
moderator) does not answer in time the question goes to the next (a supervisor) while the earlier person may
still answer; when the last deadline passes the caller gets `answer=None` and decides what that means.

Answers are read leniently (`FeedbackSerde`): a JSON string, any other JSON value, or raw text are all accepted,
so a malformed resolve can never wedge the handler in a retry loop.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import restate
from pydantic import BaseModel
from pydantic_ai.models import Model
from restate.serde import Serde

from ..config import Settings
from ..models import llm_call
from .evaluator import GENERATOR_INSTRUCTIONS, EvaluationResult, Round, generation_prompt

log = restate.getLogger("resilient_agents.human")
"""Replay-aware: the command is logged once, not again when the handler replays after a restart."""

ACCEPT = "PASS"
APPROVAL_WORDS = frozenset({"pass", "approve", "approved", "yes", "ok", "accept", "accepted", "lgtm"})


class FeedbackSerde(Serde[str]):
    """Awakeable payloads as text: a JSON string as is, other JSON compact, anything else decoded raw."""

    def serialize(self, obj: str | None) -> bytes:
        return json.dumps(obj or "").encode()

    def deserialize(self, buf: bytes) -> str | None:
        try:
            value = json.loads(buf) if buf else ""
        except ValueError:
            return buf.decode(errors="replace").strip()
        return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


class PendingFeedback(BaseModel):
    """A question waiting for a person: the awakeable to resolve and the command that resolves it."""

    awakeable_id: str
    role: str
    question: str
    curl: str


class HumanAnswer(BaseModel):
    """Who answered what; `answer` is None when every deadline passed."""

    answer: str | None
    role: str | None
    timed_out: list[str]
    """Roles whose deadline passed before an answer came."""


class EscalationLevel(BaseModel):
    """Who is asked, and how long they have (None: no deadline)."""

    role: str
    timeout: timedelta | None = None


def resolve_command(awakeable_id: str, example: str = "Your feedback...", ingress_url: str | None = None) -> str:
    """The curl command that resolves `awakeable_id` through the ingress."""
    url = (ingress_url or Settings.from_env().ingress_url).rstrip("/")
    return f"curl {url}/restate/awakeables/{awakeable_id}/resolve --json '{json.dumps(example)}'"


def ask_human(
    ctx: restate.Context,
    question: str,
    *,
    role: str = "reviewer",
    example: str = "Your feedback...",
    instructions: str = "",
) -> tuple[PendingFeedback, restate.RestateDurableFuture[str]]:
    """Create the awakeable a person resolves, log how to resolve it, and return it with its future."""
    awakeable_id, future = ctx.awakeable(serde=FeedbackSerde())
    pending = PendingFeedback(
        awakeable_id=awakeable_id, role=role, question=question, curl=resolve_command(awakeable_id, example)
    )
    hint = f"{instructions}\n" if instructions else ""
    log.info(
        "\n=== HUMAN FEEDBACK REQUIRED (%s) ===\n%s\n%sSend it with:\n\n  %s\n",
        role,
        question,
        hint,
        pending.curl,
    )
    return pending, future


def is_pass(answer: str) -> bool:
    """The feedback that accepts a result in the feedback loops: PASS (any case)."""
    return answer.strip().strip("\"'.!").upper() == ACCEPT


def is_approval(answer: str) -> bool:
    """An approval in moderation: PASS, approve, yes, ok... (the first word decides)."""
    words = answer.strip().lower().replace(",", " ").split()
    return bool(words) and words[0].strip("\"'.!:") in APPROVAL_WORDS


async def wait_for_human(
    ctx: restate.Context,
    question: str,
    levels: Sequence[EscalationLevel],
    *,
    example: str = "approve",
    instructions: str = "",
    on_pending: Callable[[PendingFeedback], None] | None = None,
) -> HumanAnswer:
    """Ask each level in turn until someone answers; earlier levels may still answer after their deadline."""
    asked: list[tuple[str, restate.RestateDurableFuture[str]]] = []
    timed_out: list[str] = []
    for level in levels:
        pending, future = ask_human(ctx, question, role=level.role, example=example, instructions=instructions)
        if on_pending is not None:
            on_pending(pending)
        asked.append((level.role, future))
        waits: list[restate.RestateDurableFuture[Any]] = [f for _, f in asked]
        if level.timeout is not None:
            waits.append(ctx.sleep(level.timeout, name=f"{level.role} deadline"))
        done, _ = await restate.wait_completed(*waits)
        # An answer wins over a deadline that passed at the same moment.
        for role, f in asked:
            if f in done:
                return HumanAnswer(answer=await f, role=role, timed_out=timed_out)
        timed_out.append(level.role)
    return HumanAnswer(answer=None, role=None, timed_out=timed_out)


async def human_feedback_loop(
    ctx: restate.Context,
    task: str,
    *,
    generator_instructions: str = GENERATOR_INSTRUCTIONS,
    on_pending: Callable[[PendingFeedback], None] | None = None,
    model: Model | None = None,
    max_rounds: int = 50,
) -> EvaluationResult:
    """Generate, ask a person for feedback, improve, until the feedback is PASS (or `max_rounds` drafts)."""
    rounds: list[Round] = []
    for n in range(1, max_rounds + 1):
        content = await llm_call(
            ctx, generation_prompt(task, rounds), system=generator_instructions, model=model, name=f"generate {n}"
        )
        pending, future = ask_human(
            ctx, content, role="reviewer", instructions=f"Answer '{ACCEPT}' to accept the solution."
        )
        if on_pending is not None:
            on_pending(pending)
        feedback = await future
        accepted = is_pass(feedback)
        rounds.append(Round(content=content, status="PASS" if accepted else "NEEDS_IMPROVEMENT", feedback=feedback))
        if accepted:
            return EvaluationResult(result=content, accepted=True, rounds=rounds)
    return EvaluationResult(result=rounds[-1].content, accepted=False, rounds=rounds)
