"""RFC 9457 problem details for every API error."""

from django.http import JsonResponse

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_BASE = "https://liaison.nhs.uk/problems/"


def problem_response(
    *,
    status: int,
    title: str,
    detail: str = "",
    type_slug: str = "",
    errors: list[dict] | None = None,
    instance: str = "",
    headers: dict | None = None,
) -> JsonResponse:
    """A problem+json response. ``errors`` lists field-level detail: ``{"field", "message", "code"}``."""
    body = {
        "type": PROBLEM_BASE + type_slug if type_slug else "about:blank",
        "title": title,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    if errors is not None:
        body["errors"] = errors
    response = JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response
