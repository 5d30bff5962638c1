"""Every permission rule in Liaison, in one place.

A rule takes the user's current ``Membership`` (organisation + role) and optionally the object
acted on, and answers yes or no. Views and API handlers ask ``has_permission``; selectors use
``organisation_scope`` to limit what a membership can see. Deny by default: an unknown
permission name is an error, not a yes.
"""

from collections.abc import Callable

from django.db.models import Q, QuerySet

from liaison.accounts.models import Membership, Role
from liaison.directory.models import Organisation, OrganisationType

ICB_WIDE_ROLES = {Role.ICB_ANALYST, Role.ADMINISTRATOR}


def is_icb_wide(membership: Membership | None) -> bool:
    """Does this membership see the whole of its ICB (ICB analysts and administrators at an ICB)?"""
    return bool(
        membership
        and membership.role in ICB_WIDE_ROLES
        and membership.organisation.org_type == OrganisationType.ICB
    )


def organisation_scope(membership: Membership | None) -> QuerySet[Organisation]:
    """The organisations whose sensitive records this membership may see.

    ICB-wide roles see every organisation in their ICB; everyone else sees their own
    organisation and the sites that belong to it. No membership sees nothing.
    """
    if membership is None:
        return Organisation.objects.none()
    organisation = membership.organisation
    if is_icb_wide(membership):
        return Organisation.objects.filter(Q(icb=organisation) | Q(pk=organisation.pk))
    return Organisation.objects.filter(
        Q(pk=organisation.pk) | Q(parent=organisation, org_type=OrganisationType.TRUST_SITE)
    )


def _in_scope(membership: Membership, organisation: Organisation | None) -> bool:
    if organisation is None:
        return False
    if organisation.pk == membership.organisation_id:
        return True
    if is_icb_wide(membership):
        return organisation.icb_id == membership.organisation_id
    return (
        organisation.parent_id == membership.organisation_id
        and organisation.org_type == OrganisationType.TRUST_SITE
    )


def _organisation_of(obj) -> Organisation | None:
    if obj is None or isinstance(obj, Organisation):
        return obj
    for attribute in ("organisation", "icb", "owner_icb"):
        value = getattr(obj, attribute, None)
        if isinstance(value, Organisation):
            return value
    code = getattr(obj, "code_of_conduct", None)
    return getattr(code, "icb", None)


def _anyone(membership, obj) -> bool:
    return True


def _administrator(membership, obj) -> bool:
    return membership.role == Role.ADMINISTRATOR and (
        obj is None or _in_scope(membership, _organisation_of(obj))
    )


def _icb_team(membership, obj) -> bool:
    return is_icb_wide(membership) and (obj is None or _in_scope(membership, _organisation_of(obj)))


def _edit_contacts(membership, obj) -> bool:
    """Administrators and ICB analysts in scope, and an organisation's own interface lead."""
    if _icb_team(membership, obj) or _administrator(membership, obj):
        return True
    if membership.role == Role.INTERFACE_LEAD:
        return obj is None or _in_scope(membership, _organisation_of(obj))
    return False


def _works_with_concerns(membership, obj) -> bool:
    """Everyone who reports or answers concerns; administrators manage people, not concerns."""
    return membership.role != Role.ADMINISTRATOR


def _gp_practice(membership, obj) -> bool:
    """Anyone at a GP practice, for that practice's own records (NHS 111 messages for its patients)."""
    return membership.organisation.org_type == OrganisationType.GP_PRACTICE and (
        obj is None or _in_scope(membership, _organisation_of(obj))
    )


def _responds(membership, obj) -> bool:
    """Responders and interface leads; for a concern, only where routing makes them its responders."""
    if membership.role not in (Role.RESPONDER, Role.INTERFACE_LEAD):
        return False
    if obj is None:
        return True
    from liaison.routing.selectors import viewer_relationship

    return viewer_relationship(membership, obj) == "responder"


def _icb_interface_team(membership, obj) -> bool:
    """ICB analysts and interface leads working at an ICB: they see every concern in their ICB."""
    return (
        membership.organisation.org_type == OrganisationType.ICB
        and membership.role in (Role.ICB_ANALYST, Role.INTERFACE_LEAD)
        and (obj is None or _in_scope(membership, _organisation_of(obj)))
    )


