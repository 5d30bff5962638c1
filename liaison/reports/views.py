"""Dashboard, drill-down, the monthly breach report (HTML, PDF, CSV), its archive and activity uploads."""

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from liaison.accounts.permissions import has_permission
from liaison.audit.models import AuditAction
from liaison.audit.services import audit_record
from liaison.core.forms import error_list
from liaison.core.pagination import pagination_for
from liaison.directory.selectors import organisation_by_ods
from liaison.reports import drill, selectors, services
from liaison.reports import subscriptions as report_subscriptions
from liaison.reports.forms import ActivityUploadForm, SubscriptionForm
from liaison.reports.models import ReportVersion
from liaison.reports.scorecard import monthly_report_with_scorecard


def _require(request, permission: str) -> None:
    if not has_permission(request.membership, permission):
        raise PermissionDenied


def _home() -> list[dict]:
    return [{"href": reverse("core:home"), "text": "Home"}]


def _period(request) -> tuple[date, date]:
    """From and to months (``from=2026-01&to=2026-10``); the last 12 months by default."""
    this_month = timezone.localdate().replace(day=1)
    end_month = selectors.parse_month(request.GET.get("to")) or this_month
    start_month = selectors.parse_month(request.GET.get("from")) or selectors.add_months(end_month, -11)
    if start_month > end_month:
        start_month = end_month
    # Ten years at most: the trend has a row per month.
    start_month = max(start_month, selectors.add_months(end_month, -119))
    return start_month, selectors.month_end(end_month)


def dashboard(request):
    _require(request, "reports.view_dashboard")
    start, end = _period(request)
    board = selectors.dashboard_for(
        request.membership, start=start, end=end, place_id=request.GET.get("place")
    )
    themes_available, themes = selectors.themes_for_dashboard(scope=board.scope, start=start, end=end)
    period = {
        "from": f"{start:%Y-%m}",
        "to": f"{end:%Y-%m}",
        "place": board.scope.place.pk if board.scope.place else "",
    }
    scorecard = None
    if has_permission(request.membership, "nhs111.view_scorecard"):
        from liaison.nhs111.selectors import scorecard_for

        scorecard = scorecard_for(request.membership, end.replace(day=1))
    return render(
        request,
        "reports/dashboard.jinja",
        {
            "page_title": "Dashboard",
            "column_width": "full",
            "breadcrumbs": _home(),
            "board": board,
            "themes_available": themes_available,
            "themes": themes,
            "scorecard": scorecard,
            "can_manage_subscriptions": has_permission(request.membership, "reports.manage_subscriptions"),
            "from_month": f"{start:%Y-%m}",
            "to_month": f"{end:%Y-%m}",
            "drill": lambda **params: selectors.drill_href(**period, **params),
        },
    )


def drilldown(request):
    _require(request, "reports.view_dashboard")
    start, end = _period(request)
    month = selectors.parse_month(request.GET.get("month"))
    if request.GET.get("measure") == "theme":
        found = drill.theme_drilldown(
            request.membership,
            theme_id=request.GET.get("theme"),
            start=start,
            end=end,
            place_id=request.GET.get("place"),
        )
    else:
        found = selectors.drilldown(
            request.membership,
            measure=request.GET.get("measure", "breaches"),
            start=start,
            end=end,
            provider_ods=request.GET.get("provider", ""),
            standard_code=request.GET.get("standard", ""),
            month=month,
            place_id=request.GET.get("place"),
        )
    if found is None:
        raise Http404("There is no such number on the dashboard.")
    paginator = Paginator(found.concerns, 50)
    page = paginator.get_page(request.GET.get("page"))
    back = (
        reverse("reports:dashboard")
        + "?"
        + "&".join(f"{key}={request.GET[key]}" for key in ("from", "to", "place") if request.GET.get(key))
    )
    return render(
        request,
        "reports/drilldown.jinja",
        {
            "page_title": f"Concerns counted: {found.title}",
            "column_width": "full",
            "breadcrumbs": [*_home(), {"href": back, "text": "Dashboard"}],
            "found": found,
            "page": page,
            "pagination": pagination_for(request, page),
            "start": start,
            "end": end,
            "month": month,
        },
    )


