from django import forms

from .models import NotificationSettings


class NotificationSettingsForm(forms.ModelForm):
    class Meta:
        model = NotificationSettings
        fields = ["weekly_digest", "reminders"]
        help_texts = {
            "weekly_digest": "Each Monday: your teams' incidents, postmortems and follow-ups "
            "of the week before.",
            "reminders": "Each morning, when follow-ups you own (or your team's, while they "
            "have no owner) are due soon or overdue.",
        }
