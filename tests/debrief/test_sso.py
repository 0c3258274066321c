"""Single sign-on through OpenID Connect (debrief/sso.py): off unless configured, and when on,
the whole authorization-code flow against a fake provider whose ID tokens are signed with an
RSA key made here. Only the provider's HTTP answers are faked; the library's own checks of the
state, nonce, signature and expiry run as in production."""

import importlib
import json
import time
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth.models import User
from django.test import Client, override_settings
from django.urls import clear_url_caches

import debrief.urls

from .processes import manage, settings_values
from .test_security_headers import POLICY

ISSUER = "https://sso.example.org/realms/debrief"
ENDPOINTS = f"{ISSUER}/protocol/openid-connect"
CLIENT_ID = "debrief"
KEY_ID = "signing-key-1"

SSO_SETTINGS = {
    "SSO_ENABLED": True,
    "AUTHENTICATION_BACKENDS": [
        "accounts.backends.ProfileBackend",
        "debrief.sso.SSOBackend",
    ],
    "OIDC_ISSUER": ISSUER,
    "OIDC_RP_CLIENT_ID": CLIENT_ID,
    "OIDC_RP_CLIENT_SECRET": "client-secret-shared-with-the-provider",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{ENDPOINTS}/auth",
    "OIDC_OP_TOKEN_ENDPOINT": f"{ENDPOINTS}/token",
    "OIDC_OP_USER_ENDPOINT": f"{ENDPOINTS}/userinfo",
    "OIDC_OP_JWKS_ENDPOINT": f"{ENDPOINTS}/certs",
    "OIDC_RP_SIGN_ALGO": "RS256",
    "OIDC_PROVIDER_NAME": "Keycloak",
    "OIDC_ALLOWED_DOMAINS": [],
}

SSO_ENVIRONMENT = {
    "OIDC_ISSUER": ISSUER,
    "OIDC_CLIENT_ID": CLIENT_ID,
    "OIDC_CLIENT_SECRET": "client-secret-shared-with-the-provider",
    "OIDC_AUTHORIZATION_ENDPOINT": f"{ENDPOINTS}/auth",
    "OIDC_TOKEN_ENDPOINT": f"{ENDPOINTS}/token",
    "OIDC_USER_ENDPOINT": f"{ENDPOINTS}/userinfo",
    "OIDC_JWKS_ENDPOINT": f"{ENDPOINTS}/certs",
}


def _reload_urls() -> None:
    # debrief/urls.py adds /oidc/ at import when SSO_ENABLED is on.
    importlib.reload(debrief.urls)
    clear_url_caches()


@pytest.fixture
def sso(db):
    with override_settings(**SSO_SETTINGS):
        _reload_urls()
        yield
    _reload_urls()


@pytest.fixture(scope="module")
def signing_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _response(url: str, body: dict, status: int = 200) -> requests.Response:
    response = requests.Response()
    response.url = url
    response.status_code = status
    response._content = json.dumps(body).encode()
    response.headers["Content-Type"] = "application/json"
    return response


class FakeProvider:
    """The provider's token, user info and key endpoints, as mozilla-django-oidc calls them
    through requests.post and requests.get. The ID token carries the nonce of the sign-in
    unless a test says otherwise; the user info answers with CLAIMS."""

    def __init__(self, key, monkeypatch):
        self.key = key
        self.published_key = key
        self.claims = {}
        self.id_token_claims = {}
        self.nonce = None
        self.token_requests = []
        self.post_error = None
        self.algorithm = "RS256"
        monkeypatch.setattr("mozilla_django_oidc.auth.requests.post", self.post)
        monkeypatch.setattr("mozilla_django_oidc.auth.requests.get", self.get)

    def id_token(self) -> str:
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "sub": self.claims.get("sub", ""),
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": self.nonce,
        } | self.id_token_claims
        return jwt.encode(claims, self.key, algorithm=self.algorithm, headers={"kid": KEY_ID})

    def post(self, url, data=None, **kwargs):
        if self.post_error:
            raise self.post_error
        assert url == SSO_SETTINGS["OIDC_OP_TOKEN_ENDPOINT"]
        self.token_requests.append(data)
        return _response(url, {"access_token": "opaque-access-token", "id_token": self.id_token()})

    def get(self, url, headers=None, **kwargs):
        if url == SSO_SETTINGS["OIDC_OP_JWKS_ENDPOINT"]:
            public = jwt.algorithms.RSAAlgorithm.to_jwk(
                self.published_key.public_key(), as_dict=True
            )
            return _response(url, {"keys": [public | {"kid": KEY_ID, "alg": "RS256"}]})
        assert url == SSO_SETTINGS["OIDC_OP_USER_ENDPOINT"]
        assert headers == {"Authorization": "Bearer opaque-access-token"}
        return _response(url, self.claims)


