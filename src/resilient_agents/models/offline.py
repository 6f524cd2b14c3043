"""The offline model: deterministic, no network, and never passed off as a real LLM.

It drives every demo end to end when no model is configured:
- it picks tools (or handoffs, when no tool fits) by matching the user's words against tool names and
  descriptions; tools that tie for the best match are called together, in parallel;
- it fills arguments from the message and the tool's JSON schema (numbers, seats like 10B, confirmation numbers,
  enums, a payee after "to", delays such as "in 10 minutes" or "tomorrow" for `*delay*` / `*_seconds` numbers,
  the whole message for free text);
- when a required argument cannot be found it asks for it, and fills it from the next message;
- it calls one round of tools per message (handoffs do not count), then answers;
- otherwise it answers with text built from the conversation and the tool results; tool results that are not a
  success (failed, denied, retried) stop further tool calls and are reported as problems.
Every text it writes starts with "[offline model]".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic_ai.messages import (
    ModelMessage,
    ModelRequest,
    ModelResponse,
    RetryPromptPart,
    TextPart,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)
from pydantic_ai.models.function import AgentInfo, FunctionModel
from pydantic_ai.tools import ToolDefinition

PREFIX = "[offline model]"
HANDOFF_PREFIX = "transfer_to_"
MAX_TOOL_ROUNDS = 3
_ASK = re.compile(r"To run (\w+) I need")
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "my",
        "me",
        "i",
        "you",
        "your",
        "we",
        "our",
        "to",
        "of",
        "for",
        "and",
        "or",
        "is",
        "are",
        "was",
        "be",
        "been",
        "it",
        "this",
        "that",
        "these",
        "those",
        "how",
        "what",
        "which",
        "who",
        "when",
        "where",
        "why",
        "can",
        "could",
        "would",
        "will",
        "should",
        "do",
        "does",
        "did",
        "please",
        "much",
        "many",
        "with",
        "on",
        "in",
        "at",
        "by",
        "from",
        "about",
        "as",
        "any",
        "some",
        "tell",
        "give",
        "show",
        "get",
        "let",
        "lets",
        "need",
        "want",
        "would",
        "like",
        "hi",
        "hello",
        "hey",
        "there",
        "just",
        "use",
        "using",
        "tool",
        "tools",
        "agent",
        "agents",
        "function",
        "call",
        "calls",
        "help",
        "helps",
        "question",
        "questions",
    ]
)
_FREE_TEXT = (
    "query",
    "question",
    "text",
    "message",
    "prompt",
    "input",
    "content",
    "request",
    "topic",
    "task",
    "description",
    "reason",
    "details",
    "instructions",
    "subject",
    "body",
    "note",
    "summary",
)


def _stem(word: str) -> str:
    for suffix in ("ing", "ies", "es", "ed", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def _terms(text: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(text.lower().replace("_", " ")) if w not in _STOP}


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, Sequence):
        return " ".join(c for c in content if isinstance(c, str))
    return str(content)


@dataclass
class _Conversation:
    """What the offline model reads from the message list."""

    user_texts: list[str] = field(default_factory=list)
    called_since_user: list[str] = field(default_factory=list)
    returns_since_user: list[ToolReturnPart] = field(default_factory=list)
    retries_since_user: list[RetryPromptPart | ToolReturnPart] = field(default_factory=list)
    """Retry prompts and tool results whose outcome is not a success (failed, denied, retried)."""
    last_text_before_user: str = ""
    rounds_since_user: int = 0

    @classmethod
    def read(cls, messages: Sequence[ModelMessage]) -> _Conversation:
        conv = cls()
        last_text = ""
        for message in messages:
            if isinstance(message, ModelRequest):
                for part in message.parts:
                    if isinstance(part, UserPromptPart):
                        conv.user_texts.append(_text_of(part.content))
                        conv.last_text_before_user = last_text
                        conv.called_since_user, conv.returns_since_user = [], []
                        conv.retries_since_user, conv.rounds_since_user = [], 0
                    elif isinstance(part, ToolReturnPart) and part.outcome not in ("success", "interrupted"):
                        conv.retries_since_user.append(part)
                    elif isinstance(part, ToolReturnPart):
                        conv.returns_since_user.append(part)
                    elif isinstance(part, RetryPromptPart):
                        conv.retries_since_user.append(part)
            elif isinstance(message, ModelResponse):
                calls = [p.tool_name for p in message.parts if isinstance(p, ToolCallPart)]
                if calls:
                    conv.called_since_user.extend(calls)
                    conv.rounds_since_user += 1
                texts = [p.content for p in message.parts if isinstance(p, TextPart)]
                if texts:
                    last_text = texts[-1]
        return conv

    @property
    def query(self) -> str:
        """The user's request: the last message, joined to the one before when we had asked for more."""
        if not self.user_texts:
            return ""
        if _ASK.search(self.last_text_before_user) and len(self.user_texts) > 1:
            return f"{self.user_texts[-2]} {self.user_texts[-1]}"
        return self.user_texts[-1]

    @property
    def asked_tool(self) -> str | None:
        match = _ASK.search(self.last_text_before_user)
        return match.group(1) if match else None


