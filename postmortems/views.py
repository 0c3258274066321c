from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods, require_POST

from debrief.bin import move_to_bin
from debrief.http import UNPROCESSABLE, add_service_errors
from debrief.people import display_name
from debrief.permissions import (
    can_comment,
    can_download_invitation,
    can_edit,
    can_resolve,
    ensure_can_view,
)
from incidents.models import Incident

from . import coach, selectors, services
from .calendar import meeting_invitation_ics
from .diff import line_diff
from .export import postmortem_markdown
from .facts import postmortem_facts
from .forms import (
    CommentForm,
    FactorForm,
    MeetingForm,
    PublishForm,
    ReviewRequestForm,
    SectionForm,
    StartForm,
    people_choices,
)
from .models import (
    ContributingFactor,
    Postmortem,
    ReviewComment,
    ReviewMeeting,
    ReviewRequest,
    SectionContent,
    SectionRevision,
    TemplateSection,
)


def postmortem_for_request(request, pk: int, *, for_edit: bool = False, **prefetch):
    """The postmortem, if the signed-in user may read it (and change it, `for_edit`)."""
    try:
        postmortem = selectors.postmortem_detail(pk=pk, **prefetch)
    except Postmortem.DoesNotExist:
        raise Http404("No such postmortem.") from None
    ensure_can_view(request.user, postmortem, for_edit=for_edit)
    return postmortem


def _content(postmortem, key: str) -> SectionContent:
    for content in postmortem.contents.all():
        if content.section.key == key:
            return content
    raise Http404("No such section.")


