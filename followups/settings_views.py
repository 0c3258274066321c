from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.models import Profile
from debrief.time_zones import TimeZoneForm

from .forms_settings import NotificationSettingsForm
from .models import NotificationSettings


@require_http_methods(["GET", "POST"])
def notification_settings(request):
    """The signed-in person's choice of the email Debrief sends them (created on first visit)."""
    preferences, _ = NotificationSettings.objects.get_or_create(user=request.user)
    # Not `request.POST or None`: with both boxes unticked the POST is empty, yet a choice.
    data = request.POST if request.method == "POST" else None
    form = NotificationSettingsForm(data, instance=preferences)
    if form.is_valid():
        form.save()
        messages.success(request, "Notification settings saved.")
        return redirect("notification_settings:edit")
    # The time zone is saved by its own form (debrief.views.time_zone_settings), shown here too.
    profile, _ = Profile.objects.get_or_create(user=request.user)
    time_zone_form = TimeZoneForm(initial={"time_zone": profile.time_zone})
    context = {"form": form, "time_zone_form": time_zone_form}
    return render(request, "followups/settings.html", context)
