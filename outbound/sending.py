"""One HTTP POST to a destination, with the standard library, and what came of it."""

import hashlib
import hmac
import http.client
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

# Kept with each attempt: enough to read a chat service's "invalid_payload".
EXCERPT_LENGTH = 500
# Asked again later: the receiver may manage next time. Any other 4xx is a mistake in the
# request (a revoked webhook, a wrong URL) that resending the same body cannot fix.
RETRYABLE_CLIENT_ERRORS = {408, 429}


@dataclass(frozen=True)
class Response:
    status_code: int | None
    error: str
    excerpt: str
    seconds: float

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def retryable(self) -> bool:
        """A timeout, a connection error, a 5xx, a 408 or a 429 may pass; nothing else will."""
        if self.status_code is None:
            return not self.error.startswith(PERMANENT_PREFIX)
        return self.status_code >= 500 or self.status_code in RETRYABLE_CLIENT_ERRORS


PERMANENT_PREFIX = "Not sent:"


def signature(secret: str, body: bytes) -> str:
    """The X-Debrief-Signature header's value: sha256= and the hex HMAC-SHA256 of the body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A webhook that redirects is misconfigured; following it would resend the body as a GET."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _excerpt(response) -> str:
    try:
        return response.read(EXCERPT_LENGTH).decode("utf-8", errors="replace")
    except (OSError, http.client.HTTPException):
        return ""


def post(url: str, body: bytes, *, headers: dict[str, str], timeout: float) -> Response:
    """POST `body` to `url` and report the status, or the error when no response came."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    started = time.monotonic()
    status_code, error, excerpt = None, "", ""
    try:
        with _opener.open(request, timeout=timeout) as response:
            status_code, excerpt = response.status, _excerpt(response)
    except urllib.error.HTTPError as failure:
        status_code, excerpt = failure.code, _excerpt(failure)
    except urllib.error.URLError as failure:
        reason = failure.reason
        if isinstance(reason, TimeoutError):
            error = f"Timed out after {timeout:g} s"
        else:
            error = f"Connection failed: {reason}"
    except TimeoutError:
        error = f"Timed out after {timeout:g} s"
    except (OSError, http.client.HTTPException) as failure:
        error = f"Connection failed: {failure!r}"
    except ValueError as failure:
        error = f"{PERMANENT_PREFIX} {failure}"
    return Response(
        status_code=status_code,
        error=error[:500],
        excerpt=excerpt,
        seconds=time.monotonic() - started,
    )