@require_POST
def postmortem_start(request, incident_pk: int):
    incident = get_object_or_404(Incident.objects.select_related("team"), pk=incident_pk)
    ensure_can_view(request.user, incident, for_edit=True)
    form = StartForm(request.POST, team=incident.team)
    if form.is_valid():
        try:
            postmortem = services.postmortem_start(
                incident=incident, template=form.cleaned_data["template"], by=request.user
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(incident)
        messages.success(request, "Postmortem started. Write it together, one section at a time.")
        return redirect(postmortem)
    messages.error(request, "Choose a template to start the postmortem from.")
    return redirect(incident)


def postmortem_detail(request, pk: int):
    """The overview while it is written and reviewed; the clean read view once published."""
    return _overview(
        request, postmortem_for_request(request, pk, with_facts=True, with_factors=True)
    )


def _overview(request, postmortem, status=200, **forms):
    postmortem = selectors.postmortem_prefetch(postmortem, facts=True, factors=True)
    context = {
        "postmortem": postmortem,
        "facts": postmortem_facts(postmortem),
        "can_edit": can_edit(request.user, postmortem) and not postmortem.is_published,
        "contents": postmortem.contents.all(),
        "factors": postmortem.contributing_factors.all(),
    }
    if postmortem.is_published:
        return render(request, "postmortems/published.html", context, status=status)
    reviews = list(postmortem.reviews.select_related("reviewer"))
    # Both forms offer every active person: read them once for the two lists.
    people = people_choices()
    context |= {
        "publish_form": PublishForm(),
        "review_form": ReviewRequestForm(people=people),
        "meeting_form": MeetingForm(people=people),
        "reviews": reviews,
        "my_review": next((r for r in reviews if r.reviewer_id == request.user.pk), None),
        "meetings": postmortem.meetings.all(),
        "time_zone": timezone.get_current_timezone_name(),
        "open_threads": selectors.open_thread_count(postmortem=postmortem),
        "missing": selectors.missing_required_sections(postmortem),
        **forms,
    }
    return render(request, "postmortems/overview.html", context, status=status)


def _render_section(request, postmortem, content, form=None, *, fragment="", status=200, **extra):
    """The section page, or one of its fragments with only what that fragment shows: the
    autosave's feedback reports the coach's count only for a saved text, and neither it nor
    the preview shows the comments or the factors."""
    body = form["body"].value() if form is not None else content.body
    context = {
        "postmortem": postmortem,
        "content": content,
        "section": content.section,
        "form": form or SectionForm(initial={"body": content.body, "version": content.version}),
        "preview": body or "",
        "can_edit": can_edit(request.user, postmortem) and not postmortem.is_published,
        **extra,
    }
    if fragment != "feedback" or "saved" in extra:
        context["flags"] = coach.coach_text(body or "")
    if not fragment:
        context |= {
            "factor_form": FactorForm(postmortem=postmortem),
            "factors": postmortem.contributing_factors.select_related("category", "timeline_event"),
            "contents": postmortem.contents.all(),
            "threads": selectors.comment_threads(postmortem=postmortem, section=content.section),
            "comment_form": CommentForm(),
            "can_comment": can_comment(request.user, postmortem),
        }
    template = "postmortems/section.html" + (f"#{fragment}" if fragment else "")
    return render(request, template, context, status=status)


@require_http_methods(["GET", "POST"])
def section_edit(request, pk: int, key: str):
    """One section with its prompt beside the editor. htmx autosaves answer the feedback
    region (save state, coach, preview); a plain post redirects back after saving."""
    postmortem = postmortem_for_request(request, pk, for_edit=request.method == "POST")
    content = _content(postmortem, key)
    if request.method == "GET":
        return _render_section(request, postmortem, content)
    form = SectionForm(request.POST)
    status, extra = 200, {}
    if form.is_valid():
        request_version = form.cleaned_data["version"]
        try:
            content = services.section_save(
                content=content,
                body=form.cleaned_data["body"],
                by=request.user,
                expected_version=form.cleaned_data["version"],
            )
        except services.SectionConflict as conflict:
            status, extra = 409, {"conflict": conflict.current}
        except ValidationError as error:
            add_service_errors(form, error)
            status = UNPROCESSABLE
        else:
            if not request.htmx:
                messages.success(request, f"{content.title} saved.")
                return redirect("postmortems:section", pk=pk, key=key)
            form = SectionForm(initial={"body": content.body, "version": content.version})
            extra = {
                "saved": content,
                "unchanged": content.version == form.initial["version"]
                and content.version == request_version,
            }
    else:
        status = UNPROCESSABLE
    fragment = "feedback" if request.htmx else ""
    return _render_section(
        request, postmortem, content, form, fragment=fragment, status=status, **extra
    )


@require_POST
def section_preview(request, pk: int, key: str):
    """Markdown preview and coaching for text as typed, before it is saved."""
    postmortem = postmortem_for_request(request, pk, for_edit=True)
    content = _content(postmortem, key)
    form = SectionForm(request.POST)
    form.is_valid()
    return _render_section(request, postmortem, content, form, fragment="coach-and-preview")


def section_history(request, pk: int, key: str):
    """The section's revisions, a page at a time, and the difference between two of them."""
    postmortem = postmortem_for_request(request, pk)
    content = _content(postmortem, key)
    try:
        newer = int(request.GET.get("b", ""))
        older = int(request.GET.get("a", ""))
    except ValueError:
        newer = older = None
    older, newer = selectors.revisions_compared(content=content, older=older, newer=newer)
    page = selectors.revision_page(content=content, page=request.GET.get("page"))
    # The versions offered for comparison: this page's, and the two compared wherever they are.
    versions = {revision.version for revision in page} | {
        revision.version for revision in (older, newer) if revision is not None
    }
    # The pages keep the comparison that was asked for.
    query = urlencode({name: request.GET[name] for name in ("a", "b") if name in request.GET})
    context = {
        "postmortem": postmortem,
        "content": content,
        "section": content.section,
        "page": page,
        "query": query,
        "versions": sorted(versions, reverse=True),
        "older": older,
        "newer": newer,
        "diff": line_diff(older.body if older else "", newer.body if newer else ""),
        "can_edit": can_edit(request.user, postmortem) and not postmortem.is_published,
    }
    return render(request, "postmortems/history.html", context)


@require_POST
def revision_restore(request, pk: int, key: str, version: int):
    postmortem = postmortem_for_request(request, pk, for_edit=True)
    content = _content(postmortem, key)
    revision = get_object_or_404(SectionRevision, content=content, version=version)
    try:
        expected_version = int(request.POST.get("current", ""))
    except ValueError:
        messages.error(request, "Reload the history and choose the version again.")
        return redirect("postmortems:section-history", pk=pk, key=key)
    try:
        services.revision_restore(
            revision=revision, by=request.user, expected_version=expected_version
        )
    except services.SectionConflict:
        messages.error(
            request,
            "Someone saved this section after you opened its history; nothing was restored. "
            "Look at the latest version, then restore again if you still want to.",
        )
        return redirect("postmortems:section-history", pk=pk, key=key)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Version {version} restored as the current text.")
    return redirect("postmortems:section", pk=pk, key=key)


@require_POST
def timeline_refresh(request, pk: int, key: str):
    postmortem = postmortem_for_request(request, pk, for_edit=True)
    content = _content(postmortem, key)
    try:
        added = services.timeline_refresh(content=content, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if added:
            messages.success(request, f"{added} incident timeline event(s) added at the end.")
        else:
            messages.info(request, "No incident timeline events logged since the last import.")
    return redirect("postmortems:section", pk=pk, key=key)


def _factors_response(request, postmortem, form, status=200, error=""):
    context = {
        "postmortem": postmortem,
        "factors_error": error,
        "factors": postmortem.contributing_factors.select_related("category", "timeline_event"),
        "factor_form": form,
        "can_edit": True,
    }
    return render(request, "postmortems/section.html#factors", context, status=status)


@require_POST
def factor_add(request, pk: int):
    postmortem = postmortem_for_request(request, pk, for_edit=True)
    form = FactorForm(request.POST, postmortem=postmortem)
    if form.is_valid():
        try:
            services.factor_add(postmortem=postmortem, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if request.htmx:
                return _factors_response(request, postmortem, FactorForm(postmortem=postmortem))
            messages.success(request, "Contributing factor added.")
            return redirect(_factors_url(postmortem))
    if request.htmx:
        return _factors_response(request, postmortem, form, status=UNPROCESSABLE)
    for error in form.errors.values():
        messages.error(request, " ".join(error))
    return redirect(_factors_url(postmortem))


@require_POST
def factor_remove(request, pk: int, factor_pk: int):
    postmortem = postmortem_for_request(request, pk, for_edit=True)
    factor = get_object_or_404(ContributingFactor, pk=factor_pk, postmortem=postmortem)
    try:
        services.factor_remove(factor=factor, by=request.user)
    except ValidationError as error:
        if request.htmx:
            return _factors_response(
                request,
                postmortem,
                FactorForm(postmortem=postmortem),
                status=UNPROCESSABLE,
                error=" ".join(error.messages),
            )
        messages.error(request, " ".join(error.messages))
        return redirect(_factors_url(postmortem))
    if request.htmx:
        return _factors_response(request, postmortem, FactorForm(postmortem=postmortem))
    messages.success(request, "Contributing factor removed.")
    return redirect(_factors_url(postmortem))


def _factors_url(postmortem) -> str:
    for content in postmortem.contents.all():
        if content.section.kind == TemplateSection.Kind.CONTRIBUTING_FACTORS:
            return reverse("postmortems:section", args=[postmortem.pk, content.section.key])
    return postmortem.get_absolute_url()


@require_POST
def postmortem_publish(request, pk: int):
    postmortem = postmortem_for_request(request, pk, for_edit=True)
    form = PublishForm(request.POST)
    try:
        services.postmortem_publish(
            postmortem=postmortem, by=request.user, acknowledged_count=form.acknowledged()
        )
    except services.UnaddressedCoachFlags as unaddressed:
        messages.warning(
            request,
            f"The writing coach still flags {unaddressed.count} passage(s), listed below. "
            "Reframe them, or tick “Publish anyway” to acknowledge them; your acknowledgement "
            "is recorded.",
        )
        publish_form = PublishForm(initial={"acknowledged_count": unaddressed.count})
        return _overview(
            request, postmortem, status=409, publish_form=publish_form, unaddressed=unaddressed
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Published. The team has been told, and everyone can read it.")
    return redirect(postmortem)


def postmortem_export(request, pk: int):
    postmortem = postmortem_for_request(request, pk, with_facts=True, with_factors=True)
    response = HttpResponse(
        postmortem_markdown(postmortem), content_type="text/markdown; charset=utf-8"
    )
    filename = f"{postmortem.incident.reference}-{slugify(postmortem.title)[:60]}.md"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_POST
def review_request(request, pk: int):
    postmortem = postmortem_for_request(request, pk, for_edit=True)
    form = ReviewRequestForm(request.POST)
    if form.is_valid():
        try:
            created = services.review_request(
                postmortem=postmortem,
                by=request.user,
                reviewers=form.cleaned_data["reviewers"],
                team=form.cleaned_data["team"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Review requested from {len(created)} new reviewer(s).")
    else:
        messages.error(
            request, " ".join(message for errors in form.errors.values() for message in errors)
        )
    return redirect(postmortem)


@require_POST
def review_withdraw(request, pk: int, review_pk: int):
    postmortem = postmortem_for_request(request, pk, for_edit=True)
    review = get_object_or_404(
        ReviewRequest.objects.select_related("reviewer"), pk=review_pk, postmortem=postmortem
    )
    try:
        services.review_withdraw(review=review, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Review request to {display_name(review.reviewer)} withdrawn.")
    return redirect(postmortem)


@require_POST
def review_approve(request, pk: int):
    postmortem = postmortem_for_request(request, pk)
    try:
        services.review_approve(postmortem=postmortem, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Your approval is recorded.")
    return redirect(postmortem)


def _comments_response(request, postmortem, content, form=None, status=200):
    context = {
        "postmortem": postmortem,
        "section": content.section,
        "threads": selectors.comment_threads(postmortem=postmortem, section=content.section),
        "comment_form": form or CommentForm(),
        "can_comment": can_comment(request.user, postmortem),
    }
    return render(request, "postmortems/section.html#comments", context, status=status)


@require_POST
def comment_add(request, pk: int, key: str):
    postmortem = postmortem_for_request(request, pk)
    if not can_comment(request.user, postmortem):
        raise PermissionDenied
    content = _content(postmortem, key)
    form = CommentForm(request.POST)
    if form.is_valid():
        thread = None
        if form.cleaned_data["thread"]:
            thread = get_object_or_404(
                ReviewComment, pk=form.cleaned_data["thread"], postmortem=postmortem
            )
        try:
            services.comment_add(
                postmortem=postmortem,
                section=content.section,
                body=form.cleaned_data["body"],
                by=request.user,
                thread=thread,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if request.htmx:
                return _comments_response(request, postmortem, content)
            messages.success(request, "Comment added.")
            return redirect("postmortems:section", pk=pk, key=key)
    if request.htmx:
        return _comments_response(request, postmortem, content, form, status=UNPROCESSABLE)
    messages.error(
        request, " ".join(message for errors in form.errors.values() for message in errors)
    )
    return redirect("postmortems:section", pk=pk, key=key)


@require_POST
def comment_resolve(request, pk: int, comment_pk: int):
    postmortem = postmortem_for_request(request, pk)
    if not can_resolve(request.user, postmortem):
        raise PermissionDenied
    comment = get_object_or_404(
        ReviewComment.objects.select_related("section"), pk=comment_pk, postmortem=postmortem
    )
    services.comment_resolve(
        comment=comment, by=request.user, resolved=request.POST.get("resolved") != "0"
    )
    content = _content(postmortem, comment.section.key)
    if request.htmx:
        return _comments_response(request, postmortem, content)
    return redirect("postmortems:section", pk=pk, key=comment.section.key)


@require_POST
def meeting_schedule(request, pk: int):
    postmortem = postmortem_for_request(request, pk, for_edit=True)
    form = MeetingForm(request.POST)
    if form.is_valid():
        try:
            services.meeting_schedule(postmortem=postmortem, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Review meeting scheduled; the invitations are on their way.")
            return redirect(postmortem)
    return _overview(request, postmortem, meeting_form=form, status=UNPROCESSABLE)


def meeting_ics(request, pk: int, meeting_pk: int):
    postmortem = postmortem_for_request(request, pk)
    meeting = get_object_or_404(ReviewMeeting, pk=meeting_pk, postmortem=postmortem)
    if not can_download_invitation(request.user, meeting):
        raise PermissionDenied
    response = HttpResponse(
        meeting_invitation_ics(meeting, method="PUBLISH"),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="postmortem-review-{meeting.pk}.ics"'
    return response


@require_POST
def postmortem_delete(request, pk: int):
    postmortem = get_object_or_404(Postmortem.objects.select_related("incident"), pk=pk)
    return move_to_bin(
        request,
        postmortem,
        lambda: services.postmortem_delete(postmortem=postmortem, by=request.user),
        then=postmortem.incident.get_absolute_url(),
    )
