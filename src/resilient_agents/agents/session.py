"""`agent_session(...)`: a Restate virtual object that runs the agent loop, one object instance per session key.

    session = agent_session("AgentSession", agents=[intake, account, loans], starting_agent=intake)
    SERVICES = [session, ...]        # curl localhost:8080/AgentSession/alice/run --json '"how much is my balance?"'

The key is the session (the customer, the conversation): its state holds the active agent, the history (one key
per message), usage, budget, status and pending approvals, all visible in the Restate UI. The handlers are the
session contract (see `contract.py` and docs/agent-loop.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any, Literal

import restate
from pydantic_ai.messages import ModelMessage
from restate.exceptions import TerminalError

from ..exceptions import ConfigurationError, InvalidRequest
from ..handlers import handler
from ..models import Usage
from ..serde import TypedSerde
from .agent import Agent, collect_agents
from .approvals import (
    APPROVALS_KEY,
    STATUS_KEY,
    ApprovalGate,
    ApprovalPolicy,
    answer_approval,
    pending_approvals,
)
from .contract import (
    AgentResponse,
    AgentToolRequest,
    ApprovalAnswer,
    ApprovalReceipt,
    Budget,
    ChatMessage,
    ConfigureRequest,
    MessageReceipt,
    MessageRequest,
    NotifyRequest,
    RunInput,
    ScheduledToolCall,
    SessionState,
    Status,
    message_of,
)
from .handoffs import handoff_names
from .history import Conversation, chat_messages, event_entry, history_length, load_history, user_entry
from .inbox import Inbox, add_inbox_handlers, inbox_key, require_session_key
from .runner import AGENT_KEY, USAGE_KEY, USAGE_SERDE, AgentLoop, close_dangling_calls, timestamp_of
from .tools import FunctionTool, ToolArgumentsError, ToolCallInfo, ToolRuntime

RUN_KEY = "run_invocation_id"
TURNS_KEY = "turns"
BUDGET_KEY = "budget"
BUDGET_SERDE: TypedSerde[Budget] = TypedSerde(Budget)
MESSAGES_SERDE: TypedSerde[list[ModelMessage]] = TypedSerde(list[ModelMessage])
_RECEIPT: TypedSerde[MessageReceipt] = TypedSerde(MessageReceipt)
CHAT_SERDE: TypedSerde[list[ChatMessage]] = TypedSerde(list[ChatMessage])
STATUS_SERDE: TypedSerde[Status | None] = TypedSerde(Status)
CANCELLED = 409


def agent_session(
    name: str,
    agents: Sequence[Agent],
    starting_agent: Agent | str | None = None,
    *,
    max_turns: int = 10,
    token_budget: int | None = None,
    approval_timeout: timedelta = timedelta(hours=24),
    on_approval_timeout: Literal["approve", "reject"] = "reject",
    description: str | None = None,
    **object_options: Any,
) -> restate.VirtualObject:
    """A virtual object named `name` whose instances are agent sessions.

    `agents` (and every agent reachable through their handoffs) can lead the conversation; `starting_agent`
    (default: the first) leads a new session. `max_turns` (model calls per run) and `token_budget` (tokens per
    session) are the defaults of each session's budget (`configure` changes one session's). Approvals wait
    `approval_timeout`, then `on_approval_timeout` applies. `object_options` go to `restate.VirtualObject`.
    """
    if not agents:
        raise ConfigurationError(f"agent session {name!r} needs at least one agent")
    registry = collect_agents(agents)
    start = starting_agent.name if isinstance(starting_agent, Agent) else (starting_agent or agents[0].name)
    if start not in registry:
        raise ConfigurationError(f"starting agent {start!r} is not one of the agents of {name!r}")
    default_budget = Budget(max_turns=max_turns, token_budget=token_budget)
    policy = ApprovalPolicy(timeout=approval_timeout, on_timeout=on_approval_timeout)
    names = handoff_names(registry)
    session = restate.VirtualObject(
        name,
        description=description or f"Agent session: {', '.join(registry)} (the key is the session)",
        **object_options,
    )

    async def read_state(ctx: restate.ObjectContext | restate.ObjectSharedContext) -> SessionState:
        agent = await ctx.get(AGENT_KEY, type_hint=str)
        status: Status | None = await ctx.get(STATUS_KEY, serde=STATUS_SERDE)
        return SessionState(
            agent=agent if agent in registry else start,
            status=status or "idle",
            turns=await ctx.get(TURNS_KEY, type_hint=int) or 0,
            usage=await ctx.get(USAGE_KEY, serde=USAGE_SERDE) or Usage(),
            budget=await ctx.get(BUDGET_KEY, serde=BUDGET_SERDE) or default_budget,
            pending_approvals=await pending_approvals(ctx),
            history_length=await history_length(ctx),
            run_invocation_id=await ctx.get(RUN_KEY, type_hint=str),
        )

    @handler(session, name="run")
    async def run(ctx: restate.ObjectContext, request: RunInput) -> AgentResponse:
        """Send the agent a message and wait for its answer (queued behind a run in progress)."""
        require_session_key(ctx.key())
        text = message_of(request)
        if not text.strip():
            raise InvalidRequest("message: must not be empty")
        run_id = ctx.request().id
        state = await read_state(ctx)
        conversation = Conversation(await load_history(ctx), ctx)
        first_new = len(conversation)
        inbox = Inbox(ctx, name)
        earlier = await inbox.open(run_id)
        now = timestamp_of(await ctx.time())
        ctx.set(STATUS_KEY, "running")
        ctx.set(RUN_KEY, run_id)
        for message in [*earlier, text]:
            conversation.append(user_entry(message, now, state.agent))
        loop = AgentLoop(
            ctx=ctx,
            service=name,
            session_key=ctx.key(),
            agents=registry,
            agent=registry[state.agent],
            conversation=conversation,
            budget=state.budget,
            session_usage=state.usage,
            gate=ApprovalGate(ctx, policy),
            inbox=inbox,
            persist=True,
        )
        try:
            result = await loop.run()
        except TerminalError as exc:
            what = "interrupted" if exc.status_code == CANCELLED else f"stopped: {exc.message}"
            close_dangling_calls(conversation, loop.agent.name, now)
            conversation.append(event_entry(f"The run was {what}", "session", now))
            ctx.clear(APPROVALS_KEY)
            ctx.set(STATUS_KEY, "idle")
            ctx.clear(RUN_KEY)
            await inbox.detach(run_id)
            raise
        ctx.set(TURNS_KEY, state.turns + 1)
        ctx.set(STATUS_KEY, "idle")
        ctx.clear(RUN_KEY)
        return AgentResponse(
            final_output=result.final_output,
            agent=result.agent.name,
            usage=result.usage,
            session_usage=result.session_usage,
            messages=chat_messages(conversation.entries, names, first_entry=first_new),
        )

    @handler(session, name="message", kind="shared", output_serde=_RECEIPT)
    async def message(ctx: restate.ObjectSharedContext, request: MessageRequest) -> MessageReceipt:
        """A message for a session that may be working: interrupt it, incorporate the message, or queue it."""
        require_session_key(ctx.key())
        if not request.message.strip():
            raise InvalidRequest("message: must not be empty")
        payload = request.model_dump_json().encode()
        raw = await ctx.generic_call(name, "inbox_push", payload, key=inbox_key(ctx.key()))
        return _RECEIPT.loads(raw)

    @handler(session, name="get_history", kind="shared", output_serde=CHAT_SERDE)
    async def get_history(ctx: restate.ObjectSharedContext) -> list[ChatMessage]:
        """The conversation as chat lines (user, assistant, tool_call, tool_result, handoff, event)."""
        return chat_messages(await load_history(ctx), names)

    @handler(session, name="get_messages", kind="shared", output_serde=MESSAGES_SERDE)
    async def get_messages(ctx: restate.ObjectSharedContext) -> list[ModelMessage]:
        """The conversation as the raw pydantic-ai messages the model reads."""
        return [entry.message for entry in await load_history(ctx)]

    @handler(session, name="get_state", kind="shared")
    async def get_state(ctx: restate.ObjectSharedContext) -> SessionState:
        """Active agent, status, turns, usage, budget and pending approvals."""
        return await read_state(ctx)

    @handler(session, name="approve", kind="shared")
    async def approve(ctx: restate.ObjectSharedContext, answer: ApprovalAnswer) -> ApprovalReceipt:
        """Approve a pending tool call (see `pending_approvals` in get_state)."""
        return await answer_approval(ctx, answer, approved=True)

    @handler(session, name="reject", kind="shared")
    async def reject(ctx: restate.ObjectSharedContext, answer: ApprovalAnswer) -> ApprovalReceipt:
        """Reject a pending tool call; the model is told, with the reason."""
        return await answer_approval(ctx, answer, approved=False)

    @handler(session, name="notify")
    async def notify(ctx: restate.ObjectContext, request: NotifyRequest) -> ChatMessage:
        """Add an asynchronous event (a workflow's decision, a reminder) to the conversation, without a model call."""
        require_session_key(ctx.key())
        if not request.message.strip():
            raise InvalidRequest("message: must not be empty")
        conversation = Conversation(await load_history(ctx), ctx)
        conversation.append(event_entry(request.message, request.source, timestamp_of(await ctx.time())))
        return chat_messages(conversation.entries, names)[-1]

    @handler(session, name="configure")
    async def configure(ctx: restate.ObjectContext, request: ConfigureRequest) -> SessionState:
        """Change this session's guards: max_turns (model calls per run), token_budget (tokens per session)."""
        require_session_key(ctx.key())
        budget = await ctx.get(BUDGET_KEY, serde=BUDGET_SERDE) or default_budget
        updates: dict[str, Any] = {}
        if request.max_turns is not None:
            updates["max_turns"] = request.max_turns
        if request.token_budget is not None:
            updates["token_budget"] = request.token_budget
        if request.clear_token_budget:
            updates["token_budget"] = None
        ctx.set(BUDGET_KEY, budget.model_copy(update=updates), serde=BUDGET_SERDE)
        return await read_state(ctx)

    @handler(session, name="reset")
    async def reset(ctx: restate.ObjectContext) -> SessionState:
        """Forget the conversation, usage and budget of this session (a new conversation)."""
        require_session_key(ctx.key())
        ctx.clear_all()
        return await read_state(ctx)

    @handler(session, name="run_agent_tool", kind="shared", ingress_private=True)
    async def run_agent_tool(ctx: restate.ObjectSharedContext, request: AgentToolRequest) -> str:
        """Internal: an agent used as a tool answers one request (no history of its own)."""
        agent = registry.get(request.agent)
        if agent is None:
            raise InvalidRequest(f"agent: {request.agent!r} is not an agent of {name}")
        conversation = Conversation()
        conversation.append(user_entry(request.input, timestamp_of(await ctx.time()), agent.name))
        loop = AgentLoop(
            ctx=ctx,
            service=name,
            session_key=ctx.key(),
            agents=registry,
            agent=agent,
            conversation=conversation,
            budget=default_budget,
        )
        return (await loop.run()).final_output

    @handler(session, name="run_scheduled_tool", kind="shared", ingress_private=True)
    async def run_scheduled_tool(ctx: restate.ObjectSharedContext, request: ScheduledToolCall) -> Any:
        """Internal: a function tool call the model scheduled for later."""
        agent = registry.get(request.agent)
        tool = agent.find_tool(request.tool) if agent else None
        if agent is None or not isinstance(tool, FunctionTool):
            raise InvalidRequest(f"tool: {request.agent!r} has no function tool {request.tool!r}")
        try:
            value = tool.prepare(dict(request.arguments))
        except ToolArgumentsError as exc:
            raise InvalidRequest(f"arguments: {exc}") from None
        call = ToolCallInfo(ctx.key(), agent.name, request.call_id, request.arguments, ctx.uuid().hex)
        return await tool.start(ToolRuntime(ctx, name, ctx.key()), call, value).future

    add_inbox_handlers(session)
    return session
