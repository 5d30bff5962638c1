"""Reads for the themes app: the standards a membership's suggestions are drawn from."""

from datetime import date

from liaison.accounts.models import Membership
from liaison.directory.models import OrganisationType
from liaison.standards import selectors as standards_selectors
from liaison.standards.baseline import BASELINE
from liaison.standards.selectors import CodeOfConductInForce


def code_of_conduct_for_membership(
    *, membership: Membership | None, day: date
) -> CodeOfConductInForce | None:
    """The Code in force for the membership's ICB on ``day``; None (the national baseline) without one."""
    if membership is None:
        return None
    organisation = membership.organisation
    icb = organisation if organisation.org_type == OrganisationType.ICB else organisation.icb
    if icb is None:
        return None
    in_force = standards_selectors.code_of_conduct_for(icb=icb, day=day)
    # Without a Code of its own the ICB uses the national baseline: the suggester's default.
    return None if in_force.is_national_baseline else in_force


def standard_titles(*, code_of_conduct: CodeOfConductInForce | None) -> dict[str, str]:
    """Each standard's title by code, as the Code words it (or the national baseline)."""
    if code_of_conduct is None:
        return {standard.code: standard.title for standard in BASELINE}
    return {item.code: item.title for item in code_of_conduct.standards}
