"""Themes pages: the themes list and theme page with the analysts' curation, rebuild progress, the
standard suggestion fragment for the concern form, and the text model status.

The suggestion is an htmx fragment the concern form POSTs the typed text to as the reporter types
(never a GET: typed text must not travel in a URL, hazard H-09). It never applies anything: it tells
the reporter which standard the text looks like, with a confidence, and leaves the choice to them.
Text the PID guard blocks is refused without being processed or shown back.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from liaison.accounts.permissions import has_permission
from liaison.core.forms import error_list
from liaison.privacy import scan_text
from liaison.themes import forms, selectors, services
from liaison.themes.models import ThemeStatus

MAX_TEXT_LENGTH = 5000
# Below this confidence the fragment says there is no clear match rather than naming a standard.
MIN_CONFIDENCE = 0.3
# Other standards are listed as "also possible" from this confidence.
ALSO_POSSIBLE = 0.15


def _require(request, permission: str) -> None:
    if not has_permission(request.membership, permission):
        raise PermissionDenied


@require_POST
def suggest(request):
    """htmx: the standard the typed text most looks like, with a confidence; never applied for the user.

    Takes ``text``, or the concern form's ``what_happened`` and ``impact``."""
    _require(request, "themes.suggest")
    text = request.POST.get("text") or " ".join(
        part
        for part in (request.POST.get("what_happened", ""), request.POST.get("impact", ""))
        if part.strip()
    )
    context = {
        "refused": "",
        "suggestion": None,
        "also": [],
        "status": services.text_model_status(),
        # From the concern form itself: offer a "Use this" button that ticks the standard when pressed.
        "offer_use": "what_happened" in request.POST,
    }
    if len(text) > MAX_TEXT_LENGTH:
        context["refused"] = "too_long"
    elif text.strip():
        if scan_text(text).blocked:
            context["refused"] = "pid"
        else:
            code_of_conduct = selectors.code_of_conduct_for_membership(
                membership=request.membership, day=timezone.localdate()
            )
            ranked = services.suggest_standards(text, code_of_conduct=code_of_conduct, limit=3)
            titles = selectors.standard_titles(code_of_conduct=code_of_conduct)
            named = [{"code": code, "title": titles.get(code, ""), "score": score} for code, score in ranked]
            if named and named[0]["score"] >= MIN_CONFIDENCE:
                context["suggestion"] = named[0]
                context["also"] = [item for item in named[1:] if item["score"] >= ALSO_POSSIBLE]
            elif named:
                context["refused"] = "unclear"
    return render(request, "themes/_suggestion.jinja", context)


def text_model(request):
    """For analysts: which model reads concern text, and why (a fallback is said plainly)."""
    _require(request, "themes.view_text_model")
    return render(
        request,
        "themes/text_model.jinja",
        {
            "page_title": "Text understanding",
            "status": services.text_model_status(),
            "breadcrumbs": [{"href": "/", "text": "Home"}],
        },
    )


# --- Themes pages ---------------------------------------------------------------------------------


def _theme_crumbs(theme=None) -> list[dict]:
    crumbs = [{"href": "/", "text": "Home"}, {"href": reverse("themes:list"), "text": "Themes"}]
    if theme is not None:
        crumbs.append({"href": reverse("themes:detail", args=[theme.pk]), "text": theme.label})
    return crumbs


def theme_list(request):
    """Themes the viewer may see, with counts, a trend and its data, filters, and (for the ICB team) rebuilds."""
    _require(request, "themes.view")
    membership = request.membership
    status = request.GET.get("status", "active")
    if status not in ThemeStatus.values:
        status = ThemeStatus.ACTIVE
    organisation = request.GET.get("organisation", "")
    organisations = selectors.organisations_in_themes(membership)
    organisation_id = int(organisation) if organisation.isdigit() else None
    if organisation_id not in {pk for pk, _ in organisations}:
        organisation_id = None
    filters = {
        "status": status,
        "rising": request.GET.get("rising") == "yes",
        "search": request.GET.get("search", "")[:120],
        "organisation": organisation_id,
    }
    rows = selectors.theme_rows(
        membership,
        today=timezone.localdate(),
        status=status,
        rising_only=filters["rising"],
        search=filters["search"],
        organisation_id=organisation_id,
    )
    return render(
        request,
        "themes/theme_list.jinja",
        {
            "page_title": "Themes",
            "column_width": "full",
            "rows": rows,
            "filters": filters,
            "organisations": organisations,
            "statuses": ThemeStatus.choices,
            "can_curate": has_permission(membership, "themes.curate"),
            "build": selectors.latest_build(membership),
            "breadcrumbs": [{"href": "/", "text": "Home"}],
        },
    )


