"""API keys never reach logs, journals or state, even when the provider repeats the key in an error.

A restate-server of its own (so its whole data folder can be scanned) and a service with a secret API key
talking to the local OpenAI-compatible endpoint through the real `openai` client: answers, retried faults and a
401, each error message repeating the key it was sent. Then the journals (raw bytes of every entry), state,
invocation failures, the service log, the server log and the raw bytes of the server's data folder (after a
graceful stop, which flushes everything to disk) are scanned for the key.

A canary (a string sent on purpose as a prompt) must be found by the same scans: it shows they see what Restate
stores, so finding no key means something.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from resilient_agents import IngressError
from resilient_agents.testing import TestServer
from resilient_agents.testing.fake_openai import FakeOpenAI

SECRET = f"sk-test-SECRET-{uuid.uuid4().hex}"
CANARY = f"canary-{uuid.uuid4().hex}"


@dataclass
class Stored:
    """Everything the run left behind, as bytes and text to scan."""

    keys_sent: list[str]
    refusal: str
    journal: bytes
    tables: dict[str, str]
    service_log: str
    server_log: str
    data_files: dict[str, bytes]


def _journal_bytes(rows: list[dict[str, Any]]) -> bytes:
    # Journal values are stored as bytes; `raw` is the whole entry, hex-encoded.
    return b"\n".join(bytes.fromhex(row["raw"]) for row in rows)


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Stored:
    folder = tmp_path_factory.mktemp("secrets")
    env = {"RA_API_KEY": SECRET, "OPENAI_API_KEY": SECRET, "RA_MODEL_TIMEOUT": "5"}
    with FakeOpenAI() as endpoint, TestServer.start(folder) as server:
        env["RA_MODEL"] = f"{endpoint.base_url}#fake-model"
        with server.serve("tests.apps.faults:SERVICES", env=env) as h:
            endpoint.fail(429, retry_after=0.1, echo_key=True).fail(500, echo_key=True)
            answers = h.ingress.call("ModelChain", "run", {"prompts": [CANARY, "hello"]})
            assert answers == [f"fake answer to: {CANARY}", "fake answer to: hello"]
            endpoint.fail(401, echo_key=True)
            with pytest.raises(IngressError) as refused:
                h.ingress.call("ModelChain", "run", {"prompts": ["with a revoked key"]})
            assert refused.value.status == 401
            journal = _journal_bytes(h.query("select raw from sys_journal"))
            tables = {t: json.dumps(h.query(f"select * from {t}")) for t in ("state", "sys_invocation", "sys_promise")}
            service_log = h.service_log_text()
        server.server.stop()
        return Stored(
            keys_sent=list(endpoint.api_keys),
            refusal=refused.value.message,
            journal=journal,
            tables=tables,
            service_log=service_log,
            server_log=(folder / "restate-server.log").read_text(errors="replace"),
            data_files={str(p): p.read_bytes() for p in server.config.base_dir.rglob("*") if p.is_file()},
        )


def test_the_key_was_really_used(stored: Stored) -> None:
    assert len(stored.keys_sent) == 5 and set(stored.keys_sent) == {SECRET}


def test_no_key_in_the_answer_to_the_caller(stored: Stored) -> None:
    assert "rejected the API key" in stored.refusal and "[redacted]" in stored.refusal
    assert SECRET not in stored.refusal


def test_no_key_in_journals_state_or_failures(stored: Stored) -> None:
    assert CANARY.encode() in stored.journal, "the scan does not see journal values"
    assert SECRET.encode() not in stored.journal
    for table, rows in stored.tables.items():
        assert SECRET not in rows, f"the key is in {table}"


def test_no_key_in_logs(stored: Stored) -> None:
    assert "401 Unauthorized" in stored.service_log, "the service log saw the provider calls"
    assert SECRET not in stored.service_log
    assert SECRET not in stored.server_log


def test_no_key_in_the_server_data_folder(stored: Stored) -> None:
    assert any(CANARY.encode() in blob for blob in stored.data_files.values()), "the raw scan sees no journal"
    leaked = [path for path, blob in stored.data_files.items() if SECRET.encode() in blob]
    assert not leaked, f"the key is stored in {leaked}"
