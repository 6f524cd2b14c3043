// The chat page: one session at a time, read through this page's own server (never Restate directly).
// Everything shown comes from the server as data and is put on the page with textContent, never as HTML:
// model output and tool results are untrusted.
"use strict";

const FAST_POLL_MS = 600;   // while a run is working or a reply is awaited
const SLOW_POLL_MS = 2000;  // idle: asynchronous messages (a loan decision) still arrive within seconds
const ERROR_POLL_MS = 4000;
const HIDDEN_POLL_MS = 10000; // a tab in the background asks rarely; it catches up when shown again

const page = {
  apps: [],
  restateUi: "",
  app: null,
  sessionId: null,
  token: null,
  state: null,           // the session's last get_state answer
  live: false,           // a run of the session is working
  historySig: "",
  timelineSig: "",
  rendered: [],          // history entries on screen
  awaiting: null,        // invocation id of the message we sent and wait for
  reportedFailures: new Set(),
  timer: null,
  generation: 0,         // bumps when the session changes, so stale poll answers are dropped
};

const $ = (id) => document.getElementById(id);

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function setStatus(text, isError = false) {
  const line = $("status-line");
  line.textContent = text;
  line.classList.toggle("error", isError);
}

// --- tokens and recent sessions (kept in this browser only) ---

function tokenKey(app, sessionId) {
  return `ra.token.${app}.${sessionId}`;
}

function rememberSession(app, sessionId, token) {
  localStorage.setItem(tokenKey(app, sessionId), token);
  const recent = JSON.parse(localStorage.getItem("ra.recent") || "[]")
    .filter((s) => !(s.app === app && s.session === sessionId));
  recent.unshift({ app, session: sessionId, at: new Date().toISOString() });
  localStorage.setItem("ra.recent", JSON.stringify(recent.slice(0, 8)));
}

function sessionLink(app, sessionId, token) {
  const url = new URL(window.location.origin + "/");
  url.searchParams.set("app", app);
  url.searchParams.set("session", sessionId);
  url.hash = "token=" + encodeURIComponent(token);
  return url.toString();
}

function requestId() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replaceAll("-", "");
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// --- talking to the page's server ---

async function api(path, options = {}) {
  const headers = { "accept": "application/json" };
  if (options.body !== undefined) headers["content-type"] = "application/json";
  if (page.token) headers["x-session-token"] = page.token;
  const response = await fetch(path, {
    method: options.method || "GET",
    headers,
    body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
    cache: "no-store",
  });
  let data = null;
  try { data = await response.json(); } catch (_) { data = null; }
  if (!response.ok) {
    const error = new Error((data && data.error) || `HTTP ${response.status}`);
    error.status = response.status;
    throw error;
  }
  return data;
}

function sessionPath(suffix = "") {
  return `/api/sessions/${encodeURIComponent(page.app)}/${encodeURIComponent(page.sessionId)}${suffix}`;
}

// --- rendering ---

const ROLE_LABELS = {
  user: "You",
  assistant: "Agent",
  tool_call: "Tool call",
  tool_result: "Tool result",
  handoff: "Handoff",
  event: "Update",
};

function messageNode(entry) {
  const item = el("li", `message role-${entry.role in ROLE_LABELS ? entry.role : "other"}`);
  item.dataset.index = entry.index;
  const meta = el("div", "message-meta");
  let label = ROLE_LABELS[entry.role] || entry.role;
  if (entry.role === "assistant" && entry.agent) label = entry.agent;
  if ((entry.role === "tool_call" || entry.role === "tool_result") && entry.tool_name) label += ` · ${entry.tool_name}`;
  const sender = entry.source || entry.agent;
  if (entry.role === "event" && sender) label = `Update from ${sender}`;
  if (entry.is_error) item.classList.add("is-error");
  meta.append(el("span", "message-role", label));
  item.append(meta);
  const body = el(entry.role === "tool_call" || entry.role === "tool_result" ? "pre" : "p", "message-body", entry.content);
  item.append(body);
  return item;
}

function renderHistory(entries) {
  const list = $("messages");
  const same = page.rendered.length <= entries.length &&
    page.rendered.every((e, i) => e.index === entries[i].index && e.content === entries[i].content);
  if (!same) {
    list.replaceChildren();
    page.rendered = [];
  }
  list.querySelectorAll(".message.pending").forEach((n) => n.remove());
  for (const entry of entries.slice(page.rendered.length)) list.append(messageNode(entry));
  page.rendered = entries.slice();
  $("welcome").hidden = entries.length > 0;
  scrollToEnd();
}

