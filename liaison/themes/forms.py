"""Forms for curating themes. They check shapes; the PID guard and the rules live in services."""

from django import forms

from liaison.themes.models import ActionStatus


def _messages(field: forms.Field, required: str, **more) -> forms.Field:
    field.error_messages = {**field.error_messages, "required": required, **more}
    return field


class RenameForm(forms.Form):
    label = _messages(
        forms.CharField(max_length=120),
        "Enter a name for the theme",
        max_length="The name must be 120 characters or fewer",
    )


class PinForm(forms.Form):
    pinned = forms.BooleanField(required=False)


class OwnerForm(forms.Form):
    owner = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "No owner")] + [
            (membership.user_id, membership.user.display_name) for membership in candidates
        ]
        self.fields["owner"].error_messages["invalid_choice"] = "Choose an owner from the list"


class MergeForm(forms.Form):
    sources = _messages(
        forms.TypedMultipleChoiceField(coerce=int),
        "Select the themes to merge into this one",
        invalid_choice="Select themes from the list",
    )

    def __init__(self, *args, themes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sources"].choices = [(theme.pk, theme.label) for theme in themes]


class SplitForm(forms.Form):
    concerns = _messages(
        forms.TypedMultipleChoiceField(coerce=int),
        "Select the concerns to move into the new theme",
        invalid_choice="Select concerns from the list",
    )
    label = _messages(
        forms.CharField(max_length=120),
        "Enter a name for the new theme",
        max_length="The name must be 120 characters or fewer",
    )

    def __init__(self, *args, concerns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["concerns"].choices = [(concern.pk, concern.reference) for concern in concerns]


class ActionForm(forms.Form):
    action = _messages(
        forms.CharField(max_length=500, widget=forms.Textarea),
        "Enter the action agreed",
        max_length="The action must be 500 characters or fewer",
    )
    owner_organisation = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    owner_person = forms.CharField(
        max_length=120,
        required=False,
        error_messages={"max_length": "The owner's name or job title must be 120 characters or fewer"},
    )
    due_date = forms.DateField(
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y", "%d %m %Y"],
        error_messages={"invalid": "Enter the due date as a real date, for example 31/12/2026"},
    )

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_organisation"].choices = [("", "Choose an organisation")] + list(organisations)
        self.fields["owner_organisation"].error_messages["invalid_choice"] = (
            "Choose an organisation from the list"
        )


class ActionUpdateForm(forms.Form):
    status = _messages(
        forms.ChoiceField(choices=ActionStatus.choices),
        "Select the action's status",
        invalid_choice="Select a status from the list",
    )
    note = forms.CharField(
        max_length=1000,
        required=False,
        widget=forms.Textarea,
        error_messages={"max_length": "The progress note must be 1000 characters or fewer"},
    )


class MoveForm(forms.Form):
    concerns = _messages(
        forms.TypedMultipleChoiceField(coerce=int),
        "Select the concerns to move",
        invalid_choice="Select concerns from the list",
    )
    target = _messages(
        forms.TypedChoiceField(coerce=int),
        "Select the theme to move them to",
        invalid_choice="Select a theme from the list",
    )

    def __init__(self, *args, concerns=(), themes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["concerns"].choices = [(concern.pk, concern.reference) for concern in concerns]
        self.fields["target"].choices = [("", "Choose a theme")] + [
            (theme.pk, theme.label) for theme in themes
        ]
