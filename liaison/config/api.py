"""The JSON API at /api/v1/: one NinjaAPI, each app contributing a router, every error problem+json."""

import logging

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from liaison.accounts import selectors as account_selectors
from liaison.core.problems import problem_response

logger = logging.getLogger(__name__)


class TokenAuth(HttpBearer):
    """``Authorization: Bearer lia_…`` with a personal token from ``liaison create_token``."""

    openapi_scheme = "bearer"

    def authenticate(self, request, token):
        user = account_selectors.user_for_api_token(token=token)
        if user is None:
            return None
        request.user = user
        request.membership = account_selectors.current_membership(user=user, membership_id=None)
        if request.membership is not None:
            request.membership.user = user  # the user just read, not read again
        return user


class CsrfSessionAuth(SessionAuth):
    """Browser session auth (CSRF-checked for unsafe methods by Ninja)."""


api = NinjaAPI(
    title="Liaison API",
    version="1.0.0",
    description=(
        "The Liaison JSON API. Authenticate with a personal token (`Authorization: Bearer …`, made by "
        "`liaison create_token USERNAME`) or a signed-in browser session. Errors are RFC 9457 "
        "problem+json documents with field-level detail in `errors`."
    ),
    auth=[TokenAuth(), CsrfSessionAuth()],
    urls_namespace="api-1.0.0",
)


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    errors = []
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", []) if part not in ("body", "payload")]
        errors.append(
            {
                "field": ".".join(location),
                "message": error.get("msg", "Invalid"),
                "code": error.get("type", "invalid"),
            }
        )
    return problem_response(
        status=422,
        title="The request is not valid",
        type_slug="validation-error",
        detail="Correct the fields listed in errors and send the request again.",
        errors=errors,
        instance=request.path,
    )


@api.exception_handler(AuthenticationError)
def on_authentication_error(request, exc):
    return problem_response(
        status=401,
        title="Authentication required",
        type_slug="unauthenticated",
        detail="Send a valid API token as 'Authorization: Bearer <token>' or sign in.",
        instance=request.path,
        headers={"WWW-Authenticate": 'Bearer realm="liaison"'},
    )


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return problem_response(
        status=404,
        title="Not found",
        type_slug="not-found",
        detail=str(exc) or "There is nothing at this address that you can see.",
        instance=request.path,
    )


@api.exception_handler(PermissionError)
def on_permission_denied(request, exc):
    return problem_response(
        status=403,
        title="Forbidden",
        type_slug="forbidden",
        detail=str(exc) or "Your role does not allow this.",
        instance=request.path,
    )


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    return problem_response(status=exc.status_code, title=str(exc.message), instance=request.path)


@api.exception_handler(Exception)
def on_unexpected_error(request, exc):
    # The detail stays in the server log; the client gets nothing internal.
    logger.exception("Unhandled API error on %s", request.path)
    return problem_response(
        status=500,
        title="Internal server error",
        type_slug="internal-error",
        detail="Something went wrong on our side. Nothing was changed. Try again later.",
        instance=request.path,
    )


def _register_routers() -> None:
    from liaison.accounts.api import router as accounts_router
    from liaison.concerns.api import router as concerns_router
    from liaison.directory.api import router as directory_router
    from liaison.nhs111.api import router as nhs111_router
    from liaison.notifications.api import router as notifications_router
    from liaison.routing.api import router as routing_router
    from liaison.standards.api import router as standards_router

    api.add_router("/", accounts_router)
    api.add_router("/", directory_router)
    api.add_router("/", standards_router)
    api.add_router("/", concerns_router)
    api.add_router("/", routing_router)
    api.add_router("/", notifications_router)
    api.add_router("/", nhs111_router)


_register_routers()
