"""Where a Restate contender's turn spends its time: CPU per process, and py-spy samples of the service process.

    python -m benchmarks.profile native --turns 300 [--session-turns 10] [--out .bench/profile]

Runs turns at zero model latency (as the overhead figure does) and reports
- CPU seconds per turn of restate-server (the engine), the service process (the SDK, our loop) and this
  client process, from /proc (so "the engine's share" is a measurement, not a guess);
- with py-spy installed, the hottest functions of the service process: self time and inclusive time, as
  a share of the samples, with our package's frames listed separately. The raw collapsed stacks are kept
  in the output folder (`flamegraph.pl` or speedscope can draw them).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from .contenders import create
from .contenders.restate import RestateContender
from .workload import Task

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def summarize(collapsed: Path, top: int = 25, ours: str = "resilient_agents") -> dict[str, Any]:
    """Self and inclusive shares per function from py-spy's raw (collapsed) output."""
    self_counts: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        frames = stack.split(";")
        total += count
        self_counts[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count

    def share(counter: collections.Counter[str], only: str | None = None) -> list[tuple[str, float]]:
        items = [(f, c) for f, c in counter.most_common() if only is None or only in f]
        return [(f, round(100 * c / max(1, total), 1)) for f, c in items[:top]]

    return {
        "samples": total,
        "self": share(self_counts),
        "inclusive_ours": share(inclusive, ours),
        "self_ours": share(self_counts, ours),
    }


async def profile(name: str, turns: int, session_turns: int, out: Path) -> dict[str, Any]:
    contender = create(name)
    if not isinstance(contender, RestateContender):
        raise SystemExit(f"{name} is not a Restate contender: profile it with py-spy directly")
    await asyncio.to_thread(out.mkdir, parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        await contender.start(Path(tmp))
        try:
            assert contender.harness is not None and contender.harness.service.process is not None
            service_pid = contender.harness.service.process.pid
            server = contender.server.server.process
            assert server is not None
            for i in range(5):
                await contender.turn(Task(session="warmup", turn=i))
            spy = None
            collapsed = out / f"{name}.collapsed"
            if shutil.which("py-spy"):
                spy = await asyncio.create_subprocess_exec(
                    *["py-spy", "record", "--pid", str(service_pid), "--rate", "250", "--format", "raw"],
                    *["--output", str(collapsed), "--nonblocking"],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                await asyncio.sleep(1.0)  # py-spy attaches before the measured turns start
            before = {"engine": cpu_seconds(server.pid), "service": cpu_seconds(service_pid)}
            client_before = time.process_time()
            started = time.perf_counter()
            for i in range(turns):
                await contender.turn(Task(session=f"profile-{i // session_turns}", turn=i % session_turns))
            wall = time.perf_counter() - started
            per_turn = {
                "engine": (cpu_seconds(server.pid) - before["engine"]) / turns,
                "service": (cpu_seconds(service_pid) - before["service"]) / turns,
                "client": (time.process_time() - client_before) / turns,
            }
            if spy is not None:
                spy.send_signal(signal.SIGINT)
                await asyncio.wait_for(spy.wait(), timeout=60)
            # what one empty call through the same path costs the engine and the service (the unit of a turn)
            noop_before = {"engine": cpu_seconds(server.pid), "service": cpu_seconds(service_pid)}
            for i in range(turns):
                await contender.noop(f"profile-noop-{i % 10}")
            per_noop = {
                "engine": (cpu_seconds(server.pid) - noop_before["engine"]) / turns,
                "service": (cpu_seconds(service_pid) - noop_before["service"]) / turns,
            }
            invocations = contender.server.admin.query(
                "select target_service_name as service, target_handler_name as handler, count(*) as n,"
                " sum(journal_size) as entries from sys_invocation"
                " where target_service_name like 'Bench%' and target_service_key like 'profile-%'"
                " group by target_service_name, target_handler_name"
            )
        finally:
            await contender.stop()
    result: dict[str, Any] = {
        "contender": name,
        "turns": turns,
        "wall_ms_per_turn": round(1000 * wall / turns, 2),
        "cpu_ms_per_turn": {k: round(1000 * v, 2) for k, v in per_turn.items()},
        "cpu_ms_per_empty_call": {k: round(1000 * v, 2) for k, v in per_noop.items()},
        "per_turn": {
            f"{row['service']}/{row['handler']}": {
                "invocations": round(int(row["n"]) / turns, 2),
                "journal_entries": round(int(row.get("entries") or 0) / turns, 1),
            }
            for row in invocations
        },
    }
    if spy is not None and collapsed.exists():
        result["py_spy"] = summarize(collapsed)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("contender", nargs="?", default="native")
    parser.add_argument("--turns", type=int, default=300)
    parser.add_argument("--session-turns", type=int, default=10)
    parser.add_argument("--out", type=Path, default=Path(".bench/profile"))
    args = parser.parse_args()
    result = asyncio.run(profile(args.contender, args.turns, args.session_turns, args.out))
    print(f"{result['contender']}: {result['wall_ms_per_turn']} ms per turn (wall)")
    print("CPU ms per turn:", ", ".join(f"{k} {v}" for k, v in result["cpu_ms_per_turn"].items()))
    print("CPU ms per empty call:", ", ".join(f"{k} {v}" for k, v in result["cpu_ms_per_empty_call"].items()))
    for target, counts in result["per_turn"].items():
        print(f"  per turn: {target}: {counts['invocations']} invocations, {counts['journal_entries']} journal entries")
    spy = result.get("py_spy")
    if spy:
        print(f"\npy-spy, {spy['samples']} samples of the service process")
        for title, rows in (("self time", spy["self"]), ("inclusive, our frames", spy["inclusive_ours"])):
            print(f"\n{title}:")
            for frame, pct in rows:
                print(f"  {pct:5.1f}%  {frame}")


if __name__ == "__main__":
    main()
