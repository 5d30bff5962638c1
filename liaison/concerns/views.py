"""Concern pages: the stopper, the report form with drafts, the list, a concern, and "me too".

Views parse what was sent, call one service or selector, and render. A form with problems comes
back with HTTP 422, every value typed, an error summary linking to each field, and the text the PID
guard objected to shown with the span marked. Everything works without JavaScript; htmx only
refreshes the organisation suggestions, the standards for the chosen date and similar concerns.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from liaison.accounts.permissions import has_permission
from liaison.concerns import forms, selectors, services
from liaison.concerns.models import (
    AspectOfCare,
    ConcernPart,
    ConcernStatus,
    PatientReferenceSystem,
    StaffGroup,
)
from liaison.core import ratelimit
from liaison.core.pagination import pagination_for
from liaison.directory import selectors as directory_selectors
from liaison.routing import selectors as routing_selectors
from liaison.standards import selectors as standards_selectors

PAGE_SIZE = 25
HOME = {"href": "/", "text": "Home"}

LFPSE_URL = "https://record.learn-from-patient-safety-events.nhs.uk/"
COMPLAINTS_URL = "https://www.nhs.uk/using-the-nhs/about-the-nhs/how-to-complain-to-the-nhs/"
PALS_URL = "https://www.nhs.uk/nhs-services/hospitals/what-is-pals-patient-advice-and-liaison-service/"


def _require(request, permission: str) -> None:
    if not has_permission(request.membership, permission):
        raise PermissionDenied


def _concerns_crumb():
    return {"href": reverse("concerns:concern_list"), "text": "Concerns"}


# --- Before the form: the stopper ------------------------------------------------------------------


STOPPER_ERROR = "Select yes if this is a patient safety incident, a serious incident or a complaint"

# Other pages may open the form pre-filled (for example "raise a concern about this 111 message"):
# only these keys pass through the stopper, and only as starting values the reporter can change.
PREFILL_KEYS = ("about", "aspect", "part")


def _prefill_query(data) -> str:
    """The pre-fill parameters of a request, re-encoded, for the next step of the journey."""
    prefill = QueryDict(mutable=True)
    for key in PREFILL_KEYS:
        value = data.get(key, "").strip()[:100]
        if value:
            prefill[key] = value
    return prefill.urlencode()


def _with_query(url: str, query: str) -> str:
    return f"{url}?{query}" if query else url


@require_http_methods(["GET", "POST"])
def report_start(request):
    """Is this really for Liaison? Patient safety incidents and complaints have their own routes."""
    _require(request, "concerns.report")
    answer = request.POST.get("stopper", "") if request.method == "POST" else ""
    prefill = _prefill_query(request.GET)
    if request.method == "POST":
        if answer == "yes":
            return redirect(_with_query(reverse("concerns:report_elsewhere"), prefill))
        if answer == "no":
            return redirect(_with_query(reverse("concerns:report"), prefill))
    errors = [{"text": STOPPER_ERROR, "href": "#stopper"}] if request.method == "POST" else []
    return render(
        request,
        "concerns/report_start.jinja",
        {
            "page_title": "Report an interface concern",
            "form_action": _with_query(reverse("concerns:report_start"), prefill),
            "form_errors": errors,
            "drafts": list(selectors.drafts_for(request.membership)[:5]),
            "breadcrumbs": [HOME],
        },
        status=422 if errors else 200,
    )


def report_elsewhere(request):
    """Where to go instead: LFPSE for incidents, the provider's complaints team or PALS for complaints.

    With ``?about=ODS`` the provider's details come from the directory. Nothing is submitted.
    """
    _require(request, "concerns.report")
    text = request.GET.get("about", "").strip()[:100]
    organisation = directory_selectors.organisation_by_ods(text) if text else None
    matches = [] if organisation or not text else selectors.organisations_to_report_about(text)
    contacts = (
        list(directory_selectors.contacts_search(organisation=organisation)[:5]) if organisation else []
    )
    return render(
        request,
        "concerns/report_elsewhere.jinja",
        {
            "page_title": "Report it through the right route",
            "organisation": organisation,
            "matches": matches,
            "text": text,
            "contacts": contacts,
            "lfpse_url": LFPSE_URL,
            "complaints_url": COMPLAINTS_URL,
            "pals_url": PALS_URL,
            "breadcrumbs": [HOME],
        },
    )


# --- The report form -------------------------------------------------------------------------------


def _form_context(request, values: dict, errors: forms.FormErrors | None = None) -> dict:
    """Everything the report form shows besides what was typed: choices, standards, similar concerns."""
    membership = request.membership
    about = directory_selectors.organisation_by_ods(forms.chosen_organisation(values))
    search = values.get("about_search", "").strip()
    suggestions = []
    if search and (about is None or about.ods_code != search.upper()):
        suggestions = selectors.organisations_to_report_about(search)
    if about is not None and about not in suggestions:
        suggestions = [about, *suggestions]
    event_date, _ = forms.parse_date(values)
    code = _code_in_force(membership, about, event_date)
    return {
        "page_title": "Report a concern",
        "values": values,
        "errors": errors or forms.FormErrors(),
        "form_errors": (errors.summary if errors else []),
        "about": about,
        "suggestions": suggestions,
        "code": code,
        "event_date": event_date,
        "similar": selectors.similar_open_concerns(
            membership,
            about_organisation=about,
            aspect_of_care=values.get("aspect_of_care", ""),
            standard_codes=values.get("standards", []),
        ),
        "specialty_items": _select_items(
            [(s.code, s.name) for s in directory_selectors.specialties_all()],
            values.get("specialty"),
            "Not known",
        ),
        "staff_group_items": _select_items(StaffGroup.choices, values.get("staff_group"), "Not known"),
        "aspect_items": _select_items(
            AspectOfCare.choices, values.get("aspect_of_care"), "Choose the aspect of care"
        ),
        "system_items": _select_items(
            PatientReferenceSystem.choices, values.get("patient_reference_system"), "Choose the system"
        ),
        "breadcrumbs": [HOME, {"href": reverse("concerns:report_start"), "text": "Report a concern"}],
    }


def _select_items(choices, chosen, empty: str) -> list[dict]:
    """Options for the NHS.UK select: an empty first option, then the choices, keeping the one chosen."""
    return [{"value": "", "text": empty}] + [
        {"value": value, "text": str(label), "selected": value == chosen} for value, label in choices
    ]


def _code_in_force(membership, about, event_date):
    """The standards the form offers: the Code of the ICB the organisation is in, on the event date
    (today until a date is given); the reporter's own ICB until an organisation is chosen."""
    icb = directory_selectors.icb_of(about) if about is not None else membership.icb
    day = event_date or timezone.localdate()
    return standards_selectors.code_of_conduct_for(icb=icb, day=day)


