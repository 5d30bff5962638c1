"""The FHIR intake edge: ``POST /fhir/r4/$process-message`` for BaRS R4 and the 111 adaptor's STU3 bundles.

Thin: it checks the headers and the sender's credential, parses JSON, and hands the Bundle to
``services.message_receive``. Every answer is an OperationOutcome with a BaRS error code, and
echoes ``X-Request-Id`` and ``X-Correlation-Id``.
"""

import json
import logging
import uuid

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from liaison.nhs111 import selectors, services
from liaison.nhs111.checking import Issue, operation_outcome

logger = logging.getLogger(__name__)
FHIR_JSON = "application/fhir+json"
ACCEPTED_CONTENT_TYPES = {"application/fhir+json", "application/json"}


def _guid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except (TypeError, ValueError):
        return False
    return len(value) in (32, 36)


def _answer(status: int, outcome: dict, request) -> JsonResponse:
    response = JsonResponse(outcome, status=status, content_type=FHIR_JSON)
    for header in ("X-Request-Id", "X-Correlation-Id"):
        if request.headers.get(header):
            response[header] = request.headers[header][:64]
    return response


def _error(
    request,
    status: int,
    error_code: str,
    code: str,
    diagnostics: str,
    *,
    location: str = "",
    expression: str = "",
):
    issue = Issue(
        severity="error",
        code=code,
        diagnostics=diagnostics,
        error_code=error_code,
        location=location,
        expression=expression,
    )
    return _answer(status, operation_outcome([issue]), request)


@csrf_exempt
@login_not_required
def process_message(request):
    if request.method != "POST":
        response = _error(
            request,
            405,
            "REC_METHOD_NOT_ALLOWED",
            "not-supported",
            "Send messages with POST to $process-message.",
        )
        response["Allow"] = "POST"
        return response
    request_id = request.headers.get("X-Request-Id", "")
    correlation_id = request.headers.get("X-Correlation-Id", "")
    for name, value in (("X-Request-Id", request_id), ("X-Correlation-Id", correlation_id)):
        if not _guid(value):
            return _error(
                request,
                400,
                "REC_BAD_REQUEST",
                "required" if not value else "value",
                f"The {name} header must be a GUID, for example 0b1e7a52-5d0f-4b63-9d3c-1f2e3a4b5c6d.",
                location=f"http.{name}",
            )
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    credential = (
        selectors.sender_credential_for_secret(secret.strip()) if scheme.lower() == "bearer" else None
    )
    if credential is None:
        response = _error(
            request,
            401,
            "REC_UNAUTHORIZED",
            "login",
            "Send the sender credential issued for your organisation as 'Authorization: Bearer <credential>'.",
            location="http.Authorization",
        )
        response["WWW-Authenticate"] = 'Bearer realm="liaison-111"'
        return response
    content_type = request.content_type or ""
    if content_type not in ACCEPTED_CONTENT_TYPES:
        return _error(
            request,
            415,
            "REC_UNSUPPORTED_MEDIA_TYPE",
            "not-supported",
            "Send the Bundle as application/fhir+json.",
            location="http.Content-Type",
        )
    try:
        data = json.loads(request.body)
        # Text that cannot be stored (a lone surrogate such as "\ud800") is refused here, not at save.
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except RecursionError:
        return _error(
            request, 400, "REC_BAD_REQUEST", "structure", "The body is nested too deeply.", expression="Bundle"
        )
    except RequestDataTooBig:
        return _error(
            request, 413, "REC_BAD_REQUEST", "too-costly", "The message is larger than Liaison accepts."
        )
    except (ValueError, UnicodeDecodeError) as error:
        return _error(
            request,
            400,
            "REC_BAD_REQUEST",
            "structure",
            f"The body is not valid JSON: {error}",
            expression="Bundle",
        )
    try:
        receipt = services.message_receive(
            data=data, credential=credential, request_id=request_id, correlation_id=correlation_id
        )
    except Exception:
        # The detail stays in the server log; the sender gets nothing internal, and nothing was stored.
        logger.exception("111 intake failed for request %s", request_id)
        return _error(
            request,
            500,
            "REC_SERVER_ERROR",
            "exception",
            "Liaison could not process the message; nothing was stored. Send it again later.",
        )
    return _answer(receipt.status, receipt.outcome, request)
