"""Reading the report form, and showing it again with what was typed and where the problems are.

The form only parses what the browser sends (the date typed as day, month and year is the one
thing it checks itself); every rule is in ``services``, which the API calls too, so both give the
same messages.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from markupsafe import Markup, escape

from liaison.concerns.services import ConcernSubmission, Problem, warning_fingerprint
from liaison.privacy import ScanResult, scan_text
from liaison.standards.forms import NHSDateField

TEXT_FIELDS = (
    "part",
    "about_search",
    "about_organisation",
    "specialty",
    "service_description",
    "staff_group",
    "aspect_of_care",
    "what_happened",
    "impact",
    "patient_reference",
    "patient_reference_system",
    "reporter_may_be_named",
)
FREE_TEXT_FIELDS = ("service_description", "what_happened", "impact")

# Where the error summary links to, for each field: the first input of the field.
ANCHORS = {
    "part": "part",
    "about_organisation": "about_search",
    "specialty": "specialty",
    "service_description": "service_description",
    "staff_group": "staff_group",
    "aspect_of_care": "aspect_of_care",
    "event_date": "event_date",
    "standards": "standards",
    "what_happened": "what_happened",
    "impact": "impact",
    "patient_reference": "patient_reference",
    "patient_reference_system": "patient_reference_system",
    "note": "note",
    "concern": "maincontent",
}

EVENT_DATE = NHSDateField(
    name="Date of the event", required_message="Enter the date of the event", required=False
)


def parse_date(data, name: str = "event_date") -> tuple[object, list[Problem]]:
    parts = [data.get(f"{name}_{part}", "") for part in ("day", "month", "year")]
    try:
        return EVENT_DATE.clean(parts), []
    except ValidationError as error:
        return None, [Problem(name, message, "invalid_date") for message in error.messages]


def values_from_post(data) -> dict:
    """What was typed, to show it again: every text field, the date parts and the ticked boxes."""
    values = {name: data.get(name, "") for name in TEXT_FIELDS}
    for part in ("day", "month", "year"):
        values[f"event_date_{part}"] = data.get(f"event_date_{part}", "")
    values["standards"] = data.getlist("standards")
    values["confirm_not_identifying"] = data.getlist("confirm_not_identifying")
    values["draft"] = data.get("draft", "")
    return values


def values_from_submission(submission: ConcernSubmission, *, draft: str = "") -> dict:
    """The form's values for a saved draft."""
    values = {name: getattr(submission, name, "") for name in TEXT_FIELDS if name != "about_search"}
    values["about_search"] = submission.about_organisation
    values["reporter_may_be_named"] = "yes" if submission.reporter_may_be_named else ""
    day = submission.event_date
    values.update(
        event_date_day=str(day.day) if day else "",
        event_date_month=str(day.month) if day else "",
        event_date_year=str(day.year) if day else "",
        standards=list(submission.standards),
        confirm_not_identifying=list(submission.confirm_not_identifying),
        draft=draft,
    )
    return values


def chosen_organisation(values: dict) -> str:
    """The organisation picked from the suggestions, else what was typed (an ODS code, perhaps)."""
    return (values.get("about_organisation") or values.get("about_search") or "").strip()


def submission_from_values(values: dict, event_date) -> ConcernSubmission:
    return ConcernSubmission(
        part=values["part"],
        about_organisation=chosen_organisation(values),
        specialty=values["specialty"],
        service_description=values["service_description"],
        staff_group=values["staff_group"],
        aspect_of_care=values["aspect_of_care"],
        event_date=event_date,
        standards=values["standards"],
        what_happened=values["what_happened"],
        impact=values["impact"],
        patient_reference=values["patient_reference"],
        patient_reference_system=values["patient_reference_system"],
        reporter_may_be_named=values["reporter_may_be_named"] == "yes",
        confirm_not_identifying=values["confirm_not_identifying"],
    )


def highlight(text: str, result: ScanResult) -> Markup:
    """The text, escaped, with each span the PID guard found wrapped in ``<mark>``."""
    pieces, position = [], 0
    for finding in result.findings:
        pieces.append(escape(text[position : finding.start]))
        pieces.append(Markup("<mark>%s</mark>") % text[finding.start : finding.end])
        position = finding.end
    pieces.append(escape(text[position:]))
    return Markup("").join(pieces)


@dataclass
class PidPreview:
    """Under a field the guard found something in: the text with the spans marked, and, for
    warnings only, the confirmation to tick."""

    highlighted: Markup
    confirm_value: str = ""


@dataclass
class FormErrors:
    by_field: dict[str, list[str]] = field(default_factory=dict)
    summary: list[dict] = field(default_factory=list)
    previews: dict[str, PidPreview] = field(default_factory=dict)

    def message(self, name: str) -> dict | None:
        """The ``errorMessage`` parameter of an NHS.UK component."""
        messages = self.by_field.get(name)
        return {"text": " ".join(messages)} if messages else None


def form_errors(problems: list[Problem], values: dict, fields=FREE_TEXT_FIELDS) -> FormErrors:
    """Messages by field, the error summary linked to each field, and PID previews."""
    errors = FormErrors()
    for problem in problems:
        errors.by_field.setdefault(problem.field, []).append(problem.message)
        errors.summary.append(
            {"text": problem.message, "href": f"#{ANCHORS.get(problem.field, problem.field)}"}
        )
    for name in fields:
        codes = {problem.code for problem in problems if problem.field == name}
        if not codes & {"pid_blocked", "pid_warning"}:
            continue
        text = values.get(name, "")
        result = scan_text(text)
        only_warnings = "pid_blocked" not in codes
        errors.previews[name] = PidPreview(
            highlighted=highlight(text, result),
            confirm_value=f"{name}:{warning_fingerprint(text, result)}" if only_warnings else "",
        )
    return errors
