from django.urls import path

from . import views

app_name = "postmortems"

urlpatterns = [
    path("incidents/<int:incident_pk>/postmortem/start/", views.postmortem_start, name="start"),
    path("postmortems/<int:pk>/", views.postmortem_detail, name="detail"),
    path("postmortems/<int:pk>/publish/", views.postmortem_publish, name="publish"),
    path("postmortems/<int:pk>/delete/", views.postmortem_delete, name="delete"),
    path("postmortems/<int:pk>/export.md", views.postmortem_export, name="export"),
    path("postmortems/<int:pk>/review/request/", views.review_request, name="review-request"),
    path("postmortems/<int:pk>/review/approve/", views.review_approve, name="review-approve"),
    path(
        "postmortems/<int:pk>/review/<int:review_pk>/withdraw/",
        views.review_withdraw,
        name="review-withdraw",
    ),
    path("postmortems/<int:pk>/meetings/", views.meeting_schedule, name="meeting-schedule"),
    path(
        "postmortems/<int:pk>/meetings/<int:meeting_pk>.ics",
        views.meeting_ics,
        name="meeting-ics",
    ),
    path(
        "postmortems/<int:pk>/comments/<int:comment_pk>/resolve/",
        views.comment_resolve,
        name="comment-resolve",
    ),
    path("postmortems/<int:pk>/factors/", views.factor_add, name="factor-add"),
    path(
        "postmortems/<int:pk>/factors/<int:factor_pk>/remove/",
        views.factor_remove,
        name="factor-remove",
    ),
    path("postmortems/<int:pk>/sections/<slug:key>/", views.section_edit, name="section"),
    path(
        "postmortems/<int:pk>/sections/<slug:key>/preview/",
        views.section_preview,
        name="section-preview",
    ),
    path(
        "postmortems/<int:pk>/sections/<slug:key>/comments/",
        views.comment_add,
        name="comment-add",
    ),
    path(
        "postmortems/<int:pk>/sections/<slug:key>/history/",
        views.section_history,
        name="section-history",
    ),
    path(
        "postmortems/<int:pk>/sections/<slug:key>/history/<int:version>/restore/",
        views.revision_restore,
        name="revision-restore",
    ),
    path(
        "postmortems/<int:pk>/sections/<slug:key>/timeline/refresh/",
        views.timeline_refresh,
        name="timeline-refresh",
    ),
]
