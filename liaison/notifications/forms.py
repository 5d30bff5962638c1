"""Forms for the notification pages."""

from django import forms

from liaison.notifications.models import EmailFrequency


class PreferenceForm(forms.Form):
    email_frequency = forms.ChoiceField(
        choices=EmailFrequency.choices,
        error_messages={
            "required": "Choose how often Liaison should email you",
            "invalid_choice": "Choose how often Liaison should email you",
        },
    )
