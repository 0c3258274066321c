from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from debrief.bin import move_to_bin
from debrief.http import (
    UNPROCESSABLE,
    add_service_errors,
    page_of,
    render_page_or_fragment,
    wants_fragment,
)
from debrief.permissions import can_browse_incidents, can_edit, ensure_can_view
from incidents.models import Team
from postmortems.models import TemplateSection
from postmortems.views import postmortem_for_request

from . import selectors, services
from .export import csv_rows
from .forms import BoardFilterForm, BulkStatusForm, ItemForm, StatusForm
from .models import ActionItem
from .recurrence import recurrence_shown

BOARD_PAGE_SIZE = 50
HISTORY_PAGE_SIZE = 25


# --- The board -------------------------------------------------------------------------------


def _board_team(request, slug: str | None) -> Team | None:
    if not can_browse_incidents(request.user):
        raise PermissionDenied
    return get_object_or_404(Team, slug=slug) if slug else None


@require_http_methods(["GET", "POST"])
def board(request, slug: str | None = None):
    """Follow-ups of the whole organisation, or of one team; a POST changes the status of the
    ticked ones and answers with the board as its query string filters it."""
    team = _board_team(request, slug)
    form = BoardFilterForm(request.GET, team=team)
    bulk_form = BulkStatusForm(request.POST or None, viewer=request.user)
    status, announcement = 200, ""
    if request.method == "POST":
        if bulk_form.is_valid():
            try:
                announcement = _bulk_change(request, bulk_form)
            except ValidationError as error:
                add_service_errors(bulk_form, error)
        if not announcement:
            status = UNPROCESSABLE
        elif not wants_fragment(request):
            messages.success(request, announcement)
            return redirect(request.get_full_path())
        else:
            bulk_form = BulkStatusForm()
    items = selectors.item_list(filters=form.filters(), team=team, viewer=request.user)
    page = page_of(request, items, BOARD_PAGE_SIZE)
    # What was ticked stays ticked when the change is refused.
    selected = bulk_form["items"].value() or [] if bulk_form.is_bound else []
    context = {
        "team": team,
        "form": form,
        "bulk_form": bulk_form,
        "page": page,
        "query": form.data.urlencode(),
        "editable": {item.pk for item in page.object_list if can_edit(request.user, item)},
        "selected": {str(pk) for pk in selected},
        "announcement": announcement,
        "export_url": reverse(
            "followups:team-export" if team else "followups:export",
            kwargs={"slug": team.slug} if team else {},
        ),
    }
    return render_page_or_fragment(request, "followups/board.html", "results", context, status)


def _bulk_change(request, form: BulkStatusForm) -> str:
    """All the ticked items change, or none: one the user may not change refuses them all."""
    items = list(form.cleaned_data["items"])
    refused = [item for item in items if not can_edit(request.user, item)]
    if refused:
        names = ", ".join(f"“{item.title}”" for item in refused)
        raise ValidationError(
            f"You may not change {names}: only its team, the incident's commander and "
            "reporter, and staff may. Nothing was changed."
        )
    new_status = form.cleaned_data["new_status"]
    services.items_bulk_status(
        items=items, status=new_status, by=request.user, reason=form.cleaned_data["reason"]
    )
    label = ActionItem.Status(new_status).label
    return f"{len(items)} follow-up{'s' if len(items) != 1 else ''} now {label}."


@require_GET
def export(request, slug: str | None = None):
    """The board's rows as CSV, every row its filters match rather than one page of them."""
    team = _board_team(request, slug)
    form = BoardFilterForm(request.GET, team=team)
    items = selectors.item_list(filters=form.filters(), team=team, viewer=request.user)
    response = StreamingHttpResponse(csv_rows(items), content_type="text/csv; charset=utf-8")
    name = f"follow-ups-{team.slug if team else 'all'}-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- One item ---------------------------------------------------------------------------------


def _item(request, pk: int, *, for_edit: bool = False) -> ActionItem:
    try:
        item = selectors.item_detail(pk=pk)
    except ActionItem.DoesNotExist:
        raise Http404("No such follow-up.") from None
    ensure_can_view(request.user, item, for_edit=for_edit)
    return item


def _render_item(request, item: ActionItem, *, status=200, **forms):
    editable = can_edit(request.user, item)
    context = {
        "item": item,
        "can_edit": editable,
        "recurred_in": recurrence_shown(item, request.user),
        "history": page_of(request, selectors.item_history(item=item), HISTORY_PAGE_SIZE),
        "edit_form": ItemForm(item=item) if editable else None,
        "status_form": StatusForm(initial={"status": item.status}) if editable else None,
        "factors_url": _section_url(item.postmortem, TemplateSection.Kind.CONTRIBUTING_FACTORS)
        if item.postmortem
        else "",
        **forms,
    }
    return render(request, "followups/detail.html", context, status=status)


def item_detail(request, pk: int):
    return _render_item(request, _item(request, pk))


