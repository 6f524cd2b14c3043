"""The chat page's pure logic: tokens, the app catalogue, tolerant contract readers, timeline steps, redaction."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import pytest

import resilient_agents.web
from resilient_agents import ConfigurationError, Settings
from resilient_agents.web import SessionTokens, parse_history, parse_state
from resilient_agents.web.catalog import configured_apps, find_app, parse_apps
from resilient_agents.web.timeline import build_timeline, journal_steps, signature
from resilient_agents.web.tokens import load_secret


def test_token_binds_app_and_session(tmp_path) -> None:
    tokens = SessionTokens(b"0123456789abcdef0123")
    token = tokens.issue("bank", "alice")
    assert tokens.verify("bank", "alice", token)
    assert not tokens.verify("bank", "bob", token), "a token opens one session only"
    assert not tokens.verify("loans", "alice", token), "and only in its app"
    assert not tokens.verify("bank", "alice", None)
    assert not tokens.verify("bank", "alice", token[:-1] + ("A" if token[-1] != "A" else "B"))
    other = SessionTokens(b"another-secret-entirely")
    assert not other.verify("bank", "alice", token), "another installation's secret gives other tokens"


def test_secret_is_created_once_private_and_reused(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RA_WEB_SECRET", raising=False)
    settings = Settings(data_dir=tmp_path / "data")
    first = load_secret(settings)
    path = tmp_path / "data" / "web-secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_secret(settings) == first and len(first) >= 32
    monkeypatch.setenv("RA_WEB_SECRET", "short")
    with pytest.raises(ConfigurationError, match="RA_WEB_SECRET"):
        load_secret(settings)
    monkeypatch.setenv("RA_WEB_SECRET", "x" * 40)
    assert load_secret(settings) == b"x" * 40


def test_catalogue_and_extra_apps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RA_WEB_APPS", "support=SupportAgent, notes=Notes/message")
    apps = configured_apps()
    assert [a.id for a in apps][:4] == ["bank", "airline", "loans", "chat"]
    notes = find_app("notes", apps)
    assert notes is not None and notes.service == "Notes" and notes.run_handler == "message"
    assert find_app("AgentSession", apps) is not None and find_app("AgentSession", apps).id == "bank"  # type: ignore[union-attr]
    with pytest.raises(ConfigurationError, match="not id=Service"):
        parse_apps("broken")
    with pytest.raises(ConfigurationError):
        parse_apps("x=Bad Name")


def test_history_reader_accepts_lists_wrappers_and_chat_messages() -> None:
    contract = [
        {"index": 0, "role": "user", "content": "hi"},
        {"index": 1, "role": "tool_call", "content": '{"a": 1}', "agent": "teller", "tool_name": "lookup"},
        {"index": 2, "role": "event", "content": "loan approved", "source": "loans"},
    ]
    assert parse_history(contract) == parse_history({"entries": contract})
    entries = parse_history(contract)
    assert [e.role for e in entries] == ["user", "tool_call", "event"]
    assert entries[1].tool_name == "lookup" and entries[2].source == "loans"
    chat_pattern = [{"role": "user", "content": "hello"}, {"role": "assistant", "content": {"text": "hi"}}]
    parsed = parse_history(chat_pattern)
    assert [e.index for e in parsed] == [0, 1] and parsed[1].content == '{"text": "hi"}'
    assert parse_history([{"role": "system", "content": "x"}])[0].role == "event", "unknown roles still show"
    assert parse_history("not a history") == []


def test_state_reader_accepts_aliases() -> None:
    state = parse_state(
        {
            "active_agent": "Loan Agent",
            "status": "waiting_for_approval",
            "turns": 3,
            "usage": {"requests": 4, "input_tokens": 100, "output_tokens": 20},
            "pending_approvals": [{"id": "sign_1", "tool_name": "transfer", "arguments": {"amount": 5}}, {"no": "id"}],
        }
    )
    assert state.agent == "Loan Agent" and state.status == "waiting_for_approval"
    assert state.usage.input_tokens == 100 and [a.id for a in state.pending_approvals] == ["sign_1"]
    assert parse_state(None).status == "idle"


def _row(index: int, lite: dict, full: dict | None = None, name: str = "", at: str = "2026-01-01T00:00:00.000Z"):
    return {
        "index": index,
        "entry_type": "",
        "name": name,
        "entry_lite_json": json.dumps(lite),
        "entry_json": json.dumps(full or lite),
        "appended_at": at,
    }


def _bytes(value: object) -> list[int]:
    return list(json.dumps(value).encode())


def test_journal_rows_become_model_tool_wait_and_output_steps() -> None:
    response = {
        "parts": [{"part_kind": "tool-call", "tool_name": "get_balance", "args": {"customer": "alice"}}],
        "usage": {"input_tokens": 30, "output_tokens": 7},
    }
    target = {"VirtualObject": {"name": "Bank", "key": "alice", "handler": "get_balance"}}
    rows = [
        _row(0, {"Command": {"Input": {}}}, {"Command": {"Input": {"payload": _bytes("my balance?")}}}),
        _row(1, {"Command": {"Run": {"completion_id": 1, "name": "LLM call (Teller)"}}}, name="LLM call (Teller)"),
        _row(
            2,
            {"Notification": {"id": {"CompletionId": 1}}},
            {"Notification": {"Completion": {"Run": {"result": {"Success": _bytes(response)}}}}},
            at="2026-01-01T00:00:00.250Z",
        ),
        _row(
            3,
            {
                "Command": {
                    "Call": {"invocation_id": "inv_child", "invocation_target": target, "result_completion_id": 2}
                }
            },
        ),
        _row(
            4,
            {"Notification": {"id": {"CompletionId": 2}}},
            {"Notification": {"Call": {"result": {"Success": _bytes("$100")}}}},
        ),
        _row(5, {"Command": {"SetState": {"key": "history"}}}),
        _row(
            6,
            {"Command": {"Sleep": {"completion_id": 3, "wake_up_time": 1_700_000_000_000}}},
            name="approval timeout x",
        ),
        _row(7, {"Notification": {"ty": "Signal", "id": {"SignalIndex": 17}}}),
    ]
    steps, children = journal_steps("inv_run", rows, "UI/invocations/inv_run")
    kinds = [s.kind for s in steps]
    assert kinds == ["input", "model", "tool", "wait", "wait"], "state commands are left out"
    model = steps[1]
    assert model.title == "LLM call (Teller): asks for get_balance" and model.duration_ms == 250
    assert "30 in / 7 out tokens" in model.detail and model.status == "done"
    tool = steps[2]
    assert tool.title == "calls Bank/alice/get_balance" and tool.detail == "$100" and children == {2: "inv_child"}
    assert steps[3].status == "waiting" and steps[3].title == "approval timeout x (until 2023-11-14 22:13:20 UTC)"
    assert steps[4].title.startswith("external event received")
    assert all(s.link == "UI/invocations/inv_run" for s in steps)


def test_signature_moves_with_progress() -> None:
    row = {"id": "inv_1", "status": "running", "journal_size": 3, "retry_count": 1}
    assert signature([row]) == signature([dict(row)])
    assert signature([row]) != signature([{**row, "journal_size": 4}])
    assert signature([row]) != signature([{**row, "status": "completed"}])


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_page_colours_meet_wcag_aa_contrast_in_both_schemes() -> None:
    css = (Path(resilient_agents.web.__file__).parent / "static" / "styles.css").read_text()
    light, dark = (dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6});", block)) for block in css.split("@media")[:2])
    pairs = [
        ("text", "bg"),
        ("text", "surface"),
        ("muted", "surface"),
        ("muted", "bg"),
        ("muted", "tool-bg"),
        ("text", "tool-bg"),
        ("text", "user-bg"),
        ("text", "event-bg"),
        ("text", "error-bg"),
        ("primary", "surface"),
        ("primary-text", "primary"),
        ("danger", "surface"),
        ("danger", "bg"),
    ]
    for scheme in (light, dark):
        for fg, bg in pairs:
            ratio = _contrast(scheme[fg], scheme[bg])
            assert ratio >= 4.5, f"--{fg} on --{bg}: {ratio:.2f}:1 is below WCAG AA (4.5:1)"


def test_timeline_shows_retries_in_progress_and_past_ones_under_their_tool() -> None:
    target = {"Service": {"name": "Tools", "handler": "lookup"}}
    run_rows = [
        _row(0, {"Command": {"Input": {}}}),
        _row(
            1,
            {
                "Command": {
                    "Call": {"invocation_id": "inv_tool", "invocation_target": target, "result_completion_id": 1}
                }
            },
        ),
    ]
    tool_rows = [
        _row(0, {"Command": {"Input": {}}}),
        _row(1, {"Command": {"Run": {"completion_id": 1, "name": "lookup"}}}),
    ]
    for row, owner in [*((r, "inv_run") for r in run_rows), *((r, "inv_tool") for r in tool_rows)]:
        row["id"] = owner
    event = {
        "ty": "TransientError",
        "error_message": "HTTP 503 from the lookup service",
        "related_command_name": "lookup",
    }
    answers = {
        "invoked_by_id": [
            {"id": "inv_tool", "status": "backing-off", "retry_count": 3, "last_failure": "[503] down\nTrace"}
        ],
        "from sys_journal ": [*run_rows, *tool_rows],
        "sys_journal_events": [
            {"id": "inv_tool", "after_journal_entry_index": 1, "appended_at": "t", "event_json": json.dumps(event)}
        ],
    }

    def query(sql: str) -> list[dict]:
        return next(rows for marker, rows in answers.items() if marker in sql)

    timeline = build_timeline(query, {"id": "inv_run", "status": "running", "target_handler_name": "run"}, "UI")
    shown = [(s.depth, s.kind, s.title, s.status) for s in timeline.steps]
    assert shown == [
        (0, "input", "request received", "done"),
        (0, "tool", "calls Tools/lookup", "running"),
        (1, "tool", "lookup", "running"),
        (1, "retry", "lookup failed, retried", "done"),
        (1, "retry", "retrying (attempt 4)", "running"),
    ]
    assert timeline.steps[3].detail == "HTTP 503 from the lookup service"
    assert timeline.steps[4].detail == "[503] down", "the traceback stays in the Restate UI"
    assert timeline.steps[4].link == "UI/invocations/inv_tool" and timeline.run is not None
