from django.urls import path

from . import views

app_name = "learning"

urlpatterns = [
    path("learning/", views.organisation_learning, name="organisation"),
    path("learning/export.csv", views.export_csv, name="export"),
    path("learning/review/", views.quarterly_review, name="review"),
    path("learning/review.md", views.quarterly_review_markdown, name="review-markdown"),
    path("learning/definitions/", views.definitions, name="definitions"),
    path("teams/<slug:slug>/learning/", views.team_learning, name="team"),
    path("search/", views.search, name="search"),
]
