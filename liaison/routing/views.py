"""Routing and response pages: the case page and its actions, the inbox, the ICB view, routing rules."""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from liaison.accounts.permissions import has_permission
from liaison.audit.models import AuditAction
from liaison.audit.services import audit_record
from liaison.concerns.models import ConcernStatus
from liaison.core.forms import error_list
from liaison.core.pagination import pagination_for
from liaison.directory.selectors import organisation_by_ods
from liaison.routing import forms, selectors, services
from liaison.routing.exports import write_concerns_csv
from liaison.routing.models import CRITERION_WEIGHTS


def _require(request, permission: str, obj=None) -> None:
    if not has_permission(request.membership, permission, obj):
        raise PermissionDenied


def _case_or_404(request, reference):
    case = selectors.case_for(request.membership, reference)
    if case is None:
        raise Http404("There is no concern with that reference that you can see.")
    return case


def _case_page(request, case, *, bound: dict | None = None, status: int = 200):
    """The case page, with any submitted form kept (values and errors) under its action name."""
    concern = case.concern
    page_forms = {name: form_class() for name, form_class in CASE_FORMS.items()}
    form_errors = []
    for name, form in (bound or {}).items():
        page_forms[name] = form
        form_errors += error_list(form)
    return render(
        request,
        "routing/case.jinja",
        {
            "page_title": f"Concern {concern.reference}",
            "column_width": "full",
            "breadcrumbs": [
                {"href": reverse("core:home"), "text": "Home"},
                _back_to_queue(request),
            ],
            "case": case,
            "forms": page_forms,
            "form_errors": form_errors,
            "next_statuses": services.allowed_next_statuses(concern) if case.is_responder else [],
            "reopen_deadline": services.reopen_deadline(concern) if case.is_reporter else None,
            "can_rate": case.is_reporter and selectors.can_rate(concern),
            "assigned_to_me": any(a.user_id == request.user.pk for a in case.assignments),
        },
        status=status,
    )


def _back_to_queue(request) -> dict:
    if has_permission(request.membership, "routing.view_icb_queue"):
        return {"href": reverse("routing:icb_queue"), "text": "Concerns across the ICB"}
    if has_permission(request.membership, "routing.view_inbox"):
        return {"href": reverse("routing:inbox"), "text": "Inbox"}
    return {"href": reverse("core:home"), "text": "Home"}


def case(request, reference):
    return _case_page(request, _case_or_404(request, reference))


# --- Case actions: one row per action --------------------------------------------------------------
#
# Each handler carries out one action through its service and returns the confirmation shown
# afterwards. The permission, when the action has one, is checked against the concern first; the
# reporter's actions (reopen, rate) and the thread are checked by their services and the case.


def _assign(request, case, data: dict) -> str:
    services.concern_assign_to_me(membership=request.membership, concern=case.concern, request=request)
    return "Assigned to you"


def _change_status(request, case, data: dict) -> str:
    concern = case.concern
    services.concern_change_status(
        membership=request.membership,
        concern=concern,
        to_status=data["to_status"],
        reason=data["reason"],
        request=request,
    )
    return f"Status changed to {concern.get_status_display().lower()}"


def _record_outcome(request, case, data: dict) -> str:
    concern = case.concern
    services.concern_record_outcome(
        membership=request.membership,
        concern=concern,
        outcome=data["outcome"],
        reason=data["reason"],
        request=request,
    )
    return f"Outcome recorded: {concern.get_outcome_display().lower()}"


def _redirect(request, case, data: dict) -> str:
    organisation = organisation_by_ods(data["to_organisation"])
    if organisation is None:
        raise services.WorkflowError("There is no organisation with that ODS code", field="to_organisation")
    services.concern_redirect(
        membership=request.membership,
        concern=case.concern,
        to_organisation=organisation,
        reason=data["reason"],
        request=request,
    )
    return f"Concern passed to {organisation.display_name}"


def _merge(request, case, data: dict) -> str:
    target = selectors.case_for(request.membership, data["into"])
    if target is None or not target.is_responder:
        raise services.WorkflowError(
            "Enter the reference of an open concern your organisation responds to", field="into"
        )
    services.concern_merge(
        membership=request.membership,
        duplicate=case.concern,
        into=target.concern,
        reason=data["reason"],
        request=request,
    )
    return f"Merged into {target.concern.reference}: every occurrence moved across"


