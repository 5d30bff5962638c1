"""Errors from outside the API handlers still answer API clients in the API's own format.

Django itself answers some requests before a JSON API handler runs, or without one: an unknown
address under /api/v1/ (404), a method an operation does not support (405 from Django Ninja), a body
over the size limit (400), an unexpected error (500). Those come back as HTML pages. For the JSON
API this middleware turns them into RFC 9457 problem+json; for the FHIR intake, into an
OperationOutcome. Answers already in the right format pass through untouched.

It also refuses, before any handler runs, JSON API requests whose text cannot be stored: a null
character or a lone surrogate (valid JSON, but PostgreSQL rejects both), with a 422 naming the field.
"""

import json
import re
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


def _unstorable(value, path: str = ""):
    """(field, message) for the first string in a JSON value that cannot be stored, or None."""
    if isinstance(value, str):
        if "\x00" in value:
            return path, "Remove the null character from this text: it cannot be stored."
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path, "This text contains a character that is not valid Unicode. Type it again."
        return None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if isinstance(key, str) and _unstorable(key) is not None:
            return path or str(key), "A field name contains a character that cannot be stored."
        found = _unstorable(item, f"{path}.{key}" if path else str(key))
        if found is not None:
            return found
    return None


def _refuse_unstorable_json(request):
    if not request.path.startswith("/api/") or request.method not in ("POST", "PUT", "PATCH"):
        return None
    if "json" not in (request.content_type or ""):
        return None
    try:
        found = _unstorable(json.loads(request.body))
    except Exception:  # not JSON, or too large: the handler answers that in its own words
        return None
    if found is None:
        return None
    field, message = found
    return problem_response(
        status=422,
        title="The request is not valid",
        type_slug="validation-error",
        detail="Correct the fields listed in errors and send the request again. Nothing was saved.",
        errors=[{"field": field, "message": message, "code": "unstorable_text"}],
        instance=request.path,
    )


class ApiErrorFormatMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = _refuse_unstorable_json(request) or self.get_response(request)
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


# C0 control characters and DEL, except tab, line feed and carriage return.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class FormControlCharacterMiddleware:
    """Form posts lose their control characters (NUL, escape, bell …) before any view reads them.

    No one types them; pasted from elsewhere they are invisible, and PostgreSQL cannot store NUL at
    all. Every form in Liaison gets the value without them, so what is shown again on a form that
    fails validation, and what is stored, is the text the person sees. Tab and line breaks stay.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.content_type in _FORM_TYPES:
            try:
                data = request.POST
            except Exception:  # too large or malformed: the view answers that in its own words
                data = None
            if data is not None and any(
                _CONTROL_CHARACTERS.search(value) for _, values in data.lists() for value in values
            ):
                clean = data.copy()
                for name, values in data.lists():
                    clean.setlist(name, [_CONTROL_CHARACTERS.sub("", value) for value in values])
                clean._mutable = False
                request._post = clean
        return self.get_response(request)
