from ninja import Router, Schema

router = Router(tags=["accounts"])


class MembershipOut(Schema):
    organisation_ods: str
    organisation_name: str
    role: str


class MeOut(Schema):
    username: str
    name: str
    current: MembershipOut | None
    memberships: list[MembershipOut]


def _membership_out(membership) -> MembershipOut:
    return MembershipOut(
        organisation_ods=membership.organisation.ods_code,
        organisation_name=membership.organisation.display_name,
        role=membership.role,
    )


@router.get("/me", response=MeOut, summary="The authenticated user and their memberships")
def me(request):
    from liaison.accounts.selectors import memberships_for

    current = getattr(request, "membership", None)
    return MeOut(
        username=request.user.username,
        name=request.user.display_name,
        current=_membership_out(current) if current else None,
        memberships=[_membership_out(m) for m in memberships_for(user=request.user)],
    )