def _post_message(request, case, data: dict) -> str:
    if not (case.is_responder or case.is_reporter):
        raise PermissionDenied
    internal = bool(data["internal"]) and case.is_responder
    services.thread_post(
        membership=request.membership,
        concern=case.concern,
        body=data["body"],
        internal=internal,
        confirmed=data["confirm_not_patient"],
        request=request,
    )
    return "Internal note added" if internal else "Message sent"


def _reopen(request, case, data: dict) -> str:
    services.concern_reopen(
        membership=request.membership, concern=case.concern, reason=data["reason"], request=request
    )
    return "Concern reopened: the responders have been told"


def _rate(request, case, data: dict) -> str:
    services.concern_rate(
        membership=request.membership, concern=case.concern, score=data["score"], request=request
    )
    return "Thank you for rating the response"


@dataclass(frozen=True)
class CaseAction:
    form: type[django_forms.Form]
    handler: Callable[..., str]
    permission: str | None = None  # checked against the concern before the handler runs


CASE_ACTIONS = {
    "assign": CaseAction(forms.AssignForm, _assign, "routing.respond"),
    "status": CaseAction(forms.StatusForm, _change_status, "routing.respond"),
    "outcome": CaseAction(forms.OutcomeForm, _record_outcome, "routing.respond"),
    "redirect": CaseAction(forms.RedirectForm, _redirect, "routing.respond"),
    "merge": CaseAction(forms.MergeForm, _merge, "routing.respond"),
    "message": CaseAction(forms.MessageForm, _post_message),
    "reopen": CaseAction(forms.ReopenForm, _reopen),
    "rate": CaseAction(forms.RateForm, _rate),
}
CASE_FORMS = {name: action.form for name, action in CASE_ACTIONS.items()}


def _perform(request, case, action: str, data: dict) -> str:
    """Carry out one case action: its permission, then its handler; returns the confirmation."""
    row = CASE_ACTIONS[action]
    if row.permission is not None:
        _require(request, row.permission, case.concern)
    return row.handler(request, case, data)


@require_POST
def case_action(request, reference, action):
    case = _case_or_404(request, reference)
    if action not in CASE_ACTIONS:
        raise Http404("No such action")
    form = CASE_ACTIONS[action].form(request.POST)
    if form.is_valid():
        try:
            confirmation = _perform(request, case, action, form.cleaned_data)
        except services.WorkflowError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, confirmation)
            case = selectors.case_for(request.membership, reference)
            if case is None:  # Redirected away from this organisation: it is no longer theirs to see.
                return redirect("routing:inbox")
            return redirect("routing:case", reference=case.concern.reference)
    case = _case_or_404(request, reference)
    return _case_page(request, case, bound={action: form}, status=422)


# --- Queues ---------------------------------------------------------------------------------------

PAGE_SIZE = 50


def _page(request, concerns):
    page = Paginator(concerns, PAGE_SIZE).get_page(request.GET.get("page"))
    return page, pagination_for(request, page)


def inbox(request):
    _require(request, "routing.view_inbox")
    scope = request.GET.get("scope", "organisation")
    scope = scope if scope in selectors.INBOX_SCOPES else "organisation"
    state = "all" if request.GET.get("state") == "all" else "open"
    page, pagination = _page(request, selectors.inbox_for(request.membership, scope=scope, state=state))
    return render(
        request,
        "routing/inbox.jinja",
        {
            "page_title": "Inbox",
            "column_width": "full",
            "breadcrumbs": [{"href": reverse("core:home"), "text": "Home"}],
            "scopes": selectors.INBOX_SCOPES,
            "can_manage_templates": has_permission(request.membership, "routing.manage_templates"),
            "scope": scope,
            "state": state,
            "page": page,
            "pagination": pagination,
        },
    )


def _icb_filters(request) -> selectors.IcbFilters:
    query = request.GET
    try:
        place = int(query.get("place", ""))
    except ValueError:
        place = None
    return selectors.IcbFilters(
        place=place,
        provider=query.get("provider", "").strip().upper()[:12],
        standard=query.get("standard", "").strip().upper()[:16],
        state=query.get("state", "open") or "open",
        overdue=query.get("overdue") == "1",
    )