def _render_form(request, values, errors=None, *, status=200):
    return render(
        request, "concerns/report_form.jinja", _form_context(request, values, errors), status=status
    )


@require_http_methods(["GET", "POST"])
def report(request):
    """The report form. "Submit" stores the concern; "Save and come back later" keeps a draft."""
    _require(request, "concerns.report")
    membership = request.membership
    if request.method == "GET":
        draft_id = request.GET.get("draft")
        if draft_id:
            draft = selectors.draft_for(membership, draft_id)
            values = forms.values_from_submission(
                services.submission_from_draft(draft), draft=str(draft.public_id)
            )
        else:
            values = forms.values_from_post(QueryDict())
            values["part"] = (
                request.GET.get("part", "") if request.GET.get("part") in ConcernPart.values else ""
            )
            values["aspect_of_care"] = (
                request.GET.get("aspect", "") if request.GET.get("aspect") in AspectOfCare.values else ""
            )
            values["about_search"] = request.GET.get("about", "").strip()[:100]
        return _render_form(request, values)

    values = forms.values_from_post(request.POST)
    draft = selectors.draft_for(membership, values["draft"]) if values["draft"] else None
    action = request.POST.get("action", "submit")
    if action == "find":
        # Without JavaScript: show the organisations matching what was typed, keep everything else.
        values["about_organisation"] = ""
        return _render_form(request, values)
    event_date, date_problems = forms.parse_date(request.POST)
    submission = forms.submission_from_values(values, event_date)
    if action == "save":
        return _save_draft(request, values, submission, draft, date_problems)
    limited = ratelimit.hit(ratelimit.CONCERN_SUBMIT, request.user.pk)
    if limited:
        return _rate_limited(request, values, limited)
    try:
        if date_problems:
            others = services.check_submission(membership=membership, submission=submission)
            raise services.ConcernInvalid(
                services.in_form_order(date_problems + [p for p in others if p.field != "event_date"])
            )
        concern, _ = services.submit_concern(
            membership=membership, submission=submission, source="web", draft=draft, request=request
        )
    except services.ConcernInvalid as invalid:
        return _render_form(request, values, forms.form_errors(invalid.problems, values), status=422)
    return redirect("concerns:submitted", concern.reference)