def _score(tool: ToolDefinition, query_terms: set[str]) -> int:
    return len(query_terms & _terms(f"{tool.name} {tool.description or ''}"))


# --- argument filling ---------------------------------------------------------------------------------------

_SEAT = re.compile(r"\b(\d{1,2}[a-fA-F])\b")
_CODE = re.compile(r"\b([A-Z]{2}\d{3,6}|\d{3,10})\b")
_NUMBER = re.compile(r"(?<![\w.])(\d[\d,]*(?:\.\d+)?)(?![\w])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")
_PLACE = re.compile(r"\b(?:in|at|for|to|from) ([A-Z][a-zA-Z]+(?: [A-Z][a-zA-Z]+)?)")
_PAYEE = re.compile(
    r"\bto (?:the )?(.+?)(?=\s+(?:(?:tomorrow|today|tonight|next|now)\b|in \d|on \d)|[.?!]*$)", re.IGNORECASE
)
_IN_DURATION = re.compile(r"\bin (\d+(?:\.\d+)?) ?(second|sec|minute|min|hour|day|week)s?\b", re.IGNORECASE)
_UNIT_SECONDS = {"second": 1, "sec": 1, "minute": 60, "min": 60, "hour": 3600, "day": 86400, "week": 604800}
_WHEN = {"tomorrow": 86400, "next week": 604800, "next month": 2592000}


def duration_seconds(text: str) -> float | None:
    """Seconds from now named in `text`: "in 10 minutes", "in 2 days", "tomorrow", "next week", "next month"."""
    match = _IN_DURATION.search(text)
    if match:
        return float(match.group(1)) * _UNIT_SECONDS[match.group(2).lower()]
    lowered = text.lower()
    for phrase, seconds in _WHEN.items():
        if phrase in lowered:
            return float(seconds)
    return None


# Free text the model itself would author (not a quote of the user): labelled, so it is never taken for an LLM's.
_AUTHORED = ("reason", "summary", "feedback", "explanation", "analysis", "rationale", "justification", "comment")


def _fill_string(name: str, schema: dict[str, Any], text: str) -> str | None:
    lname = name.lower()
    if any(k in lname for k in _AUTHORED) and text.strip():
        return f"{PREFIX} based on: {_render(text.strip(), 200)}"
    if "seat" in lname:
        match = _SEAT.search(text)
        return match.group(1).upper() if match else None
    if "email" in lname:
        match = _EMAIL.search(text)
        return match.group(0) if match else None
    if "date" in lname:
        match = _DATE.search(text)
        return match.group(1) if match else None
    if any(k in lname for k in ("confirmation", "booking", "code", "number", "_id", "flight")):
        for match in _CODE.finditer(text):
            return match.group(1)
        return None
    if any(k in lname for k in ("payee", "recipient", "beneficiary")):
        match = _PAYEE.search(text)
        return match.group(1).strip() if match else None
    if any(k in lname for k in ("city", "location", "place", "destination", "country")):
        match = _PLACE.search(text)
        return match.group(1) if match else None
    if any(k in lname for k in _FREE_TEXT) or schema.get("format") is None:
        return text.strip() or None
    return None


def _fill_value(name: str, schema: dict[str, Any], text: str) -> tuple[bool, Any]:
    if "enum" in schema:
        lowered = text.lower()
        for option in schema["enum"]:
            if str(option).lower() in lowered or str(option).lower().replace("_", " ") in lowered:
                return True, option
        return True, schema["enum"][0]
    default = schema.get("default")
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    lname = name.lower()
    if kind in ("integer", "number") and ("delay" in lname or lname.endswith("_seconds")):
        seconds = duration_seconds(text)
        if seconds is None:
            return (default is not None), default
        return True, int(seconds) if kind == "integer" else seconds
    if kind in ("integer", "number"):
        for match in _NUMBER.finditer(text):
            raw = match.group(1).replace(",", "")
            return True, int(float(raw)) if kind == "integer" else float(raw)
        return (default is not None), default
    if kind == "boolean":
        return True, default if isinstance(default, bool) else True
    if kind == "array":
        return True, default if isinstance(default, list) else []
    if kind == "object":
        return True, default if isinstance(default, dict) else {}
    value = _fill_string(name, schema, text)
    if value is None:
        return (default is not None), default
    return True, value


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return dict(root.get("$defs", {}).get(ref.split("/")[-1], {}))
    if "anyOf" in schema:
        options = [o for o in schema["anyOf"] if o.get("type") != "null"]
        if options:
            merged = {**schema, **_resolve(options[0], root)}
            merged.pop("anyOf", None)
            return merged
    return schema


