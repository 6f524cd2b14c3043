"""Contender 6: LangGraph with its SQLite checkpointer running the same loop.

The usual two-node graph: `agent` (the scripted model, adapted to LangChain messages) and LangGraph's prebuilt
`ToolNode` (runs the tool calls of one response concurrently), looping until the model answers with text. The
thread id is the session; `AsyncSqliteSaver` checkpoints the graph state after every super-step, with
`durability="sync"` so a step's checkpoint is on disk before the next step starts (the guarantee the other
durable contenders give). After a crash nothing resumes by itself: the app invokes the thread again with no
input, which is what our worker does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.tools import StructuredTool
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode

from ..workload import TOOL_DESCRIPTION, TOOL_NAMES, respond, run_tool
from .base import Contender
from .sqlite_bytes import sqlite_file_bytes, sqlite_logical_bytes


def turn_position(messages: Sequence[BaseMessage]) -> tuple[str, int]:
    """The latest user prompt and how many tool-calling responses followed it (LangChain messages)."""
    rounds = 0
    for message in reversed(messages):
        if isinstance(message, AIMessage) and message.tool_calls:
            rounds += 1
        elif isinstance(message, HumanMessage):
            return str(message.content), rounds
    raise ValueError("no user prompt in the conversation")


async def agent_node(state: MessagesState) -> dict[str, list[BaseMessage]]:
    prompt, rounds = turn_position(state["messages"])
    reply = await respond(prompt, rounds)
    if reply.tool_calls:
        calls: list[Any] = [{"name": c.name, "args": dict(c.args), "id": c.call_id} for c in reply.tool_calls]
        return {"messages": [AIMessage(content="", tool_calls=calls)]}
    return {"messages": [AIMessage(content=reply.text or "")]}


def _tool(name: str) -> StructuredTool:
    async def invoke(n: int, ms: int, tag: str = "") -> str:
        return await run_tool(name, n, ms, tag)

    return StructuredTool.from_function(coroutine=invoke, name=name, description=TOOL_DESCRIPTION)


def route(state: MessagesState) -> str:
    last = state["messages"][-1]
    return "tools" if isinstance(last, AIMessage) and last.tool_calls else END


class LangGraphContender(Contender):
    name = "langgraph"
    title = "LangGraph + SQLite checkpointer"
    storage = "SQLite (checkpoints of the graph state after every step)"

    async def start(self, workdir: Path) -> None:
        await asyncio.to_thread(workdir.mkdir, parents=True, exist_ok=True)
        self.db = workdir / "checkpoints.sqlite"
        self._stack = AsyncExitStack()
        saver = await self._stack.enter_async_context(AsyncSqliteSaver.from_conn_string(str(self.db)))
        builder = StateGraph(MessagesState)
        builder.add_node("agent", agent_node)
        builder.add_node("tools", ToolNode([_tool(name) for name in TOOL_NAMES]))
        builder.add_edge(START, "agent")
        builder.add_conditional_edges("agent", route, ["tools", END])
        builder.add_edge("tools", "agent")
        self.graph = builder.compile(checkpointer=saver)

    async def stop(self) -> None:
        await self._stack.aclose()

    def _config(self, session: str) -> Any:
        return {"configurable": {"thread_id": session}, "recursion_limit": 100}

    async def turn(self, task: Any) -> str:
        state = await self.graph.ainvoke(
            {"messages": [HumanMessage(task.prompt())]}, self._config(task.session), durability="sync"
        )
        return str(state["messages"][-1].content)

    async def resume(self, task: Any) -> str:
        state = await self.graph.ainvoke(None, self._config(task.session), durability="sync")
        return str(state["messages"][-1].content)

    def stored_bytes(self) -> int:
        return sqlite_logical_bytes(self.db)

    def disk_bytes(self) -> int:
        return sqlite_file_bytes(self.db)
