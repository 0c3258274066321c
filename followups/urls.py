from django.urls import path

from . import views

app_name = "followups"

urlpatterns = [
    path("follow-ups/", views.board, name="board"),
    path("follow-ups/export.csv", views.export, name="export"),
    path("follow-ups/<int:pk>/", views.item_detail, name="detail"),
    path("follow-ups/<int:pk>/edit/", views.item_edit, name="edit"),
    path("follow-ups/<int:pk>/delete/", views.item_delete, name="delete"),
    path("follow-ups/<int:pk>/status/", views.item_change_status, name="change-status"),
    path("teams/<slug:slug>/follow-ups/", views.board, name="team-board"),
    path("teams/<slug:slug>/follow-ups/export.csv", views.export, name="team-export"),
    path("postmortems/<int:pk>/follow-ups/", views.postmortem_items, name="postmortem-items"),
    path(
        "postmortems/<int:pk>/follow-ups/<int:item_pk>/edit/",
        views.postmortem_item_edit,
        name="postmortem-item-edit",
    ),
    path(
        "postmortems/<int:pk>/follow-ups/<int:item_pk>/move/",
        views.postmortem_item_move,
        name="postmortem-item-move",
    ),
]