def icb_queue(request):
    _require(request, "routing.view_icb_queue")
    filters = _icb_filters(request)
    page, pagination = _page(request, selectors.icb_queue(request.membership, filters))
    return render(
        request,
        "routing/icb_queue.jinja",
        {
            "page_title": "Concerns across the ICB",
            "column_width": "full",
            "breadcrumbs": [{"href": reverse("core:home"), "text": "Home"}],
            "filters": filters,
            "options": selectors.icb_filter_options(request.membership),
            "statuses": ConcernStatus.choices,
            "page": page,
            "pagination": pagination,
            "export_query": request.GET.urlencode(),
        },
    )


def icb_queue_csv(request):
    _require(request, "routing.view_icb_queue")
    concerns = selectors.icb_queue(request.membership, _icb_filters(request))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="liaison-concerns.csv"'
    write_concerns_csv(response, concerns)
    audit_record(
        action=AuditAction.VIEW,
        actor=request.user,
        request=request,
        object_repr="ICB concerns CSV export",
        changes={"filters": request.GET.dict()},
    )
    return response


# --- Routing rules and clock policy (ICB administrators) --------------------------------------------


def _admin_icb(request, permission: str):
    _require(request, permission)
    return request.membership.organisation


def _rules_breadcrumbs():
    return [
        {"href": reverse("core:home"), "text": "Home"},
        {"href": reverse("routing:rule_list"), "text": "Routing rules"},
    ]


def rule_list(request):
    icb = _admin_icb(request, "routing.manage_rules")
    show_retired = request.GET.get("retired") == "1"
    return render(
        request,
        "routing/rule_list.jinja",
        {
            "page_title": "Routing rules",
            "column_width": "full",
            "breadcrumbs": [{"href": reverse("core:home"), "text": "Home"}],
            "icb": icb,
            "rules": selectors.routing_rules_for(icb, include_retired=show_retired),
            "show_retired": show_retired,
            "clock_policy": services.clock_settings_for(icb),
            "weights": CRITERION_WEIGHTS,
        },
    )


def _rule_values(icb, form) -> dict:
    """Form values → service arguments; unknown ODS codes become field errors on the form."""
    data = form.cleaned_data
    values = {
        "specialty": None,
        "standard": None,
        "place": None,
        "aspect_of_care": data["aspect_of_care"],
        "description": data["description"].strip(),
        "about_organisation": None,
        "recipient_organisation": None,
        "recipient_role": "",
        "recipient_contact": None,
    }
    choices = form.rule_choices
    values["specialty"] = next((s for s in choices.specialties if s.pk == data["specialty"]), None)
    values["standard"] = next((s for s in choices.standards if s.pk == data["standard"]), None)
    values["place"] = next((p for p in choices.places if p.pk == data["place"]), None)
    if data["about_organisation"]:
        values["about_organisation"] = selectors.organisation_in_icb(icb, data["about_organisation"])
        if values["about_organisation"] is None:
            form.add_error("about_organisation", "Enter the ODS code of an organisation in your ICB")
    if data["recipient_kind"] == "contact":
        values["recipient_contact"] = next(
            (c for c in choices.contacts if c.pk == data["recipient_contact"]), None
        )
        if values["recipient_contact"] is None:
            form.add_error("recipient_contact", "Select the named contact who receives these concerns")
    else:
        values["recipient_role"] = data["recipient_role"]
        if data["recipient_organisation"]:
            values["recipient_organisation"] = organisation_by_ods(data["recipient_organisation"])
            if values["recipient_organisation"] is None:
                form.add_error("recipient_organisation", "There is no organisation with that ODS code")
    return values


def _rule_initial(rule) -> dict:
    return {
        "about_organisation": rule.about_organisation.ods_code if rule.about_organisation_id else "",
        "specialty": rule.specialty_id,
        "standard": rule.standard_id,
        "aspect_of_care": rule.aspect_of_care,
        "place": rule.place_id,
        "recipient_kind": "contact" if rule.recipient_contact_id else "role",
        "recipient_organisation": rule.recipient_organisation.ods_code
        if rule.recipient_organisation_id
        else "",
        "recipient_role": rule.recipient_role,
        "recipient_contact": rule.recipient_contact_id,
        "description": rule.description,
    }


