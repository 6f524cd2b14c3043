"""Request identity: with a key configured, only the restate-server holding the private key can call the service.

A restate-server of its own signs with a fresh key; the service gets the key id through RA_IDENTITY_KEYS.
Unsigned requests to the endpoint (a `curl` from anywhere) get 401, a server without the key cannot register
it, and the signing server registers and invokes as usual.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from resilient_agents import ConfigurationError
from resilient_agents.cli import app
from resilient_agents.security import IDENTITY_KEYS_ENV, generate_key_pair, server_signing_env
from resilient_agents.testing import Harness, TestServer


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    folder = tmp_path_factory.mktemp("signed")
    pair = generate_key_pair()
    key_file = pair.write(folder / "secrets" / "identity.pem")
    with (
        TestServer.start(folder, extra_env=server_signing_env(key_file)) as server,
        server.serve("tests.apps.steps:services", env={IDENTITY_KEYS_ENV: pair.public_key_id}) as harness,
    ):
        yield harness


def test_signing_server_registers_and_invokes(signed: Harness) -> None:
    assert {"Steps", "Waiter"} <= set(signed.admin.services())
    assert signed.ingress.call("Steps", "run", {"count": 3, "delay": 0}) == [0, 1, 4]


def test_unsigned_requests_get_401(signed: Harness) -> None:
    with httpx.Client(base_url=signed.service.url, http2=False, timeout=10) as client:
        discover = client.get("/discover", headers={"accept": "application/vnd.restate.endpointmanifest.v3+json"})
        invoke = client.post("/invoke/Steps/run", content=b'{"count": 1}')
        forged = client.post("/invoke/Steps/run", headers={"x-restate-jwt-v1": "not.a.jwt"}, content=b"{}")
        health = client.get("/health")
    assert (discover.status_code, invoke.status_code, forged.status_code) == (401, 401, 401)
    assert health.status_code == 200, "health checks stay open for load balancers"


def test_a_server_without_the_key_cannot_register(signed: Harness, restate_server: TestServer) -> None:
    res = httpx.post(
        f"{restate_server.admin.url}/deployments", json={"uri": signed.service.url, "force": True}, timeout=30
    )
    assert res.status_code >= 400
    assert "401" in res.text or "unauthorized" in res.text.lower()
    deployments = httpx.get(f"{restate_server.admin.url}/deployments", timeout=30).json()["deployments"]
    assert signed.service.url not in {d.get("uri") for d in deployments}, "the unsigned server registered it"


def test_wrong_key_id_is_refused_at_start(tmp_path: Path) -> None:
    from resilient_agents.engine.serve import load_target

    with pytest.MonkeyPatch.context() as env:
        env.setenv(IDENTITY_KEYS_ENV, "not-a-key")
        with pytest.raises(ConfigurationError, match="not a Restate key id"):
            load_target("tests.apps.steps:services")


def test_cli_generate_writes_a_private_key_and_prints_its_id(tmp_path: Path) -> None:
    out = tmp_path / "restate-identity.pem"
    result = CliRunner().invoke(app, ["keys", "generate", "--out", str(out)])
    assert result.exit_code == 0, result.output
    key_id = result.output.splitlines()[0]
    assert key_id.startswith("publickeyv1_")
    assert out.stat().st_mode & 0o777 == 0o600
    assert f"{IDENTITY_KEYS_ENV}={key_id}" in result.output
    shown = CliRunner().invoke(app, ["keys", "show", str(out)])
    assert shown.output.splitlines()[0] == key_id
    again = CliRunner().invoke(app, ["keys", "generate", "--out", str(out)])
    assert again.exit_code == 1 and "--force" in again.output
