"""Debrief's URLs and /bench/noop: a view that reads the request and answers at once, served
through the same middleware and server as the webhooks it is compared with."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
@login_not_required
def noop(request):
    request.body  # noqa: B018 (read like a webhook's body, so both pay for receiving it)
    return HttpResponse(b"{}", content_type="application/json")


urlpatterns = [
    path("bench/noop", noop, name="bench-noop"),
    path("", include("debrief.urls")),
]
