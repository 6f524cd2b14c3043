"""resilient-agents: LLM apps and AI agents that do not break, on the Restate durable-execution engine.

The public API is re-exported here; everything else is private. Apps import only from this package (and from
`resilient_agents.testing` in tests), exactly as a user would.
"""

from __future__ import annotations

import importlib as _importlib
import typing as _typing

# Names are imported on first use: the command line and small scripts should not pay for the model layer
# (pydantic-ai) and the agent loop unless they use them.
_EXPORTS: dict[str, str] = {
    "AdminClient": ".engine",
    "Agent": ".agents",
    "AgentControlFlow": ".exceptions",
    "AgentResponse": ".agents",
    "AsyncIngressClient": ".engine",
    "BudgetExceeded": ".exceptions",
    "ConfigurationError": ".exceptions",
    "EnvironmentProblem": ".exceptions",
    "IngressClient": ".engine",
    "IngressError": ".engine",
    "InvalidRequest": ".exceptions",
    "ModelError": ".exceptions",
    "OfflineModel": ".models",
    "RequestModel": ".handlers",
    "ResilientAgentsError": ".exceptions",
    "RetryableModelError": ".exceptions",
    "Settings": ".config",
    "TerminalModelError": ".exceptions",
    "TypedSerde": ".serde",
    "Usage": ".models",
    "agent_session": ".agents",
    "build_app": ".engine",
    "crew": ".crews",
    "default_model": ".models",
    "durable_model_call": ".models",
    "function_tool": ".agents",
    "handler": ".handlers",
    "llm_call": ".models",
    "model_from_env": ".models",
    "parse_model_spec": ".models",
    "proactive_agent": ".crews",
    "register_model": ".models",
    "response_text": ".models",
    "restate_tool": ".agents",
}

if _typing.TYPE_CHECKING:
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


def __getattr__(name: str) -> _typing.Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


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
