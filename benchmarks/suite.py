"""Run the figures for one contender in this process: `python -m benchmarks.suite NAME [--quick] --out FILE`.

`python -m benchmarks` calls this once per contender in a fresh process (DBOS and the Agents SDK keep global
state, and a fresh process keeps one contender's garbage out of the next one's numbers). The result is a
JSON-ready dict: {figure: numbers | {"skipped": reason} | {"error": message}}.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import traceback
import uuid
from pathlib import Path
from typing import Any

from resilient_agents.testing import TestServer

from .contenders import create, unavailable
from .contenders.base import Contender
from .contenders.restate import RestateContender
from .figures import history, overhead, parallel, recovery, throughput
from .figures.sizes import FULL, QUICK, Sizes

FIGURES = ("overhead", "parallel", "history", "throughput", "recovery")


async def _figure(contender: Contender, figure: str, sizes: Sizes, run_id: str, workdir: Path) -> dict[str, Any]:
    if figure == "overhead":
        return await overhead.measure(contender, sizes, run_id)
    if figure == "parallel":
        return await parallel.measure(contender, sizes, run_id)
    if figure == "history":
        return await history.measure(contender, sizes, run_id)
    if figure == "throughput":
        return await throughput.measure(contender, sizes, run_id)
    if figure == "recovery":
        return await asyncio.to_thread(recovery.measure, contender, sizes, run_id, workdir / "recovery")
    raise ValueError(f"unknown figure {figure!r}: choose from {', '.join(FIGURES)}")


async def run_contender(
    name: str,
    *,
    sizes: Sizes = FULL,
    figures: tuple[str, ...] = FIGURES,
    workdir: Path | None = None,
    server: TestServer | None = None,
    log: Any = None,
) -> dict[str, Any]:
    """Start contender `name`, measure `figures`, stop it. `server`: reuse a running restate-server."""
    reason = unavailable(name)
    if reason is not None:
        return {"skipped": reason}
    with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as tmp:
        base = workdir or Path(tmp)
        contender = create(name, server=server) if issubclass(type_of(name), RestateContender) else create(name)
        run_id = uuid.uuid4().hex[:8]
        await contender.start(base / "data")
        results: dict[str, Any] = {"title": contender.title, "durable": contender.durable}
        try:
            for figure in figures:
                _say(log, f"  {name}: {figure} ...")
                try:
                    results[figure] = await _figure(contender, figure, sizes, run_id, base)
                except Exception as exc:  # noqa: BLE001 - one failing figure is reported, the others still run
                    traceback.print_exc()
                    results[figure] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
                _say(log, f"  {name}: {figure}: {json.dumps(results[figure])}")
        finally:
            await contender.stop()
        return results


def type_of(name: str) -> type[Contender]:
    from .contenders import contender_class

    return contender_class(name)


def _say(log: Any, line: str) -> None:
    if log is not None:
        print(line, file=log, flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the benchmark figures for one contender.")
    parser.add_argument("contender")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--figures", default=",".join(FIGURES))
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    figures = tuple(f for f in args.figures.split(",") if f)
    sizes = QUICK if args.quick else FULL
    results = asyncio.run(run_contender(args.contender, sizes=sizes, figures=figures, log=sys.stderr))
    args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
