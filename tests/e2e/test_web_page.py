"""The chat page end to end: a real restate-server, the page's server as `make run` starts it, headless Chromium.

Each browser test drives the page as a person would (choose an app, start a session, type, click) and checks
what the page shows; the API tests check the security boundary (no token, no session). The screenshots in
docs/img are taken here (written there with RA_UPDATE_SCREENSHOTS=1).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from resilient_agents.engine import ServiceProcess, free_port
from resilient_agents.testing import Harness, TestServer, harness_fixture
from resilient_agents.web import SessionTokens

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SECRET = "test-secret-for-the-chat-page-0123456789"
PROVIDER_KEY = "not-shaped-like-a-key-4242"
"""The page's server gets this as OPENAI_API_KEY: it must never send it to a browser."""
DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
WAIT_MS = 20_000
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}

apps = harness_fixture("tests.apps.web_agents:page_services")
"""The test bank (`WebBank`, app id `teller`), the bank, the airline, loans and the Chat pattern, in one process."""


@pytest.fixture(scope="module")
def web(restate_server: TestServer, apps: Harness, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The page's server, started exactly as the dev runner starts it, pointed at the test's Restate."""
    data_dir = tmp_path_factory.mktemp("web")
    port = free_port()
    env = {
        "RA_INGRESS_PORT": str(restate_server.config.ingress_port),
        "RA_ADMIN_PORT": str(restate_server.config.admin_port),
        "RA_DATA_DIR": str(data_dir),
        "RA_WEB_SECRET": SECRET,
        "RA_WEB_APPS": "teller=WebBank",
        "OPENAI_API_KEY": PROVIDER_KEY,
    }
    with open(data_dir / "web.log", "ab") as log:
        process = ServiceProcess("resilient_agents.web.server:app", port, env=env, log=log)
        process.start()
        try:
            yield process.url
        finally:
            process.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM.exists(), "Chromium is missing: `apt-get install -y chromium` (make test installs it)"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=DESKTOP)
    tab = context.new_page()
    try:
        yield tab
    finally:
        context.close()


def screenshot(page: Page, name: str, tmp_path: Path, full_page: bool = False) -> Path:
    """Take the screenshot; it goes to docs/img when RA_UPDATE_SCREENSHOTS=1 (so `make test` leaves git clean)."""
    folder = DOCS_IMG if os.environ.get("RA_UPDATE_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    page.screenshot(path=str(path), full_page=full_page)
    assert path.stat().st_size > 10_000, f"{name} looks empty"
    return path


def start_session(page: Page, web: str, app: str) -> str:
    page.goto(web + "/")
    page.get_by_label("App", exact=True).select_option(app)
    page.get_by_role("button", name="New session").click()
    expect(page.locator("#session-id")).not_to_be_empty()
    return page.locator("#session-id").inner_text()


def send(page: Page, text: str) -> None:
    box = page.get_by_label("Message", exact=True)
    box.fill(text)
    box.press("Enter")


def test_conversation_with_a_tool_call_a_handoff_and_its_timeline(page: Page, web: str) -> None:
    session_id = start_session(page, web, "teller")
    assert re.fullmatch(r"[A-Za-z0-9_-]{16}", session_id)
    assert "app=teller" in page.url and f"session={session_id}" in page.url and "token" not in page.url
    send(page, "how much is my balance?")

    answers = page.locator(".message.role-assistant")
    expect(answers).to_have_count(1, timeout=WAIT_MS)
    expect(answers.first).to_contain_text(f"Your balance is $100,000.00 for {session_id}.")
    expect(answers.first).to_contain_text("Teller")
    expect(page.locator(".message.role-user")).to_have_count(1)
    expect(page.locator(".message.role-tool_call")).to_contain_text("get_balance")
    expect(page.locator(".message.role-tool_result")).to_contain_text("$100,000.00")
    expect(page.locator("#working")).to_be_hidden()

    tool_step = page.locator(".step.kind-tool")
    expect(tool_step).to_contain_text(f"calls WebBankAccounts/{session_id}/get_balance", timeout=WAIT_MS)
    expect(tool_step).to_contain_text(f"$100,000.00 for {session_id}")
    expect(page.locator(".step.kind-model").first).to_contain_text("LLM call (Teller): asks for get_balance")
    expect(page.locator(".step.kind-internal").first).to_be_hidden()
    expect(page.locator("#usage-requests")).to_have_text("2")
    expect(page.locator("#usage-tokens")).to_have_text(re.compile(r"^[1-9][\d,]* in · [1-9][\d,]* out$"))
    link = tool_step.locator("a").get_attribute("href")
    assert link is not None and re.search(r"/ui/invocations/inv_\w+$", link), link

    send(page, "any fraud on my account?")
    expect(answers).to_have_count(2, timeout=WAIT_MS)
    expect(answers.last).to_contain_text("Fraud check: no fraud found.")
    retry = page.locator(".step.kind-retry.depth-1")
    expect(retry).to_contain_text("fraud check failed, retried", timeout=WAIT_MS)
    expect(retry).to_contain_text("fraud service timed out")

    send(page, "I would like a loan of 1000 euros")
    expect(page.locator(".message.role-handoff")).to_contain_text("Teller -> Loans", timeout=WAIT_MS)
    expect(answers).to_have_count(3, timeout=WAIT_MS)
    expect(answers.last).to_contain_text("Loans here")
    expect(page.locator("#state-agent")).to_have_text("Loans")
    expect(page.locator(".step.kind-handoff")).to_contain_text("LLM call (Teller): hands off to loans")
    expect(page.locator(".step.kind-output")).to_contain_text("Loans here")


def test_bank_conversation(page: Page, web: str, apps: Harness, tmp_path: Path) -> None:
    session_id = start_session(page, web, "bank")
    send(page, "how much is my balance?")
    answers = page.locator(".message.role-assistant")
    expect(answers).to_have_count(1, timeout=WAIT_MS)
    expect(answers.first).to_contain_text("Account Agent")
    expect(answers.first).to_contain_text("get_balance")
    expect(page.locator(".message.role-handoff")).to_contain_text("Intake Agent -> Account Agent")
    expect(page.locator("#state-agent")).to_have_text("Account Agent")

    tool_step = page.locator(".step.kind-tool", has_text="get_balance")
    expect(tool_step).to_contain_text(f"calls Account/{session_id}/get_balance", timeout=WAIT_MS)
    expect(tool_step).to_contain_text('"balance"')
    link = tool_step.locator("a").get_attribute("href")
    assert link is not None and re.search(r"/ui/invocations/inv_\w+$", link), link
    # The link opens that invocation in the Restate UI (its real route, checked in the browser).
    restate_ui = page.context.new_page()
    restate_ui.goto(link)
    expect(restate_ui).to_have_title(re.compile(re.escape(link.rsplit("/", 1)[1])), timeout=WAIT_MS)
    restate_ui.close()

    send(page, "how much did I spend on gambling last month?")
    expect(answers).to_have_count(2, timeout=WAIT_MS)
    expect(page.locator(".message.role-tool_call", has_text='"gambling"')).to_contain_text("get_spending")
    state = apps.ingress.call("AgentSession", "get_state", key=session_id)
    expect(page.locator("#usage-requests")).to_have_text(str(state["usage"]["requests"]))
    assert state["usage"]["requests"] >= 4 and state["turns"] == 2
    screenshot(page, "chat-desktop.png", tmp_path)
    page.set_viewport_size(PHONE)
    expect(page.get_by_role("button", name="Send")).to_be_visible()
    screenshot(page, "chat-phone.png", tmp_path, full_page=True)


def test_interrupting_a_working_run_from_the_page(page: Page, web: str, apps: Harness) -> None:
    session_id = start_session(page, web, "teller")
    expect(page.locator("#mode-row")).to_be_hidden()
    send(page, "I need the slow report")
    expect(page.locator(".step.kind-tool", has_text="slow_report")).to_be_visible(timeout=WAIT_MS)
    mode = page.get_by_label("While the run works, your message should")
    expect(mode).to_be_visible()
    mode.select_option("interrupt")
    send(page, "never mind")
    answers = page.locator(".message.role-assistant")
    expect(answers).to_have_count(1, timeout=WAIT_MS)
    expect(answers.first).to_contain_text("Teller heard: never mind")
    expect(page.locator(".message.role-event")).to_contain_text("The run was interrupted")
    expect(page.locator("#mode-row")).to_be_hidden()
    expect(page.locator(".message.role-error")).to_have_count(0)
    runs = apps.query(
        "select status, completion_result from sys_invocation "
        f"where target = 'WebBank/{session_id}/run' order by created_at"
    )
    assert [r["completion_result"] for r in runs] == ["failure", "success"], runs


def test_approval_given_from_the_page(page: Page, web: str, apps: Harness, tmp_path: Path) -> None:
    session_id = start_session(page, web, "bank")
    send(page, "please pay my electricity bill of 80 EUR to Energy Co")
    card = page.locator(".approval")
    expect(card).to_contain_text("Approval needed: pay_bill", timeout=WAIT_MS)
    expect(card).to_contain_text('"payee": "Energy Co"')
    expect(card).to_contain_text("asked by Account Agent")
    expect(page.locator("#state-status")).to_have_text("waiting for approval")
    expect(page.locator(".step.kind-wait.status-waiting").last).to_contain_text("waits for approval of pay_bill")
    expect(page.locator("#status-line")).to_have_text("Waiting for an approval (below).")
    assert apps.ingress.call("AgentSession", "get_state", key=session_id)["status"] == "waiting_for_approval"
    screenshot(page, "approval.png", tmp_path)

    card.get_by_label("Reason (optional)").fill("yes, that one")
    card.get_by_role("button", name="Approve").click()
    answers = page.locator(".message.role-assistant")
    expect(answers).to_have_count(1, timeout=WAIT_MS)
    expect(answers.first).to_contain_text("new_balance")
    expect(page.locator(".approval")).to_have_count(0)
    expect(page.locator("#state-status")).to_have_text("idle")
    state = apps.ingress.call("AgentSession", "get_state", key=session_id)
    assert state["pending_approvals"] == [] and state["turns"] == 1
    expect(page.locator(".step.kind-wait", has_text="external event received")).to_contain_text('"approved": true')
    expect(page.locator(".step.kind-tool", has_text="pay_bill")).to_contain_text("Energy Co")


def test_asynchronous_message_arrives_without_a_reload(page: Page, web: str, apps: Harness) -> None:
    session_id = start_session(page, web, "bank")
    send(page, "hello")
    expect(page.locator(".message.role-assistant")).to_have_count(1, timeout=WAIT_MS)
    loads = []
    page.on("load", lambda _: loads.append(1))
    page.get_by_label("Message", exact=True).fill("a draft the user is still typing")

    # What the loan workflow does when it decides: notify the customer's session.
    decision = {"message": "Your loan of 1000 euros was approved.", "source": "LoanApprovalWorkflow"}
    apps.ingress.call("AgentSession", "notify", decision, key=session_id)
    update = page.locator(".message.role-event")
    expect(update).to_contain_text("Your loan of 1000 euros was approved.", timeout=WAIT_MS)
    expect(update).to_contain_text("Update from LoanApprovalWorkflow")
    assert loads == [], "the page reloaded"
    expect(page.get_by_label("Message", exact=True)).to_have_value("a draft the user is still typing")


def test_loan_decision_arrives_without_a_reload(page: Page, web: str, apps: Harness, tmp_path: Path) -> None:
    session_id = start_session(page, web, "loans")
    loads = []
    page.on("load", lambda _: loads.append(1))
    send(page, "Hi, I would like to apply for a loan of 1000 euros.")
    expect(page.locator(".message.role-tool_result").first).to_contain_text("submitted", timeout=WAIT_MS)
    # The loan workflow reviews the application and sends its decision to the chat session on its own.
    decision = page.locator(".message.role-event")
    expect(decision).to_contain_text(f"Loan {session_id}-loan-1 was approved", timeout=WAIT_MS)
    expect(decision).to_contain_text("Update from loans")
    assert loads == [], "the page reloaded"
    workflow = apps.query(
        f"select status from sys_invocation where target = 'LoanApprovalWorkflow/{session_id}-loan-1/run'"
    )
    assert workflow == [{"status": "completed"}]
    screenshot(page, "loan-decision.png", tmp_path)


def test_airline_sdk_agent_session(page: Page, web: str) -> None:
    start_session(page, web, "airline")
    send(page, "can you change my seat to 10b?")
    answers = page.locator(".message.role-assistant")
    expect(answers).to_have_count(1, timeout=WAIT_MS)
    expect(answers.first).to_contain_text("confirmation number")
    expect(page.locator(".message.role-handoff")).to_contain_text("Seat Booking Agent")
    send(page, "5666")
    expect(answers).to_have_count(2, timeout=WAIT_MS)
    expect(page.locator(".message.role-tool_result")).to_contain_text("Seat changed to 10B on booking 5666")
    expect(page.locator("#state-agent")).to_have_text("Seat Booking Agent")
    expect(page.locator(".step.kind-output")).to_contain_text("Seat changed to 10B", timeout=WAIT_MS)


def test_chat_pattern_session(page: Page, web: str, apps: Harness) -> None:
    session_id = start_session(page, web, "chat")
    send(page, "Write a poem about Durable Execution")
    answers = page.locator(".message.role-assistant")
    expect(answers).to_have_count(1, timeout=WAIT_MS)
    expect(answers.first).to_contain_text("[offline model]")
    expect(page.locator(".step.kind-model").first).to_be_visible(timeout=WAIT_MS)
    expect(page.locator("#state-status")).to_have_text("–")  # the Chat pattern keeps no state besides its history
    history = apps.ingress.call("Chat", "get_history", key=session_id)
    assert [m["role"] for m in history["messages"]] == ["user", "assistant"]


def test_a_session_without_its_token_is_refused(browser: Browser, web: str, apps: Harness) -> None:
    tokens = SessionTokens(SECRET.encode())
    apps.ingress.call("WebBank", "run", "my secret plans", key="victim")
    snapshot = f"{web}/api/sessions/teller/victim"
    with httpx.Client(timeout=10) as http:
        assert http.get(snapshot).status_code == 403
        assert http.get(snapshot, headers={"x-session-token": "forged"}).status_code == 403
        other = tokens.issue("teller", "attacker")
        assert http.get(snapshot, headers={"x-session-token": other}).status_code == 403
        message = http.post(f"{snapshot}/messages", json={"message": "hi"})
        assert message.status_code == 403
        decision = http.post(f"{snapshot}/approvals/sign_x", json={"decision": "approve"})
        assert decision.status_code == 403
        allowed = http.get(snapshot, headers={"x-session-token": tokens.issue("teller", "victim")})
        assert allowed.status_code == 200
        assert allowed.json()["history"][0]["content"] == "my secret plans"
        assert allowed.headers["cache-control"] == "no-store"

    context = browser.new_context(viewport=DESKTOP)
    stranger = context.new_page()
    refused = []
    stranger.on("response", lambda r: refused.append(r.status) if "/api/sessions/teller/victim" in r.url else None)
    stranger.goto(f"{web}/?app=teller&session=victim")
    expect(stranger.locator("#status-line")).to_contain_text("needs its token")
    expect(stranger.get_by_text("my secret plans")).to_have_count(0)
    expect(stranger.get_by_label("Message", exact=True)).to_be_disabled()
    forged = stranger.context.new_page()
    forged.on("response", lambda r: refused.append(r.status) if "/api/sessions/teller/victim" in r.url else None)
    forged.goto(f"{web}/?app=teller&session=victim#token=forged")
    expect(forged.locator("#status-line")).to_contain_text("needs its token", timeout=WAIT_MS)
    assert refused and set(refused) == {403}
    context.close()


def test_link_with_token_continues_the_session_elsewhere(browser: Browser, page: Page, web: str) -> None:
    session_id = start_session(page, web, "teller")
    send(page, "remember the blue door")
    expect(page.locator(".message.role-assistant")).to_have_count(1, timeout=WAIT_MS)
    token = SessionTokens(SECRET.encode()).issue("teller", session_id)

    other = browser.new_context(viewport=PHONE)
    phone = other.new_page()
    phone.goto(f"{web}/?app=teller&session={session_id}#token={token}")
    expect(phone.locator(".message.role-user")).to_contain_text("remember the blue door", timeout=WAIT_MS)
    assert "token" not in phone.url, "the token leaves the address bar once stored"
    other.close()


def test_api_answers_bad_requests_clearly(web: str) -> None:
    token = SessionTokens(SECRET.encode()).issue("teller", "s1")
    with httpx.Client(timeout=10, headers={"x-session-token": token}) as http:
        apps = http.get(f"{web}/api/apps").json()
        by_id = {a["id"]: a for a in apps["apps"]}
        assert by_id["teller"]["available"] is True and apps["restate_reachable"] is True
        assert by_id["teller"]["features"] == {"state": True, "approvals": True, "delivery_modes": True}
        assert by_id["chat"]["features"] == {"state": False, "approvals": False, "delivery_modes": False}
        assert apps["restate_ui"].endswith("/ui")
        created = http.post(f"{web}/api/sessions", json={"app": "nope"})
        assert created.status_code == 404 and "nope" in created.json()["error"]
        assert http.post(f"{web}/api/sessions", json={}).status_code == 400
        empty = http.post(f"{web}/api/sessions/teller/s1/messages", json={"message": "  "})
        assert empty.status_code == 400 and "message" in empty.json()["error"]
        shout = http.post(f"{web}/api/sessions/teller/s1/messages", json={"message": "hi", "mode": "shout"})
        assert shout.status_code == 400 and "mode" in shout.json()["error"]
        wrong = http.post(f"{web}/api/sessions/teller/s1/approvals/sign_x", json={"decision": "maybe"})
        assert wrong.status_code == 400 and "decision" in wrong.json()["error"]
        unknown = http.post(f"{web}/api/sessions/teller/s1/approvals/sign_x", json={"decision": "approve"})
        assert unknown.status_code == 404 and "approval_id" in unknown.json()["error"]
        assert http.get(f"{web}/api/sessions/teller/bad%20id").status_code == 400
        home = http.get(f"{web}/")
        assert "default-src 'self'" in home.headers["content-security-policy"]
        assert home.headers["x-frame-options"] == "DENY"


def test_api_keys_never_reach_the_page(web: str, apps: Harness) -> None:
    token = SessionTokens(SECRET.encode()).issue("teller", "leaky")
    leak = f"my keys are {PROVIDER_KEY} and sk-proj-abcdefghijklmnopqrstuv"
    apps.ingress.call("WebBank", "run", leak, key="leaky")
    with httpx.Client(timeout=10, headers={"x-session-token": token}) as http:
        body = http.get(f"{web}/api/sessions/teller/leaky").text
    assert "Teller heard: my keys are" in body
    assert PROVIDER_KEY not in body and "sk-proj-abcdefghijklmnopqrstuv" not in body
    assert body.count("[redacted]") >= 4, "both keys, in the user's message and in the answer"


def test_keyboard_only_use_and_labels(page: Page, web: str) -> None:
    page.goto(web + "/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to the message box")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("App", exact=True)).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="New session")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Message", exact=True)).to_be_focused()
    page.keyboard.type("hello from the keyboard")
    page.keyboard.press("Enter")
    expect(page.locator(".message.role-assistant")).to_have_count(1, timeout=WAIT_MS)
    for control in page.locator("select, textarea, input").all():
        control_id = control.get_attribute("id")
        assert control_id and page.locator(f"label[for='{control_id}']").count() == 1, f"#{control_id} has no label"
    for button in page.get_by_role("button").all():
        assert button.inner_text().strip(), "a button without a name"


def test_restate_down_is_reported_not_a_crash(tmp_path: Path) -> None:
    nobody = str(free_port())
    env = {"RA_INGRESS_PORT": nobody, "RA_ADMIN_PORT": nobody, "RA_DATA_DIR": str(tmp_path), "RA_WEB_SECRET": SECRET}
    with open(tmp_path / "web.log", "ab") as log:
        process = ServiceProcess("resilient_agents.web.server:app", free_port(), env=env, log=log)
        process.start()
        try:
            token = SessionTokens(SECRET.encode()).issue("bank", "alice")
            with httpx.Client(timeout=10, headers={"x-session-token": token}) as http:
                apps = http.get(f"{process.url}/api/apps").json()
                assert apps["restate_reachable"] is False and not any(a["available"] for a in apps["apps"])
                down = http.get(f"{process.url}/api/sessions/bank/alice")
                assert down.status_code == 502 and "Restate is not reachable" in down.json()["error"]
                assert http.get(f"{process.url}/healthz").json() == {"ok": True}
        finally:
            process.stop()
