"""A team's API tokens page: its admins make tokens (each secret shown once) and revoke them.
One URL answers the page and its htmx fragment, and every form works without JavaScript."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods, require_POST

from debrief.http import UNPROCESSABLE, add_service_errors, page_of, render_page_or_fragment
from debrief.permissions import can_manage_integrations
from incidents.models import Team

from .forms import TokenForm
from .models import ApiToken
from .tokens import token_create, token_list, token_revoke

TOKENS_PER_PAGE = 25


def _managed_team(request, slug: str) -> Team:
    team = get_object_or_404(Team, slug=slug)
    if not can_manage_integrations(request.user, team):
        raise PermissionDenied
    return team


def _render(request, team: Team, *, form: TokenForm, status=200, **extra):
    context = {
        "team": team,
        "form": form,
        "page": page_of(request, token_list(team=team), TOKENS_PER_PAGE),
        **extra,
    }
    response = render_page_or_fragment(
        request, "integrations/tokens.html", "tokens", context, status=status
    )
    # A new token's secret is on the page: no cache may keep it.
    add_never_cache_headers(response)
    return response


@require_http_methods(["GET", "POST"])
def team_tokens(request, slug: str):
    """The team's tokens, newest first; a POST makes one and shows its secret, this once."""
    team = _managed_team(request, slug)
    if request.method == "GET":
        return _render(request, team, form=TokenForm())
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            created = token_create(team=team, name=form.cleaned_data["name"], by=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _render(request, team, form=TokenForm(), created=created, status=201)
    return _render(request, team, form=form, status=UNPROCESSABLE)


@require_POST
def revoke_token(request, slug: str, pk: int):
    team = _managed_team(request, slug)
    token = token_revoke(token=get_object_or_404(ApiToken, team=team, pk=pk), by=request.user)
    announcement = f"Token “{token.name}” revoked: programs using it are refused from now on."
    if request.htmx:
        return _render(request, team, form=TokenForm(), announcement=announcement)
    messages.success(request, announcement)
    url = reverse("integrations:team-tokens", args=[team.slug])
    page = request.GET.get("page", "")
    return redirect(f"{url}?page={page}" if page.isdigit() else url)
