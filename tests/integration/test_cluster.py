"""Scale-out: agent sessions on a three-node Restate cluster (replication 2) complete with one node killed.

The cluster comes from scripts/cluster.py (what `make cluster` runs). Clients spread over the three ingresses
and, when theirs dies, go on through another with the same idempotency key, which attaches to the same
invocation instead of starting a new one. Node 2 is SIGKILLed once every session has had an answer, while
they are still running; every message must still be answered exactly once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from scripts.cluster import Cluster

from resilient_agents.engine import AdminClient, ServiceProcess, free_port
from resilient_agents.testing import eventually
from tests.apps.chaos import LEDGER_ENV, SESSION, Ledger

pytestmark = pytest.mark.server
SESSIONS, MESSAGES = 8, 4


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with Cluster(tmp_path_factory.mktemp("cluster")) as running:
        yield running


@pytest.fixture(scope="module")
def ledger(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ledger]:
    path = tmp_path_factory.mktemp("cluster-app") / "ledger.sqlite"
    ledger = Ledger(path)
    env = {"RA_MODEL": "registered:chaos-script", LEDGER_ENV: str(path)}
    with open(path.parent / "service.log", "ab") as log:
        service = ServiceProcess("tests.apps.chaos:SERVICES", free_port(), env=env, log=log)
        service.start()
        try:
            with AdminClient(cluster.nodes[0].admin_url) as admin:
                admin.register(service.url)
            yield ledger
        finally:
            service.stop()


async def ask(urls: list[str], first: int, path: str, body: str, key: str, deadline: float) -> Any:
    """POST through node `first`, moving to the next node whenever one does not answer."""
    node = first
    async with httpx.AsyncClient(timeout=30) as client:
        while True:
            try:
                res = await client.post(urls[node] + path, json=body, headers={"idempotency-key": key})
                if res.status_code < 500:
                    res.raise_for_status()
                    return res.json()
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{path} {body!r} not answered")
            node = (node + 1) % len(urls)
            await asyncio.sleep(0.2)


def test_sessions_complete_with_a_node_killed(cluster: Cluster, ledger: Ledger) -> None:
    urls = cluster.ingress_urls
    run = f"cluster-{time.monotonic_ns() % 1_000_000}"
    answered: list[str] = []
    deadline = time.monotonic() + 45

    async def session(i: int) -> None:
        for k in range(MESSAGES):
            amount = i * 100 + k + 1
            answer = await ask(
                urls, i % 3, f"/{SESSION}/{run}-{i}/run", f"deposit {amount}", f"{run}-{i}-{k}", deadline
            )
            assert answer["final_output"].startswith(f"deposited {amount} ")
            answered.append(f"{i}-{k}")

    async def workload() -> tuple[int, float]:
        tasks = [asyncio.create_task(session(i)) for i in range(SESSIONS)]
        while len(answered) < SESSIONS and not any(t.done() for t in tasks):
            await asyncio.sleep(0.05)
        at_kill = len(answered)
        await asyncio.to_thread(cluster.kill, 2)
        killed_at = time.monotonic()
        await asyncio.gather(*tasks)
        return at_kill, time.monotonic() - killed_at

    at_kill, after = asyncio.run(workload())
    print(f"\n{at_kill} answers before node 2 died; the other {len(answered) - at_kill} came in {after:.1f}s after")
    assert not cluster.nodes[1].server.running
    assert at_kill < SESSIONS * MESSAGES, "sessions were still running when the node died"
    assert len(answered) == SESSIONS * MESSAGES
    mine = f"session like '{run}-%'"
    assert ledger.scalar(f"select count(*) from effects where {mine}") == SESSIONS * MESSAGES
    duplicates = (
        f"select count(*) from (select call_id from effects where {mine} group by session, call_id having count(*) > 1)"
    )
    assert ledger.scalar(duplicates) == 0
    with AdminClient(cluster.nodes[2].admin_url) as admin:
        turns = eventually(
            lambda: admin.query(
                f"select service_key, value_utf8 from state where service_name = '{SESSION}'"
                f" and service_key like '{run}-%' and key = 'turns'"
            ),
            timeout=20,
        )
    assert sorted(row["value_utf8"] for row in turns) == [str(MESSAGES)] * SESSIONS, "no turn lost"
