"""Directory pages: organisations, the who's who, and editing contacts and services."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from liaison.accounts.permissions import has_permission
from liaison.core.forms import error_list
from liaison.core.pagination import pagination_for
from liaison.directory import selectors, services
from liaison.directory.forms import ContactForm, OrganisationServiceForm
from liaison.directory.models import ContactRole, OrganisationType

PAGE_SIZE = 50


def _require(request, permission: str, obj=None) -> None:
    if not has_permission(request.membership, permission, obj):
        raise PermissionDenied


def _membership_icb(request):
    membership = request.membership
    return selectors.icb_of(membership.organisation) if membership else None


def organisation_list(request):
    _require(request, "directory.view")
    query = request.GET
    org_type = query.get("type", "") if query.get("type") in OrganisationType.values else ""
    # Before anyone has searched, show their own ICB.
    default_icb = _membership_icb(request)
    icb_code = query.get("icb", "") if query else (default_icb.ods_code if default_icb else "")
    text = query.get("q", "").strip()[:200]
    include_closed = query.get("closed") == "1"
    options = selectors.organisation_list_options(icb_code=icb_code, place_id=query.get("place"))
    organisations = selectors.organisation_search(
        text, org_type=org_type or None, icb=options.icb, place=options.place, include_closed=include_closed
    )
    page = Paginator(organisations, PAGE_SIZE).get_page(query.get("page"))
    return render(
        request,
        "directory/organisation_list.jinja",
        {
            "page_title": "Organisations",
            "column_width": "full",
            "breadcrumbs": [{"href": reverse("core:home"), "text": "Home"}],
            "text": text,
            "org_type": org_type,
            "org_types": OrganisationType.choices,
            "options": options,
            "include_closed": include_closed,
            "page": page,
            "pagination": pagination_for(request, page),
        },
    )


def whos_who(request):
    _require(request, "directory.view")
    query = request.GET
    role = query.get("role", "") if query.get("role") in ContactRole.values else ""
    text = query.get("q", "").strip()[:200]
    result = selectors.whos_who(
        text=text, role=role, place_id=query.get("place"), icb=_membership_icb(request)
    )
    return render(
        request,
        "directory/whos_who.jinja",
        {
            "page_title": "Who's who",
            "column_width": "full",
            "breadcrumbs": [{"href": reverse("core:home"), "text": "Home"}],
            "text": text,
            "role": role,
            "place_id": query.get("place", ""),
            "roles": ContactRole.choices,
            "result": result,
            "can_edit": lambda organisation: has_permission(
                request.membership, "directory.edit_contacts", organisation
            ),
        },
    )


def organisation_detail(request, ods_code):
    _require(request, "directory.view")
    profile = selectors.organisation_profile(ods_code)
    if profile is None:
        raise Http404("No organisation has that ODS code")
    organisation = profile.organisation
    return render(
        request,
        "directory/organisation_detail.jinja",
        {
            "page_title": organisation.display_name,
            "breadcrumbs": [
                {"href": reverse("core:home"), "text": "Home"},
                {"href": reverse("directory:organisation_list"), "text": "Organisations"},
            ],
            "profile": profile,
            "organisation": organisation,
            "can_edit": has_permission(request.membership, "directory.edit_contacts", organisation),
        },
    )


def _contact_page(request, *, organisation, form, contact=None, status=200):
    title = f"Change {contact.name}" if contact else "Add a contact"
    return render(
        request,
        "directory/contact_form.jinja",
        {
            "page_title": title,
            "breadcrumbs": [
                {"href": reverse("directory:organisation_list"), "text": "Organisations"},
                {
                    "href": reverse("directory:organisation_detail", args=[organisation.ods_code]),
                    "text": organisation.display_name,
                },
            ],
            "organisation": organisation,
            "contact": contact,
            "form": form,
            "roles": ContactRole.choices,
            "form_errors": error_list(form) if form.is_bound and form.errors else [],
        },
        status=status,
    )


def _service_errors_onto(form, error: ValidationError) -> None:
    for field, messages_ in error.message_dict.items():
        for message in messages_:
            form.add_error(field if field in form.fields else None, message)


@require_http_methods(["GET", "POST"])
def contact_add(request, ods_code):
    organisation = selectors.organisation_by_ods(ods_code)
    if organisation is None:
        raise Http404("No organisation has that ODS code")
    _require(request, "directory.edit_contacts", organisation)
    form = ContactForm(request.POST or None, choices=selectors.contact_form_choices(organisation))
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.contact_create(
                organisation=organisation, actor=request.user, request=request, **form.contact_values()
            )
        except ValidationError as error:
            _service_errors_onto(form, error)
        else:
            messages.info(request, f"{contact.name} has been added to the who's who.")
            return redirect(
                reverse("directory:organisation_detail", args=[organisation.ods_code]) + "#whos-who"
            )
    return _contact_page(request, organisation=organisation, form=form, status=422 if form.is_bound else 200)


@require_http_methods(["GET", "POST"])
def contact_edit(request, contact_id):
    contact = selectors.contact_by_id(contact_id)
    if contact is None:
        raise Http404("No such contact")
    organisation = contact.organisation
    _require(request, "directory.edit_contacts", organisation)
    initial = {
        "role": contact.role,
        "name": contact.name,
        "job_title": contact.job_title,
        "email": contact.email,
        "phone": contact.phone,
        "contact_notes": contact.contact_notes,
        "place": contact.place_id,
        "service": contact.service_id,
    }
    form = ContactForm(
        request.POST or None, initial=initial, choices=selectors.contact_form_choices(organisation)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_update(
                contact=contact, actor=request.user, request=request, **form.contact_values()
            )
        except ValidationError as error:
            _service_errors_onto(form, error)
        else:
            messages.info(request, f"The details for {contact.name} have been saved.")
            return redirect(
                reverse("directory:organisation_detail", args=[organisation.ods_code]) + "#whos-who"
            )
    return _contact_page(
        request, organisation=organisation, form=form, contact=contact, status=422 if form.is_bound else 200
    )


@require_http_methods(["GET", "POST"])
def contact_remove(request, contact_id):
    contact = selectors.contact_by_id(contact_id)
    if contact is None:
        raise Http404("No such contact")
    organisation = contact.organisation
    _require(request, "directory.edit_contacts", organisation)
    if request.method == "POST":
        services.contact_deactivate(contact=contact, actor=request.user, request=request)
        messages.info(request, f"{contact.name} has been removed from the who's who.")
        return redirect(reverse("directory:organisation_detail", args=[organisation.ods_code]) + "#whos-who")
    return render(
        request,
        "directory/contact_remove.jinja",
        {
            "page_title": f"Remove {contact.name} from the who's who",
            "breadcrumbs": [
                {"href": reverse("directory:organisation_list"), "text": "Organisations"},
                {
                    "href": reverse("directory:organisation_detail", args=[organisation.ods_code]),
                    "text": organisation.display_name,
                },
            ],
            "contact": contact,
            "organisation": organisation,
        },
    )


@require_http_methods(["GET", "POST"])
def service_add(request, ods_code):
    organisation = selectors.organisation_by_ods(ods_code)
    if organisation is None:
        raise Http404("No organisation has that ODS code")
    _require(request, "directory.edit_contacts", organisation)
    specialties = list(selectors.specialties_all())
    form = OrganisationServiceForm(request.POST or None, specialties=specialties)
    if request.method == "POST" and form.is_valid():
        specialty = next(item for item in specialties if item.code == form.cleaned_data["specialty"])
        services.organisation_service_add(
            organisation=organisation,
            specialty=specialty,
            local_name=form.cleaned_data["local_name"],
            actor=request.user,
            request=request,
        )
        messages.info(request, f"{specialty.name} has been added to {organisation.display_name}'s services.")
        return redirect(reverse("directory:organisation_detail", args=[organisation.ods_code]) + "#services")
    return render(
        request,
        "directory/service_form.jinja",
        {
            "page_title": "Add a service",
            "breadcrumbs": [
                {"href": reverse("directory:organisation_list"), "text": "Organisations"},
                {
                    "href": reverse("directory:organisation_detail", args=[organisation.ods_code]),
                    "text": organisation.display_name,
                },
            ],
            "organisation": organisation,
            "form": form,
            "form_errors": error_list(form) if form.is_bound and form.errors else [],
        },
        status=422 if form.is_bound else 200,
    )
