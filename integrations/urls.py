import json
from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.urls import URLResolver, path

from . import views
from .api import api

app_name = "integrations"


def _for_programs(view):
    """An API view as programs need it: no sign-in redirect (the API answers its own 401),
    and a refused method answered in JSON like every other error."""

    @login_not_required
    @wraps(view)
    def answered(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and "json" not in response.get("Content-Type", ""):
            message = f"{request.method} is not allowed here; use {response['Allow']}."
            response.content = json.dumps({"detail": message})
            response["Content-Type"] = "application/json; charset=utf-8"
        return response

    return answered


def _programs_only(patterns: list) -> list:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _programs_only(pattern.url_patterns)
        else:
            pattern.callback = _for_programs(pattern.callback)
    return patterns


api_patterns, api_app, api_namespace = api.urls

urlpatterns = [
    path("teams/<slug:slug>/tokens/", views.team_tokens, name="team-tokens"),
    path("teams/<slug:slug>/tokens/<int:pk>/revoke/", views.revoke_token, name="token-revoke"),
    path("api/", (_programs_only(api_patterns), api_app, api_namespace)),
]
