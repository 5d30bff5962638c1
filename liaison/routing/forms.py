"""Forms for the case page, routing rules, clock policy and response templates.

Forms parse and check shapes; the workflow's rules (which transitions, who may reopen, the PID
guard) live in ``liaison.routing.services`` and come back as ``WorkflowError`` on the form.
"""

from django import forms

from liaison.concerns.models import AspectOfCare, ConcernStatus
from liaison.routing.models import RECIPIENT_ROLES, ResponseRating
from liaison.routing.services import RESPONDER_OUTCOMES


def _messages(field: forms.Field, required: str, **more) -> forms.Field:
    field.error_messages = {**field.error_messages, "required": required, **more}
    return field


class AssignForm(forms.Form):
    """Nothing to fill in: the button says it all."""


class StatusForm(forms.Form):
    to_status = _messages(
        forms.ChoiceField(choices=ConcernStatus.choices),
        "Select the new status",
        invalid_choice="Select a status from the list",
    )
    reason = forms.CharField(max_length=500, required=False, widget=forms.Textarea)


class OutcomeForm(forms.Form):
    outcome = _messages(
        forms.ChoiceField(choices=[(value.value, value.label) for value in RESPONDER_OUTCOMES]),
        "Select the outcome",
        invalid_choice="Select upheld, partly upheld or not upheld",
    )
    reason = forms.CharField(max_length=500, required=False, widget=forms.Textarea)


class RedirectForm(forms.Form):
    to_organisation = _messages(
        forms.CharField(max_length=12), "Enter the ODS code of the organisation to pass the concern to"
    )
    reason = _messages(forms.CharField(max_length=500, widget=forms.Textarea), "Enter why it is not yours")

    def clean_to_organisation(self) -> str:
        return self.cleaned_data["to_organisation"].strip().upper()


class MergeForm(forms.Form):
    into = _messages(
        forms.CharField(max_length=20), "Enter the reference of the concern to keep, like LIA-000123"
    )
    reason = forms.CharField(max_length=500, required=False, widget=forms.Textarea)

    def clean_into(self) -> str:
        return self.cleaned_data["into"].strip().upper()


class MessageForm(forms.Form):
    body = _messages(forms.CharField(max_length=5000, widget=forms.Textarea), "Enter your message")
    internal = forms.BooleanField(required=False)
    confirm_not_patient = forms.BooleanField(required=False)


class ReopenForm(forms.Form):
    reason = _messages(
        forms.CharField(max_length=500, widget=forms.Textarea), "Enter why you are reopening it"
    )


class RateForm(forms.Form):
    score = _messages(
        forms.TypedChoiceField(choices=ResponseRating.choices, coerce=int),
        "Select how good the response was",
        invalid_choice="Select a rating from the list",
    )


for form_class in (StatusForm, OutcomeForm, RedirectForm, MergeForm, MessageForm, ReopenForm):
    for field in form_class.base_fields.values():
        if getattr(field, "max_length", None):
            field.error_messages["max_length"] = f"This must be {field.max_length:,} characters or fewer"


class RoutingRuleForm(forms.Form):
    """A rule's criteria (all optional) and its recipient. Choices come from the ICB's directory."""

    about_organisation = forms.CharField(max_length=12, required=False)
    specialty = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    standard = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    aspect_of_care = forms.ChoiceField(
        choices=[("", "Any aspect of care"), *AspectOfCare.choices], required=False
    )
    place = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    recipient_kind = _messages(
        forms.ChoiceField(choices=[("role", "A role at an organisation"), ("contact", "A named contact")]),
        "Select who receives these concerns",
    )
    recipient_organisation = forms.CharField(max_length=12, required=False)
    recipient_role = forms.ChoiceField(choices=[("", "Select a role"), *RECIPIENT_ROLES], required=False)
    recipient_contact = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    description = forms.CharField(max_length=200, required=False)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.rule_choices = choices
        self.fields["specialty"].choices = [("", "Any specialty")] + [
            (s.pk, str(s)) for s in choices.specialties
        ]
        self.fields["standard"].choices = [("", "Any standard")] + [
            (s.pk, f"{s.code} {s.title}") for s in choices.standards
        ]
        self.fields["place"].choices = [("", "Any Place")] + [(p.pk, p.name) for p in choices.places]
        self.fields["recipient_contact"].choices = [("", "Select a contact")] + [
            (c.pk, f"{c.name}, {c.get_role_display()} at {c.organisation.display_name}")
            for c in choices.contacts
        ]
        for name in (
            "specialty",
            "standard",
            "place",
            "recipient_contact",
            "aspect_of_care",
            "recipient_role",
        ):
            self.fields[name].error_messages["invalid_choice"] = "Select an option from the list"

    def clean_about_organisation(self) -> str:
        return self.cleaned_data["about_organisation"].strip().upper()

    def clean_recipient_organisation(self) -> str:
        return self.cleaned_data["recipient_organisation"].strip().upper()


class ClockPolicyForm(forms.Form):
    acknowledge_days = forms.IntegerField(min_value=1, max_value=30)
    respond_days = forms.IntegerField(min_value=1, max_value=120)
    escalation_step_days = forms.IntegerField(min_value=1, max_value=60)
    reopen_days = forms.IntegerField(min_value=1, max_value=365)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.error_messages.update(
                {
                    "required": "Enter a number of days",
                    "invalid": "Enter a whole number of days, like 20",
                    "min_value": f"Enter a number of days from {field.min_value} to {field.max_value}",
                    "max_value": f"Enter a number of days from {field.min_value} to {field.max_value}",
                }
            )

    def clean(self):
        cleaned = super().clean()
        ack, respond = cleaned.get("acknowledge_days"), cleaned.get("respond_days")
        if ack and respond and respond < ack:
            self.add_error("respond_days", "The time to respond must be at least the time to acknowledge")
        return cleaned


class TemplateForm(forms.Form):
    title = _messages(forms.CharField(max_length=120), "Enter a title for the template")
    body = _messages(
        forms.CharField(max_length=5000, widget=forms.Textarea), "Enter the text of the template"
    )
