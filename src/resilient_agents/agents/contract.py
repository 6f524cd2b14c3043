"""The session contract: what the chat page, the CLI and other services send to an agent session and get back.

Every session object made by `agent_session(...)` answers these handlers (see docs/agent-loop.md):

    run            exclusive  "text" or {"message": "text"}          -> AgentResponse
    message        shared     {"message", "mode"}                    -> MessageReceipt (interrupt / incorporate / queue)
    get_history    shared     (no body)                              -> list[ChatMessage]
    get_messages   shared     (no body)                              -> the raw pydantic-ai messages
    get_state      shared     (no body)                              -> SessionState
    approve/reject shared     {"approval_id", "reason"}              -> ApprovalReceipt
    notify         exclusive  {"message", "source"}                  -> ChatMessage (an "event" in the history)
    configure      exclusive  {"max_turns", "token_budget"}          -> SessionState
    reset          exclusive  (no body)                              -> SessionState

Every value here crosses the journal or the ingress, so each is a pydantic model with one serializer.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from ..handlers import RequestModel
from ..models import Usage

Role = Literal["user", "assistant", "tool_call", "tool_result", "handoff", "event"]
Status = Literal["idle", "running", "waiting_for_approval"]
DeliveryMode = Literal["interrupt", "incorporate", "queue"]


class RunRequest(RequestModel):
    """The object form of a `run` request; a bare JSON string is accepted as well."""

    message: str = "Hello!"
    """What the user says."""


RunInput = str | RunRequest
"""The input of `run`: `"how much is my balance?"` or `{"message": "how much is my balance?"}`."""


def message_of(request: RunInput) -> str:
    return request if isinstance(request, str) else request.message


class ChatMessage(BaseModel):
    """One line of the conversation as a chat UI shows it."""

    index: int
    """Position in the session's conversation, from 0; stable across calls."""
    role: Role
    content: str
    agent: str | None = None
    """The agent that said or did this (None for the user and for events)."""
    tool_name: str | None = None
    """For tool_call, tool_result and handoff lines."""
    tool_call_id: str | None = None
    """Pairs a tool_result with its tool_call."""
    is_error: bool = False
    """A tool_result that reports a failure, a rejection or a malformed call."""
    source: str | None = None
    """Who sent an event (`notify`)."""


class AgentResponse(BaseModel):
    """The answer of one `run`."""

    final_output: str
    """The agent's last text: what to show the user."""
    agent: str
    """The agent active at the end of the run (after any handoffs)."""
    usage: Usage = Field(default_factory=Usage)
    """Tokens and model requests of this run."""
    session_usage: Usage = Field(default_factory=Usage)
    """Tokens and model requests of the whole session so far."""
    messages: list[ChatMessage] = Field(default_factory=list)
    """The lines this run added to the conversation (the user's message first)."""


class Budget(BaseModel):
    """The guards of a session, kept in its state."""

    max_turns: int = 10
    """Model calls allowed in one run (a loop of tool calls cannot go on for ever)."""
    token_budget: int | None = None
    """Input plus output tokens allowed over the whole session; None means no limit."""


class PendingApproval(BaseModel):
    """A tool call waiting for a human decision."""

    id: str
    """What `approve` / `reject` take as `approval_id`."""
    tool_name: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    agent: str
    tool_call_id: str = ""
    delay_seconds: float | None = None
    """Set when the model scheduled the call for later: it runs this long after the approval."""
    expires_at: float = 0.0
    """Unix time when the configured default applies."""
    on_timeout: Literal["approve", "reject"] = "reject"
    awakeable_id: str = ""
    """The durable promise the session waits on (resolving it through the ingress also works)."""


class SessionState(BaseModel):
    """A session seen from outside (`get_state`)."""

    agent: str
    status: Status = "idle"
    turns: int = 0
    """Completed runs (user turns)."""
    usage: Usage = Field(default_factory=Usage)
    budget: Budget = Field(default_factory=Budget)
    pending_approvals: list[PendingApproval] = Field(default_factory=list)
    history_length: int = 0
    """Stored messages (each may show as several chat lines)."""
    run_invocation_id: str | None = None
    """The invocation of the run in progress, if any."""


class ApprovalAnswer(RequestModel):
    """The input of `approve` and `reject`."""

    approval_id: str = ""
    reason: str | None = None


class ApprovalDecision(BaseModel):
    """What the waiting session receives."""

    approved: bool
    reason: str | None = None
    by: str = "human"
    """"human", or "timeout" when the configured default applied."""


class ApprovalReceipt(BaseModel):
    approval_id: str
    approved: bool
    tool_name: str


class NotifyRequest(RequestModel):
    """An asynchronous event for the conversation (a loan decision, a reminder firing...)."""

    message: str = "Your request was processed."
    source: str = "system"


class MessageRequest(RequestModel):
    """A message for a session that may be busy; `mode` says what happens if it is."""

    message: str = "Hello!"
    mode: DeliveryMode = "incorporate"


class MessageReceipt(BaseModel):
    """What `message` did."""

    mode: DeliveryMode
    """What happened: incorporated into the running run, queued as a new run, or interrupted the running one."""
    invocation_id: str
    """The run that will answer: attach to it (`/restate/invocation/{id}/attach`) for the answer."""
    cancelled_invocation_id: str | None = None
    """For interrupt: the run that was cancelled."""


class ConfigureRequest(RequestModel):
    """Change the guards of one session."""

    max_turns: int | None = Field(default=None, ge=1)
    token_budget: int | None = Field(default=None, ge=0)
    clear_token_budget: bool = False


class AgentToolRequest(RequestModel):
    """Internal: one request for an agent used as a tool (`run_agent_tool`)."""

    agent: str = ""
    input: str = ""


class ScheduledToolCall(RequestModel):
    """Internal: a function tool call sent to run later (`run_scheduled_tool`)."""

    agent: str = ""
    tool: str = ""
    arguments: dict[str, Any] = Field(default_factory=dict)
    call_id: str = ""