def _view_themes(membership, obj) -> bool:
    """The ICB interface team for their ICB's themes; responders and interface leads at a provider for
    the themes involving their organisation (``liaison.themes.selectors.themes_visible_to`` decides which)."""
    if membership.organisation.org_type == OrganisationType.ICB:
        return _icb_interface_team(membership, obj)
    return membership.role in (Role.RESPONDER, Role.INTERFACE_LEAD)


def _icb_administrator(membership, obj) -> bool:
    """Administrators at an ICB, for their own ICB's settings (routing rules, clock policy)."""
    return membership.organisation.org_type == OrganisationType.ICB and _administrator(membership, obj)


def _manage_templates(membership, obj) -> bool:
    """An organisation's interface lead, for its own response templates."""
    return membership.role == Role.INTERFACE_LEAD and (
        obj is None or _in_scope(membership, _organisation_of(obj))
    )


def _dashboard(membership, obj) -> bool:
    """ICB analysts for their ICB; a provider's responders and interface leads for their own organisation."""
    if membership.role == Role.ICB_ANALYST and membership.organisation.org_type == OrganisationType.ICB:
        return obj is None or _in_scope(membership, _organisation_of(obj))
    return (
        membership.role in (Role.RESPONDER, Role.INTERFACE_LEAD)
        and membership.organisation.org_type != OrganisationType.ICB
        and (obj is None or _in_scope(membership, _organisation_of(obj)))
    )


def _icb_analyst(membership, obj) -> bool:
    """ICB analysts at an ICB, for their own ICB (exact report numbers never leave the ICB team)."""
    return (
        membership.role == Role.ICB_ANALYST
        and membership.organisation.org_type == OrganisationType.ICB
        and (obj is None or _in_scope(membership, _organisation_of(obj)))
    )


RULES: dict[str, Callable[[Membership, object], bool]] = {
    "directory.view": _anyone,
    "directory.edit_contacts": _edit_contacts,
    "directory.import": _administrator,
    "standards.view": _anyone,
    "standards.manage_code_of_conduct": _icb_team,
    "audit.view": _administrator,
    "accounts.manage_memberships": _administrator,
    "notifications.view_deliveries": _administrator,
    "notifications.retry_delivery": _administrator,
    "api.use": _anyone,
    # Routing and response (liaison.routing): who acts on a concern is decided by its assignments.
    "routing.respond": _responds,
    "routing.view_inbox": _responds,
    "routing.view_icb_queue": _icb_interface_team,
    "routing.manage_rules": _icb_administrator,
    "routing.manage_clock_policy": _icb_administrator,
    "routing.manage_templates": _manage_templates,
    # NHS 111 messages: a practice sees its patients'; the ICB team the unregistered queue and scorecards.
    "nhs111.view_inbox": _gp_practice,
    "nhs111.act_on_message": _gp_practice,
    "nhs111.view_unregistered": _icb_team,
    "nhs111.view_scorecard": _icb_team,
    # Which concerns a membership sees is decided by liaison.concerns.selectors.concerns_visible_to.
    "concerns.view": _works_with_concerns,
    "concerns.report": _works_with_concerns,
    "themes.suggest": _works_with_concerns,
    "themes.view_text_model": _icb_team,
    # Dashboards and the monthly breach report (liaison.reports): counts, never patient details.
    "reports.view_dashboard": _dashboard,
    "reports.view_internal": _icb_analyst,
    "reports.manage_activity": _icb_analyst,
    "reports.manage_subscriptions": _icb_team,
    "reports.view_archive": _anyone,
    # Themes (liaison.themes): the ICB team curates its ICB's; providers see those involving them.
    "themes.view": _view_themes,
    "themes.curate": _icb_interface_team,
}


def has_permission(membership: Membership | None, permission: str, obj=None) -> bool:
    """May this membership do ``permission`` (to ``obj``, if given)?"""
    if permission not in RULES:
        raise KeyError(f"Unknown permission {permission!r}: add a rule to liaison.accounts.permissions")
    if membership is None or not membership.is_active or not membership.user.is_active:
        return False
    return RULES[permission](membership, obj)
