"""Contender 5: DBOS with SQLite running the same loop durably.

Each user message is a DBOS workflow (id `session-turn`); the model call and every tool call are `@DBOS.step`s
(their outputs checkpointed in DBOS's SQLite system database), and tool calls run concurrently with
`asyncio.gather` as in the floor. DBOS has no per-session state, so the conversation lives in an application
table of a second SQLite file: read by a step (DBOS checkpoints its output, as it must for any read that can
change) and appended to by a step at the end of the turn. After a crash `DBOS.launch()` recovers pending
workflows by itself.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path
from typing import Any

from dbos import DBOS, SetWorkflowID, WorkflowHandleAsync
from pydantic_ai.messages import ModelMessage, ModelMessagesTypeAdapter, ModelResponse, ToolCallPart, ToolReturnPart

from ..loop import PARAMETERS, agent_turn, bench_model, call_tool, final_text
from ..workload import Task
from .base import Contender
from .sqlite_bytes import sqlite_file_bytes, sqlite_logical_bytes

_state: dict[str, Any] = {}


def _app_db() -> sqlite3.Connection:
    connection: sqlite3.Connection = _state["app_db"]
    return connection


@DBOS.step()
async def model_step(messages: list[ModelMessage]) -> ModelResponse:
    return await _state["model"].request(messages, None, PARAMETERS)  # type: ignore[no-any-return]


@DBOS.step()
async def tool_step(call: ToolCallPart) -> ToolReturnPart:
    return await call_tool(call)


@DBOS.step()
async def load_history(session: str) -> list[ModelMessage]:
    rows = _app_db().execute("select data from history where session = ? order by seq", (session,)).fetchall()
    return [ModelMessagesTypeAdapter.validate_json(b"[" + row[0] + b"]")[0] for row in rows]


@DBOS.step()
async def save_history(session: str, first_seq: int, messages: list[ModelMessage]) -> None:
    dumped = [ModelMessagesTypeAdapter.dump_json([m])[1:-1] for m in messages]
    with _app_db():
        _app_db().executemany(
            "insert or replace into history (session, seq, data) values (?, ?, ?)",
            [(session, first_seq + i, data) for i, data in enumerate(dumped)],
        )


class DbosSteps:
    async def model(self, messages: list[ModelMessage]) -> ModelResponse:
        return await model_step(messages)

    async def tool(self, call: ToolCallPart) -> ToolReturnPart:
        return await tool_step(call)


@DBOS.workflow()
async def agent_turn_workflow(session: str, prompt: str) -> str:
    history = await load_history(session)
    added = await agent_turn(history, prompt, DbosSteps())
    await save_history(session, len(history), added)
    return final_text(added)


def workflow_id(task: Task) -> str:
    return f"{task.session}-{task.turn}"


class DbosContender(Contender):
    name = "dbos"
    title = "DBOS + SQLite"
    storage = "SQLite (DBOS system database + an app table for the history)"

    async def start(self, workdir: Path) -> None:
        await asyncio.to_thread(self._boot, workdir)

    def _boot(self, workdir: Path) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.system_db = workdir / "dbos.sqlite"
        self.app_db = workdir / "app.sqlite"
        connection = sqlite3.connect(self.app_db, check_same_thread=False, isolation_level=None)
        connection.execute("pragma journal_mode = wal")
        connection.execute(
            "create table if not exists history (session text, seq integer, data blob, primary key (session, seq))"
        )
        connection.isolation_level = "DEFERRED"
        _state["app_db"] = connection
        _state["model"] = bench_model()
        logging.getLogger("dbos").setLevel(logging.WARNING)
        DBOS(config={"name": "bench", "system_database_url": f"sqlite:///{self.system_db}", "log_level": "WARNING"})
        DBOS.launch()

    async def stop(self) -> None:
        DBOS.destroy()
        _app_db().close()

    async def turn(self, task: Task) -> str:
        with SetWorkflowID(workflow_id(task)):
            return await agent_turn_workflow(task.session, task.prompt())

    async def resume(self, task: Task) -> str:
        # DBOS.launch() has already started recovering the pending workflow: wait for it.
        handle: WorkflowHandleAsync[str] = await DBOS.retrieve_workflow_async(workflow_id(task))
        return str(await handle.get_result())

    def stored_bytes(self) -> int:
        return sqlite_logical_bytes(self.system_db) + sqlite_logical_bytes(self.app_db)

    def disk_bytes(self) -> int:
        return sqlite_file_bytes(self.system_db) + sqlite_file_bytes(self.app_db)