@require_POST
def rebuild(request):
    """Start a full rebuild of the ICB's themes in the background; the list shows its progress."""
    _require(request, "themes.curate")
    services.theme_build_start(icb=request.membership.organisation, requested_by=request.user)
    messages.info(request, "Rebuilding themes. Your decisions (names, merges, splits, pins) are kept.")
    return redirect("themes:list")


def build_progress(request, build_id: int):
    """htmx: the rebuild's progress panel, polled while it runs."""
    _require(request, "themes.curate")
    build = selectors.build_for(request.membership, build_id)
    return render(request, "themes/_build_progress.jinja", {"build": build})


def theme_detail(request, theme_id: int):
    _require(request, "themes.view")
    membership = request.membership
    theme = selectors.theme_for(membership, theme_id)
    detail = selectors.theme_detail(membership, theme, today=timezone.localdate())
    context = {
        "page_title": theme.label,
        "column_width": "full",
        "theme": theme,
        "detail": detail,
        "rising_rows": selectors.rising_rows(membership, theme),
        "breadcrumbs": _theme_crumbs(),
    }
    if detail.can_curate:
        context["rename_form"] = forms.RenameForm(initial={"label": theme.label})
        context["owner_form"] = forms.OwnerForm(
            initial={"owner": theme.owner_id}, candidates=selectors.theme_owner_candidates(icb=theme.icb)
        )
    return render(request, "themes/theme_detail.jinja", context)


def _curate(request, theme_id: int):
    _require(request, "themes.curate")
    theme = selectors.theme_for(request.membership, theme_id)
    if not has_permission(request.membership, "themes.curate", theme):
        raise PermissionDenied
    return theme


def _data(request):
    """The posted data (even when empty, so an empty form is checked), or None on GET."""
    return request.POST if request.method == "POST" else None


def _saved(form, change, **values) -> tuple[bool, object]:
    """Apply one curation change; when the service refuses it, put each problem on the form.

    Returns whether the change was made and what the service returned, so each view only says what
    happened and where to go next."""
    try:
        return True, change(**values)
    except services.ThemeInvalid as error:
        for field, message in error.problems.items():
            form.add_error(field if field in form.fields else None, message)
        return False, None


