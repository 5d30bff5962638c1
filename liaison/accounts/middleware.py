"""Deny by default: sign-in required, idle sessions ended, and the current membership on every request."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.contrib.auth.views import redirect_to_login
from django.utils import timezone

from liaison.accounts import selectors

LAST_ACTIVITY_KEY = "liaison_last_activity"
CURRENT_MEMBERSHIP_KEY = "liaison_membership_id"
# How finely the last activity is recorded (see IdleSessionTimeoutMiddleware).
ACTIVITY_RESOLUTION_SECONDS = 60


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Every page needs a signed-in user unless marked ``login_not_required``.

    The JSON and FHIR APIs authenticate each request themselves (session or token) and answer
    401 problem+json rather than redirecting to the sign-in page.
    """

    api_prefixes = ("/api/", "/fhir/")

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path.startswith(self.api_prefixes):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class IdleSessionTimeoutMiddleware:
    """Sign out a session that has been idle for longer than ``SESSION_IDLE_TIMEOUT``.

    The time of last activity is written at most once every ``ACTIVITY_RESOLUTION_SECONDS``: a
    request that changes nothing else then leaves the session row alone (no write, no transaction),
    and a session is signed out at most that much earlier than the idle limit, never later.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = timezone.now().timestamp()
            last = request.session.get(LAST_ACTIVITY_KEY)
            idle_limit = settings.SESSION_IDLE_TIMEOUT.total_seconds()
            if last is not None and now - last > idle_limit:
                from liaison.audit.models import AuditAction
                from liaison.audit.services import audit_record

                audit_record(actor=request.user, action=AuditAction.SESSION_TIMED_OUT, request=request)
                logout(request)
                minutes = int(idle_limit // 60)
                messages.info(
                    request, f"You were signed out because you were inactive for {minutes} minutes."
                )
                if request.path.startswith(LoginRequiredMiddleware.api_prefixes):
                    return self.get_response(request)
                return redirect_to_login(request.get_full_path())
            if last is None or now - last >= ACTIVITY_RESOLUTION_SECONDS:
                request.session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)


class CurrentMembershipMiddleware:
    """Puts the signed-in user's current membership (organisation + role) on ``request.membership``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = None
        if request.user.is_authenticated:
            request.membership = selectors.current_membership(
                user=request.user, membership_id=request.session.get(CURRENT_MEMBERSHIP_KEY)
            )
            if request.membership is not None:
                # The membership's user is the signed-in user already read: not read again.
                request.membership.user = getattr(request.user, "_wrapped", request.user)
            if request.membership and request.session.get(CURRENT_MEMBERSHIP_KEY) != request.membership.pk:
                request.session[CURRENT_MEMBERSHIP_KEY] = request.membership.pk
        return self.get_response(request)