def drilldown_111(request):
    """The NHS 111 messages behind a scorecard number on the dashboard (no patient details)."""
    if not drill.may_drill_into_111(request.membership):
        raise PermissionDenied
    month = selectors.parse_month(request.GET.get("month")) or timezone.localdate().replace(day=1)
    found = drill.nhs111_drilldown(
        request.membership,
        measure=request.GET.get("measure", "received"),
        month=month,
        sender_ods=request.GET.get("sender", ""),
    )
    if found is None:
        raise Http404("There is no such number on the 111 scorecard.")
    back = reverse("reports:dashboard") + f"?from={month:%Y-%m}&to={month:%Y-%m}#nhs111"
    page = Paginator(found.rows, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/drilldown_111.jinja",
        {
            "page_title": f"NHS 111 {found.title[0].lower()}{found.title[1:]}, {month:%B %Y}",
            "column_width": "full",
            "breadcrumbs": [*_home(), {"href": back, "text": "Dashboard"}],
            "found": found,
            "page": page,
            "pagination": pagination_for(request, page),
        },
    )


# --- The monthly report -------------------------------------------------------------------------------


def _report_request(request):
    """(icb, month, version, provider) from the query, checked against what this membership may read."""
    membership = request.membership
    versions = selectors.report_versions_for(membership)
    if not versions:
        raise PermissionDenied
    month = selectors.parse_month(request.GET.get("month")) or selectors.add_months(
        timezone.localdate().replace(day=1), -1
    )
    version = request.GET.get("version") or versions[0]
    if version not in versions:
        raise PermissionDenied
    provider = None
    if version == ReportVersion.PROVIDER:
        if has_permission(membership, "reports.view_internal"):
            provider = organisation_by_ods(request.GET.get("provider", ""))
            if provider is None or provider.icb_id != membership.icb.pk:
                raise Http404("Choose a provider in your ICB.")
        else:
            provider = membership.organisation
    return membership.icb, month, version, provider


def _audit_report(request, what: str, icb, month, version, provider) -> None:
    audit_record(
        action=AuditAction.VIEW,
        actor=request.user,
        request=request,
        organisation=icb,
        object_repr=what,
        changes={
            "month": f"{month:%Y-%m}",
            "version": version,
            "provider": provider.ods_code if provider else None,
        },
    )


def monthly(request):
    icb, month, version, provider = _report_request(request)
    data = monthly_report_with_scorecard(icb=icb, month=month, version=version, provider=provider)
    query = request.GET.copy()
    query["month"], query["version"] = f"{month:%Y-%m}", version
    return render(
        request,
        "reports/monthly.jinja",
        {
            "page_title": f"Monthly breach report, {month:%B %Y}",
            "column_width": "full",
            "breadcrumbs": _home(),
            "report": data,
            "versions": selectors.report_versions_for(request.membership),
            "version_labels": dict(ReportVersion.choices),
            "query": query.urlencode(),
            "month_value": f"{month:%Y-%m}",
            "providers": data.tables["month"].row_keys if version == ReportVersion.ICB else [],
            "can_issue": has_permission(request.membership, "reports.view_internal"),
            "can_manage_subscriptions": has_permission(request.membership, "reports.manage_subscriptions"),
        },
    )


def _filename(icb, month, version, provider, extension: str) -> str:
    suffix = f"-{provider.ods_code}" if provider else ""
    return f"liaison-breach-report-{icb.ods_code}-{month:%Y-%m}-{version}{suffix}.{extension}"


def monthly_pdf(request):
    icb, month, version, provider = _report_request(request)
    data = monthly_report_with_scorecard(icb=icb, month=month, version=version, provider=provider)
    response = HttpResponse(services.report_pdf(data), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{_filename(icb, month, version, provider, "pdf")}"'
    )
    _audit_report(request, "Monthly breach report PDF", icb, month, version, provider)
    return response