def _form_page(request, template: str, theme, form, title: str, **extra):
    return render(
        request,
        template,
        {
            "page_title": title,
            "theme": theme,
            "form": form,
            "form_errors": error_list(form) if form.is_bound else [],
            "breadcrumbs": _theme_crumbs(theme),
            **extra,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def rename(request, theme_id: int):
    theme = _curate(request, theme_id)
    form = forms.RenameForm(_data(request), initial={"label": theme.label})
    if request.method == "POST" and form.is_valid():
        saved, _ = _saved(
            form,
            services.theme_rename,
            membership=request.membership,
            theme=theme,
            label=form.cleaned_data["label"],
            request=request,
        )
        if saved:
            messages.info(request, "Theme renamed. A rebuild keeps this name.")
            return redirect("themes:detail", theme.pk)
    return _form_page(request, "themes/rename.jinja", theme, form, "Rename this theme")


@require_POST
def pin(request, theme_id: int):
    theme = _curate(request, theme_id)
    form = forms.PinForm(request.POST)
    pinned = form.is_valid() and form.cleaned_data["pinned"]
    services.theme_set_pinned(membership=request.membership, theme=theme, pinned=pinned, request=request)
    messages.info(
        request, "Theme pinned: it stays on top and a rebuild keeps it." if pinned else "Theme unpinned."
    )
    return redirect("themes:detail", theme.pk)


@require_POST
def owner(request, theme_id: int):
    theme = _curate(request, theme_id)
    candidates = selectors.theme_owner_candidates(icb=theme.icb)
    form = forms.OwnerForm(request.POST, candidates=candidates)
    if form.is_valid():
        saved, _ = _saved(
            form,
            services.theme_set_owner,
            membership=request.membership,
            theme=theme,
            owner_id=form.cleaned_data["owner"],
            request=request,
        )
        if saved:
            messages.info(request, "Owner saved.")
            return redirect("themes:detail", theme.pk)
    return _form_page(request, "themes/owner.jinja", theme, form, "Choose the theme's owner")


@require_http_methods(["GET", "POST"])
def merge(request, theme_id: int):
    theme = _curate(request, theme_id)
    others = list(selectors.themes_to_merge_with(request.membership, theme))
    form = forms.MergeForm(_data(request), themes=others)
    if request.method == "POST" and form.is_valid():
        chosen = [other for other in others if other.pk in set(form.cleaned_data["sources"])]
        saved, _ = _saved(
            form,
            services.theme_merge,
            membership=request.membership,
            target=theme,
            sources=chosen,
            request=request,
        )
        if saved:
            messages.info(
                request, f"Merged {len(chosen)} theme{'s' if len(chosen) != 1 else ''} into this one."
            )
            return redirect("themes:detail", theme.pk)
    return _form_page(
        request, "themes/merge.jinja", theme, form, "Merge other themes into this one", others=others
    )


@require_http_methods(["GET", "POST"])
def split(request, theme_id: int):
    theme = _curate(request, theme_id)
    concerns = selectors.theme_members_for_split(request.membership, theme)
    form = forms.SplitForm(_data(request), concerns=concerns)
    if request.method == "POST" and form.is_valid():
        saved, new = _saved(
            form,
            services.theme_split,
            membership=request.membership,
            theme=theme,
            concern_ids=form.cleaned_data["concerns"],
            label=form.cleaned_data["label"],
            request=request,
        )
        if saved:
            messages.info(request, "New theme made from the concerns you chose. A rebuild keeps them there.")
            return redirect("themes:detail", new.pk)
    return _form_page(request, "themes/split.jinja", theme, form, "Split this theme", concerns=concerns)


@require_http_methods(["GET", "POST"])
def action_add(request, theme_id: int):
    theme = _curate(request, theme_id)
    organisations = selectors.organisations_for_actions(theme)
    form = forms.ActionForm(_data(request), organisations=organisations)
    if request.method == "POST" and form.is_valid():
        saved, _ = _saved(
            form,
            services.theme_action_add,
            membership=request.membership,
            theme=theme,
            action=form.cleaned_data["action"],
            owner_organisation_id=form.cleaned_data["owner_organisation"],
            owner_person=form.cleaned_data["owner_person"],
            due_date=form.cleaned_data["due_date"],
            request=request,
        )
        if saved:
            messages.info(request, "Action added.")
            return redirect("themes:detail", theme.pk)
    return _form_page(request, "themes/action_form.jinja", theme, form, "Agree an action")


@require_http_methods(["GET", "POST"])
def action_update(request, theme_id: int, action_id: int):
    theme = _curate(request, theme_id)
    action = selectors.theme_action_for(request.membership, theme, action_id)
    form = forms.ActionUpdateForm(_data(request), initial={"status": action.status})
    if request.method == "POST" and form.is_valid():
        saved, _ = _saved(
            form,
            services.theme_action_update,
            membership=request.membership,
            action=action,
            request=request,
            **form.cleaned_data,
        )
        if saved:
            messages.info(request, "Action updated.")
            return redirect("themes:detail", theme.pk)
    return _form_page(request, "themes/action_update.jinja", theme, form, "Update an action", action=action)


@require_http_methods(["GET", "POST"])
def move(request, theme_id: int):
    theme = _curate(request, theme_id)
    concerns = selectors.theme_members_for_split(request.membership, theme)
    others = list(selectors.themes_to_merge_with(request.membership, theme))
    form = forms.MoveForm(_data(request), concerns=concerns, themes=others)
    if request.method == "POST" and form.is_valid():
        target = next(other for other in others if other.pk == form.cleaned_data["target"])
        chosen = [concern for concern in concerns if concern.pk in set(form.cleaned_data["concerns"])]
        saved, _ = _saved(
            form,
            services.theme_move_concerns,
            membership=request.membership,
            concerns=chosen,
            target=target,
            request=request,
        )
        if saved:
            count = len(chosen)
            messages.info(request, f"Moved {count} concern{'s' if count != 1 else ''} to {target.label}.")
            return redirect("themes:detail", theme.pk)
    return _form_page(
        request,
        "themes/move.jinja",
        theme,
        form,
        "Move concerns to another theme",
        concerns=concerns,
        others=others,
    )