def _rate_limited(request, values, limited):
    """Too many submissions in a short time: the form again, with everything typed, and when to retry."""
    message = (
        f"You have submitted a lot of concerns in a short time. Wait {limited.wait_in_words()}, then "
        "select Submit concern again. Everything you typed is still here."
    )
    errors = forms.FormErrors(summary=[{"text": message, "href": "#report-form"}])
    response = _render_form(request, values, errors, status=429)
    response["Retry-After"] = str(limited.retry_after)
    return response


def _save_draft(request, values, submission, draft, date_problems):
    saved = services.concern_draft_save(
        membership=request.membership, submission=submission, draft=draft, request=request
    )
    if not saved.left_out and not date_problems:
        messages.info(
            request, "Your report is saved as a draft. Carry on with it from here whenever you like."
        )
        return redirect("concerns:draft_list")
    values["draft"] = str(saved.draft.public_id)
    labels = [services.LABELS[name].lower() for name in saved.left_out]
    if labels:
        messages.info(
            request,
            "Your draft is saved without "
            + " or ".join(labels)
            + ": Liaison keeps nothing that may identify a patient. What you typed is still below; "
            "change it and save again.",
        )
    problems = services.in_form_order(saved.problems + date_problems)
    return _render_form(request, values, forms.form_errors(problems, values), status=422)


def organisation_suggestions(request):
    """htmx: the organisations matching what has been typed, as radios to choose from."""
    _require(request, "concerns.report")
    values = forms.values_from_post(request.GET)
    values["about_organisation"] = ""
    context = _form_context(request, values)
    return render(request, "concerns/_organisation_choices.jinja", context)


# The next two carry the whole form, free text included, so they are POST only: typed text must never
# travel in a URL, where web servers and proxies log it before the PID guard has seen it.


@require_POST
def standards_for_date(request):
    """htmx: the standards of the Code in force for the chosen organisation on the event date."""
    _require(request, "concerns.report")
    context = _form_context(request, forms.values_from_post(request.POST))
    return render(request, "concerns/_standards.jinja", context)


@require_POST
def similar_concerns(request):
    """htmx: open concerns like this one, to add a "me too" instead of reporting it again."""
    _require(request, "concerns.report")
    context = _form_context(request, forms.values_from_post(request.POST))
    return render(request, "concerns/_similar.jinja", context)


def submitted(request, reference):
    """The confirmation: the reference to quote, and what was recorded."""
    _require(request, "concerns.view")
    concern = selectors.concern_for(request.membership, reference)
    if concern.reporter_id != request.user.pk:
        return redirect("concerns:concern_detail", concern.reference)
    return render(
        request,
        "concerns/submitted.jinja",
        {"page_title": f"Concern submitted: {concern.reference}", "concern": concern, "breadcrumbs": [HOME]},
    )


# --- Drafts ----------------------------------------------------------------------------------------


def draft_list(request):
    _require(request, "concerns.report")
    return render(
        request,
        "concerns/draft_list.jinja",
        {
            "page_title": "Your draft reports",
            "drafts": list(selectors.drafts_for(request.membership)),
            "breadcrumbs": [HOME, _concerns_crumb()],
        },
    )


