"""Themes pages: the standard suggestion fragment for the concern form, and the text model status.

The suggestion is an htmx fragment (``GET /themes/suggest/?text=…``) the concern form fetches as
the reporter types. It never applies anything: it tells the reporter which standard the text looks
like, with a confidence, and leaves the choice to them. Text the PID guard blocks is refused
without being processed or shown back.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from liaison.accounts.permissions import has_permission
from liaison.privacy import scan_text
from liaison.themes import selectors, services

MAX_TEXT_LENGTH = 5000
# Below this confidence the fragment says there is no clear match rather than naming a standard.
MIN_CONFIDENCE = 0.3
# Other standards are listed as "also possible" from this confidence.
ALSO_POSSIBLE = 0.15


def _require(request, permission: str) -> None:
    if not has_permission(request.membership, permission):
        raise PermissionDenied


@require_GET
def suggest(request):
    """htmx: the standard the typed text most looks like, with a confidence; never applied for the user."""
    _require(request, "themes.suggest")
    text = request.GET.get("text", "")
    context = {"refused": "", "suggestion": None, "also": [], "status": services.text_model_status()}
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


def theme_list(request):
    """Themes the viewer may see (filled in by the themes pages)."""
    _require(request, "themes.view")
    themes = selectors.themes_visible_to(request.membership).filter(status="active")
    return render(
        request,
        "themes/theme_list.jinja",
        {"page_title": "Themes", "themes": themes, "breadcrumbs": [{"href": "/", "text": "Home"}]},
    )


def theme_detail(request, theme_id: int):
    _require(request, "themes.view")
    theme = selectors.theme_for(request.membership, theme_id)
    return render(
        request,
        "themes/theme_detail.jinja",
        {
            "page_title": theme.label,
            "theme": theme,
            "breadcrumbs": [{"href": "/", "text": "Home"}, {"href": "/themes/", "text": "Themes"}],
        },
    )
