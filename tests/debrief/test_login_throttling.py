"""Repeated failed sign-ins are refused for a while, per account and per address, with a
message that says so and tells nothing about which accounts exist."""

import time
import uuid

import pytest
from django.test import Client

ACCOUNT_LOCKED = "Too many failed sign-ins for this account; try again in 15 minutes."
ADDRESS_LOCKED = "Too many failed sign-ins from your network address; try again in 15 minutes."
WRONG_PASSWORD = "Please enter a correct username and password"


@pytest.fixture(autouse=True)
def fresh_counts(settings):
    # A cache of its own per test, so counts from other tests cannot lock anyone out here.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"login-throttling-{uuid.uuid4()}",
        }
    }
    settings.LOGIN_FAILURE_LIMIT = 5
    settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 20
    settings.LOGIN_LOCKOUT_MINUTES = 15
    settings.BEHIND_PROXY = False


def sign_in(username, password, address="198.51.100.7", forwarded_for=None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    client = Client(REMOTE_ADDR=address, headers=headers)
    return client.post("/login/", {"username": username, "password": password})


def fail(username, times, address="198.51.100.7"):
    for _ in range(times):
        response = sign_in(username, "wrong-password", address)
    return response


def test_four_wrong_passwords_only_say_the_password_is_wrong(alice):
    response = fail("alice", 4)

    assert response.status_code == 200
    assert WRONG_PASSWORD in response.text
    assert sign_in("alice", "alice-password").status_code == 302


def test_the_fifth_wrong_password_locks_the_account_and_says_for_how_long(alice):
    response = fail("alice", 5)

    assert response.status_code == 429
    assert ACCOUNT_LOCKED in response.text
    assert WRONG_PASSWORD not in response.text


def test_a_locked_account_refuses_even_the_right_password_from_anywhere(alice):
    fail("alice", 5)

    response = sign_in("alice", "alice-password", address="203.0.113.50")

    assert response.status_code == 429
    assert ACCOUNT_LOCKED in response.text
    assert "_auth_user_id" not in response.wsgi_request.session


def test_the_lock_ends_after_the_lockout(alice, monkeypatch):
    fail("alice", 5)
    sixteen_minutes_later = time.time() + 16 * 60
    # The cache's own expiry reads the same clock.
    monkeypatch.setattr(time, "time", lambda: sixteen_minutes_later)

    assert sign_in("alice", "alice-password").status_code == 302


def test_the_message_counts_down_the_minutes_left(alice, monkeypatch):
    fail("alice", 5)
    fourteen_and_a_half_minutes_later = time.time() + 14.5 * 60
    monkeypatch.setattr(time, "time", lambda: fourteen_and_a_half_minutes_later)

    response = sign_in("alice", "alice-password")

    assert "try again in 1 minute." in response.text


def test_an_unknown_account_is_locked_with_the_same_message(db):
    response = fail("nobody-by-this-name", 5)

    assert response.status_code == 429
    assert ACCOUNT_LOCKED in response.text


def test_the_name_is_counted_whatever_its_case(alice):
    fail("Alice", 3)
    fail("ALICE", 2)

    assert ACCOUNT_LOCKED in sign_in("alice", "alice-password").text


def test_signing_in_clears_the_accounts_count(alice):
    fail("alice", 4)
    assert sign_in("alice", "alice-password").status_code == 302

    response = fail("alice", 4)

    assert response.status_code == 200
    assert WRONG_PASSWORD in response.text
    assert sign_in("alice", "alice-password").status_code == 302


def test_one_address_trying_many_names_is_locked_out(alice, bob):
    for n in range(20):
        response = sign_in(f"guess-{n}", "wrong-password")

    assert response.status_code == 429
    assert ADDRESS_LOCKED in response.text
    refused = sign_in("bob", "bob-password")
    assert refused.status_code == 429
    assert ADDRESS_LOCKED in refused.text
    # Another address is not affected, and the names tried are not locked.
    assert sign_in("bob", "bob-password", address="203.0.113.50").status_code == 302


def test_a_successful_sign_in_does_not_clear_the_addresss_count(alice, bob):
    for n in range(19):
        sign_in(f"guess-{n}", "wrong-password")
    assert sign_in("alice", "alice-password").status_code == 302

    response = sign_in("guess-19", "wrong-password")

    assert ADDRESS_LOCKED in response.text


def test_behind_the_proxy_the_address_it_forwards_is_counted(alice, bob, settings):
    settings.BEHIND_PROXY = True
    proxy = "10.0.0.2"
    for n in range(20):
        # What the client claims comes first; the proxy appends what it saw.
        sign_in(
            f"guess-{n}",
            "wrong-password",
            address=proxy,
            forwarded_for=f"192.0.2.{n}, 198.51.100.7",
        )

    locked = sign_in("bob", "bob-password", address=proxy, forwarded_for="198.51.100.7")
    other = sign_in("bob", "bob-password", address=proxy, forwarded_for="203.0.113.50")

    assert ADDRESS_LOCKED in locked.text
    assert other.status_code == 302


def test_the_admin_sign_in_page_is_throttled_too(dave):
    client = Client(REMOTE_ADDR="198.51.100.7")
    for _ in range(5):
        response = client.post("/admin/login/", {"username": "dave", "password": "wrong-password"})

    assert ACCOUNT_LOCKED in response.text
    refused = client.post("/admin/login/", {"username": "dave", "password": "dave-password"})
    assert ACCOUNT_LOCKED in refused.text
    assert "_auth_user_id" not in client.session


def test_attempts_still_being_checked_count_against_the_limit(alice):
    # Guesses sent all at once: five are being checked when the sixth arrives.
    from debrief.login import login_attempt_begin

    for _ in range(5):
        login_attempt_begin(username="alice", address="203.0.113.9")

    refused = sign_in("alice", "alice-password", address="192.0.2.44")
    assert refused.status_code == 429
    assert ACCOUNT_LOCKED in refused.text


def test_the_admin_page_counts_a_right_password_of_a_non_staff_account_like_a_wrong_one(alice):
    client = Client(REMOTE_ADDR="198.51.100.7")
    for _ in range(4):
        client.post("/admin/login/", {"username": "alice", "password": "wrong-password"})

    # Were only wrong passwords counted, this one (right, but alice is not staff) would get the
    # ordinary message while a wrong fifth guess got the lock: an oracle for her password.
    fifth = client.post("/admin/login/", {"username": "alice", "password": "alice-password"})
    assert ACCOUNT_LOCKED in fifth.text


def test_without_a_proxy_a_forwarded_address_is_ignored(alice, bob):
    for n in range(20):
        sign_in(
            f"nobody-{n}", "wrong-password", address="198.51.100.7", forwarded_for=f"10.0.0.{n}"
        )

    refused = sign_in("bob", "bob-password", address="198.51.100.7", forwarded_for="10.9.9.9")
    assert ADDRESS_LOCKED in refused.text