def monthly_csv(request):
    icb, month, version, provider = _report_request(request)
    data = monthly_report_with_scorecard(icb=icb, month=month, version=version, provider=provider)
    response = HttpResponse(services.report_csv(data), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{_filename(icb, month, version, provider, "csv")}"'
    )
    _audit_report(request, "Monthly breach report CSV", icb, month, version, provider)
    return response


@require_http_methods(["POST"])
def monthly_issue(request):
    _require(request, "reports.view_internal")
    month = selectors.parse_month(request.POST.get("month"))
    if month is None or month >= timezone.localdate().replace(day=1):
        raise Http404("Only a month that has ended can be issued.")
    result = services.monthly_reports_issue_and_send(
        icb=request.membership.icb, month=month, actor=request.user
    )
    messages.success(
        request,
        f"{len(result.issued)} versions issued for {month:%B %Y} ({len(result.already)} had been issued before).",
    )
    return redirect(reverse("reports:archive"))


def archive(request):
    reports = selectors.archive_for(request.membership)
    paginator = Paginator(reports, 50)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "reports/archive.jinja",
        {
            "page_title": "Issued monthly reports",
            "breadcrumbs": _home(),
            "page": page,
            "pagination": pagination_for(request, page),
        },
    )


def archived(request, pk):
    report = selectors.archived_report_for(request.membership, pk)
    if report is None:
        raise Http404("There is no issued report with that number that you can see.")
    tables: dict[str, dict] = {}
    for row in report.rows.all():
        table = tables.setdefault(row.period, {"standards": [], "rows": {}})
        if row.standard_code not in table["standards"]:
            table["standards"].append(row.standard_code)
        table["rows"].setdefault((row.provider_name, row.provider_ods), {})[row.standard_code] = row.shown
    return render(
        request,
        "reports/archived.jinja",
        {
            "page_title": f"Monthly breach report, {report.month:%B %Y}",
            "breadcrumbs": [*_home(), {"href": reverse("reports:archive"), "text": "Issued monthly reports"}],
            "report": report,
            "tables": tables,
            "period_labels": {
                "month": f"{report.month:%B %Y}",
                "previous": "The previous month",
                "ytd": "Financial year to date (April to March)",
            },
        },
    )


def archived_file(request, pk, kind):
    report = selectors.archived_report_for(request.membership, pk)
    if report is None or kind not in ("pdf", "csv"):
        raise Http404("There is no issued report with that number that you can see.")
    relative = report.pdf_path if kind == "pdf" else report.csv_path
    path = (services.reports_dir() / relative).resolve()
    if services.reports_dir().resolve() not in path.parents or not path.exists():
        raise Http404("The file of this report is missing: ask your Liaison administrator.")
    _audit_report(
        request,
        f"Issued monthly report {kind.upper()}",
        report.icb,
        report.month,
        report.version,
        report.provider,
    )
    return FileResponse(
        open(path, "rb"),  # noqa: SIM115 - FileResponse closes it
        as_attachment=True,
        filename=_filename(report.icb, report.month, report.version, report.provider, kind),
        content_type="application/pdf" if kind == "pdf" else "text/csv; charset=utf-8",
    )


# --- Activity figures -------------------------------------------------------------------------------


def _upload_errors(form, result) -> list[dict]:
    """The error summary: the form's problems, then each row to correct with its line number."""
    items = error_list(form) if form.is_bound else []
    if result is not None:
        items += [{"text": f"Line {e.line}: {e.message}", "href": "#row-errors"} for e in result.errors]
    return items


@require_http_methods(["GET", "POST"])
def activity(request):
    _require(request, "reports.manage_activity")
    form, result, status = ActivityUploadForm(), None, 200
    if request.method == "POST":
        form = ActivityUploadForm(request.POST, request.FILES)
        if form.is_valid():
            result = services.activity_import(
                text=form.cleaned_data["text"],
                actor=request.user,
                icb=request.membership.icb,
                request=request,
            )
            if not result.ok:
                status = 422
        else:
            status = 422
    figures = selectors.activity_for(request.membership)
    paginator = Paginator(figures, 50)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "reports/activity.jinja",
        {
            "page_title": "Activity figures",
            "breadcrumbs": _home(),
            "form": form,
            "result": result,
            "page": page,
            "pagination": pagination_for(request, page),
            "form_errors": _upload_errors(form, result),
        },
        status=status,
    )


