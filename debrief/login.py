"""Sign-in throttling. LOGIN_FAILURE_LIMIT failed sign-ins for one user name, or
LOGIN_FAILURE_LIMIT_PER_ADDRESS from one address, within LOGIN_LOCKOUT_MINUTES of the first
refuse further sign-ins for that name or from that address for LOGIN_LOCKOUT_MINUTES, before
any password is checked. Failures are counted per name whether or not such an account exists,
so the refusal tells nothing about which accounts exist. A successful sign-in clears its
name's count but not its address's, so one known password cannot reset a guessing run.

The counts live in Django's cache: per process without REDIS_URL, shared through Redis
with it."""

import hashlib
import math
import time

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.views.decorators.debug import sensitive_variables


def client_address(request) -> str:
    """The address a request came from. Behind our proxy that is the last address in
    X-Forwarded-For, the one the proxy appended; any before it are whatever the client sent."""
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").rsplit(",", 1)[-1].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR", "")


def _account_key(username: str) -> str:
    # Hashed: a user name may hold characters a cache key cannot.
    digest = hashlib.sha256(username.strip().casefold().encode()).hexdigest()
    return f"login-failures:account:{digest}"


def _address_key(address: str) -> str:
    return f"login-failures:address:{address}"


def _minutes_left(key: str) -> int | None:
    locked_until = cache.get(f"{key}:locked-until")
    if locked_until is None:
        return None
    return max(1, math.ceil((locked_until - time.time()) / 60))


def _count(key: str) -> int:
    seconds = settings.LOGIN_LOCKOUT_MINUTES * 60
    cache.add(key, 0, timeout=seconds)
    try:
        return cache.incr(key)
    except ValueError:  # The count expired between add and incr.
        cache.set(key, 1, timeout=seconds)
        return 1


def _lock(key: str) -> None:
    seconds = settings.LOGIN_LOCKOUT_MINUTES * 60
    cache.set(f"{key}:locked-until", time.time() + seconds, timeout=seconds)
    cache.delete(key)


def _limits(username: str, address: str) -> list[tuple[str, int]]:
    limits = [(_account_key(username), settings.LOGIN_FAILURE_LIMIT)]
    if address:
        limits.append((_address_key(address), settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS))
    return limits


def _in_minutes(minutes: int) -> str:
    return f"{minutes} minute{'' if minutes == 1 else 's'}"


def login_refusal(*, username: str, address: str) -> str | None:
    """Why a sign-in for this name from this address is refused without looking at the
    password, or None when neither is locked."""
    if minutes := _minutes_left(_account_key(username)):
        return f"Too many failed sign-ins for this account; try again in {_in_minutes(minutes)}."
    if address and (minutes := _minutes_left(_address_key(address))):
        return (
            "Too many failed sign-ins from your network address; "
            f"try again in {_in_minutes(minutes)}."
        )
    return None


def login_attempt_begin(*, username: str, address: str) -> None:
    """Count the attempt as a failure before its password is checked: attempts sent all at
    once then cannot all pass the lock check before the first failure is counted. Past a
    limit, the name or address is locked at once."""
    for key, limit in _limits(username, address):
        if _count(key) > limit:
            _lock(key)


def login_failure_record(*, username: str, address: str) -> None:
    """The attempt begun failed; reaching a limit locks the name or address now."""
    for key, limit in _limits(username, address):
        if (cache.get(key) or 0) >= limit:
            _lock(key)


def login_success_record(*, username: str, address: str) -> None:
    """The name's count goes; the address gets back the attempt begun, not its failures."""
    key = _account_key(username)
    cache.delete_many([key, f"{key}:locked-until"])
    if address:
        try:
            cache.decr(_address_key(address))
        except ValueError:  # Expired meanwhile: nothing to give back.
            return


class ThrottledLoginMixin:
    """Refuses a locked name or address before authenticating, and counts wrong
    passwords; the failure that reaches a limit already answers with the refusal."""

    @sensitive_variables()
    def clean(self):
        username = self.cleaned_data.get("username")
        if username is None or not self.cleaned_data.get("password"):
            return super().clean()
        address = client_address(self.request) if self.request else ""
        if refusal := login_refusal(username=username, address=address):
            raise ValidationError(refusal, code="throttled")
        login_attempt_begin(username=username, address=address)
        if refusal := login_refusal(username=username, address=address):
            raise ValidationError(refusal, code="throttled")
        try:
            cleaned_data = super().clean()
        except ValidationError:
            # Every refusal counts, a right password for a non-staff account at the admin
            # included: counting only wrong ones would tell a guesser which one was right.
            login_failure_record(username=username, address=address)
            if refusal := login_refusal(username=username, address=address):
                raise ValidationError(refusal, code="throttled") from None
            raise
        login_success_record(username=username, address=address)
        return cleaned_data


class LoginForm(ThrottledLoginMixin, AuthenticationForm):
    """The sign-in page's form."""


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The admin's own sign-in form, throttled alike."""