@require_POST
def draft_discard(request, public_id):
    _require(request, "concerns.report")
    draft = selectors.draft_for(request.membership, public_id)
    services.concern_draft_discard(membership=request.membership, draft=draft, request=request)
    messages.info(request, "The draft has been discarded.")
    return redirect("concerns:draft_list")


# --- The list and one concern ---------------------------------------------------------------------


STATUS_FILTERS = [("", "Any status"), ("open", "Open (not closed)"), *ConcernStatus.choices]
DIRECTION_FILTERS = [
    ("", "Reported by us or about us"),
    ("reported", "Reported by us"),
    ("about", "About us"),
]


def concern_list(request):
    """Our organisation's concerns: those we reported, those about us, with status and occurrences."""
    _require(request, "concerns.view")
    query = request.GET
    status = query.get("status", "") if query.get("status", "") in dict(STATUS_FILTERS) else ""
    part = query.get("part", "") if query.get("part", "") in ConcernPart.values else ""
    direction = query.get("direction", "") if query.get("direction", "") in dict(DIRECTION_FILTERS) else ""
    concerns = selectors.concern_list(request.membership, status=status, part=part, direction=direction)
    page = Paginator(concerns, PAGE_SIZE).get_page(query.get("page"))
    return render(
        request,
        "concerns/concern_list.jinja",
        {
            "page_title": "Concerns",
            "column_width": "full",
            "page": page,
            "pagination": pagination_for(request, page),
            "status": status,
            "part": part,
            "direction": direction,
            "status_filters": STATUS_FILTERS,
            "direction_filters": DIRECTION_FILTERS,
            "parts": ConcernPart.choices,
            "is_icb_wide": selectors.is_icb_wide(request.membership),
            "breadcrumbs": [HOME],
        },
    )


def concern_detail(request, reference):
    _require(request, "concerns.view")
    membership = request.membership
    concern = selectors.concern_for(membership, reference)
    return render(
        request,
        "concerns/concern_detail.jinja",
        {
            "page_title": f"Concern {concern.reference}",
            "concern": concern,
            "show_patient_reference": selectors.patient_reference_visible(membership, concern),
            "show_reporter": selectors.reporter_name_visible(membership, concern),
            "may_join": has_permission(membership, "concerns.report")
            and concern.status in selectors.OPEN_STATUSES,
            "case_relationship": routing_selectors.viewer_relationship(membership, concern),
            "column_width": "full",
            "breadcrumbs": [HOME, _concerns_crumb()],
        },
    )


@require_http_methods(["GET", "POST"])
def me_too(request, reference):
    """ "This happened to us too": the person's organisation, a date and an optional short note."""
    _require(request, "concerns.report")
    membership = request.membership
    concern = selectors.concern_joinable_for(membership, reference)
    values = {
        "event_date_day": request.POST.get("event_date_day", ""),
        "event_date_month": request.POST.get("event_date_month", ""),
        "event_date_year": request.POST.get("event_date_year", ""),
        "note": request.POST.get("note", ""),
        "confirm_not_identifying": request.POST.getlist("confirm_not_identifying"),
    }
    errors = None
    if request.method == "POST":
        event_date, date_problems = forms.parse_date(request.POST)
        try:
            if date_problems:
                raise services.ConcernInvalid(date_problems)
            services.add_occurrence(
                membership=membership,
                concern=concern,
                event_date=event_date,
                note=values["note"],
                confirm_not_identifying=values["confirm_not_identifying"],
                request=request,
            )
        except services.ConcernInvalid as invalid:
            errors = forms.form_errors(invalid.problems, values, fields=("note",))
        else:
            messages.info(
                request,
                f"Thank you. Your organisation's occurrence is added to {concern.reference}: "
                "it counts wherever this concern is counted.",
            )
            if selectors.can_read(membership, concern):
                return redirect("concerns:concern_detail", concern.reference)
            return redirect("concerns:concern_list")
    return render(
        request,
        "concerns/me_too.jinja",
        {
            "page_title": f"This happened to us too: {concern.reference}",
            "concern": concern,
            "values": values,
            "errors": errors or forms.FormErrors(),
            "form_errors": errors.summary if errors else [],
            "breadcrumbs": [HOME, _concerns_crumb()],
        },
        status=422 if errors else 200,
    )
