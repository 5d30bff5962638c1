"""Every Liaison URL, plus ``POST /bench/floor/``: the cheapest authenticated write the server can do.

The floor goes through the same middleware as the report form (session, CSRF, sign-in required,
idle timeout, current membership, axes), checks the same ``concerns.report`` permission, and
appends one row through the product's own ``audit_record`` (an ``AuditEvent``, the row every write
in Liaison also makes), then redirects as the form does. The submission does all of that and the
real work on top: the PID guard, the checks, the concern with its standards, occurrence and event,
routing, the clocks and the notification outbox, in one transaction.
"""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import path
from django.views.decorators.http import require_POST

from liaison.accounts.permissions import has_permission
from liaison.audit.models import AuditAction
from liaison.audit.services import audit_record
from liaison.config.urls import handler400, handler403, handler404, handler500  # noqa: F401
from liaison.config.urls import urlpatterns as product_urlpatterns

FLOOR_MARK = "bench floor"


@require_POST
def floor(request):
    if not has_permission(request.membership, "concerns.report"):
        raise PermissionDenied
    audit_record(
        action=AuditAction.CREATE,
        actor=request.user,
        request=request,
        object_repr=FLOOR_MARK,
        changes={"sequence": request.POST.get("sequence", "")[:40]},
    )
    return HttpResponseRedirect("/concerns/")


urlpatterns = [path("bench/floor/", floor, name="bench_floor"), *product_urlpatterns]
