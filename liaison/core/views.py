"""Pages that belong to no one context: home, health check, static pages and error pages."""

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from liaison.accounts.permissions import has_permission
from liaison.core.home import waiting_for


def home(request):
    """What is waiting for the signed-in role, with a link to each list, and the One Click button."""
    membership = request.membership
    return render(
        request,
        "core/home.jinja",
        {
            "membership": membership,
            "can_report": has_permission(membership, "concerns.report"),
            "waiting": waiting_for(membership),
        },
    )


@login_not_required
def health(request):
    """Liveness and database reachability for a load balancer. Says nothing else."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_not_required
def accessibility(request):
    return render(
        request,
        "core/static_page.jinja",
        {
            "page_title": "Accessibility statement",
            "paragraphs": [
                "Liaison is built with the NHS design system and is tested against WCAG 2.2 level AA "
                "with automated checks on every page in its browser tests.",
                "Every form works without JavaScript. Charts always come with a table of their data, "
                "and colour is never the only way information is shown.",
                "If you find a part of Liaison you cannot use, tell your ICB's Liaison administrator.",
            ],
        },
    )


@login_not_required
def privacy(request):
    return render(
        request,
        "core/static_page.jinja",
        {
            "page_title": "Privacy",
            "paragraphs": [
                "Liaison holds the names, roles and work contact details of NHS staff, and records who "
                "signed in and what they viewed or changed, so that the ICB can show its records are safe.",
                "Liaison never holds a patient's NHS number, name, address, date of birth or other "
                "identifying details. A local clinical-system reference, where given, is shown only to "
                "the people who need it to follow a case up.",
            ],
        },
    )


def _error_page(request, status: int, title: str, explanation: str):
    return render(
        request, "core/error.jinja", {"page_title": title, "explanation": explanation}, status=status
    )


def bad_request(request, exception=None):
    return _error_page(
        request, 400, "Sorry, there is a problem with this request", "Check the address and try again."
    )


def permission_denied(request, exception=None):
    return _error_page(
        request,
        403,
        "You do not have access to this page",
        "Your role at your current organisation does not allow this. If you have another role, switch organisation.",
    )


def page_not_found(request, exception=None):
    return _error_page(request, 404, "Page not found", "If you typed the web address, check it is correct.")


def server_error(request):
    return _error_page(
        request,
        500,
        "Sorry, there is a problem with the service",
        "Try again later. Nothing you have saved has been lost.",
    )
