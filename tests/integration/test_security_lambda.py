"""The serverless entry point (scripts/lambda_handler.py) answers Restate's discovery as a Lambda handler, and
refuses unsigned requests once identity keys are set."""

from __future__ import annotations

import base64
import json
import runpy
import threading
from pathlib import Path
from typing import Any

import pytest

from resilient_agents.security import generate_key_pair

ENTRY_POINT = Path(__file__).resolve().parents[2] / "scripts" / "lambda_handler.py"
DISCOVER = {
    "path": "/discover",
    "httpMethod": "GET",
    "body": "",
    "isBase64Encoded": True,
    "headers": {"accept": "application/vnd.restate.endpointmanifest.v3+json"},
}


def discover_on_lambda(monkeypatch: pytest.MonkeyPatch, identity_keys: str) -> dict[str, Any]:
    """Load the entry point as Lambda would and send it Restate's discovery request."""
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "agents")
    monkeypatch.setenv("RA_IDENTITY_KEYS", identity_keys)
    answer: dict[str, Any] = {}

    def run() -> None:
        # A thread of its own: on Lambda the SDK installs an event loop for the calling thread.
        handler = runpy.run_path(str(ENTRY_POINT))["handler"]
        answer.update(handler(DISCOVER, None))

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(60)
    return {"status": answer["statusCode"], "body": base64.b64decode(answer["body"]).decode()}


def test_lambda_handler_serves_discovery(monkeypatch: pytest.MonkeyPatch) -> None:
    answer = discover_on_lambda(monkeypatch, "")
    assert answer["status"] == 200, answer
    manifest = json.loads(answer["body"])
    assert manifest["protocolMode"] == "REQUEST_RESPONSE", "Lambda answers in request-response mode"
    assert {"AgentSession", "Account"} <= {s["name"] for s in manifest["services"]}


def test_lambda_handler_refuses_unsigned_requests_with_identity_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    assert discover_on_lambda(monkeypatch, generate_key_pair().public_key_id)["status"] == 401
