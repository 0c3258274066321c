from django.urls import path

from . import views

app_name = "outbound"

# Under /notifications/, not /settings/: that is each person's own email settings.
urlpatterns = [
    path("teams/<slug:slug>/notifications/", views.destinations, name="destinations"),
    path("teams/<slug:slug>/notifications/<int:pk>/", views.log, name="log"),
    path("teams/<slug:slug>/notifications/<int:pk>/edit/", views.edit, name="edit"),
    path("teams/<slug:slug>/notifications/<int:pk>/test/", views.send_test, name="test"),
    path("teams/<slug:slug>/notifications/<int:pk>/secret/", views.replace_secret, name="secret"),
    path("teams/<slug:slug>/notifications/<int:pk>/delete/", views.delete, name="delete"),
]
