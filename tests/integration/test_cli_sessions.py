"""`resilient-agents chat`, `state` and `history` against a real restate-server and a session app."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from resilient_agents.cli import app
from resilient_agents.cli.sessions import Follower, SessionReader, resolve_app
from resilient_agents.testing import Harness, TestServer, eventually, harness_fixture
from resilient_agents.web import SessionTokens

SECRET = "cli-test-secret-0123456789abcdef"
agents = harness_fixture("tests.apps.web_agents:SERVICES")


@pytest.fixture(autouse=True)
def cli_env(restate_server: TestServer, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("RA_INGRESS_PORT", str(restate_server.config.ingress_port))
    monkeypatch.setenv("RA_ADMIN_PORT", str(restate_server.config.admin_port))
    monkeypatch.setenv("RA_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("RA_WEB_SECRET", SECRET)
    monkeypatch.setenv("RA_WEB_APPS", "teller=WebBank")


def cli(*args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), input=input)
    return result.exit_code, result.output


def test_chat_shows_tool_calls_the_answer_and_a_link_to_the_page(agents: Harness) -> None:
    code, out = cli("chat", "--app", "teller", "--session", "cli-1", input="how much is my balance?\n/state\n/quit\n")
    assert code == 0, out
    assert "Teller calls get_balance({})" in out and "get_balance → $100,000.00 for cli-1" in out
    assert "Teller> Your balance is $100,000.00 for cli-1." in out
    assert re.search(r"turns\s*│\s*1", out), out
    link = re.search(r"on the chat page: (\S+)", out)
    assert link is not None
    token = link.group(1).split("#token=")[1]
    assert "app=teller&session=cli-1" in link.group(1)
    assert SessionTokens(SECRET.encode()).verify("teller", "cli-1", token)
    history = agents.ingress.call("WebBank", "get_history", key="cli-1")
    assert [e["role"] for e in history] == ["user", "tool_call", "tool_result", "assistant"]


def test_chat_asks_for_approval_and_passes_the_answer_on(agents: Harness) -> None:
    code, out = cli("chat", "-a", "teller", "-s", "cli-2", input="transfer 50\ny\n/quit\n")
    assert code == 0, out
    assert "approval needed: Teller wants to call transfer_money" in out and '"amount": 50' in out
    assert "approve? [y/N]" in out and "approved" in out and "Teller> Transfer: sent $50.00 to bob for cli-2" in out

    code, out = cli("chat", "-a", "teller", "-s", "cli-3", input="transfer 50\nn\nnot today\n/quit\n")
    assert code == 0, out
    assert "rejected" in out and "not today" in out and "sent $50.00" not in out
    assert agents.ingress.call("WebBank", "get_state", key="cli-3")["pending_approvals"] == []


def test_state_and_history_commands(agents: Harness) -> None:
    agents.ingress.call("WebBank", "run", "how much is my balance?", key="cli-4")
    code, out = cli("state", "--app", "teller", "--session", "cli-4")
    assert code == 0, out
    assert re.search(r"status\s*│\s*idle", out) and re.search(r"model calls\s*│\s*2", out), out
    code, out = cli("state", "--app", "WebBank", "--session", "cli-4", "--json")
    assert code == 0 and json.loads(out)["usage"]["requests"] == 2

    code, out = cli("history", "--app", "teller", "--session", "cli-4")
    assert code == 0, out
    assert "tool_call" in out and "Teller / get_balance" in out
    code, out = cli("history", "-a", "teller", "-s", "cli-4", "--json")
    entries = json.loads(out)
    assert [e["role"] for e in entries] == ["user", "tool_call", "tool_result", "assistant"]


def test_events_between_turns_are_printed(agents: Harness, capsys: pytest.CaptureFixture[str]) -> None:
    from resilient_agents.engine import AdminClient

    agents.ingress.call("WebBank", "run", "hello", key="cli-5")
    reader = SessionReader(agents.ingress, resolve_app("teller"), "cli-5")
    follower = Follower(reader, AdminClient(agents.admin.url))
    follower.start_at(reader.history())
    assert follower.catch_up() == [], "nothing new yet"
    agents.ingress.call("WebBank", "notify", {"message": "reminder: pay rent", "source": "crew"}, key="cli-5")
    new = eventually(follower.catch_up, timeout=10)
    assert [e.role for e in new] == ["event"]
    assert "update from crew: reminder: pay rent" in capsys.readouterr().out


def test_clear_errors(agents: Harness) -> None:
    code, out = cli("state", "--app", "nosuchapp", "--session", "x")
    assert code == 1 and "no app called 'nosuchapp'" in out
    code, out = cli("history", "--app", "teller", "--session", "bad id")
    assert code == 1 and "--session" in out
    code, out = cli("state", "--app", "Unregistered", "--session", "x")
    assert code == 1 and "Unregistered/x" in out
