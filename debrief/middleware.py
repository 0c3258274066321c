from django.contrib import messages
from django.contrib.auth import middleware as auth_middleware
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.template.loader import render_to_string
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

# Sent (through hx-headers) by editors holding unsaved text, so that an expired session
# answers them in place instead of navigating away from what was typed.
EDITOR_HEADER = "X-Debrief-Editor"

SIGNED_OUT_IN_EDITOR = (
    '<p class="save-state signed-out" role="alert">You are signed out. Sign in in another tab, '
    "then press Save: your text is still here.</p>"
)


class LoginRequiredMiddleware(auth_middleware.LoginRequiredMiddleware):
    """Django's LoginRequiredMiddleware, except towards htmx. htmx follows a redirect itself
    and would swap the login page into the region it was updating (say, when a session
    expired on an open incident page); HX-Redirect makes the browser go to the login page
    instead, coming back afterwards to the page the person was on. An editor's autosave gets
    401 and a message instead: going to the login page would throw the typed text away."""

    def handle_no_permission(self, request, view_func):
        htmx = getattr(request, "htmx", None) or HtmxDetails(request)
        if not htmx:
            return super().handle_no_permission(request, view_func)
        if request.headers.get(EDITOR_HEADER):
            return HttpResponse(SIGNED_OUT_IN_EDITOR, status=401)
        # The page in the address bar, not the URL of the fragment or the form action.
        back_to = htmx.current_url_abs_path or request.get_full_path()
        login = redirect_to_login(
            back_to,
            resolve_url(self.get_login_url(view_func)),
            self.get_redirect_field_name(view_func),
        )
        return HttpResponseClientRedirect(login.url)


class HtmxMessagesMiddleware:
    """Messages added while answering htmx (say, "Note added to the timeline.") reach the page
    too: when the fragment is HTML that htmx will swap in, the pending messages ride along as
    an out-of-band swap of the page's #messages region, a status live region that screen
    readers announce. Redirects, empty answers and non-HTML answers keep their messages for
    the next full page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not self._carries_messages(request, response):
            return response
        storage = messages.get_messages(request)
        if storage.used or not storage:
            return response
        html = render_to_string(
            "includes/messages.html", {"messages": storage, "oob": True}, request=request
        )
        response.content = response.content + html.encode(response.charset)
        if response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
        return response

    @staticmethod
    def _carries_messages(request, response) -> bool:
        if not getattr(request, "htmx", False) or getattr(response, "streaming", False):
            return False
        if response.status_code not in (200, 409, 422):
            return False
        if any(response.has_header(name) for name in ("HX-Redirect", "HX-Location", "HX-Refresh")):
            return False
        return response.get("Content-Type", "").startswith("text/html")
