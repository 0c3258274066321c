from django.urls import path

from . import bin_views as views

app_name = "bin"
urlpatterns = [
    path("bin/", views.bin_list, name="list"),
    path("bin/incidents/<int:pk>/restore/", views.incident_restore, name="restore-incident"),
    path("bin/postmortems/<int:pk>/restore/", views.postmortem_restore, name="restore-postmortem"),
    path("bin/follow-ups/<int:pk>/restore/", views.followup_restore, name="restore-followup"),
]
