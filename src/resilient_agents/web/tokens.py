"""Session tokens: a session is readable only with its id and a token the chat page server issued for it.

A token is an HMAC-SHA256 of `app:session id` under a per-installation secret, so the server stores nothing per
session and the CLI (which shares the data folder) can print a link to any session. The secret comes from
`RA_WEB_SECRET`, or from `<data dir>/web-secret`, created on first use with mode 0600.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

from ..config import Settings
from ..exceptions import ConfigurationError

SECRET_ENV = "RA_WEB_SECRET"
SECRET_FILE = "web-secret"
SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
"""What a session id (the virtual object key) may look like on the page: URL-safe, bounded."""


def load_secret(settings: Settings | None = None) -> bytes:
    """The installation's secret: $RA_WEB_SECRET, else the data folder's `web-secret` (created if missing)."""
    explicit = os.environ.get(SECRET_ENV)
    if explicit:
        if len(explicit) < 16:
            raise ConfigurationError(f"{SECRET_ENV} is too short: use at least 16 characters (32 random bytes is best)")
        return explicit.encode()
    data_dir = (settings or Settings.from_env()).data_dir
    path = Path(data_dir) / SECRET_FILE
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32).encode()
    # O_EXCL: two processes starting at once must not both write a secret (one would invalidate the other's links).
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as out:
        out.write(value)
    return value


class SessionTokens:
    """Issues and checks the token of (app, session id).

    Without an explicit secret, the installation's secret is read (or created) on first use, not at construction:
    importing the page's server has no side effects on disk.
    """

    def __init__(self, secret: bytes | None = None, *, settings: Settings | None = None) -> None:
        if secret is not None and not secret:
            raise ConfigurationError("the session token secret is empty")
        self._secret = secret
        self._settings = settings

    @property
    def secret(self) -> bytes:
        if self._secret is None:
            self._secret = load_secret(self._settings)
        return self._secret

    def issue(self, app: str, session_id: str) -> str:
        digest = hmac.new(self.secret, f"{app}:{session_id}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def verify(self, app: str, session_id: str, token: str | None) -> bool:
        """True only for the token of exactly this app and session (constant-time comparison)."""
        if not token:
            return False
        return hmac.compare_digest(self.issue(app, session_id), token)


def new_session_id() -> str:
    """A fresh, unguessable session id (the token still guards it: ids appear in URLs and logs)."""
    return secrets.token_urlsafe(12)
