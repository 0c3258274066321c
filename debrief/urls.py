from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views
from .login import AdminLoginForm

# The admin's sign-in page counts failures like /login/, so it is no way around the limits.
admin.site.login_form = AdminLoginForm

urlpatterns = [
    # First: tools post webhooks far more often than people open pages, and each pattern
    # tried before a match costs the request time (a tenth of a queued delivery's).
    path("", include("webhooks.urls")),
    path("", views.home, name="home"),
    path("settings/time-zone/", views.time_zone_settings, name="time-zone-settings"),
    path("healthz", views.healthz, name="healthz"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("", include("incidents.urls")),
    path("", include("postmortems.urls")),
    path("", include("postmortems.template_urls")),
    path("", include("followups.urls")),
    path("", include("followups.settings_urls")),
    path("", include("learning.urls")),
    path("", include("integrations.urls")),
    path("", include("outbound.urls")),
    path("", include("culture.urls")),
    path("", include("accounts.urls")),
    path("", include("audit.urls")),
    path("", include("debrief.bin_urls")),
]

# Single sign-on's pages exist only while it is configured (SSO_ENABLED in settings.py).
if settings.SSO_ENABLED:
    from . import sso

    urlpatterns.append(path("oidc/", include(sso.urlpatterns)))
