"""What every page tells the browser to enforce: a Content Security Policy that allows only
Debrief's own files, no framing, HTTPS-only cookies and transport, and no sniffing."""

import re

import pytest
from django.test import Client

from incidents import services as incident_services
from postmortems import services as postmortem_services
from postmortems.models import PostmortemTemplate
from tests.builtins import ensure_builtin_rows

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; "
    "object-src 'none'"
)


@pytest.fixture
def postmortem(alice, checkout):
    ensure_builtin_rows()
    incident = incident_services.incident_declare(
        title="Card payments failing", severity=2, services=[checkout], reporter=alice
    )
    incident_services.incident_add_note(incident=incident, body="Rolled back v41", by=alice)
    return postmortem_services.postmortem_start(
        incident=incident, template=PostmortemTemplate.objects.get(slug="standard"), by=alice
    )


def main_pages(postmortem) -> list[str]:
    return [
        "/incidents/",
        "/incidents/declare/",
        postmortem.incident.get_absolute_url(),
        f"/postmortems/{postmortem.pk}/",
        f"/postmortems/{postmortem.pk}/sections/summary/",
        "/follow-ups/",
        "/learning/",
        "/search/",
        "/settings/",
    ]


def test_every_main_page_carries_the_policy_and_the_other_headers(alice_client, postmortem):
    for path in main_pages(postmortem):
        response = alice_client.get(path)
        assert response.status_code == 200, path
        assert response["Content-Security-Policy"] == POLICY, path
        assert response["X-Frame-Options"] == "DENY", path
        assert response["X-Content-Type-Options"] == "nosniff", path
        assert response["Referrer-Policy"] == "same-origin", path
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", path


def test_the_sign_in_page_carries_the_policy(client, db):
    response = client.get("/login/")

    assert response["Content-Security-Policy"] == POLICY
    assert response["X-Frame-Options"] == "DENY"


def test_htmx_fragments_carry_the_policy_too(alice_client, postmortem):
    response = alice_client.get("/incidents/", headers={"HX-Request": "true"})

    assert response["Content-Security-Policy"] == POLICY


# The policy would block these; a page that used them would lose its behaviour or its look.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
INLINE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\s(style|on[a-z]+)\s*=", re.I)


def test_no_page_relies_on_inline_script_or_style(alice_client, client, postmortem):
    pages = {path: alice_client.get(path).text for path in main_pages(postmortem)}
    pages["/login/"] = client.get("/login/").text

    for path, html in pages.items():
        assert not INLINE_SCRIPT.search(html), path
        assert "<style" not in html, path
        assert not INLINE_ATTRIBUTE.search(html), path


def test_https_requests_get_strict_transport_security(client, db, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True

    response = client.get("/login/", secure=True)

    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_session_and_csrf_cookies_are_secure_and_same_site(alice, settings):
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    client = Client()

    form = client.get("/login/", secure=True)
    signed_in = client.post(
        "/login/", {"username": "alice", "password": "alice-password"}, secure=True
    )

    csrf = form.cookies["csrftoken"]
    assert csrf["secure"] is True
    assert csrf["samesite"] == "Lax"
    session = signed_in.cookies["sessionid"]
    assert session["secure"] is True
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"


def test_the_admin_refuses_a_common_password(dave, settings):
    dave.is_superuser = True
    dave.save()
    client = Client()
    client.force_login(dave)

    response = client.post(
        "/admin/auth/user/add/",
        {
            "username": "erin",
            "usable_password": "true",
            "password1": "password123",
            "password2": "password123",
        },
    )

    assert response.status_code == 200
    assert "This password is too common." in response.text
