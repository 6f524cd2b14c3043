"""The serverless entry point (scripts/lambda_handler.py) answers Restate's discovery as a Lambda handler, and
refuses unsigned requests once identity keys are set. Run in a child process: on Lambda the SDK installs an
event loop of its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from resilient_agents.security import generate_key_pair

ROOT = Path(__file__).resolve().parents[2]
# Loads the entry point twice in one process (importing every app is the slow part): open, then with a key.
INVOKE = """
import base64, json, os, runpy, sys
event = {"path": "/discover", "httpMethod": "GET", "body": "", "isBase64Encoded": True,
         "headers": {"accept": "application/vnd.restate.endpointmanifest.v3+json"}}
for keys in ("", sys.argv[1]):
    os.environ["RA_IDENTITY_KEYS"] = keys
    answer = runpy.run_path("scripts/lambda_handler.py")["handler"](event, None)
    print(json.dumps({"status": answer["statusCode"], "body": base64.b64decode(answer["body"]).decode()}))
"""


def test_lambda_handler_serves_discovery_and_checks_identity() -> None:
    env = {**os.environ, "AWS_LAMBDA_FUNCTION_NAME": "agents"}
    key_id = generate_key_pair().public_key_id
    done = subprocess.run(
        [sys.executable, "-c", INVOKE, key_id], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    open_answer, signed_only = (json.loads(line) for line in done.stdout.strip().splitlines()[-2:])
    assert open_answer["status"] == 200, open_answer
    manifest = json.loads(open_answer["body"])
    assert manifest["protocolMode"] == "REQUEST_RESPONSE", "Lambda answers in request-response mode"
    assert {"AgentSession", "Account"} <= {s["name"] for s in manifest["services"]}
    assert signed_only["status"] == 401, "with identity keys, unsigned requests are refused"