function addPendingMessage(text) {
  const item = messageNode({ index: -1, role: "user", content: text });
  item.classList.add("pending");
  $("messages").append(item);
  $("welcome").hidden = true;
  scrollToEnd();
}

function addErrorMessage(text) {
  const item = el("li", "message role-error");
  item.setAttribute("role", "alert");
  item.append(el("div", "message-meta", "The run failed"), el("p", "message-body", text));
  $("messages").append(item);
  scrollToEnd();
}

function scrollToEnd() {
  const list = $("messages");
  list.scrollTop = list.scrollHeight;
}

function renderState(state) {
  const usage = state ? state.usage : null;
  $("state-agent").textContent = state && state.agent ? state.agent : "–";
  $("state-status").textContent = state ? state.status.replaceAll("_", " ") : "–";
  $("state-turns").textContent = state ? state.turns : "–";
  $("usage-requests").textContent = usage ? usage.requests : "–";
  $("usage-tokens").textContent = usage
    ? `${usage.input_tokens.toLocaleString()} in · ${usage.output_tokens.toLocaleString()} out`
    : "–";
  renderApprovals(state ? state.pending_approvals : []);
}

function renderApprovals(approvals) {
  const box = $("approvals");
  const shown = new Set(Array.from(box.children, (c) => c.dataset.id));
  const wanted = new Set(approvals.map((a) => a.id));
  for (const card of Array.from(box.children)) if (!wanted.has(card.dataset.id)) card.remove();
  approvals.forEach((approval, n) => {
    if (shown.has(approval.id)) return;
    const card = el("article", "approval");
    card.dataset.id = approval.id;
    const titleId = `approval-title-${n}-${approval.id.slice(-8)}`;
    card.setAttribute("aria-labelledby", titleId);
    const title = el("h3", null, `Approval needed: ${approval.tool_name || "a tool call"}`);
    title.id = titleId;
    card.append(title);
    if (approval.agent) card.append(el("p", "muted", `asked by ${approval.agent}`));
    card.append(el("pre", "approval-args", JSON.stringify(approval.arguments, null, 2)));
    const reasonId = `reason-${n}-${approval.id.slice(-8)}`;
    const reasonLabel = el("label", null, "Reason (optional)");
    reasonLabel.htmlFor = reasonId;
    const reason = el("input");
    reason.id = reasonId;
    reason.type = "text";
    reason.maxLength = 500;
    const approve = el("button", "button primary", "Approve");
    const reject = el("button", "button danger", "Reject");
    approve.type = reject.type = "button";
    const result = el("p", "approval-result");
    result.setAttribute("role", "status");
    const decide = async (decision) => {
      approve.disabled = reject.disabled = true;
      result.textContent = decision === "approve" ? "Approving…" : "Rejecting…";
      try {
        await api(sessionPath(`/approvals/${encodeURIComponent(approval.id)}`), {
          method: "POST",
          body: { decision, reason: reason.value.trim() || null },
        });
        result.textContent = decision === "approve" ? "Approved: the run continues." : "Rejected.";
        schedulePoll(0);
      } catch (error) {
        result.textContent = `Could not ${decision}: ${error.message}`;
        approve.disabled = reject.disabled = false;
      }
    };
    approve.addEventListener("click", () => decide("approve"));
    reject.addEventListener("click", () => decide("reject"));
    const actions = el("div", "approval-actions");
    actions.append(approve, reject);
    card.append(reasonLabel, reason, actions, result);
    box.append(card);
  });
}

const KIND_LABELS = {
  input: "request", model: "model", tool: "tool", handoff: "handoff", wait: "wait",
  retry: "retry", call: "send", step: "step", output: "result", internal: "internal",
};
const STATUS_LABELS = { running: "running", waiting: "waiting", failed: "failed", unused: "not needed" };

