"""The activity upload form: a CSV file, or the same lines pasted in."""

from django import forms

from liaison.reports.models import Audience

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class ActivityUploadForm(forms.Form):
    file = forms.FileField(required=False)
    pasted = forms.CharField(required=False, widget=forms.Textarea, max_length=MAX_UPLOAD_BYTES)

    def clean(self):
        cleaned = super().clean()
        upload, pasted = cleaned.get("file"), (cleaned.get("pasted") or "").strip()
        if upload is None and not pasted:
            self.add_error("file", "Choose a CSV file of activity figures, or paste its lines below")
            return cleaned
        if upload is not None:
            if upload.size > MAX_UPLOAD_BYTES:
                self.add_error("file", "The file must be 5 MB or smaller: split it into several files")
                return cleaned
            try:
                cleaned["text"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                self.add_error("file", "The file must be a CSV file saved as UTF-8 text")
        else:
            cleaned["text"] = pasted
        return cleaned


class SubscriptionForm(forms.Form):
    """Who is sent the monthly report: a practice for the newsletter, or a provider's CQRG contact.

    The organisation is given by its ODS code and must be in the ICB (checked by the service, which
    the view calls with the ICB of the person signed in)."""

    audience = forms.ChoiceField(
        choices=Audience.choices,
        error_messages={"required": "Choose who this is: a practice or a provider's CQRG contact"},
    )
    organisation = forms.CharField(
        max_length=12,
        error_messages={"required": "Enter the ODS code of the practice or provider"},
    )
    email = forms.EmailField(
        max_length=254,
        error_messages={
            "required": "Enter an email address",
            "invalid": "Enter an email address in the correct format, like name@nhs.net",
        },
    )
    name = forms.CharField(
        required=False,
        max_length=200,
        error_messages={"max_length": "The name must be 200 characters or fewer"},
    )

    def clean_organisation(self) -> str:
        return self.cleaned_data["organisation"].strip().upper()

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()
