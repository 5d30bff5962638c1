"""Errors from outside the API handlers still answer API clients in the API's own format.

Django itself answers some requests before a JSON API handler runs, or without one: an unknown
address under /api/v1/ (404), a method an operation does not support (405 from Django Ninja), a body
over the size limit (400), an unexpected error (500). Those come back as HTML pages. For the JSON
API this middleware turns them into RFC 9457 problem+json; for the FHIR intake, into an
OperationOutcome. Answers already in the right format pass through untouched.
"""

from http import HTTPStatus

from django.http import JsonResponse

from liaison.core.problems import PROBLEM_CONTENT_TYPE, problem_response

FHIR_JSON = "application/fhir+json"
_DETAILS = {
    404: "There is nothing at this address. Check the path against /api/v1/openapi.json.",
    405: "This address does not accept that method. The Allow header lists the methods it does.",
    500: "Something went wrong on our side. Nothing was changed. Try again later.",
}
_FHIR_CODES = {400: "structure", 401: "login", 403: "forbidden", 404: "not-found", 405: "not-supported"}


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class ApiErrorFormatMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code < 400:
            return response
        content_type = response.get("Content-Type", "")
        if request.path.startswith("/api/") and not content_type.startswith(PROBLEM_CONTENT_TYPE):
            replacement = problem_response(
                status=response.status_code,
                title=_title(response.status_code),
                type_slug={404: "not-found", 405: "method-not-allowed"}.get(response.status_code, ""),
                detail=_DETAILS.get(response.status_code, "The request could not be handled."),
                instance=request.path,
            )
        elif request.path.startswith("/fhir/") and not content_type.startswith(FHIR_JSON):
            status = response.status_code
            code = _FHIR_CODES.get(status, "exception" if status >= 500 else "invalid")
            replacement = JsonResponse(
                {
                    "resourceType": "OperationOutcome",
                    "issue": [
                        {
                            "severity": "error",
                            "code": code,
                            "diagnostics": _DETAILS.get(status, _title(status)).replace(
                                "/api/v1/openapi.json", "the $process-message address"
                            ),
                        }
                    ],
                },
                status=status,
                content_type=FHIR_JSON,
            )
        else:
            return response
        for header in ("Allow", "WWW-Authenticate", "Retry-After", "X-Request-Id", "X-Correlation-Id"):
            if response.has_header(header):
                replacement[header] = response[header]
        return replacement
