"""Making, finding and revoking API tokens. A token's secret is a long random string from
`secrets`, so a plain SHA-256 digest is enough to store it: there is nothing to brute-force,
and looking a digest up needs no slow password hasher."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from incidents.models import Team

from .models import ApiToken

# Every secret starts with this, so a leaked one is recognisable in logs and by scanners.
SECRET_START = "dbr_"
# Characters of the secret shown in lists: the start and eight random characters.
PREFIX_LENGTH = len(SECRET_START) + 8
# Reading through the API records the token's last use at most this often.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def actor_name(token_name: str) -> str:
    """The name timelines show for what a token did."""
    return f"API token '{token_name}'"


@dataclass(frozen=True)
class CreatedToken:
    """A new token and its secret, which exists only here: it is never stored."""

    token: ApiToken
    secret: str


@transaction.atomic
def token_create(*, team: Team, name: str, by: User | None) -> CreatedToken:
    """Make a token for `team`. Its secret is returned once and only its digest is kept."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Name the token after what will use it."})
    if ApiToken.objects.filter(team=team, name=name, revoked_at__isnull=True).exists():
        raise ValidationError({"name": f"{team} already has a token named “{name}”."})
    secret = SECRET_START + secrets.token_urlsafe(32)
    # An account that cannot sign in, named after the token: writes through the API are
    # recorded under it.
    actor = User(username=f"api-token-{secrets.token_hex(8)}", first_name=actor_name(name))
    actor.is_active = False
    actor.set_unusable_password()
    actor.save()
    try:
        with transaction.atomic():
            token = ApiToken.objects.create(
                team=team,
                name=name,
                prefix=secret[:PREFIX_LENGTH],
                digest=digest_of(secret),
                actor=actor,
                created_by=by,
            )
    except IntegrityError:
        # Another admin took the name between the check above and now.
        raise ValidationError({"name": f"{team} already has a token named “{name}”."}) from None
    return CreatedToken(token=token, secret=secret)


@transaction.atomic
def token_revoke(*, token: ApiToken, by: User | None) -> ApiToken:
    """Stop a token from working. Its row stays, shown as revoked, so what it did keeps a
    name; revoking twice keeps the first revocation."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by = by
        token.save(update_fields=["revoked_at", "revoked_by"])
    return token


def token_for_secret(secret: str) -> ApiToken | None:
    """The token whose secret this is, revoked or not; None when there is none. Found by the
    digest's unique index; the digests are compared once more in constant time."""
    digest = digest_of(secret)
    # The creator's role decides whether the token reads private incidents.
    tokens = ApiToken.objects.select_related("team", "actor", "created_by__profile")
    token = tokens.filter(digest=digest).first()
    if token is None or not hmac.compare_digest(token.digest, digest):
        return None
    return token


def token_mark_used(*, token: ApiToken) -> None:
    """Record that the token was used now, unless that was recorded less than
    LAST_USED_RESOLUTION ago: most requests through the API write nothing for it."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    # Conditional, so that concurrent requests write it once.
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_RESOLUTION)
    ApiToken.objects.filter(stale, pk=token.pk).update(last_used_at=now)
    token.last_used_at = now


def token_list(*, team: Team) -> QuerySet[ApiToken]:
    """The team's tokens, newest first, live and revoked, with who made and revoked them."""
    return ApiToken.objects.filter(team=team).select_related("created_by", "revoked_by")
