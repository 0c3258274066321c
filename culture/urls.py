from django.urls import path

from . import views

app_name = "culture"

urlpatterns = [
    path("pulse/", views.invitations, name="invitations"),
    path("pulse/<uuid:pk>/", views.answer, name="answer"),
    path("culture/", views.organisation_culture, name="organisation"),
    path("culture/surveys/start/", views.survey_start, name="survey-start"),
    path("teams/<slug:slug>/culture/", views.team_culture, name="team"),
]
