from django.urls import path

from . import views

app_name = "webhooks"

urlpatterns = [
    path("hooks/<str:kind>/<str:token>/", views.receive, name="receive"),
    path("teams/<slug:slug>/webhooks/", views.endpoint_list, name="endpoints"),
    path("teams/<slug:slug>/webhooks/inbox/", views.inbox, name="inbox"),
    path(
        "teams/<slug:slug>/webhooks/inbox/<int:pk>/assign/",
        views.delivery_assign,
        name="assign",
    ),
    path(
        "teams/<slug:slug>/webhooks/inbox/<int:pk>/dismiss/",
        views.delivery_dismiss,
        name="dismiss",
    ),
    path("teams/<slug:slug>/webhooks/<int:pk>/", views.endpoint_detail, name="endpoint"),
    path("teams/<slug:slug>/webhooks/<int:pk>/rotate/", views.endpoint_rotate, name="rotate"),
    path("teams/<slug:slug>/webhooks/<int:pk>/secret/", views.endpoint_use_secret, name="secret"),
    path("teams/<slug:slug>/webhooks/<int:pk>/delete/", views.endpoint_delete, name="delete"),
    path("teams/<slug:slug>/webhooks/<int:pk>/routes/", views.route_add, name="route-add"),
    path(
        "teams/<slug:slug>/webhooks/<int:pk>/routes/<int:route_pk>/delete/",
        views.route_delete,
        name="route-delete",
    ),
]
