"""Standards pages: the registry, one standard's history, and ICB Codes of Conduct with their versions.

Views parse input, check permission, call one selector or service, and render. Invalid forms are
answered 422 with every typed value kept.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from liaison.accounts.permissions import has_permission
from liaison.core.forms import error_list
from liaison.core.jinja_filters import nhs_date
from liaison.standards import selectors, services
from liaison.standards.forms import (
    AddStandardsForm,
    CodeOfConductForm,
    LocalStandardForm,
    RewordForm,
    TimeLimitLookupForm,
    VersionForm,
)

HOME = {"href": "/", "text": "Home"}


def _standards_crumb():
    return {"href": reverse("standards:standard_list"), "text": "Standards"}


def _code_crumb(icb):
    return {"href": reverse("standards:code_of_conduct", args=[icb.ods_code]), "text": "Code of Conduct"}


def _version_crumb(version):
    icb = version.code_of_conduct.icb
    return {
        "href": reverse("standards:version_detail", args=[icb.ods_code, version.version]),
        "text": f"Version {version.version}",
    }


def _posted(request):
    """The submitted data on a POST (bound even if empty), else None for an unbound form."""
    return request.POST if request.method == "POST" else None


def _today():
    return timezone.localdate()


def _require_view(request):
    if not has_permission(request.membership, "standards.view"):
        raise PermissionDenied


def _icb(ods_code):
    icb = selectors.icb_by_ods_code(ods_code=ods_code)
    if icb is None:
        raise Http404("There is no ICB with that ODS code.")
    return icb


def _may_manage(request, icb) -> bool:
    return has_permission(request.membership, "standards.manage_code_of_conduct", icb)


def _require_manage(request, icb):
    if not _may_manage(request, icb):
        raise PermissionDenied


def _draft(icb, version):
    """A version the manager may change: it must exist (drafts included)."""
    found = selectors.code_of_conduct_version(icb=icb, version=version, include_drafts=True)
    if found is None:
        raise Http404("There is no such version of this Code of Conduct.")
    return found


def _form_page(request, template, context, form, status=None):
    context.setdefault("form", form)
    context["form_errors"] = error_list(form) if form.is_bound and form.errors else []
    if status is None:
        status = 422 if context["form_errors"] else 200
    return render(request, template, context, status=status)


def _message_of(error) -> str:
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


def _refuse_published(request, version):
    """Edits to a published version go back to it with the reason, and change nothing."""
    messages.error(request, str(services.PublishedVersionError(version)))
    return redirect("standards:version_detail", version.code_of_conduct.icb.ods_code, version.version)


def _add_service_error(form, error):
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
    elif isinstance(error, ValidationError):
        form.add_error(None, error.messages)
    else:
        form.add_error(None, str(error))


# --- The registry ---------------------------------------------------------------------------------


def standard_list(request):
    _require_view(request)
    membership = request.membership
    icb = membership.icb if membership else None
    overview = selectors.standards_overview(icb=icb, day=_today())
    return render(
        request,
        "standards/standard_list.jinja",
        {
            "page_title": "Standards",
            "overview": overview,
            "icb": icb,
            "may_manage": icb is not None and _may_manage(request, icb),
            "column_width": "full",
            "breadcrumbs": [HOME],
        },
    )


def standard_detail(request, code):
    _require_view(request)
    form = TimeLimitLookupForm(request.GET if any(key.startswith("on_") for key in request.GET) else None)
    on = form.cleaned_data["on"] if form.is_bound and form.is_valid() else None
    icb = request.membership.icb if request.membership else None
    detail = selectors.standard_detail(code=code, icb=icb, today=_today(), on=on)
    if detail is None:
        raise Http404("There is no standard with that code.")
    return _form_page(
        request,
        "standards/standard_detail.jinja",
        {
            "page_title": f"{detail.standard.code} {detail.standard.title}",
            "detail": detail,
            "icb": icb,
            "breadcrumbs": [HOME, _standards_crumb()],
        },
        form,
    )


# --- Codes of Conduct -----------------------------------------------------------------------------


def code_of_conduct(request, ods_code):
    _require_view(request)
    icb = _icb(ods_code)
    may_manage = _may_manage(request, icb)
    history = selectors.code_of_conduct_history(icb=icb, day=_today(), include_drafts=may_manage)
    return render(
        request,
        "standards/code_of_conduct.jinja",
        {
            "page_title": history.code_of_conduct.title if history else f"{icb.display_name} Code of Conduct",
            "icb": icb,
            "history": history,
            "may_manage": may_manage,
            "column_width": "full",
            "breadcrumbs": [HOME, _standards_crumb()],
        },
    )


def code_of_conduct_create(request, ods_code):
    icb = _icb(ods_code)
    _require_manage(request, icb)
    form = CodeOfConductForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            version = services.code_of_conduct_create(
                actor=request.user,
                membership=request.membership,
                icb=icb,
                title=form.cleaned_data["title"],
                effective_from=form.cleaned_data["effective_from"],
                notes=form.cleaned_data["notes"],
            )
        except ValidationError as error:
            _add_service_error(form, error)
        else:
            messages.info(
                request, "Code of Conduct created. Version 1 is a draft: change it, then publish it."
            )
            return redirect("standards:version_detail", icb.ods_code, version.version)
    return _form_page(
        request,
        "standards/code_of_conduct_form.jinja",
        {
            "page_title": "Create a Code of Conduct",
            "icb": icb,
            "breadcrumbs": [HOME, _standards_crumb(), _code_crumb(icb)],
        },
        form,
    )


def version_create(request, ods_code):
    icb = _icb(ods_code)
    _require_manage(request, icb)
    history = selectors.code_of_conduct_history(icb=icb, day=_today(), include_drafts=True)
    if history is None:
        return redirect("standards:code_of_conduct_create", icb.ods_code)
    form = VersionForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            version = services.code_of_conduct_version_create(
                actor=request.user,
                membership=request.membership,
                code_of_conduct=history.code_of_conduct,
                effective_from=form.cleaned_data["effective_from"],
                notes=form.cleaned_data["notes"],
            )
        except ValidationError as error:
            _add_service_error(form, error)
        else:
            messages.info(request, f"Version {version.version} is a draft copied from the latest version.")
            return redirect("standards:version_detail", icb.ods_code, version.version)
    return _form_page(
        request,
        "standards/version_form.jinja",
        {
            "page_title": "Make a new version",
            "icb": icb,
            "history": history,
            "breadcrumbs": [HOME, _standards_crumb(), _code_crumb(icb)],
        },
        form,
    )


def version_detail(request, ods_code, version):
    _require_view(request)
    icb = _icb(ods_code)
    may_manage = _may_manage(request, icb)
    found = selectors.code_of_conduct_version(icb=icb, version=version, include_drafts=may_manage)
    if found is None:
        raise Http404("There is no such version of this Code of Conduct.")
    today = _today()
    return render(
        request,
        "standards/version_detail.jinja",
        {
            "page_title": f"{found.code_of_conduct.title}, version {found.version}",
            "icb": icb,
            "version": found,
            "entries": selectors.version_entries(version=found, day=max(today, found.effective_from)),
            "may_edit": may_manage and not found.is_published,
            "column_width": "full",
            "breadcrumbs": [HOME, _standards_crumb(), _code_crumb(icb)],
        },
    )


def entry_reword(request, ods_code, version, code):
    icb = _icb(ods_code)
    _require_manage(request, icb)
    found = _draft(icb, version)
    if found.is_published:
        return _refuse_published(request, found)
    entry = selectors.version_entry(version=found, code=code)
    if entry is None:
        raise Http404("That standard is not in this version.")
    initial = {
        "local_reference": entry.local_reference,
        "local_title": entry.title,
        "local_wording": entry.wording,
    }
    form = RewordForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.code_standard_reword(
                actor=request.user, membership=request.membership, entry=entry, **form.cleaned_data
            )
        except (ValidationError, services.PublishedVersionError) as error:
            _add_service_error(form, error)
        else:
            messages.info(request, f"{entry.standard.code} re-worded in version {found.version}.")
            return redirect("standards:version_detail", icb.ods_code, found.version)
    return _form_page(
        request,
        "standards/entry_reword.jinja",
        {
            "page_title": f"Re-word {entry.standard.code} {entry.standard.title}",
            "icb": icb,
            "version": found,
            "entry": entry,
            "breadcrumbs": [HOME, _standards_crumb(), _code_crumb(icb), _version_crumb(found)],
        },
        form,
    )


@require_POST
def entry_change(request, ods_code, version, code):
    """Move a standard up or down in a draft, or remove it: one form, one button per action."""
    icb = _icb(ods_code)
    _require_manage(request, icb)
    found = _draft(icb, version)
    entry = selectors.version_entry(version=found, code=code)
    if entry is None:
        raise Http404("That standard is not in this version.")
    action = request.POST.get("action", "")
    try:
        if action == "remove":
            services.code_standard_deselect(actor=request.user, membership=request.membership, entry=entry)
            messages.info(request, f"{entry.standard.code} removed from version {found.version}.")
        elif action in ("up", "down"):
            services.code_standard_move(
                actor=request.user, membership=request.membership, entry=entry, direction=action
            )
        else:
            messages.error(request, "Choose whether to move the standard up or down, or remove it.")
    except (ValidationError, services.PublishedVersionError) as error:
        messages.error(request, _message_of(error))
    target = reverse("standards:version_detail", args=[icb.ods_code, found.version])
    return redirect(f"{target}#standard-{entry.standard.code}")


def version_add_standards(request, ods_code, version):
    icb = _icb(ods_code)
    _require_manage(request, icb)
    found = _draft(icb, version)
    if found.is_published:
        return _refuse_published(request, found)
    available = selectors.standards_available_to_add(version=found)
    form = AddStandardsForm(_posted(request), available=available)
    if request.method == "POST" and form.is_valid():
        by_code = {standard.code: standard for standard in available}
        try:
            for code in form.cleaned_data["standards"]:
                services.code_standard_select(
                    actor=request.user, membership=request.membership, version=found, standard=by_code[code]
                )
        except (ValidationError, services.PublishedVersionError) as error:
            _add_service_error(form, error)
        else:
            messages.info(
                request, f"Added {', '.join(form.cleaned_data['standards'])} to version {found.version}."
            )
            return redirect("standards:version_detail", icb.ods_code, found.version)
    return _form_page(
        request,
        "standards/version_add_standards.jinja",
        {
            "page_title": "Add standards to this version",
            "icb": icb,
            "version": found,
            "available": available,
            "breadcrumbs": [HOME, _standards_crumb(), _code_crumb(icb), _version_crumb(found)],
        },
        form,
    )


def version_local_standard(request, ods_code, version):
    icb = _icb(ods_code)
    _require_manage(request, icb)
    found = _draft(icb, version)
    if found.is_published:
        return _refuse_published(request, found)
    form = LocalStandardForm(_posted(request), initial={"direction": "primary_to_secondary", "area": "other"})
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.local_standard_add(
                actor=request.user, membership=request.membership, version=found, **form.cleaned_data
            )
        except (ValidationError, services.PublishedVersionError) as error:
            _add_service_error(form, error)
        else:
            messages.info(request, f"Local standard {entry.standard.code} added to version {found.version}.")
            return redirect("standards:version_detail", icb.ods_code, found.version)
    return _form_page(
        request,
        "standards/version_local_standard.jinja",
        {
            "page_title": "Add a local standard",
            "icb": icb,
            "version": found,
            "breadcrumbs": [HOME, _standards_crumb(), _code_crumb(icb), _version_crumb(found)],
        },
        form,
    )


def version_publish(request, ods_code, version):
    icb = _icb(ods_code)
    _require_manage(request, icb)
    found = _draft(icb, version)
    if found.is_published:
        return _refuse_published(request, found)
    problems = []
    if request.method == "POST":
        try:
            services.code_of_conduct_version_publish(
                actor=request.user, membership=request.membership, version=found
            )
        except (ValidationError, services.PublishedVersionError) as error:
            problems = error.messages if isinstance(error, ValidationError) else [str(error)]
        else:
            messages.info(
                request,
                f"Version {found.version} is published. It takes effect on {nhs_date(found.effective_from)}.",
            )
            return redirect("standards:version_detail", icb.ods_code, found.version)
    return render(
        request,
        "standards/version_publish.jinja",
        {
            "page_title": f"Publish version {found.version}",
            "icb": icb,
            "version": found,
            "form_errors": [{"text": problem, "href": "#publish"} for problem in problems],
            "breadcrumbs": [HOME, _standards_crumb(), _code_crumb(icb), _version_crumb(found)],
        },
        status=422 if problems else 200,
    )
