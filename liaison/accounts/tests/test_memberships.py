import pytest

from liaison.accounts.models import Role
from liaison.audit.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db


def test_user_with_several_memberships_can_switch_organisation(make_member, practice, trust, client_for):
    first = make_member(Role.REPORTER, practice)
    second = first.user.memberships.create(organisation=trust, role=Role.RESPONDER)
    client = client_for(first)
    page = client.get("/accounts/organisation/").content.decode()
    assert practice.display_name in page and trust.display_name in page

    response = client.post("/accounts/organisation/", {"membership": second.pk})
    assert response.status_code == 302
    assert client.session["liaison_membership_id"] == second.pk
    home = client.get("/").content.decode()
    assert f"Signed in at {trust.display_name}. Your role: Responder." in home
    event = AuditEvent.objects.get(action=AuditAction.ORGANISATION_SWITCHED)
    assert event.organisation == trust


def test_cannot_switch_to_someone_elses_membership(reporter, responder, client_for):
    client = client_for(reporter)
    response = client.post("/accounts/organisation/", {"membership": responder.pk})
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    assert client.session["liaison_membership_id"] == reporter.pk


def test_inactive_membership_is_not_offered(make_member, practice, trust, client_for):
    first = make_member(Role.REPORTER, practice)
    first.user.memberships.create(organisation=trust, role=Role.RESPONDER, is_active=False)
    page = client_for(first).get("/accounts/organisation/").content.decode()
    assert trust.display_name not in page


def test_header_shows_user_organisation_and_sign_out(reporter, client_for):
    page = client_for(reporter).get("/").content.decode()
    assert reporter.user.display_name in page
    assert reporter.organisation.display_name in page
    assert "Sign out" in page
