"""Reads about people and their memberships."""

from liaison.accounts.models import ApiToken, Membership, User


def memberships_for(*, user: User):
    """The user's active memberships, with their organisations, in a stable order."""
    return (
        Membership.objects.active()
        .filter(user=user)
        .select_related("organisation", "organisation__icb")
        .order_by("organisation__name", "role")
    )


def current_membership(*, user: User, membership_id: int | None) -> Membership | None:
    """The membership chosen in this session, or the user's first one."""
    memberships = list(memberships_for(user=user))
    for membership in memberships:
        if membership.pk == membership_id:
            return membership
    return memberships[0] if memberships else None


def api_tokens_for(*, user: User):
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True)


def user_for_api_token(*, token: str) -> User | None:
    """The active user a presented API token belongs to, or None."""
    found = (
        ApiToken.objects.select_related("user")
        .filter(digest=ApiToken.digest_of(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    return found.user if found else None


def memberships_visible_to(membership):
    """Memberships an administrator manages: those at organisations in their scope."""
    from liaison.accounts.permissions import has_permission, organisation_scope

    if not has_permission(membership, "accounts.manage_memberships"):
        return Membership.objects.none()
    return (
        Membership.objects.filter(organisation__in=organisation_scope(membership))
        .select_related("user", "organisation")
        .order_by("user__last_name", "user__first_name", "organisation__name")
    )


def people_search(*, membership, text: str = ""):
    """Memberships in scope whose person or organisation matches ``text``."""
    from django.db.models import Q

    found = memberships_visible_to(membership)
    text = (text or "").strip()
    if text:
        found = found.filter(
            Q(user__username__icontains=text)
            | Q(user__first_name__icontains=text)
            | Q(user__last_name__icontains=text)
            | Q(organisation__ods_code__iexact=text)
            | Q(organisation__name__icontains=text)
        )
    return found


def user_by_username(*, username: str) -> User | None:
    return User.objects.filter(username=username).first()