def _rule_form_page(request, icb, *, form, rule=None, status=200):
    return render(
        request,
        "routing/rule_form.jinja",
        {
            "page_title": f"Change rule {rule.pk}" if rule else "Add a routing rule",
            "breadcrumbs": _rules_breadcrumbs(),
            "form": form,
            "rule": rule,
            "history": selectors.routing_rule_history(rule) if rule else [],
            "form_errors": error_list(form) if form.is_bound else [],
            "icb": icb,
        },
        status=status,
    )


def _rule_save(request, icb, rule=None):
    choices = selectors.rule_form_choices(icb)
    if request.method != "POST":
        form = forms.RoutingRuleForm(initial=_rule_initial(rule) if rule else None, choices=choices)
        return _rule_form_page(request, icb, form=form, rule=rule)
    form = forms.RoutingRuleForm(request.POST, choices=choices)
    if form.is_valid():
        values = _rule_values(icb, form)
        if not form.errors:
            try:
                if rule is None:
                    rule = services.routing_rule_create(icb=icb, actor=request.user, **values)
                    messages.success(request, f"Rule {rule.pk} added")
                else:
                    services.routing_rule_update(rule=rule, actor=request.user, **values)
                    messages.success(request, f"Rule {rule.pk} changed: it is now version {rule.version}")
                return redirect("routing:rule_list")
            except services.RuleError as error:
                for field, message in error.errors.items():
                    form.add_error(field if field in form.fields else None, message)
    return _rule_form_page(request, icb, form=form, rule=rule, status=422)


@require_http_methods(["GET", "POST"])
def rule_add(request):
    return _rule_save(request, _admin_icb(request, "routing.manage_rules"))


@require_http_methods(["GET", "POST"])
def rule_edit(request, pk):
    icb = _admin_icb(request, "routing.manage_rules")
    rule = selectors.routing_rule_in(icb, pk)
    if rule is None:
        raise Http404("No routing rule with that number in your ICB")
    if rule.retired_at is not None and request.method == "POST":
        raise PermissionDenied
    return _rule_save(request, icb, rule)


@require_POST
def rule_retire(request, pk):
    icb = _admin_icb(request, "routing.manage_rules")
    rule = selectors.routing_rule_in(icb, pk)
    if rule is None:
        raise Http404("No routing rule with that number in your ICB")
    services.routing_rule_retire(rule=rule, actor=request.user)
    messages.success(request, f"Rule {rule.pk} retired: it is kept, with its history, but no longer used")
    return redirect("routing:rule_list")


@require_http_methods(["GET", "POST"])
def clock_policy(request):
    icb = _admin_icb(request, "routing.manage_clock_policy")
    current = services.clock_settings_for(icb)
    status = 200
    if request.method == "POST":
        form = forms.ClockPolicyForm(request.POST)
        if form.is_valid():
            services.clock_policy_save(icb=icb, actor=request.user, request=request, **form.cleaned_data)
            messages.success(request, "Response times saved: they apply to concerns routed from now on")
            return redirect("routing:rule_list")
        status = 422
    else:
        form = forms.ClockPolicyForm(initial=current.__dict__)
    return render(
        request,
        "routing/clock_policy.jinja",
        {
            "page_title": "Response times",
            "breadcrumbs": _rules_breadcrumbs(),
            "form": form,
            "form_errors": error_list(form) if form.is_bound else [],
            "policy": selectors.clock_policy_for(icb),
        },
        status=status,
    )


# --- Response templates ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def template_list(request):
    _require(request, "routing.manage_templates")
    organisation = request.membership.organisation
    editing = selectors.response_template_in(
        organisation, request.GET.get("edit") or request.POST.get("template")
    )
    status = 200
    if request.method == "POST":
        form = forms.TemplateForm(request.POST)
        if form.is_valid():
            try:
                services.response_template_save(
                    membership=request.membership, template=editing, request=request, **form.cleaned_data
                )
            except services.WorkflowError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, "Template saved")
                return redirect("routing:template_list")
        status = 422
    else:
        form = forms.TemplateForm(initial={"title": editing.title, "body": editing.body} if editing else None)
    return render(
        request,
        "routing/template_list.jinja",
        {
            "page_title": "Response templates",
            "breadcrumbs": [
                {"href": reverse("core:home"), "text": "Home"},
                {"href": reverse("routing:inbox"), "text": "Inbox"},
            ],
            "templates": selectors.response_templates_for(organisation),
            "editing": editing,
            "form": form,
            "form_errors": error_list(form) if form.is_bound else [],
        },
        status=status,
    )
