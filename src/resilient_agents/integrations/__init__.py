"""Agent SDKs inside Restate: the OpenAI Agents SDK and Pydantic AI, on `restate.ext.openai` / `restate.ext.pydantic`.

- `run_agent` / `openai_agents_session`: DurableRunner with our models (RA_MODEL) and parallel tools;
- `run_pydantic_agent` / `pydantic_ai_session`: RestateAgent with the same parallel tools;
- `ParallelTools`: tools whose calls of one model response run concurrently, each its own Restate invocation,
  with a journal that replays deterministically (the design is in parallel_tools and docs/agent-sdks.md);
- `PydanticAIAgentsModel` / `ModelRouter`: any of our models as an OpenAI Agents SDK model.
"""

from __future__ import annotations

from .agents_models import ModelRouter, PydanticAIAgentsModel, register_agents_model
from .openai_agents import RoutedRunConfig, model_ref, openai_agents_session, routed_run_config, run_agent
from .parallel_tools import ParallelTools, ToolCall, ToolResult
from .pydantic_ai import ParallelToolDispatch, parallel_toolset, pydantic_ai_session, run_pydantic_agent
from .session import SdkSessionState, SessionReply, sdk_session

__all__ = [
    "ModelRouter",
    "ParallelToolDispatch",
    "ParallelTools",
    "PydanticAIAgentsModel",
    "RoutedRunConfig",
    "SdkSessionState",
    "SessionReply",
    "ToolCall",
    "ToolResult",
    "model_ref",
    "openai_agents_session",
    "parallel_toolset",
    "pydantic_ai_session",
    "register_agents_model",
    "routed_run_config",
    "run_agent",
    "run_pydantic_agent",
    "sdk_session",
]
