from django import forms

from .models import Role


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