# --- Who is sent the report ---------------------------------------------------------------------------


def _subscriptions_crumbs() -> list[dict]:
    return [*_home(), {"href": reverse("reports:subscriptions"), "text": "Who is sent the monthly report"}]


def subscriptions(request):
    _require(request, "reports.manage_subscriptions")
    return render(
        request,
        "reports/subscriptions.jinja",
        {
            "page_title": "Who is sent the monthly report",
            "breadcrumbs": [*_home(), {"href": reverse("reports:monthly"), "text": "Monthly breach report"}],
            "lists": report_subscriptions.subscription_lists(request.membership),
            "icb": request.membership.icb,
        },
    )


def _subscription_form_page(request, form, *, subscription=None, status=200):
    return render(
        request,
        "reports/subscription_form.jinja",
        {
            "page_title": "Change who is sent the report"
            if subscription
            else "Add someone to send the report to",
            "breadcrumbs": _subscriptions_crumbs(),
            "form": form,
            "subscription": subscription,
            "form_errors": error_list(form) if form.is_bound and form.errors else [],
        },
        status=status,
    )


def _save_subscription(request, form, subscription=None) -> bool:
    """Call the service with the form's values; its errors go onto the form, which keeps every value."""
    values = {
        "audience": form.cleaned_data["audience"],
        "ods_code": form.cleaned_data["organisation"],
        "email": form.cleaned_data["email"],
        "name": form.cleaned_data["name"],
        "actor": request.user,
        "request": request,
    }
    try:
        if subscription is None:
            report_subscriptions.subscription_add(icb=request.membership.icb, **values)
        else:
            report_subscriptions.subscription_change(subscription=subscription, **values)
    except ValidationError as error:
        for field_name, messages_ in error.message_dict.items():
            for message in messages_:
                form.add_error(field_name if field_name in form.fields else None, message)
        return False
    return True


@require_http_methods(["GET", "POST"])
def subscription_add(request):
    _require(request, "reports.manage_subscriptions")
    form = SubscriptionForm(request.POST or None, initial={"audience": request.GET.get("audience", "")})
    if request.method == "POST" and form.is_valid() and _save_subscription(request, form):
        messages.success(request, f"{form.cleaned_data['email']} will be sent the monthly report.")
        return redirect(reverse("reports:subscriptions"))
    return _subscription_form_page(request, form, status=422 if form.is_bound else 200)


def _subscription_or_404(request, pk):
    _require(request, "reports.manage_subscriptions")
    subscription = report_subscriptions.subscription_for(request.membership, pk)
    if subscription is None:
        raise Http404("There is no such address on your ICB's list.")
    return subscription


@require_http_methods(["GET", "POST"])
def subscription_change(request, pk):
    subscription = _subscription_or_404(request, pk)
    initial = {
        "audience": subscription.audience,
        "organisation": subscription.organisation.ods_code,
        "email": subscription.email,
        "name": subscription.name,
    }
    form = SubscriptionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid() and _save_subscription(request, form, subscription):
        messages.success(request, f"The details for {subscription.email} have been saved.")
        return redirect(reverse("reports:subscriptions"))
    return _subscription_form_page(
        request, form, subscription=subscription, status=422 if form.is_bound else 200
    )


@require_http_methods(["GET", "POST"])
def subscription_remove(request, pk):
    subscription = _subscription_or_404(request, pk)
    if request.method == "POST":
        report_subscriptions.subscription_remove(
            subscription=subscription, actor=request.user, request=request
        )
        messages.success(request, f"{subscription.email} will not be sent the monthly report any more.")
        return redirect(reverse("reports:subscriptions"))
    return render(
        request,
        "reports/subscription_remove.jinja",
        {
            "page_title": f"Stop sending the monthly report to {subscription.email}",
            "breadcrumbs": _subscriptions_crumbs(),
            "subscription": subscription,
        },
    )