def fill_arguments(tool: ToolDefinition, text: str) -> tuple[dict[str, Any], list[str]]:
    """Arguments for `tool` found in `text`, and the required ones that could not be found."""
    root = tool.parameters_json_schema or {}
    properties: dict[str, Any] = root.get("properties", {})
    required = set(root.get("required", []))
    args: dict[str, Any] = {}
    missing: list[str] = []
    for name, raw_schema in properties.items():
        schema = _resolve(raw_schema, root)
        if schema.get("type") == "object" and "properties" in schema and name in required:
            nested, nested_missing = fill_arguments(
                ToolDefinition(name=name, parameters_json_schema={**schema, "$defs": root.get("$defs", {})}),
                text,
            )
            args[name] = nested
            missing.extend(f"{name}.{m}" for m in nested_missing)
            continue
        found, value = _fill_value(name, schema, text)
        if found:
            args[name] = value
        elif name in required:
            missing.append(name)
    return args, missing


def _humanize(names: Iterable[str]) -> str:
    words = [n.split(".")[-1].replace("_", " ") for n in names]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _render(content: Any, limit: int = 600) -> str:
    text = content if isinstance(content, str) else json.dumps(content, default=str)
    return text if len(text) <= limit else text[:limit] + "..."


def _call_id(messages: Sequence[ModelMessage], index: int) -> str:
    return f"offline_{len(messages)}_{index}"


def offline_reply(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
    """The offline model's answer to `messages`, given the tools on offer."""
    conv = _Conversation.read(messages)
    query = conv.query
    evidence = " ".join(_render(r.content, 2000) for r in conv.returns_since_user)

    if info.output_tools:
        tool = info.output_tools[0]
        args, _ = fill_arguments(tool, f"{query} {evidence}".strip())
        for key, value in list(args.items()):
            if isinstance(value, str) and value == f"{query} {evidence}".strip():
                args[key] = f"{PREFIX} {_render(value, 400)}"
        return ModelResponse(parts=[ToolCallPart(tool.name, args, _call_id(messages, 0))])

    if conv.rounds_since_user < MAX_TOOL_ROUNDS and not conv.retries_since_user:
        calls = _choose_tools(info.function_tools, conv, query)
        if isinstance(calls, str):
            return ModelResponse(parts=[TextPart(calls)])
        if calls:
            return ModelResponse(
                parts=[ToolCallPart(t.name, args, _call_id(messages, i)) for i, (t, args) in enumerate(calls)]
            )
    return ModelResponse(parts=[TextPart(_answer(conv, query))])


def _choose_tools(
    tools: Sequence[ToolDefinition], conv: _Conversation, query: str
) -> list[tuple[ToolDefinition, dict[str, Any]]] | str:
    """Tools to call now with their arguments, a question for a missing argument, or [] to answer."""
    called = set(conv.called_since_user)
    candidates = [t for t in tools if t.name not in called]
    if conv.asked_tool:
        asked = [t for t in candidates if t.name == conv.asked_tool]
        candidates = asked or candidates
    query_terms = _terms(query)
    if any(not r.tool_name.startswith(HANDOFF_PREFIX) for r in conv.returns_since_user):
        # One round of tools per message (handoffs do not count): answer from what the tools said rather than
        # chain on to tools that share a word with the question, or hand the conversation on.
        return []
    regular = [t for t in candidates if not t.name.startswith(HANDOFF_PREFIX)]
    handoffs = [t for t in candidates if t.name.startswith(HANDOFF_PREFIX)]
    for pool in (regular, handoffs):
        scored = [(t, _score(t, query_terms)) for t in pool]
        best = max((s for _, s in scored), default=0)
        if conv.asked_tool and pool and pool[0].name == conv.asked_tool:
            best = max(best, 1)
            scored = [(pool[0], best)]
        if best == 0:
            continue
        chosen = [t for t, s in scored if s == best]
        ready: list[tuple[ToolDefinition, dict[str, Any]]] = []
        for tool in chosen:
            args, missing = fill_arguments(tool, query)
            if not missing:
                ready.append((tool, args))
            elif len(chosen) == 1:
                return f"{PREFIX} To run {tool.name} I need your {_humanize(missing)}. Could you please provide that?"
        if ready:
            return ready
    return []


def _answer(conv: _Conversation, query: str) -> str:
    lines = [
        f"- {r.tool_name}: {_render(r.content)}"
        for r in conv.returns_since_user
        if not r.tool_name.startswith(HANDOFF_PREFIX)
    ]
    found = f'{PREFIX} Here is what I found for "{_render(query, 200)}":\n' + "\n".join(lines)
    if conv.retries_since_user:
        problems = "; ".join(_render(r.content, 300) for r in conv.retries_since_user)
        if lines:
            return f"{found}\nBut: {problems}"
        return f"{PREFIX} I could not complete that: {problems}"
    if lines:
        return found
    if not query:
        return f"{PREFIX} Hello! How can I help?"
    return f'{PREFIX} You asked: "{_render(query, 400)}". I am a deterministic stand-in without a real LLM.'


class OfflineModel(FunctionModel):
    """The deterministic offline model as a pydantic-ai Model."""

    def __init__(self) -> None:
        super().__init__(offline_reply, model_name="offline")