function renderTimeline(timeline) {
  const list = $("timeline");
  list.replaceChildren();
  const run = timeline ? timeline.run : null;
  $("timeline-empty").hidden = Boolean(run);
  const link = $("run-link");
  link.hidden = !run;
  if (run) {
    link.href = run.link;
    link.textContent = `${run.handler} · ${run.status} ↗`;
    link.setAttribute("aria-label", `Open the current run (${run.status}) in the Restate UI`);
  }
  for (const step of timeline ? timeline.steps : []) {
    const item = el("li", `step kind-${step.kind} status-${step.status} depth-${step.depth}`);
    const head = el("div", "step-head");
    head.append(el("span", "step-kind", KIND_LABELS[step.kind] || step.kind));
    head.append(el("span", "step-title", step.title));
    if (step.duration_ms !== null && step.duration_ms !== undefined) {
      head.append(el("span", "step-duration", `${step.duration_ms} ms`));
    }
    if (step.status !== "done") head.append(el("span", "step-status", STATUS_LABELS[step.status] || step.status));
    item.append(head);
    if (step.detail) item.append(el("p", "step-detail", step.detail));
    const a = el("a", "step-link", "journal ↗");
    a.href = step.link;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    a.setAttribute("aria-label", `Open ${step.title} in the Restate UI`);
    item.append(a);
    list.append(item);
  }
  if (run && run.result === "failure" && !page.reportedFailures.has(run.invocation_id)) {
    page.reportedFailures.add(run.invocation_id);
    if (page.awaiting === run.invocation_id) addErrorMessage(run.failure || "unknown error");
  }
  if (run && page.awaiting === run.invocation_id && run.status === "completed") setAwaiting(null);
}

function setAwaiting(invocationId) {
  page.awaiting = invocationId;
  $("working").hidden = !invocationId;
  showModes();
}

function currentApp() {
  return page.apps.find((a) => a.id === page.app);
}

// Apps on the agent loop take a message for a working session in three ways (its `message` handler).
function showModes() {
  const app = currentApp();
  const possible = Boolean(app && app.features && app.features.delivery_modes && page.sessionId);
  $("mode-row").hidden = !(possible && (page.live || page.awaiting));
}

// --- polling ---

function schedulePoll(delay) {
  clearTimeout(page.timer);
  page.timer = setTimeout(poll, delay);
}

async function poll() {
  if (!page.sessionId) return;
  const generation = page.generation;
  const query = new URLSearchParams({ history: page.historySig, timeline: page.timelineSig });
  try {
    const data = await api(sessionPath(`?${query}`));
    if (generation !== page.generation) return;
    if ("history" in data) {
      renderHistory(data.history);
      renderState(data.state);
      page.state = data.state;
      page.historySig = data.history_signature;
    }
    if ("timeline" in data) {
      renderTimeline(data.timeline);
      page.timelineSig = data.timeline_signature;
    }
    page.live = data.live;
    showModes();
    const approving = page.state && page.state.status === "waiting_for_approval";
    setStatus(approving ? "Waiting for an approval (below)." : data.live ? "A run is working…" : "Up to date.");
    $("working-text").textContent = approving ? "waiting for your approval…" : "working…";
    schedulePoll(document.hidden ? HIDDEN_POLL_MS : data.live || page.awaiting ? FAST_POLL_MS : SLOW_POLL_MS);
  } catch (error) {
    if (generation !== page.generation) return;
    setStatus(error.status === 403 ? error.message : `Cannot read the session: ${error.message}`, true);
    if (error.status !== 403) schedulePoll(ERROR_POLL_MS);
  }
}

// --- sessions ---

function openSession(app, sessionId, token) {
  page.generation += 1;
  page.app = app;
  page.sessionId = sessionId;
  page.token = token;
  page.historySig = page.timelineSig = "";
  page.state = null;
  page.live = false;
  page.rendered = [];
  page.reportedFailures.clear();
  setAwaiting(null);
  $("messages").replaceChildren();
  $("approvals").replaceChildren();
  renderTimeline(null);
  renderState(null);
  $("app-select").value = app;
  $("session-id").textContent = sessionId;
  $("session-info").hidden = false;
  const enabled = Boolean(token);
  $("composer-input").disabled = !enabled;
  $("send").disabled = !enabled;
  $("composer-input").placeholder = "Write a message (Enter sends, Shift+Enter for a new line)";
  showAppIntro();
  if (token) {
    rememberSession(app, sessionId, token);
    schedulePoll(0);
  } else {
    setStatus("This session needs its token: open it from the link that created it.", true);
  }
}

async function newSession(event) {
  event.preventDefault();
  const app = $("app-select").value;
  try {
    page.token = null;
    const created = await api("/api/sessions", { method: "POST", body: { app } });
    const url = new URL(window.location.href);
    url.search = new URLSearchParams({ app: created.app, session: created.session_id }).toString();
    url.hash = "";
    history.pushState(null, "", url);
    openSession(created.app, created.session_id, created.token);
    $("composer-input").focus();
  } catch (error) {
    setStatus(`Could not start a session: ${error.message}`, true);
  }
}

