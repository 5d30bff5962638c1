"""Who is sent the monthly breach report: practices subscribed to the newsletter and each provider's
contacts for its Clinical Quality Review Group (CQRG), who get that provider's version.

ICB analysts and administrators manage their own ICB's list (``reports.manage_subscriptions``). Every
change is audited, with the email address as changed; the reports themselves never carry it.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from liaison.accounts.models import Membership
from liaison.accounts.permissions import has_permission
from liaison.audit.models import AuditAction
from liaison.audit.services import audit_record, field_changes
from liaison.directory.models import PROVIDER_TYPES, Organisation, OrganisationType
from liaison.reports.models import Audience, ReportSubscription

# --- Reads ----------------------------------------------------------------------------------------


def may_manage_subscriptions(membership: Membership | None) -> bool:
    return has_permission(membership, "reports.manage_subscriptions")


def subscriptions_managed_by(membership: Membership | None) -> QuerySet[ReportSubscription]:
    """The ICB's subscriptions, for its analysts and administrators; nothing for anyone else."""
    if not may_manage_subscriptions(membership):
        return ReportSubscription.objects.none()
    return (
        ReportSubscription.objects.filter(icb=membership.organisation)
        .select_related("organisation")
        .order_by("audience", "organisation__name", "email")
    )


def subscription_for(membership: Membership | None, pk) -> ReportSubscription | None:
    """One subscription of the membership's ICB, or None (another ICB's, or no such row)."""
    if not str(pk).isdigit():
        return None
    return subscriptions_managed_by(membership).filter(pk=pk).first()


@dataclass
class SubscriptionLists:
    newsletter: list[ReportSubscription]
    cqrg: list[ReportSubscription]


def subscription_lists(membership: Membership | None) -> SubscriptionLists:
    rows = list(subscriptions_managed_by(membership))
    return SubscriptionLists(
        newsletter=[row for row in rows if row.audience == Audience.NEWSLETTER],
        cqrg=[row for row in rows if row.audience == Audience.CQRG],
    )


# --- Checks -----------------------------------------------------------------------------------------

NOT_IN_ICB = "{code} is not an organisation in {icb}"


def organisation_for_audience(*, icb: Organisation, audience: str, ods_code: str) -> Organisation:
    """The organisation an ODS code names, if it may receive this audience's report in ``icb``:
    a GP practice for the newsletter, a provider trust (not a site) for a CQRG contact."""
    organisation = Organisation.objects.filter(ods_code__iexact=ods_code).first()
    if organisation is None or organisation.icb_id != icb.pk:
        raise ValidationError({"organisation": NOT_IN_ICB.format(code=ods_code[:12], icb=icb.display_name)})
    if audience == Audience.NEWSLETTER and organisation.org_type != OrganisationType.GP_PRACTICE:
        raise ValidationError(
            {"organisation": f"{organisation.ods_code} is not a GP practice: the newsletter is for practices"}
        )
    if audience == Audience.CQRG:
        if organisation.org_type == OrganisationType.TRUST_SITE:
            raise ValidationError(
                {"organisation": f"{organisation.ods_code} is a trust site: give the trust's ODS code"}
            )
        if organisation.org_type not in PROVIDER_TYPES:
            raise ValidationError(
                {
                    "organisation": f"{organisation.ods_code} is not a provider: CQRG contacts are for providers"
                }
            )
    return organisation


def _check_not_repeated(*, organisation, audience, email, exclude_pk=None) -> None:
    repeats = ReportSubscription.objects.filter(organisation=organisation, audience=audience, email=email)
    if exclude_pk is not None:
        repeats = repeats.exclude(pk=exclude_pk)
    if repeats.exists():
        raise ValidationError({"email": f"{email} is already on the list for {organisation.display_name}"})


def _values(subscription: ReportSubscription) -> dict:
    return {
        "audience": subscription.audience,
        "organisation": subscription.organisation.ods_code,
        "email": subscription.email,
        "name": subscription.name,
    }


# --- Writes -----------------------------------------------------------------------------------------


def _save(subscription: ReportSubscription) -> None:
    """Save, turning a race with another person adding the same address into the same form error."""
    try:
        with transaction.atomic():
            subscription.save()
    except IntegrityError as error:
        raise ValidationError({"email": f"{subscription.email} is already on the list"}) from error


@transaction.atomic
def subscription_add(
    *, icb: Organisation, audience: str, ods_code: str, email: str, name: str = "", actor=None, request=None
) -> ReportSubscription:
    """Add a practice's newsletter address or a provider's CQRG contact to ``icb``'s list, audited."""
    organisation = organisation_for_audience(icb=icb, audience=audience, ods_code=ods_code)
    _check_not_repeated(organisation=organisation, audience=audience, email=email)
    subscription = ReportSubscription(
        icb=icb, organisation=organisation, audience=audience, email=email, name=name
    )
    _save(subscription)
    audit_record(
        action=AuditAction.CREATE,
        actor=actor,
        obj=subscription,
        request=request,
        organisation=icb,
        changes={key: [None, value] for key, value in _values(subscription).items()},
    )
    return subscription


@transaction.atomic
def subscription_change(
    *,
    subscription: ReportSubscription,
    audience: str,
    ods_code: str,
    email: str,
    name: str = "",
    actor=None,
    request=None,
) -> ReportSubscription:
    """Change who or where a subscription sends to, audited with each changed field."""
    icb = subscription.icb
    organisation = organisation_for_audience(icb=icb, audience=audience, ods_code=ods_code)
    _check_not_repeated(organisation=organisation, audience=audience, email=email, exclude_pk=subscription.pk)
    before = _values(subscription)
    subscription.organisation, subscription.audience = organisation, audience
    subscription.email, subscription.name = email, name
    changes = field_changes(before, _values(subscription))
    if not changes:
        return subscription
    _save(subscription)
    audit_record(
        action=AuditAction.UPDATE,
        actor=actor,
        obj=subscription,
        request=request,
        organisation=icb,
        changes=changes,
    )
    return subscription


@transaction.atomic
def subscription_remove(*, subscription: ReportSubscription, actor=None, request=None) -> None:
    """Take an address off the list: it is sent nothing more. The audit log keeps what it was."""
    values = _values(subscription)
    audit_record(
        action=AuditAction.DELETE,
        actor=actor,
        obj=subscription,
        request=request,
        organisation=subscription.icb,
        changes={key: [value, None] for key, value in values.items()},
    )
    subscription.delete()
