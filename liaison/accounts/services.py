"""Changes to people, memberships and tokens. Every change is audited."""

import secrets

from django.conf import settings
from django.db import transaction

from liaison.accounts.models import ApiToken, Membership, Role, User
from liaison.audit.models import AuditAction
from liaison.audit.services import audit_record


def membership_switch(*, request, membership: Membership) -> None:
    """Make ``membership`` the current one for this session."""
    from liaison.accounts.middleware import CURRENT_MEMBERSHIP_KEY

    if membership.user_id != request.user.pk or not membership.is_active:
        raise PermissionError("You can only switch to one of your own active memberships.")
    previous = request.membership
    request.session[CURRENT_MEMBERSHIP_KEY] = membership.pk
    request.membership = membership
    audit_record(
        actor=request.user,
        action=AuditAction.ORGANISATION_SWITCHED,
        obj=membership,
        request=request,
        organisation=membership.organisation,
        changes={"membership": [previous.pk if previous else None, membership.pk]},
    )


@transaction.atomic
def membership_add(*, user: User, organisation, role: Role | str, actor=None) -> Membership:
    """Give ``user`` ``role`` at ``organisation`` (reactivating a former membership)."""
    membership, created = Membership.objects.get_or_create(user=user, organisation=organisation, role=role)
    if not created and not membership.is_active:
        membership.is_active = True
        membership.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        obj=membership,
        organisation=organisation,
        changes={"role": [None, str(role)], "user": [None, user.username]},
    )
    return membership


@transaction.atomic
def person_add(
    *,
    actor_membership: Membership,
    organisation,
    role: Role | str,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    job_title: str,
    password: str,
) -> Membership:
    """Add a member of staff at an organisation in the administrator's scope.

    An existing username gets the new membership; a new one becomes an account with the
    temporary password the administrator gives them. Both are audited.
    """
    from liaison.accounts.permissions import has_permission

    if not has_permission(actor_membership, "accounts.manage_memberships", organisation):
        raise PermissionError("You can only add people at organisations you administer.")
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(
            username=username, first_name=first_name, last_name=last_name, email=email, job_title=job_title
        )
        user.set_password(password)
        user.save()
        audit_record(
            actor=actor_membership.user,
            action=AuditAction.CREATE,
            obj=user,
            organisation=organisation,
            changes={"username": [None, username]},
        )
    return membership_add(user=user, organisation=organisation, role=role, actor=actor_membership.user)


@transaction.atomic
def membership_deactivate(*, actor_membership: Membership, membership: Membership) -> Membership:
    """End a membership (people are never deleted: their audit trail stays)."""
    from liaison.accounts.permissions import has_permission

    if not has_permission(actor_membership, "accounts.manage_memberships", membership.organisation):
        raise PermissionError("You can only change memberships at organisations you administer.")
    if membership.is_active:
        membership.is_active = False
        membership.save(update_fields=["is_active"])
        audit_record(
            actor=actor_membership.user,
            action=AuditAction.UPDATE,
            obj=membership,
            organisation=membership.organisation,
            changes={"is_active": [True, False]},
        )
    return membership


@transaction.atomic
def api_token_create(*, user: User, name: str = "Personal token", actor=None) -> tuple[ApiToken, str]:
    """Create a personal API token. Returns the row and the token, which is never stored or shown again."""
    token = settings.LIAISON_API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(user=user, name=name, prefix=token[:10], digest=ApiToken.digest_of(token))
    audit_record(actor=actor or user, action=AuditAction.TOKEN_CREATED, obj=row, object_repr=f"{row.prefix}…")
    return row, token
