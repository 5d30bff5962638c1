"""Forms for the standards pages. They parse and check input; the services make the changes."""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError

from liaison.standards.models import Area, Direction, TimeLimitUnit


class DateInputWidget(forms.MultiWidget):
    """Day, month and year boxes named ``<name>_day``, ``<name>_month``, ``<name>_year``."""

    def __init__(self, attrs=None):
        super().__init__({"day": forms.TextInput, "month": forms.TextInput, "year": forms.TextInput}, attrs)

    def decompress(self, value):
        if isinstance(value, date):
            return [str(value.day), str(value.month), str(value.year)]
        return [None, None, None]


class NHSDateField(forms.MultiValueField):
    """A date typed into the NHS.UK date input, with the design system's error messages.

    ``name`` is how error messages refer to the date, for example "Date the version takes effect".
    """

    widget = DateInputWidget

    def __init__(self, *, name: str, required_message: str, **kwargs):
        self.name = name
        parts = (
            forms.CharField(required=False),
            forms.CharField(required=False),
            forms.CharField(required=False),
        )
        super().__init__(fields=parts, require_all_fields=False, **kwargs)
        self.error_messages["required"] = required_message

    def compress(self, data_list):
        if not data_list:
            return None
        day, month, year = ((value or "").strip() for value in data_list)
        missing = [part for part, value in (("day", day), ("month", month), ("year", year)) if not value]
        if missing:
            raise ValidationError(f"{self.name} must include a {' and a '.join(missing)}")
        if not (day.isdigit() and month.isdigit() and year.isdigit()):
            raise ValidationError(f"{self.name} must be a real date")
        if len(year) != 4:
            raise ValidationError("Year must include 4 numbers")
        try:
            return date(int(year), int(month), int(day))
        except ValueError:
            raise ValidationError(f"{self.name} must be a real date") from None


class DatePartsMixin:
    def date_parts(self, name: str) -> dict:
        """The day, month and year to show in a date input: what was typed, or the initial date."""
        field = self.fields[name]
        value = self[name].value()
        if isinstance(value, date) or value is None:
            value = field.widget.decompress(value)
        day, month, year = (list(value) + [None, None, None])[:3]
        return {"day": day or "", "month": month or "", "year": year or ""}


class TimeLimitLookupForm(DatePartsMixin, forms.Form):
    on = NHSDateField(name="Date", required_message="Enter the date you want to check")


class CodeOfConductForm(DatePartsMixin, forms.Form):
    title = forms.CharField(
        max_length=200,
        error_messages={
            "required": "Enter the title of the Code of Conduct",
            "max_length": "Title must be 200 characters or fewer",
        },
    )
    effective_from = NHSDateField(
        name="Date the Code takes effect", required_message="Enter the date the Code takes effect"
    )
    notes = forms.CharField(required=False, max_length=2000, widget=forms.Textarea)


class VersionForm(DatePartsMixin, forms.Form):
    effective_from = NHSDateField(
        name="Date the version takes effect", required_message="Enter the date the new version takes effect"
    )
    notes = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea,
        error_messages={"max_length": "What changed must be 2,000 characters or fewer"},
    )


class RewordForm(forms.Form):
    local_reference = forms.CharField(
        required=False,
        max_length=32,
        error_messages={"max_length": "Reference must be 32 characters or fewer"},
    )
    local_title = forms.CharField(
        required=False, max_length=200, error_messages={"max_length": "Title must be 200 characters or fewer"}
    )
    local_wording = forms.CharField(
        required=False,
        max_length=5000,
        widget=forms.Textarea,
        error_messages={"max_length": "Wording must be 5,000 characters or fewer"},
    )


class AddStandardsForm(forms.Form):
    standards = forms.MultipleChoiceField(error_messages={"required": "Select at least one standard to add"})

    def __init__(self, *args, available, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["standards"].choices = [
            (standard.code, f"{standard.code} {standard.title}") for standard in available
        ]


class LocalStandardForm(forms.Form):
    title = forms.CharField(
        max_length=200,
        error_messages={
            "required": "Enter the title of the local standard",
            "max_length": "Title must be 200 characters or fewer",
        },
    )
    requirement = forms.CharField(
        max_length=5000,
        widget=forms.Textarea,
        error_messages={
            "required": "Enter what the local standard requires",
            "max_length": "Requirement must be 5,000 characters or fewer",
        },
    )
    direction = forms.ChoiceField(
        choices=Direction.choices,
        error_messages={
            "required": "Select who the standard applies to",
            "invalid_choice": "Select who the standard applies to",
        },
    )
    area = forms.ChoiceField(
        choices=Area.choices,
        error_messages={
            "required": "Select the interface area",
            "invalid_choice": "Select the interface area",
        },
    )
    time_limit_amount = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=365,
        error_messages={
            "invalid": "Time limit must be a whole number, like 5",
            "min_value": "Time limit must be 1 or more",
            "max_value": "Time limit must be 365 or fewer",
        },
    )
    time_limit_unit = forms.ChoiceField(
        required=False,
        choices=[("", "No time limit")] + list(TimeLimitUnit.choices),
        error_messages={"invalid_choice": "Select the unit of the time limit"},
    )

    def clean(self):
        cleaned = super().clean()
        amount, unit = cleaned.get("time_limit_amount"), cleaned.get("time_limit_unit")
        if "time_limit_amount" in self.errors:
            return cleaned
        if amount is not None and not unit:
            self.add_error("time_limit_unit", "Select the unit of the time limit")
        elif unit and amount is None:
            self.add_error("time_limit_amount", "Enter the time limit, or choose no time limit")
        return cleaned
