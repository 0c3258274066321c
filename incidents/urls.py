from django.urls import path

from . import views

app_name = "incidents"

urlpatterns = [
    path("incidents/", views.incident_list, name="list"),
    path("incidents/declare/", views.incident_declare, name="declare"),
    path("incidents/<int:pk>/", views.incident_detail, name="detail"),
    path("incidents/<int:pk>/edit/", views.incident_edit, name="edit"),
    path("incidents/<int:pk>/acknowledge/", views.incident_acknowledge, name="acknowledge"),
    path("incidents/<int:pk>/status/", views.incident_change_status, name="change-status"),
    path("incidents/<int:pk>/severity/", views.incident_change_severity, name="change-severity"),
    path("incidents/<int:pk>/restored/", views.incident_mark_restored, name="mark-restored"),
    path("incidents/<int:pk>/notes/", views.incident_add_note, name="add-note"),
    path("incidents/<int:pk>/reopen/", views.incident_reopen, name="reopen"),
    path("incidents/<int:pk>/responders/", views.incident_set_responders, name="responders"),
    path("incidents/<int:pk>/delete/", views.incident_delete, name="delete"),
    path("teams/", views.team_list, name="team-list"),
    path("teams/<slug:slug>/", views.team_detail, name="team-detail"),
    path("services/", views.service_list, name="service-list"),
    path("services/<slug:slug>/", views.service_detail, name="service-detail"),
    path("deployments/record/", views.deployment_record, name="deployment-record"),
]
