from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("people/", views.people, name="people"),
    path("people/<int:pk>/role/", views.role_change, name="role"),
]
