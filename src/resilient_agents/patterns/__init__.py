"""Durable LLM patterns: small building blocks that harden model calls and tool runs with Restate.

Each is a plain async function taking the Restate context, so patterns mix inside one handler:
- chaining (`chain`), parallel maps (`parallel_map`, `llm_future`, `gather_values`);
- tool routing with parallel tool calls (`durable_tool`, `run_tool_loop`);
- routing to specialists, local or remote through Restate (`route_to_specialist`, `route_to_remote_agent`),
  and consulting several at once (`consult_in_parallel`);
- orchestrator-workers (`orchestrate`), evaluator-optimizer (`evaluate_and_improve`);
- people in the loop on awakeables, with deadlines that escalate (`ask_human`, `wait_for_human`,
  `human_feedback_loop`);
- chat sessions on virtual objects (`chat_turn`, `read_history`), typed state (`StateKey`);
- racing strategies and cancelling the losers (`race`);
- structured decisions through output tools with enums (`structured_call`, `choose`).
"""

from __future__ import annotations

from .chaining import ChainResult, ChainStep, chain
from .chat import ChatHistory, ChatMessage, chat_turn, read_history
from .evaluator import Evaluation, EvaluationResult, Round, evaluate_and_improve, generation_prompt
from .human import (
    EscalationLevel,
    FeedbackSerde,
    HumanAnswer,
    PendingFeedback,
    ask_human,
    human_feedback_loop,
    is_approval,
    is_pass,
    resolve_command,
    wait_for_human,
)
from .orchestrator import OrchestratorResult, Subtask, WorkerResult, orchestrate
from .parallel import ParallelItem, ParallelResult, gather_texts, gather_values, llm_future, parallel_map
from .racing import RaceOutcome, race
from .routing import (
    AgentAnalysis,
    RemoteAgent,
    RoutedAnswer,
    Specialist,
    call_remote_agent,
    choose_agent,
    consult_in_parallel,
    route_to_remote_agent,
    route_to_specialist,
)
from .state import StateKey
from .structured import Choice, choose, structured_call
from .tools import DurableTool, ToolCallRecord, ToolLoopResult, durable_tool, run_tool_calls, run_tool_loop

__all__ = [
    "AgentAnalysis",
    "ChainResult",
    "ChainStep",
    "ChatHistory",
    "ChatMessage",
    "Choice",
    "DurableTool",
    "EscalationLevel",
    "Evaluation",
    "EvaluationResult",
    "FeedbackSerde",
    "HumanAnswer",
    "OrchestratorResult",
    "ParallelItem",
    "ParallelResult",
    "PendingFeedback",
    "RaceOutcome",
    "RemoteAgent",
    "Round",
    "RoutedAnswer",
    "Specialist",
    "StateKey",
    "Subtask",
    "ToolCallRecord",
    "ToolLoopResult",
    "WorkerResult",
    "ask_human",
    "call_remote_agent",
    "chain",
    "chat_turn",
    "choose",
    "choose_agent",
    "consult_in_parallel",
    "durable_tool",
    "evaluate_and_improve",
    "gather_texts",
    "gather_values",
    "generation_prompt",
    "human_feedback_loop",
    "is_approval",
    "is_pass",
    "llm_future",
    "orchestrate",
    "parallel_map",
    "race",
    "read_history",
    "resolve_command",
    "route_to_remote_agent",
    "route_to_specialist",
    "run_tool_calls",
    "run_tool_loop",
    "structured_call",
    "wait_for_human",
]
