"""Optional single sign-on through OpenID Connect, built on mozilla-django-oidc.

settings.py turns it on only when the provider is configured (SSO_ENABLED); then this module's
backend is added to AUTHENTICATION_BACKENDS and its views are served under /oidc/. A sign-in
goes: /oidc/authenticate/ sends the browser to the provider with a fresh state, nonce and PKCE
challenge; the provider sends it back to /oidc/callback/ with a code, which is exchanged for an
ID token (signature, expiry, nonce, issuer and audience checked) and the person's claims.

Accounts are matched by email address, which the provider must say is verified; without a
match one is created, named after preferred_username or the address. OIDC_ALLOWED_DOMAINS, when
set, admits only addresses at those domains, and a deactivated account cannot sign in this way
either. Any refusal returns to the sign-in page with a message and leaves nobody signed in.
"""

import logging
import re

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.db import IntegrityError, transaction
from django.urls import path, reverse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

logger = logging.getLogger(__name__)

# What Django's username validator accepts; anything else in a provider's name is dropped.
_NOT_IN_USERNAME = re.compile(r"[^\w.@+-]")
_USERNAME_MAX_LENGTH = 150


def _is_true(value) -> bool:
    # Some providers (Amazon Cognito among them) send booleans as strings.
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _refuse(request, message: str, reason: str):
    """Stop this sign-in: MESSAGE is shown to the person, REASON goes to the log."""
    request.sso_refusal = message
    raise SuspiciousOperation(reason)


class SSOBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend, stricter: the ID token must come from OIDC_ISSUER for
    this client, the claims' subject must be the token's, the email address must be verified
    (and at an allowed domain), and an unusable answer from the provider refuses the sign-in
    instead of failing the request."""

    def authenticate(self, request, **kwargs):
        # Only the callback view passes a nonce: a password sign-in never reaches the provider,
        # whatever its URL's query string holds.
        if request is None or "nonce" not in kwargs:
            return None
        try:
            user = super().authenticate(request, **kwargs)
        except (SuspiciousOperation, jwt.InvalidTokenError, KeyError, ValueError) as exc:
            logger.warning("Single sign-on refused: %s", exc)
            return None
        except requests.RequestException as exc:
            logger.warning("Single sign-on could not reach the provider: %s", exc)
            request.sso_refusal = (
                f"Debrief could not reach {settings.OIDC_PROVIDER_NAME}; please try again."
            )
            return None
        if user is not None and not self.user_can_authenticate(user):
            logger.warning("Single sign-on refused: %s is deactivated", user.get_username())
            request.sso_refusal = "This account is inactive."
            return None
        return user

    def get_user(self, user_id):
        # mozilla-django-oidc's own get_user would keep a deactivated account signed in; the
        # profile comes along, as with the password backend (accounts.backends).
        user = self.UserModel._default_manager.select_related("profile").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None

    def get_or_create_user(self, access_token, id_token, payload):
        self._check_id_token(payload)
        return super().get_or_create_user(access_token, id_token, payload)

    def _check_id_token(self, payload: dict) -> None:
        issuer = str(payload.get("iss", ""))
        if issuer.rstrip("/") != settings.OIDC_ISSUER.rstrip("/"):
            raise SuspiciousOperation(f"ID token issued by {issuer!r}, not OIDC_ISSUER")
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("ID token is not meant for this client")
        if len(audiences) > 1 and payload.get("azp") != self.OIDC_RP_CLIENT_ID:
            raise SuspiciousOperation("ID token for several audiences names another party")
        if not payload.get("sub"):
            raise SuspiciousOperation("ID token names no subject")

    def get_userinfo(self, access_token, id_token, payload):
        claims = super().get_userinfo(access_token, id_token, payload)
        if claims.get("sub") != payload["sub"]:
            raise SuspiciousOperation("the user info describes another subject than the ID token")
        return claims

    def verify_claims(self, claims):
        email = str(claims.get("email") or "").strip()
        if not email or "@" not in email:
            _refuse(
                self.request,
                f"{settings.OIDC_PROVIDER_NAME} gave Debrief no email address for you.",
                "no email address in the claims",
            )
        if not _is_true(claims.get("email_verified")):
            _refuse(
                self.request,
                f"Your email address is not verified at {settings.OIDC_PROVIDER_NAME}.",
                f"unverified email address {email}",
            )
        domain = email.rsplit("@", 1)[1].lower()
        if settings.OIDC_ALLOWED_DOMAINS and domain not in settings.OIDC_ALLOWED_DOMAINS:
            _refuse(
                self.request,
                f"Accounts at {domain} cannot sign in to Debrief.",
                f"{email} is not at an allowed domain",
            )
        return True

    def create_user(self, claims):
        email = claims["email"].strip()
        names = {
            "first_name": str(claims.get("given_name") or "")[:150],
            "last_name": str(claims.get("family_name") or "")[:150],
        }
        base = self._username_base(claims)
        # Two first sign-ins at once may pick the same free name: the loser takes the next one.
        for _ in range(5):
            try:
                with transaction.atomic():
                    user = self.UserModel.objects.create_user(
                        self._free_username(base), email=email, **names
                    )
            except IntegrityError:
                continue
            logger.info("Single sign-on created the account %s", user.get_username())
            return user
        raise SuspiciousOperation(f"no free user name for {email}")

    @staticmethod
    def _username_base(claims) -> str:
        wanted = str(claims.get("preferred_username") or "").strip()
        if not wanted:
            wanted = claims["email"].strip().split("@", 1)[0]
        return _NOT_IN_USERNAME.sub("", wanted)[:_USERNAME_MAX_LENGTH] or "user"

    def _free_username(self, base: str) -> str:
        """BASE, or BASE-2, BASE-3… whichever no account has yet, ignoring case."""
        taken = {
            name.casefold()
            for name in self.UserModel.objects.filter(username__istartswith=base).values_list(
                "username", flat=True
            )
        }
        candidate, number = base, 1
        while candidate.casefold() in taken:
            number += 1
            suffix = f"-{number}"
            candidate = base[: _USERNAME_MAX_LENGTH - len(suffix)] + suffix
        return candidate


class SSOCallbackView(OIDCAuthenticationCallbackView):
    """The provider's answer. A refusal, a stale or forged state included, returns to the
    sign-in page with a message rather than an error page."""

    @property
    def failure_url(self):
        return reverse("login")

    def get(self, request):
        try:
            return super().get(request)
        except SuspiciousOperation as exc:
            logger.warning("Single sign-on refused: %s", exc)
            return self.login_failure()

    def login_failure(self):
        message = getattr(self.request, "sso_refusal", None) or (
            f"{settings.OIDC_PROVIDER_NAME} did not sign you in; please try again."
        )
        messages.error(self.request, message)
        return super().login_failure()


# Anyone may start a sign-in, and the provider's answer comes before anyone is signed in. The
# names are the ones mozilla-django-oidc reverses.
urlpatterns = [
    path(
        "authenticate/",
        login_not_required(OIDCAuthenticationRequestView.as_view()),
        name="oidc_authentication_init",
    ),
    path(
        "callback/",
        login_not_required(SSOCallbackView.as_view()),
        name="oidc_authentication_callback",
    ),
]
