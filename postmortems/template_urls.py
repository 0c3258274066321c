from django.urls import path

from . import template_views as views

app_name = "postmortem_templates"

urlpatterns = [
    path("postmortem-templates/", views.template_list, name="list"),
    # Before the detail page: "new" is never given to a template as its slug.
    path("postmortem-templates/new/", views.template_create, name="create"),
    path("postmortem-templates/<slug:slug>/", views.template_detail, name="detail"),
    path("postmortem-templates/<slug:slug>/clone/", views.template_clone, name="clone"),
    path("postmortem-templates/<slug:slug>/edit/", views.template_edit, name="edit"),
]
