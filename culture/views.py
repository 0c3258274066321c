"""The culture pulse's pages: a person's open invitations, answering one, and the team's
and the organisation's culture trends. None of them shows anything about one person."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from debrief.http import UNPROCESSABLE, add_service_errors, page_of, render_page_or_fragment
from debrief.permissions import (
    can_answer_invitation,
    can_read_culture_comments,
    can_start_culture_survey,
    can_view_learning,
    is_hidden,
)
from incidents.models import Team

from . import selectors, services
from .forms import AnswerForm
from .models import Survey

INVITATIONS_PER_PAGE = 20
TEXTS_PER_PAGE = 20
SURVEYS_PER_PAGE = 8
CONFLICT = 409
GONE = 410


def invitations(request):
    """The person's open invitations. Its `count` fragment is the number beside the
    navigation's link, which every page asks for after loading, so that no page pays a
    query for it while rendering."""
    page = page_of(request, selectors.open_invitations(user=request.user), INVITATIONS_PER_PAGE)
    return render_page_or_fragment(request, "culture/invitations.html", "count", {"page": page})


@require_http_methods(["GET", "POST"])
def answer(request, pk):
    invitation = get_object_or_404(
        selectors.answerable_invitations().select_related("postmortem__incident__team", "survey"),
        pk=pk,
    )
    # Someone else's invitation does not exist, as far as anyone else can tell; nor does a
    # pulse about a postmortem the person may no longer know of (made private since).
    if not can_answer_invitation(request.user, invitation):
        raise Http404
    if invitation.postmortem is not None and is_hidden(request.user, invitation.postmortem):
        raise Http404
    context = {"invitation": invitation, "minimum": selectors.minimum_responses()}
    if invitation.used:
        return render(request, "culture/answered.html", context, status=CONFLICT)
    if invitation.expires_at <= timezone.now():
        return render(request, "culture/expired.html", context, status=GONE)
    form = AnswerForm(request.POST or None, kind=invitation.kind)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_answer(
                invitation=invitation,
                by=request.user,
                answers=form.answers(),
                what_would_have_helped=form.cleaned_data.get("what_would_have_helped", ""),
            )
        except services.InvitationUsed:
            return render(request, "culture/answered.html", context, status=CONFLICT)
        except services.InvitationExpired:
            return render(request, "culture/expired.html", context, status=GONE)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Thank you. Your answers were recorded anonymously.")
            return redirect("culture:invitations")
    status = UNPROCESSABLE if request.method == "POST" else 200
    return render(request, "culture/answer.html", {**context, "form": form}, status=status)


def team_culture(request, slug: str):
    team = get_object_or_404(Team, slug=slug)
    if not can_view_learning(request.user):
        raise PermissionDenied
    readable = can_read_culture_comments(request.user, team)
    texts = None
    if readable:
        texts = page_of(request, selectors.helped_texts(team=team), TEXTS_PER_PAGE)
    context = {
        "team": team,
        "end": timezone.localdate(),
        "query": urlencode({"team": team.slug}),
        "readable": readable,
        "page": texts,
    }
    return render_page_or_fragment(request, "culture/team.html", "texts", context)


def organisation_culture(request, error: str = "", status: int = 200):
    surveys = page_of(request, Survey.objects.order_by("-quarter"), SURVEYS_PER_PAGE)
    context = {
        "end": timezone.localdate(),
        "query": "",
        "page": surveys,
        "can_start": can_start_culture_survey(request.user),
        "error": error,
    }
    return render(request, "culture/organisation.html", context, status=status)


@require_POST
def survey_start(request):
    if not can_start_culture_survey(request.user):
        raise PermissionDenied
    try:
        survey = services.survey_start(by=request.user)
    except ValidationError as error:
        return organisation_culture(request, error=" ".join(error.messages), status=CONFLICT)
    messages.success(request, f"{survey} started: everyone is invited for 30 days.")
    return redirect("culture:organisation")
