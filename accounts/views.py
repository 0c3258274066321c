from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from debrief.http import UNPROCESSABLE, add_service_errors, page_of
from debrief.permissions import can_manage_roles

from . import selectors, services
from .forms import RoleForm
from .models import Profile, Role

PEOPLE_PER_PAGE = 50


def _ensure_can_manage(request) -> None:
    if not can_manage_roles(request.user):
        raise PermissionDenied


def _render_people(request, *, refused: int | None = None, form: RoleForm | None = None):
    page = page_of(request, selectors.people_list(), PEOPLE_PER_PAGE)
    for person in page.object_list:
        try:
            person.role_label = person.profile.get_role_display()
            current = person.profile.role
        except Profile.DoesNotExist:
            person.role_label, current = Role.MEMBER.label, Role.MEMBER
        # Staff accounts are admins whatever their profile says (debrief.permissions.role_of).
        person.is_admin_by_account = person.is_staff or person.is_superuser
        person.role_form = (
            form
            if refused == person.pk
            else RoleForm(initial={"role": current}, auto_id=f"role_{person.pk}_%s")
        )
    status = UNPROCESSABLE if form is not None else 200
    return render(request, "accounts/people.html", {"page": page}, status=status)


def _page_query(request) -> str:
    page = request.GET.get("page", "")
    return f"?page={page}" if page.isdigit() else ""


def people(request):
    """Everyone with their role and teams; organisation admins change roles here."""
    _ensure_can_manage(request)
    return _render_people(request)


@require_POST
def role_change(request, pk: int):
    _ensure_can_manage(request)
    profile, _ = Profile.objects.get_or_create(user=get_object_or_404(User, pk=pk))
    form = RoleForm(request.POST, auto_id=f"role_{pk}_%s")
    if form.is_valid():
        try:
            profile = services.profile_set_role(
                profile=profile, role=form.cleaned_data["role"], by=request.user
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            name = profile.user.get_username()
            messages.success(request, f"{name} is now {profile.get_role_display()}.")
            return redirect(reverse("accounts:people") + _page_query(request))
    return _render_people(request, refused=pk, form=form)
