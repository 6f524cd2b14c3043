"""resilient-agents: LLM apps and AI agents that do not break, on the Restate durable-execution engine.

The public API is re-exported here; everything else is private. Apps import only from this package (and from
`resilient_agents.testing` in tests), exactly as a user would.
"""

from __future__ import annotations

from .agents import Agent, AgentResponse, agent_session, function_tool, restate_tool
from .config import Settings
from .crews import crew, proactive_agent
from .engine import AdminClient, AsyncIngressClient, IngressClient, IngressError, build_app
from .exceptions import (
    AgentControlFlow,
    BudgetExceeded,
    ConfigurationError,
    EnvironmentProblem,
    InvalidRequest,
    ModelError,
    ResilientAgentsError,
    RetryableModelError,
    TerminalModelError,
)
from .handlers import RequestModel, handler
from .models import (
    OfflineModel,
    Usage,
    default_model,
    durable_model_call,
    llm_call,
    model_from_env,
    parse_model_spec,
    register_model,
    response_text,
)
from .serde import TypedSerde

__all__ = [
    "AdminClient",
    "Agent",
    "AgentControlFlow",
    "AgentResponse",
    "AsyncIngressClient",
    "BudgetExceeded",
    "ConfigurationError",
    "EnvironmentProblem",
    "IngressClient",
    "IngressError",
    "InvalidRequest",
    "ModelError",
    "OfflineModel",
    "RequestModel",
    "ResilientAgentsError",
    "RetryableModelError",
    "Settings",
    "TerminalModelError",
    "TypedSerde",
    "Usage",
    "agent_session",
    "build_app",
    "crew",
    "default_model",
    "durable_model_call",
    "function_tool",
    "handler",
    "llm_call",
    "model_from_env",
    "parse_model_spec",
    "proactive_agent",
    "register_model",
    "response_text",
    "restate_tool",
]
