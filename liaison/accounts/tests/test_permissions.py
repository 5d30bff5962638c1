"""The permission rules, role by role, against own organisation, another organisation and another ICB."""

import pytest

from liaison.accounts.models import Role
from liaison.accounts.permissions import RULES, has_permission, organisation_scope
from liaison.core.factories import PracticeFactory
from liaison.directory.models import Organisation, OrganisationType

pytestmark = pytest.mark.django_db

EXPECTED = {
    # permission: roles allowed (at an organisation in scope)
    "directory.view": {"reporter", "responder", "interface_lead", "icb_analyst", "administrator"},
    "directory.edit_contacts": {"interface_lead", "icb_analyst", "administrator"},
    "directory.import": {"administrator"},
    "standards.view": {"reporter", "responder", "interface_lead", "icb_analyst", "administrator"},
    "standards.manage_code_of_conduct": {"icb_analyst", "administrator"},
    "audit.view": {"administrator"},
    "accounts.manage_memberships": {"administrator"},
    "api.use": {"reporter", "responder", "interface_lead", "icb_analyst", "administrator"},
    "concerns.view": {"reporter", "responder", "interface_lead", "icb_analyst"},
    "concerns.report": {"reporter", "responder", "interface_lead", "icb_analyst"},
    "nhs111.view_inbox": {"reporter"},
    "nhs111.act_on_message": {"reporter"},
    "nhs111.view_unregistered": {"icb_analyst", "administrator"},
    "nhs111.view_scorecard": {"icb_analyst", "administrator"},
    "notifications.view_deliveries": {"administrator"},
    "notifications.retry_delivery": {"administrator"},
    "routing.respond": {"responder", "interface_lead"},
    "routing.view_inbox": {"responder", "interface_lead"},
    "routing.view_icb_queue": {"icb_analyst"},
    "routing.manage_rules": {"administrator"},
    "routing.manage_clock_policy": {"administrator"},
    "routing.manage_templates": {"interface_lead"},
    "themes.suggest": {"reporter", "responder", "interface_lead", "icb_analyst"},
    "themes.view_text_model": {"icb_analyst", "administrator"},
    "themes.view": {"responder", "interface_lead", "icb_analyst"},
    "themes.curate": {"icb_analyst"},
    "reports.view_dashboard": {"responder", "interface_lead", "icb_analyst"},
    "reports.view_internal": {"icb_analyst"},
    "reports.manage_activity": {"icb_analyst"},
    "reports.manage_subscriptions": {"icb_analyst", "administrator"},
    "reports.view_archive": {"reporter", "responder", "interface_lead", "icb_analyst", "administrator"},
}


def test_every_rule_has_an_expectation():
    assert set(RULES) == set(EXPECTED)


@pytest.fixture
def members(reporter, responder, interface_lead, icb_analyst, administrator):
    return {
        "reporter": reporter,
        "responder": responder,
        "interface_lead": interface_lead,
        "icb_analyst": icb_analyst,
        "administrator": administrator,
    }


@pytest.mark.parametrize("permission", sorted(EXPECTED))
def test_rules_without_an_object(members, permission):
    allowed = {role for role, membership in members.items() if has_permission(membership, permission)}
    assert allowed == EXPECTED[permission]


def test_interface_lead_edits_contacts_only_at_own_organisation(interface_lead, practice, trust):
    assert has_permission(interface_lead, "directory.edit_contacts", trust)
    assert not has_permission(interface_lead, "directory.edit_contacts", practice)


def test_icb_roles_are_limited_to_their_own_icb(
    icb_analyst, administrator, trust, other_icb_trust, other_icb
):
    assert has_permission(icb_analyst, "directory.edit_contacts", trust)
    assert not has_permission(icb_analyst, "directory.edit_contacts", other_icb_trust)
    assert has_permission(administrator, "audit.view", trust)
    assert not has_permission(administrator, "audit.view", other_icb_trust)
    assert not has_permission(icb_analyst, "standards.manage_code_of_conduct", other_icb)


def test_administrator_of_a_practice_is_not_icb_wide(make_member, practice, trust):
    practice_admin = make_member(Role.ADMINISTRATOR, practice)
    assert has_permission(practice_admin, "audit.view", practice)
    assert not has_permission(practice_admin, "audit.view", trust)


def test_no_membership_and_inactive_membership_get_nothing(reporter):
    assert not has_permission(None, "directory.view")
    reporter.is_active = False
    assert not has_permission(reporter, "directory.view")


def test_unknown_permission_is_an_error_not_a_yes(reporter):
    with pytest.raises(KeyError):
        has_permission(reporter, "concerns.delete_everything")


def test_organisation_scope(icb, practice, trust, other_icb_trust, reporter, icb_analyst, make_member):
    site = Organisation.objects.create(
        ods_code="REM01",
        name="ROYAL LIVERPOOL HOSPITAL",
        org_type=OrganisationType.TRUST_SITE,
        parent=trust,
        icb=icb,
    )
    PracticeFactory(icb=icb)
    assert set(organisation_scope(reporter)) == {practice}
    assert set(organisation_scope(make_member(Role.RESPONDER, trust))) == {trust, site}
    icb_scope = set(organisation_scope(icb_analyst))
    assert {icb, practice, trust, site} <= icb_scope
    assert other_icb_trust not in icb_scope
    assert list(organisation_scope(None)) == []