@pytest.fixture
def provider(sso, signing_key, monkeypatch):
    return FakeProvider(signing_key, monkeypatch)


def person(**claims) -> dict:
    return {"sub": "f81d4fae-7dec-11d0-a765-00a0c91e6bf6", "email_verified": True} | claims


def start(client: Client, next_url: str = "") -> dict[str, str]:
    """Press the button: the authorization request's parameters."""
    response = client.get("/oidc/authenticate/", {"next": next_url} if next_url else {})
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{ENDPOINTS}/auth"
    return {name: values[0] for name, values in parse_qs(location.query).items()}


def sign_in(client: Client, provider: FakeProvider, claims: dict, *, next_url: str = ""):
    """The whole round trip: start, the provider's redirect back with a code, and the page
    that ends on."""
    params = start(client, next_url)
    provider.nonce = params["nonce"]
    provider.claims = claims
    return client.get(
        "/oidc/callback/", {"code": "authorization-code", "state": params["state"]}, follow=True
    )


def signed_in_user(client: Client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


# Off by default


def test_without_configuration_there_is_no_button_and_no_oidc_pages(client, alice):
    response = client.get("/login/")
    assert response.status_code == 200
    assert "Sign in with" not in response.text
    assert "/oidc/" not in response.text

    for path in ["/oidc/authenticate/", "/oidc/callback/?code=c&state=s", "/oidc/logout/"]:
        assert client.get(path).status_code == 404, path
    client.force_login(alice)
    assert client.get("/oidc/authenticate/").status_code == 404


def test_settings_leave_sso_off_unless_the_provider_is_configured():
    assert settings_values("SSO_ENABLED", "AUTHENTICATION_BACKENDS") == {
        "SSO_ENABLED": False,
        "AUTHENTICATION_BACKENDS": ["accounts.backends.ProfileBackend"],
    }
    assert settings_values(
        "SSO_ENABLED",
        "AUTHENTICATION_BACKENDS",
        "OIDC_ALLOWED_DOMAINS",
        **SSO_ENVIRONMENT,
        OIDC_ALLOWED_DOMAINS="Example.org, @example.com",
    ) == {
        "SSO_ENABLED": True,
        "AUTHENTICATION_BACKENDS": [
            "accounts.backends.ProfileBackend",
            "debrief.sso.SSOBackend",
        ],
        "OIDC_ALLOWED_DOMAINS": ["example.org", "example.com"],
    }


def test_a_partial_configuration_stops_debrief_naming_what_is_missing():
    result = manage("check", OIDC_CLIENT_ID=CLIENT_ID, OIDC_ISSUER=ISSUER)

    assert result.returncode != 0
    assert (
        "Single sign-on also needs OIDC_CLIENT_SECRET, OIDC_AUTHORIZATION_ENDPOINT, "
        "OIDC_TOKEN_ENDPOINT, OIDC_USER_ENDPOINT, OIDC_JWKS_ENDPOINT." in result.stderr
    )


def test_an_unknown_signing_algorithm_is_refused_by_name():
    result = manage("check", **SSO_ENVIRONMENT, OIDC_SIGN_ALGO="none")

    assert result.returncode != 0
    assert "OIDC_SIGN_ALGO must be one of RS256" in result.stderr


# On


def test_the_login_page_offers_the_provider_and_keeps_its_policy(client, sso):
    response = client.get("/login/?next=/follow-ups/")

    assert response.status_code == 200
    assert (
        '<a class="button" href="/oidc/authenticate/?next=/follow-ups/">Sign in with Keycloak</a>'
        in response.text
    )
    # The button is a link, so leaving for the provider is a navigation, not a form
    # submission: form-action stays 'self'.
    assert response["Content-Security-Policy"] == POLICY


def test_the_button_sends_the_browser_to_the_provider(client, sso):
    params = start(client)

    assert params["response_type"] == "code"
    assert params["client_id"] == CLIENT_ID
    assert params["redirect_uri"] == "http://testserver/oidc/callback/"
    assert params["scope"] == "openid email profile"
    assert len(params["state"]) >= 32
    assert len(params["nonce"]) >= 32
    assert params["code_challenge_method"] == "S256"
    assert params["code_challenge"]
    # Each sign-in gets its own state and nonce.
    again = start(client)
    assert (again["state"], again["nonce"]) != (params["state"], params["nonce"])


def test_an_existing_account_is_matched_by_its_email_address(client, provider, alice):
    response = sign_in(client, provider, person(email="Alice@Example.org"), next_url="/follow-ups/")

    assert response.redirect_chain[0] == ("/follow-ups/", 302)
    assert signed_in_user(client) == alice
    assert User.objects.count() == 1
    (token_request,) = provider.token_requests
    assert token_request["code"] == "authorization-code"
    assert token_request["redirect_uri"] == "http://testserver/oidc/callback/"
    assert token_request["client_id"] == CLIENT_ID
    assert token_request["code_verifier"]


def test_a_first_sign_in_creates_an_account_named_after_the_preferred_username(client, provider):
    response = sign_in(
        client,
        provider,
        person(
            email="erin@example.org",
            preferred_username="erin.h",
            given_name="Erin",
            family_name="Hart",
        ),
    )

    assert response.redirect_chain[0] == ("/", 302)
    user = signed_in_user(client)
    assert (user.username, user.email, user.first_name, user.last_name) == (
        "erin.h",
        "erin@example.org",
        "Erin",
        "Hart",
    )
    assert user.is_active and not user.is_staff
    assert not user.has_usable_password()


@override_settings(OIDC_RP_SIGN_ALGO="HS256", OIDC_OP_JWKS_ENDPOINT=None)
def test_hmac_signed_id_tokens_are_checked_with_the_client_secret(client, provider, alice):
    provider.algorithm = "HS256"
    provider.key = SSO_SETTINGS["OIDC_RP_CLIENT_SECRET"]
    sign_in(client, provider, person(email="alice@example.org"))
    assert signed_in_user(client) == alice

    client.post("/logout/")
    provider.key = "another-secret-entirely-of-enough-length"
    sign_in(client, provider, person(email="alice@example.org"))
    assert signed_in_user(client) is None


def test_a_new_account_takes_a_free_name(client, provider, alice):
    User.objects.create_user("Alice-2", "someone@example.org")

    sign_in(client, provider, person(email="alice@example.com", preferred_username="alice"))

    assert signed_in_user(client).username == "alice-3"
    assert signed_in_user(client).email == "alice@example.com"


def test_without_a_preferred_username_the_name_comes_from_the_address(client, provider):
    sign_in(client, provider, person(email="frank o'neil@example.org"))

    assert signed_in_user(client).username == "frankoneil"


def test_a_forged_state_signs_nobody_in(client, provider, alice):
    params = start(client)
    provider.nonce = params["nonce"]
    provider.claims = person(email="alice@example.org")

    response = client.get(
        "/oidc/callback/", {"code": "authorization-code", "state": "not-the-state"}, follow=True
    )

    assert response.redirect_chain == [("/login/", 302)]
    assert "Keycloak did not sign you in" in response.text
    assert signed_in_user(client) is None
    assert provider.token_requests == []


def test_a_callback_without_a_sign_in_started_signs_nobody_in(client, provider, alice):
    response = client.get("/oidc/callback/", {"code": "authorization-code", "state": "s"})

    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert signed_in_user(client) is None


def test_an_id_token_with_another_nonce_signs_nobody_in(client, provider, alice):
    provider.id_token_claims = {"nonce": "a-nonce-from-another-sign-in"}

    response = sign_in(client, provider, person(email="alice@example.org"))

    assert response.redirect_chain == [("/login/", 302)]
    assert "Keycloak did not sign you in" in response.text
    assert signed_in_user(client) is None


def test_a_state_cannot_be_used_twice(client, provider, alice):
    params = start(client)
    provider.nonce = params["nonce"]
    provider.claims = person(email="alice@example.org")
    callback = {"code": "authorization-code", "state": params["state"]}
    client.get("/oidc/callback/", callback)
    assert signed_in_user(client) == alice

    response = client.get("/oidc/callback/", callback)

    assert response["Location"] == "/login/"
    assert len(provider.token_requests) == 1


@pytest.mark.parametrize(
    "id_token_claims",
    [
        {"iss": "https://elsewhere.example.net/"},
        {"aud": "another-client"},
        {"aud": [CLIENT_ID, "another-client"], "azp": "another-client"},
        {"exp": int(time.time()) - 60},
        {"sub": "someone-else"},
    ],
    ids=["issuer", "audience", "authorized-party", "expired", "subject"],
)
def test_an_id_token_not_for_this_sign_in_signs_nobody_in(client, provider, alice, id_token_claims):
    provider.id_token_claims = id_token_claims

    response = sign_in(client, provider, person(email="alice@example.org"))

    assert response.redirect_chain == [("/login/", 302)]
    assert signed_in_user(client) is None


def test_an_id_token_signed_with_another_key_signs_nobody_in(client, provider, alice):
    provider.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    response = sign_in(client, provider, person(email="alice@example.org"))

    assert response.redirect_chain == [("/login/", 302)]
    assert signed_in_user(client) is None


def test_an_unverified_address_is_not_matched(client, provider, alice):
    response = sign_in(client, provider, person(email="alice@example.org", email_verified=False))

    assert "Your email address is not verified at Keycloak." in response.text
    assert signed_in_user(client) is None
    assert User.objects.count() == 1


@override_settings(OIDC_ALLOWED_DOMAINS=["example.org"])
def test_only_the_allowed_domains_may_sign_in(client, provider, alice):
    response = sign_in(client, provider, person(email="mallory@example.com"))

    assert response.redirect_chain == [("/login/", 302)]
    assert "Accounts at example.com cannot sign in to Debrief." in response.text
    assert signed_in_user(client) is None
    assert not User.objects.filter(email="mallory@example.com").exists()

    sign_in(client, provider, person(email="alice@EXAMPLE.org"))
    assert signed_in_user(client) == alice


def test_a_deactivated_account_cannot_sign_in(client, provider, alice):
    alice.is_active = False
    alice.save()

    response = sign_in(client, provider, person(email="alice@example.org"))

    assert response.redirect_chain == [("/login/", 302)]
    assert "This account is inactive." in response.text
    assert signed_in_user(client) is None


def test_deactivating_an_account_ends_its_single_sign_on_session(client, provider, alice):
    sign_in(client, provider, person(email="alice@example.org"))
    assert client.get("/incidents/").status_code == 200

    alice.is_active = False
    alice.save()

    assert client.get("/incidents/")["Location"].startswith("/login/")


def test_an_unreachable_provider_is_explained(client, provider, alice):
    provider.post_error = requests.ConnectTimeout("timed out")

    response = sign_in(client, provider, person(email="alice@example.org"))

    assert response.redirect_chain == [("/login/", 302)]
    assert "Debrief could not reach Keycloak; please try again." in response.text
    assert signed_in_user(client) is None


def test_two_accounts_with_the_address_sign_neither_in(client, provider, alice):
    User.objects.create_user("alice2", "ALICE@example.org")

    sign_in(client, provider, person(email="alice@example.org"))

    assert signed_in_user(client) is None


def test_passwords_still_work_and_never_reach_the_provider(client, provider, alice):
    response = client.post(
        "/login/?code=authorization-code&state=s",
        {"username": "alice", "password": "alice-password"},
    )

    assert response.status_code == 302
    assert signed_in_user(client) == alice
    assert provider.token_requests == []
