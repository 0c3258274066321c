"""Pages for postmortem templates: the organisation's built-in ones and every team's own, which
their teams create, clone and edit here."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from debrief.http import UNPROCESSABLE, add_service_errors, page_of, render_page_or_fragment
from debrief.permissions import can_browse_incidents, can_edit

from . import template_services as services
from .models import Postmortem, PostmortemTemplate, TemplateSection
from .template_forms import CloneForm, SectionFormSet, TemplateForm, may_keep_templates

TEMPLATES_PER_PAGE = 25


def can_change_template(user, template: PostmortemTemplate) -> bool:
    """Built-in templates are read-only for everyone; a team's template is for its members
    and staff; an organisation-wide template of our own is for staff."""
    return not template.is_builtin and can_edit(user, template)


def _template_list():
    # Spelled out: Meta.ordering does not apply to a query that groups for the count.
    return (
        PostmortemTemplate.objects.select_related("team")
        .annotate(section_count=Count("sections"))
        .order_by("-is_builtin", "name", "pk")
    )


def _get_template(slug: str) -> PostmortemTemplate:
    sections = TemplateSection.objects.order_by("position", "pk")
    try:
        return (
            PostmortemTemplate.objects.select_related("team", "created_by")
            .prefetch_related(Prefetch("sections", queryset=sections))
            .get(slug=slug)
        )
    except PostmortemTemplate.DoesNotExist:
        raise Http404("No such template.") from None


def _edit_url(template: PostmortemTemplate) -> str:
    return reverse("postmortem_templates:edit", args=[template.slug])


def _detail_url(template: PostmortemTemplate) -> str:
    return reverse("postmortem_templates:detail", args=[template.slug])


def _ensure_can_browse(request) -> None:
    if not can_browse_incidents(request.user):
        raise PermissionDenied


def template_list(request):
    _ensure_can_browse(request)
    page = page_of(request, _template_list(), TEMPLATES_PER_PAGE)
    context = {"page": page, "may_create": may_keep_templates(request.user)}
    return render_page_or_fragment(request, "postmortems/templates/list.html", "results", context)


def _render_detail(request, template: PostmortemTemplate, clone_form=None, status=200):
    user = request.user
    context = {
        "template": template,
        "sections": template.sections.all(),
        "used_by": Postmortem.objects.filter(template=template).count(),
        "can_change": can_change_template(user, template),
        "clone_form": clone_form or (CloneForm(user=user) if may_keep_templates(user) else None),
    }
    return render(request, "postmortems/templates/detail.html", context, status=status)


def template_detail(request, slug: str):
    _ensure_can_browse(request)
    return _render_detail(request, _get_template(slug))


@require_POST
def template_clone(request, slug: str):
    template = _get_template(slug)
    if not may_keep_templates(request.user):
        raise PermissionDenied
    form = CloneForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            copy = services.template_clone(
                template=template, team=form.cleaned_data["team"], by=request.user
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"“{copy.name}” created. Make it your own.")
            return redirect(_edit_url(copy))
    return _render_detail(request, template, clone_form=form, status=UNPROCESSABLE)


def _render_form(request, *, form, formset, template=None, name="", status=200):
    # `name` is the template's saved name: the bound form has already put the typed one on it.
    context = {"form": form, "formset": formset, "template": template, "name": name}
    return render(request, "postmortems/templates/form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def template_create(request):
    if not may_keep_templates(request.user):
        raise PermissionDenied
    form = TemplateForm(request.POST or None, user=request.user)
    formset = SectionFormSet(request.POST or None, prefix="sections")
    if request.method == "POST":
        if all([form.is_valid(), formset.is_valid()]):  # both, so both show their errors
            data = form.cleaned_data
            try:
                template = services.template_create(
                    name=data["name"],
                    description=data["description"],
                    team=data["team"],
                    sections=formset.sections(),
                    by=request.user,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"Template “{template.name}” created.")
                return redirect(_detail_url(template))
        return _render_form(request, form=form, formset=formset, status=UNPROCESSABLE)
    return _render_form(request, form=form, formset=formset)


@require_http_methods(["GET", "POST"])
def template_edit(request, slug: str):
    template = _get_template(slug)
    if not can_change_template(request.user, template):
        raise PermissionDenied
    name = template.name
    in_use = frozenset(services.sections_in_use(template=template))
    form = TemplateForm(request.POST or None, instance=template, user=request.user)
    formset = SectionFormSet(
        request.POST or None,
        instance=template,
        prefix="sections",
        queryset=template.sections.order_by("position", "pk"),
        in_use=in_use,
    )
    if request.method == "POST":
        if all([form.is_valid(), formset.is_valid()]):  # both, so both show their errors
            data = form.cleaned_data
            try:
                template = services.template_update(
                    template=template,
                    name=data["name"],
                    description=data["description"],
                    team=data["team"],
                    sections=formset.sections(),
                    by=request.user,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"Template “{template.name}” saved.")
                return redirect(_detail_url(template))
        return _render_form(
            request, form=form, formset=formset, template=template, name=name, status=UNPROCESSABLE
        )
    return _render_form(request, form=form, formset=formset, template=template, name=name)
