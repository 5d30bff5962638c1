"""Forms for the who's who and organisations' services. Rules about contacts live in the services."""

import re

from django import forms

from liaison.directory.models import ContactRole
from liaison.directory.selectors import ContactFormChoices

_PHONE = re.compile(r"^\+?[0-9 ()\-]{6,30}( ?(ext\.?|x) ?[0-9]{1,6})?$", re.IGNORECASE)


class ContactForm(forms.Form):
    role = forms.ChoiceField(
        choices=[("", "Select a role"), *ContactRole.choices], error_messages={"required": "Select a role"}
    )
    name = forms.CharField(max_length=200, error_messages={"required": "Enter the person's name"})
    job_title = forms.CharField(max_length=200, required=False)
    email = forms.EmailField(
        max_length=254,
        required=False,
        error_messages={"invalid": "Enter an email address in the correct format, like name@example.nhs.uk"},
    )
    phone = forms.CharField(max_length=40, required=False)
    contact_notes = forms.CharField(max_length=500, required=False, widget=forms.Textarea)
    place = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    service = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)

    def __init__(self, *args, choices: ContactFormChoices, **kwargs):
        super().__init__(*args, **kwargs)
        self._places = {place.pk: place for place in choices.places}
        self._services = {service.pk: service for service in choices.services}
        self.fields["place"].choices = [("", "Not for a particular Place")] + [
            (place.pk, place.name) for place in choices.places
        ]
        self.fields["service"].choices = [("", "The whole organisation")] + [
            (service.pk, str(service)) for service in choices.services
        ]
        for name in ("name", "job_title", "phone", "contact_notes"):
            self.fields[name].error_messages["max_length"] = (
                f"{self.fields[name].label or name.replace('_', ' ').capitalize()} must be "
                f"{self.fields[name].max_length} characters or fewer"
            )
        self.fields["place"].error_messages["invalid_choice"] = "Select a Place from the list"
        self.fields["service"].error_messages["invalid_choice"] = "Select a service from the list"

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if phone and not _PHONE.match(phone):
            raise forms.ValidationError("Enter a phone number, like 0151 706 2000 or 0151 706 2000 ext 4471")
        return phone

    def clean(self):
        data = super().clean()
        if (
            not any(data.get(name) for name in ("email", "phone", "contact_notes"))
            and not self.has_error("email")
            and not self.has_error("phone")
        ):
            self.add_error("email", "Enter an email address, a phone number or how to contact them")
        return data

    def contact_values(self) -> dict:
        """The cleaned values as the contact services take them."""
        data = dict(self.cleaned_data)
        data["place"] = self._places.get(data.get("place"))
        data["service"] = self._services.get(data.get("service"))
        return data


class OrganisationServiceForm(forms.Form):
    specialty = forms.ChoiceField(error_messages={"required": "Select a specialty"})
    local_name = forms.CharField(max_length=200, required=False)

    def __init__(self, *args, specialties, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["specialty"].choices = [("", "Select a specialty")] + [
            (specialty.code, f"{specialty.name} ({specialty.code})") for specialty in specialties
        ]
        self.fields["specialty"].error_messages["invalid_choice"] = "Select a specialty from the list"
