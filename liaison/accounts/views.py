"""Sign in, sign out, switch organisation, and the signed-in person's own page."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST

from liaison.accounts import selectors, services
from liaison.accounts.forms import PersonAddForm, SignInForm, SwitchOrganisationForm
from liaison.accounts.permissions import has_permission, organisation_scope
from liaison.audit.models import AuditAction
from liaison.audit.services import audit_record
from liaison.core.forms import error_list


@method_decorator(login_not_required, name="dispatch")
class SignInView(auth_views.LoginView):
    template_name = "accounts/sign_in.jinja"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_record(actor=form.get_user(), action=AuditAction.SIGN_IN, request=self.request)
        return response

    def form_invalid(self, form):
        username = (form.data.get("username") or "")[:150]
        if username:
            audit_record(
                action=AuditAction.SIGN_IN_FAILED, request=self.request, changes={"username": username}
            )
        context = self.get_context_data(form=form)
        return self.render_to_response(context, status=422)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["page_title"] = "Sign in"
        form = context["form"]
        context["form_errors"] = error_list(form) if form.is_bound else []
        return context


@login_not_required
def locked_out(request, credentials=None, *args, **kwargs):
    """Shown instead of signing in once an account has had too many failed attempts."""
    username = (credentials or {}).get("username", "")
    audit_record(action=AuditAction.LOCKED_OUT, request=request, changes={"username": username[:150]})
    cooloff = int(settings.AXES_COOLOFF_TIME.total_seconds())
    response = render(
        request,
        "accounts/locked_out.jinja",
        {"page_title": "Your account is locked for now", "cooloff_minutes": max(1, cooloff // 60)},
        status=429,
    )
    response["Retry-After"] = str(cooloff)
    return response


@require_POST
def sign_out(request):
    audit_record(actor=request.user, action=AuditAction.SIGN_OUT, request=request)
    logout(request)
    messages.info(request, "You have signed out.")
    return redirect("accounts:login")


def switch_organisation(request):
    memberships = list(selectors.memberships_for(user=request.user))
    form = SwitchOrganisationForm(
        request.POST or None,
        memberships=memberships,
        initial={"membership": getattr(request.membership, "pk", None)},
    )
    if request.method == "POST" and form.is_valid():
        chosen = next(m for m in memberships if m.pk == form.cleaned_data["membership"])
        services.membership_switch(request=request, membership=chosen)
        messages.info(request, f"You are now working as {chosen}.")
        return redirect("core:home")
    status = 422 if form.is_bound else 200
    return render(
        request,
        "accounts/switch_organisation.jinja",
        {
            "page_title": "Switch organisation",
            "form": form,
            "memberships": memberships,
            "form_errors": error_list(form) if form.is_bound else [],
            "breadcrumbs": [{"href": "/", "text": "Home"}],
        },
        status=status,
    )


def profile(request):
    return render(
        request,
        "accounts/profile.jinja",
        {
            "page_title": "Your account",
            "memberships": selectors.memberships_for(user=request.user),
            "tokens": selectors.api_tokens_for(user=request.user),
            "breadcrumbs": [{"href": "/", "text": "Home"}],
        },
    )


def _require_people_admin(request) -> None:
    if not has_permission(request.membership, "accounts.manage_memberships"):
        raise PermissionDenied


def people_list(request):
    _require_people_admin(request)
    query = request.GET.get("q", "")
    found = selectors.people_search(membership=request.membership, text=query)
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/people_list.jinja",
        {
            "page_title": "People",
            "page": page,
            "query": query,
            "column_width": "full",
            "breadcrumbs": [{"href": "/", "text": "Home"}],
        },
    )


def person_add(request):
    _require_people_admin(request)
    form = PersonAddForm(request.POST or None, scope=organisation_scope(request.membership))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        membership = services.person_add(
            actor_membership=request.membership,
            organisation=data["organisation_ods"],
            role=data["role"],
            username=data["username"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            job_title=data["job_title"],
            password=data["password"],
        )
        messages.info(request, f"{membership.user.display_name} is now {membership}.")
        return redirect("accounts:people")
    return render(
        request,
        "accounts/person_add.jinja",
        {
            "page_title": "Add a person",
            "form": form,
            "form_errors": error_list(form) if form.is_bound else [],
            "breadcrumbs": [{"href": "/", "text": "Home"}, {"href": "/accounts/people/", "text": "People"}],
        },
        status=422 if form.is_bound else 200,
    )


@require_POST
def membership_end(request, membership_id: int):
    _require_people_admin(request)
    membership = selectors.memberships_visible_to(request.membership).filter(pk=membership_id).first()
    if membership is None:
        raise Http404("No such membership in your organisations")
    services.membership_deactivate(actor_membership=request.membership, membership=membership)
    messages.info(request, f"{membership.user.display_name} is no longer {membership}.")
    return redirect("accounts:people")
