import redis
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from accounts.models import Profile

from .home import home_for
from .http import UNPROCESSABLE
from .login import LoginForm
from .permissions import can_browse_incidents
from .time_zones import TimeZoneForm


@require_safe
@never_cache
@login_not_required
def healthz(request):
    """Liveness for load balancers and containers: the database answers, and Redis if
    configured. A failure names the exception's class (OperationalError, ConnectionError):
    enough for whoever reads the probe to know where to look, without the message, which can
    carry host names and user names."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {exc.__class__.__name__}"
    if settings.REDIS_URL:
        # Redis itself, not through the cache, which answers as empty while Redis is down.
        client = redis.Redis.from_url(
            settings.REDIS_URL,
            socket_connect_timeout=settings.REDIS_CONNECT_TIMEOUT_SECONDS,
            socket_timeout=settings.REDIS_CONNECT_TIMEOUT_SECONDS,
        )
        try:
            checks["redis"] = "ok" if client.ping() else "error: no answer"
        except Exception as exc:
            checks["redis"] = f"error: {exc.__class__.__name__}"
        finally:
            client.close()
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503
    )


class LoginView(auth_views.LoginView):
    """Django's sign-in page with throttled attempts (debrief/login.py). A refusal answers
    429, so that access logs and scripts can tell it from a wrong password."""

    form_class = LoginForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The single sign-on button's label, when single sign-on is configured.
        context["sso_provider_name"] = settings.OIDC_PROVIDER_NAME if settings.SSO_ENABLED else ""
        return context

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.has_error(NON_FIELD_ERRORS, code="throttled"):
            response.status_code = 429
        return response


def home(request):
    """What needs the signed-in person now: open incidents (theirs first), postmortems waiting
    for them, and their overdue and soon-due follow-ups. Viewers, who read no incidents, go to
    the learning pages."""
    if request.user.is_authenticated and not can_browse_incidents(request.user):
        return redirect("learning:organisation")
    return render(request, "home.html", {"home": home_for(viewer=request.user)})


@require_http_methods(["GET", "POST"])
def time_zone_settings(request):
    """The person's time zone (accounts.Profile.time_zone), on the settings page."""
    profile, _ = Profile.objects.get_or_create(user=request.user)
    form = TimeZoneForm(request.POST or None, initial={"time_zone": profile.time_zone})
    if form.is_valid():
        profile.time_zone = form.cleaned_data["time_zone"]
        profile.save(update_fields=["time_zone"])
        zone = profile.time_zone or "your browser's time zone"
        messages.success(request, f"Times are now shown in {zone}.")
        return redirect("notification_settings:edit")
    status = UNPROCESSABLE if form.is_bound else 200
    return render(request, "settings/time_zone.html", {"time_zone_form": form}, status=status)