async function sendMessage(event) {
  if (event) event.preventDefault();
  const input = $("composer-input");
  const text = input.value.trim();
  if (!text || !page.sessionId) return;
  input.value = "";
  addPendingMessage(text);
  const body = { message: text, request_id: requestId() };
  if (!$("mode-row").hidden) body.mode = $("delivery-mode").value;
  try {
    const sent = await api(sessionPath("/messages"), { method: "POST", body });
    setAwaiting(sent.invocation_id);
    schedulePoll(0);
  } catch (error) {
    $("messages").querySelectorAll(".message.pending").forEach((n) => n.remove());
    input.value = text;
    setStatus(`Not sent: ${error.message}`, true);
  }
}

function showAppIntro() {
  const app = page.apps.find((a) => a.id === $("app-select").value);
  $("app-description").textContent = app ? app.description : "";
  const examples = $("examples");
  examples.replaceChildren();
  if (!app || !page.sessionId) return;
  for (const example of app.examples) {
    const button = el("button", "button example", example);
    button.type = "button";
    button.addEventListener("click", () => {
      $("composer-input").value = example;
      $("composer-input").focus();
    });
    examples.append(button);
  }
}

function showRecent() {
  const recent = JSON.parse(localStorage.getItem("ra.recent") || "[]");
  const list = $("recent-list");
  list.replaceChildren();
  for (const item of recent) {
    const li = el("li");
    const a = el("a", null, `${item.app} · ${item.session}`);
    a.href = `/?app=${encodeURIComponent(item.app)}&session=${encodeURIComponent(item.session)}`;
    li.append(a, el("span", "muted", ` ${new Date(item.at).toLocaleString()}`));
    list.append(li);
  }
  $("recent").hidden = recent.length === 0;
}

async function copyLink() {
  const link = sessionLink(page.app, page.sessionId, page.token);
  try {
    await navigator.clipboard.writeText(link);
    setStatus("Link copied: it carries the session's token, share it only with whoever may read this session.");
  } catch (_) {
    window.prompt("Copy this link (it carries the session's token):", link);
  }
}

async function loadApps() {
  const data = await api("/api/apps");
  page.apps = data.apps;
  page.restateUi = data.restate_ui;
  const select = $("app-select");
  select.replaceChildren();
  for (const app of data.apps) {
    const option = el("option", null, app.available ? app.label : `${app.label} (not deployed)`);
    option.value = app.id;
    option.disabled = !app.available;
    select.append(option);
  }
  const first = data.apps.find((a) => a.available);
  if (first) select.value = first.id;
  if (!data.restate_reachable) setStatus("Restate is not reachable: is `make run` running?", true);
}

function fromLocation() {
  const params = new URLSearchParams(window.location.search);
  const app = params.get("app");
  const sessionId = params.get("session");
  const hash = new URLSearchParams(window.location.hash.slice(1));
  if (app && sessionId && hash.get("token")) {
    localStorage.setItem(tokenKey(app, sessionId), hash.get("token"));
    // The token stays in this browser's storage; the address bar (and screenshots of it) do not show it.
    history.replaceState(null, "", `/?app=${encodeURIComponent(app)}&session=${encodeURIComponent(sessionId)}`);
  }
  if (app && sessionId) openSession(app, sessionId, localStorage.getItem(tokenKey(app, sessionId)));
}

async function main() {
  $("session-form").addEventListener("submit", newSession);
  $("composer").addEventListener("submit", sendMessage);
  $("composer-input").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) sendMessage(event);
  });
  $("copy-link").addEventListener("click", copyLink);
  $("show-internal").addEventListener("change", (event) => {
    $("timeline").classList.toggle("show-internal", event.target.checked);
  });
  $("app-select").addEventListener("change", showAppIntro);
  window.addEventListener("popstate", fromLocation);
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && page.sessionId && page.token) schedulePoll(0);
  });
  try {
    await loadApps();
  } catch (error) {
    setStatus(`Cannot load the apps: ${error.message}`, true);
  }
  showRecent();
  showAppIntro();
  fromLocation();
  if (!page.sessionId) setStatus("Choose an app and start a new session, or continue one below.");
}

document.addEventListener("DOMContentLoaded", main);
