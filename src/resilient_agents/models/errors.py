"""Classify provider failures: what Restate should retry, and what no retry can fix.

pydantic-ai already maps each provider's errors onto a common tree (rate limit, authentication, content filter,
timeouts...); this module maps that tree, and the raw HTTP client errors underneath, onto our two kinds.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx
from pydantic_ai import exceptions as pai

from ..exceptions import RetryableModelError, TerminalModelError
from ..security import redact

_TERMINAL_HINTS = {
    401: "the provider rejected the API key: check the key for the model named in RA_MODEL",
    403: "the API key may not use this model: check the key's permissions or RA_MODEL",
    404: "the provider does not know this model: check the model name in RA_MODEL",
}


def retry_after(headers: dict[str, str] | httpx.Headers | None) -> timedelta | None:
    """Parse a Retry-After header (seconds or an HTTP date)."""
    if not headers:
        return None
    raw = headers.get("retry-after") or headers.get("Retry-After")
    if raw is None:
        return None
    raw = raw.strip()
    try:
        return timedelta(seconds=max(0.0, float(raw)))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(timedelta(0), when - datetime.now(UTC))


def classify(exc: BaseException) -> RetryableModelError | TerminalModelError | None:
    """The error Restate should see for a provider failure; None when `exc` is not a provider failure.

    Messages are redacted: a provider may repeat the API key it was sent, and these end up in the journal.
    """
    if isinstance(exc, RetryableModelError | TerminalModelError):
        return exc
    detail = redact(str(exc))
    if isinstance(exc, pai.ContentFilterError):
        return TerminalModelError(f"the model provider refused the content (content policy): {detail}", 400)
    if isinstance(exc, pai.ModelHTTPError):
        return _from_status(exc.status_code, detail, exc.headers)
    if isinstance(exc, pai.ModelAPIError):
        # timeouts, connection errors and other transport failures without a status
        return RetryableModelError(f"model provider unreachable: {detail}")
    if isinstance(exc, httpx.HTTPStatusError):
        return _from_status(exc.response.status_code, detail, exc.response.headers)
    if isinstance(exc, httpx.TimeoutException | httpx.TransportError | TimeoutError | ConnectionError):
        return RetryableModelError(f"model provider unreachable: {type(exc).__name__}: {detail}")
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        response = getattr(exc, "response", None)
        return _from_status(status, detail, getattr(response, "headers", None))
    return None


def _from_status(
    status: int, message: str, headers: dict[str, str] | httpx.Headers | None
) -> RetryableModelError | TerminalModelError:
    if status == 429:
        return RetryableModelError(f"rate limited by the model provider: {message}", 429, retry_after(headers))
    if status >= 500 or status in (408, 409):
        return RetryableModelError(f"model provider error {status}: {message}", status, retry_after(headers))
    hint = _TERMINAL_HINTS.get(status, "the request was refused; fix the request or the model settings")
    return TerminalModelError(f"model provider error {status}: {hint} ({message})", status)
