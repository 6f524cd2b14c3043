"""A three-node Restate cluster on loopback, with replication, serving our services (`make cluster`).

    .venv/bin/python scripts/cluster.py                      # 3 nodes, replication 2, every app
    .venv/bin/python scripts/cluster.py --nodes 5 --replication 3 --target tests.apps.steps:services

Each node is a real restate-server with its own data folder, node name and ports (ingress 2808N, admin 2907N,
node-to-node 2512N for node N); they share a cluster name and a metadata store replicated over all nodes, and the
first node provisions the cluster. Our services are served once and registered through node 1; any node's
ingress reaches them, and the cluster keeps working with one node down (with replication 2 of 3). Ctrl-C stops
everything. tests/integration/test_cluster.py uses `Cluster` from here.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO

from resilient_agents.engine import AdminClient, RestateServer, ServerConfig, ServiceProcess, free_port
from resilient_agents.exceptions import ResilientAgentsError


@dataclass
class Node:
    """One member of the cluster."""

    index: int
    server: RestateServer

    @property
    def name(self) -> str:
        return self.server.config.node_name

    @property
    def ingress_url(self) -> str:
        return self.server.ingress_url

    @property
    def admin_url(self) -> str:
        return self.server.admin_url


@dataclass
class Cluster:
    """N restate-server processes forming one cluster on loopback."""

    base_dir: Path
    size: int = 3
    replication: int = 2
    name: str = "resilient-agents"
    host: str = "127.0.0.1"
    fixed_ports: bool = False
    """Ports 2808N/2907N/2512N (for people); otherwise free ports (for tests)."""
    partitions: int = 4
    nodes: list[Node] = field(default_factory=list)
    _logs: list[IO[bytes]] = field(default_factory=list)

    def __post_init__(self) -> None:
        ports = [self._ports(i) for i in range(1, self.size + 1)]
        metadata = json.dumps([f"http://{self.host}:{node_port}/" for _, _, node_port in ports])
        for i, (ingress, admin, node_port) in enumerate(ports, start=1):
            env = {
                "RESTATE_CLUSTER_NAME": self.name,
                "RESTATE_DEFAULT_REPLICATION": str(self.replication),
                "RESTATE_METADATA_CLIENT__ADDRESSES": metadata,
                # Exactly one node provisions the cluster; the others join it.
                "RESTATE_AUTO_PROVISION": "true" if i == 1 else "false",
            }
            config = ServerConfig(
                base_dir=self.base_dir / f"n{i}",
                ingress_port=ingress,
                admin_port=admin,
                node_port=node_port,
                host=self.host,
                node_name=f"n{i}",
                partitions=self.partitions,
                env=env,
            )
            self.base_dir.mkdir(parents=True, exist_ok=True)
            log = open(self.base_dir / f"n{i}.log", "ab")  # noqa: SIM115  (open for the node's lifetime)
            self._logs.append(log)
            self.nodes.append(Node(i, RestateServer(config, log=log)))

    def _ports(self, i: int) -> tuple[int, int, int]:
        if self.fixed_ports:
            return 28080 + i, 29070 + i, 25120 + i
        return free_port(self.host), free_port(self.host), free_port(self.host)

    def start(self, timeout: float = 60.0) -> None:
        """Start every node at once (a replicated cluster is not ready until enough of them are up)."""
        errors: list[BaseException] = []

        def start(node: Node) -> None:
            try:
                node.server.start(timeout)
            except ResilientAgentsError as exc:
                errors.append(exc)

        threads = [threading.Thread(target=start, args=(node,)) for node in self.nodes]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            self.stop()
            raise errors[0]

    def stop(self) -> None:
        for node in reversed(self.nodes):
            node.server.stop()
        for log in self._logs:
            log.close()

    def kill(self, index: int) -> None:
        """SIGKILL node `index` (1-based), as a machine failure would."""
        self.nodes[index - 1].server.kill()

    def restart(self, index: int, timeout: float = 60.0) -> None:
        self.nodes[index - 1].server.start(timeout)

    @property
    def ingress_urls(self) -> list[str]:
        return [node.ingress_url for node in self.nodes]

    def __enter__(self) -> Cluster:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Stop(Exception):
    """Raised from the signal handler to leave the wait loop."""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A Restate cluster on loopback, serving our services.")
    parser.add_argument("--nodes", type=int, default=3)
    parser.add_argument("--replication", type=int, default=2)
    parser.add_argument("--base-dir", type=Path, default=Path(".restate-cluster"))
    parser.add_argument("--target", default="resilient_agents_apps:all_services")
    parser.add_argument("--service-port", type=int, default=9080)
    args = parser.parse_args(argv)

    def on_signal(signum: int, frame: FrameType | None) -> None:
        raise _Stop()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    started = time.monotonic()
    cluster = Cluster(args.base_dir.resolve(), size=args.nodes, replication=args.replication, fixed_ports=True)
    service = ServiceProcess(args.target, args.service_port)
    try:
        cluster.start()
        service.start()
        with AdminClient(cluster.nodes[0].admin_url) as admin:
            admin.register(service.url, force=True)
        print(f"cluster of {args.nodes} (replication {args.replication}) ready in {time.monotonic() - started:.1f}s")
        for node in cluster.nodes:
            print(f"  {node.name}: ingress {node.ingress_url}  admin and UI {node.admin_url}/ui/")
        print(f"  services: {service.url} ({args.target}), data in {args.base_dir}")
        first = cluster.nodes[-1].ingress_url
        print(f"try: curl {first}/AgentSession/alice/run --json '\"how much is my balance?\"'")
        print("Ctrl-C stops everything.", flush=True)
        while True:
            time.sleep(1)
    except _Stop:
        print("\nstopping...")
    except ResilientAgentsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    finally:
        with contextlib.suppress(_Stop):
            service.stop()
        with contextlib.suppress(_Stop):
            cluster.stop()


if __name__ == "__main__":
    main()
