"""The Restate-native agent loop: agents, tools as Restate handlers, handoffs, approvals, compensation, interrupts,
sessions.

    from resilient_agents.agents import Agent, agent_session, restate_tool

    assistant = Agent(name="Assistant", instructions="...", tools=[restate_tool(get_weather)])
    session = agent_session("AgentSession", agents=[assistant])   # a restate.VirtualObject: serve it

See docs/agent-loop.md for the session contract and the interrupt design.
"""

from __future__ import annotations

from .agent import HANDOFF_PREFIX, Agent
from .approvals import ApprovalPolicy
from .compensation import Compensation, CompensationRequest, FunctionCompensation, HandlerCompensation
from .contract import (
    AgentResponse,
    ApprovalAnswer,
    ApprovalDecision,
    ApprovalReceipt,
    Budget,
    ChatMessage,
    ConfigureRequest,
    DeliveryMode,
    MessageReceipt,
    MessageRequest,
    NotifyRequest,
    PendingApproval,
    RunInput,
    RunRequest,
    SessionState,
)
from .history import HistoryEntry, chat_messages
from .session import agent_session
from .tools import (
    DELAY_ARGUMENT,
    AgentTool,
    FunctionTool,
    HandlerTool,
    Tool,
    ToolCallInfo,
    function_tool,
    restate_tool,
)

__all__ = [
    "DELAY_ARGUMENT",
    "HANDOFF_PREFIX",
    "Agent",
    "AgentResponse",
    "AgentTool",
    "ApprovalAnswer",
    "ApprovalDecision",
    "ApprovalPolicy",
    "ApprovalReceipt",
    "Budget",
    "ChatMessage",
    "Compensation",
    "CompensationRequest",
    "ConfigureRequest",
    "DeliveryMode",
    "FunctionCompensation",
    "FunctionTool",
    "HandlerCompensation",
    "HandlerTool",
    "HistoryEntry",
    "MessageReceipt",
    "MessageRequest",
    "NotifyRequest",
    "PendingApproval",
    "RunInput",
    "RunRequest",
    "SessionState",
    "Tool",
    "ToolCallInfo",
    "agent_session",
    "chat_messages",
    "function_tool",
    "restate_tool",
]
