"""The process the recovery figure SIGKILLs, for contenders that run in-process (floor, DBOS, LangGraph).

    python -m benchmarks.worker CONTENDER WORKDIR PROMPT [--resume]

Starts the contender on WORKDIR (the same database files each time), records "ready" in the call log, runs the
turn (or, with --resume, carries it on the way the framework's users would after a crash) and prints the answer.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

from .contenders import create
from .workload import Task, call_log


async def _run(name: str, workdir: Path, prompt: str, resume: bool) -> str:
    contender = create(name)
    await contender.start(workdir)
    log = call_log()
    if log is not None:
        log.record("ready", name, ts=time.time())
    task = Task.parse(prompt)
    try:
        return await (contender.resume(task) if resume else contender.turn(task))
    finally:
        await contender.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("contender")
    parser.add_argument("workdir", type=Path)
    parser.add_argument("prompt")
    parser.add_argument("--resume", action="store_true")
    args = parser.parse_args()
    print(asyncio.run(_run(args.contender, args.workdir / "data", args.prompt, args.resume)), flush=True)


if __name__ == "__main__":
    main()