@require_POST
def item_edit(request, pk: int):
    item = _item(request, pk, for_edit=True)
    form = ItemForm(request.POST, item=item)
    if form.is_valid():
        try:
            services.item_update(
                item=item, by=request.user, changes=form.changes(), reason=form.reason()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Follow-up saved.")
            return redirect(item)
    return _render_item(request, item, edit_form=form, status=UNPROCESSABLE)


@require_POST
def item_change_status(request, pk: int):
    item = _item(request, pk, for_edit=True)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            item = services.item_set_status(
                item=item,
                status=form.cleaned_data["status"],
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Status changed to {item.get_status_display()}.")
            return redirect(item)
    return _render_item(request, item, status_form=form, status=UNPROCESSABLE)


# --- In the postmortem editor -----------------------------------------------------------------
# The follow-ups section shows the `followups` partial (templatetags/followups.py). htmx swaps
# it whole after each change; without JavaScript each form posts and comes back to the section.


def _postmortem_item(postmortem, item_pk: int) -> ActionItem:
    try:
        return selectors.postmortem_items(postmortem=postmortem).get(pk=item_pk)
    except ActionItem.DoesNotExist:
        raise Http404("No such follow-up in this postmortem.") from None


def _section_url(postmortem, kind: str) -> str:
    for content in postmortem.contents.all():
        if content.section.kind == kind:
            return reverse("postmortems:section", args=[postmortem.pk, content.section.key])
    return postmortem.get_absolute_url()


def _editor_url(postmortem) -> str:
    return _section_url(postmortem, TemplateSection.Kind.FOLLOW_UPS) + "#followups"


def editor_context(request, postmortem, **extra) -> dict:
    """What the `followups` partial shows: the items in order, each knowing whether this
    person may edit it, and the form that adds one."""
    items = list(selectors.postmortem_items(postmortem=postmortem))
    for item in items:
        item.editable = can_edit(request.user, item)
    can_add = can_edit(request.user, postmortem)
    return {
        "postmortem": postmortem,
        "items": items,
        "can_add": can_add,
        "add_form": ItemForm(postmortem=postmortem, auto_id="followup_new_%s") if can_add else None,
        **extra,
    }


def _editor_response(request, postmortem, status=200, **extra):
    context = editor_context(request, postmortem, **extra)
    response = render(request, "followups/editor.html#followups", context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_http_methods(["GET", "POST"])
def postmortem_items(request, pk: int):
    """GET: the section's follow-ups (htmx; otherwise the section page). POST: add one."""
    postmortem = postmortem_for_request(request, pk, for_edit=request.method == "POST")
    if request.method == "GET":
        if not request.htmx:
            return redirect(_editor_url(postmortem))
        return _editor_response(request, postmortem)
    form = ItemForm(request.POST, postmortem=postmortem, auto_id="followup_new_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            item = services.item_create(
                incident=postmortem.incident,
                postmortem=postmortem,
                by=request.user,
                title=data["title"],
                description=data["description"],
                kind=data["kind"],
                team=data["team"],
                owner=data["owner"],
                priority=data["priority"],
                due_date=data["due_date"],
                tracker_url=data["tracker_url"],
                contributing_factor=data["contributing_factor"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if not request.htmx:
                messages.success(request, f"Follow-up “{item.title}” added.")
                return redirect(_editor_url(postmortem))
            return _editor_response(
                request, postmortem, announcement=f"Follow-up “{item.title}” added."
            )
    if request.htmx:
        return _editor_response(request, postmortem, add_form=form, status=UNPROCESSABLE)
    context = {"postmortem": postmortem, "form": form, "back": _editor_url(postmortem)}
    return render(request, "followups/add.html", context, status=UNPROCESSABLE)


@require_http_methods(["GET", "POST"])
def postmortem_item_edit(request, pk: int, item_pk: int):
    """GET: the item's row as an edit form (htmx; otherwise its own page, which has the same
    form). POST: save it."""
    postmortem = postmortem_for_request(request, pk)
    item = _postmortem_item(postmortem, item_pk)
    if not can_edit(request.user, item):
        raise PermissionDenied
    if request.method == "GET":
        if not request.htmx:
            return redirect(item)
        context = {"postmortem": postmortem, "item": item, "edit_form": ItemForm(item=item)}
        return render(request, "followups/editor.html#followup-edit", context)
    form = ItemForm(request.POST, item=item)
    if form.is_valid():
        try:
            item = services.item_update(
                item=item, by=request.user, changes=form.changes(), reason=form.reason()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if not request.htmx:
                messages.success(request, f"Follow-up “{item.title}” saved.")
                return redirect(_editor_url(postmortem))
            return _editor_response(
                request, postmortem, announcement=f"Follow-up “{item.title}” saved."
            )
    if request.htmx:
        return _editor_response(
            request, postmortem, editing=item.pk, edit_form=form, status=UNPROCESSABLE
        )
    return _render_item(request, _item(request, item.pk), edit_form=form, status=UNPROCESSABLE)


@require_POST
def postmortem_item_move(request, pk: int, item_pk: int):
    postmortem = postmortem_for_request(request, pk, for_edit=True)
    item = _postmortem_item(postmortem, item_pk)
    offset = {"up": -1, "down": 1}.get(request.POST.get("direction", ""))
    if offset is None:
        return HttpResponseBadRequest("Move a follow-up up or down.")
    services.item_move(item=item, offset=offset, by=request.user)
    if not request.htmx:
        return redirect(_editor_url(postmortem))
    return _editor_response(
        request, postmortem, announcement=f"“{item.title}” moved {request.POST['direction']}."
    )


@require_POST
def item_delete(request, pk: int):
    item = get_object_or_404(ActionItem.objects.select_related("incident", "team"), pk=pk)
    return move_to_bin(
        request,
        item,
        lambda: services.item_delete(item=item, by=request.user),
        then=reverse("followups:board"),
    )
