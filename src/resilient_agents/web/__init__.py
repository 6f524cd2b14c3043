"""The chat page: talk to any session app in a browser, approve tool calls, watch a run step by step.

`make run` serves it on RA_WEB_PORT (default 8090). The server (`server.py`) proxies to Restate, so the browser
never reaches the ingress or the admin API; a session is readable only with its id and its token (`tokens.py`).
"""

from __future__ import annotations

from .catalog import DEFAULT_APPS, SessionApp, configured_apps, find_app
from .contract import parse_history, parse_state
from .server import create_app
from .timeline import Timeline, TimelineStep, build_timeline
from .tokens import SessionTokens, load_secret, new_session_id

__all__ = [
    "DEFAULT_APPS",
    "SessionApp",
    "SessionTokens",
    "Timeline",
    "TimelineStep",
    "build_timeline",
    "configured_apps",
    "create_app",
    "find_app",
    "load_secret",
    "new_session_id",
    "parse_history",
    "parse_state",
]
