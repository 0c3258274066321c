from django.urls import path

from . import settings_views as views

app_name = "notification_settings"

urlpatterns = [
    path("settings/", views.notification_settings, name="edit"),
]
