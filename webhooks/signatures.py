"""Checking that a request comes from the tool holding the endpoint's secret, the way each
tool proves it. Every comparison takes constant time."""

import hashlib
import hmac
import secrets

from .models import Endpoint, Kind, secret_digest


class SignatureError(Exception):
    """The request does not prove it knows the endpoint's secret."""


def new_token() -> str:
    """The unguessable part of an endpoint's URL."""
    return secrets.token_urlsafe(24)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def _hmac(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _bearer(headers) -> str | None:
    scheme, _, token = headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _check_bearer(endpoint: Endpoint, token: str) -> None:
    if not hmac.compare_digest(secret_digest(token), endpoint.secret_digest):
        raise SignatureError("The bearer token is not this endpoint's secret.")


def _check_hmac(endpoint: Endpoint, body: bytes, signatures: list[str], header: str) -> None:
    expected = _hmac(endpoint.secret, body)
    # Check every one, so the time taken does not tell which matched.
    matches = [hmac.compare_digest(expected, signature) for signature in signatures]
    if not any(matches):
        raise SignatureError(
            f"{header} does not match the body signed with this endpoint's secret."
        )


def _prefixed(value: str, prefix: str) -> list[str]:
    return [
        part.strip().removeprefix(prefix)
        for part in value.split(",")
        if part.strip().startswith(prefix)
    ]


def verify(endpoint: Endpoint, *, body: bytes, headers) -> None:
    """Alertmanager sends the secret as a bearer token; PagerDuty signs the body as
    X-PagerDuty-Signature: v1=<hex HMAC-SHA256>, listing one signature per active secret;
    GitHub as X-Hub-Signature-256: sha256=<hex>; generic senders either way of the two:
    X-Debrief-Signature: sha256=<hex>, or the bearer token."""
    if endpoint.kind == Kind.ALERTMANAGER:
        token = _bearer(headers)
        if token is None:
            raise SignatureError("Authorization: Bearer <secret> is missing.")
        _check_bearer(endpoint, token)
    elif endpoint.kind == Kind.PAGERDUTY:
        signatures = _prefixed(headers.get("X-PagerDuty-Signature", ""), "v1=")
        if not signatures:
            raise SignatureError("X-PagerDuty-Signature (v1=<signature>) is missing.")
        _check_hmac(endpoint, body, signatures, "X-PagerDuty-Signature")
    elif endpoint.kind == Kind.GITHUB:
        signatures = _prefixed(headers.get("X-Hub-Signature-256", ""), "sha256=")
        if not signatures:
            raise SignatureError("X-Hub-Signature-256 (sha256=<signature>) is missing.")
        _check_hmac(endpoint, body, signatures[:1], "X-Hub-Signature-256")
    else:
        signatures = _prefixed(headers.get("X-Debrief-Signature", ""), "sha256=")
        if signatures:
            _check_hmac(endpoint, body, signatures[:1], "X-Debrief-Signature")
        elif (token := _bearer(headers)) is not None:
            _check_bearer(endpoint, token)
        else:
            raise SignatureError(
                "Sign the body (X-Debrief-Signature: sha256=<signature>) or send "
                "Authorization: Bearer <secret>."
            )
