from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from . import views
from .login import AdminLoginForm

# The admin's sign-in page counts failures like /login/, so it is no way around the limits.
admin.site.login_form = AdminLoginForm

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="incidents:list"), name="home"),
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
    path("", include("webhooks.urls")),
    path("", include("outbound.urls")),
    path("", include("culture.urls")),
    path("", include("debrief.bin_urls")),
]
