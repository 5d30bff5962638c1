"""Routing and response pages: the case page, the inbox, the ICB view and routing rules."""

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from liaison.routing import selectors


def _case_or_404(request, reference):
    case = selectors.case_for(request.membership, reference)
    if case is None:
        raise Http404("No concern with that reference that you can see")
    return case


def case(request, reference):
    case = _case_or_404(request, reference)
    return render(
        request,
        "routing/case.jinja",
        {
            "page_title": f"Concern {case.concern.reference}",
            "column_width": "full",
            "breadcrumbs": [{"href": reverse("core:home"), "text": "Home"}],
            "case": case,
        },
    )
