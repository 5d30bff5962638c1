import pytest

from liaison.accounts.models import Membership, Role, User
from liaison.audit.models import AuditAction, AuditEvent
from liaison.core.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

NEW_PERSON = {
    "username": "new.gp",
    "first_name": "Nia",
    "last_name": "Evans",
    "email": "nia.evans@example.nhs.uk",
    "job_title": "Salaried GP",
    "organisation_ods": "n82001",
    "role": "reporter",
    "password": "a-long-temporary-passphrase",
}


def test_only_administrators_manage_people(reporter, icb_analyst, administrator, client_for):
    assert client_for(reporter).get("/accounts/people/").status_code == 403
    assert client_for(icb_analyst).get("/accounts/people/add/").status_code == 403
    assert client_for(administrator).get("/accounts/people/").status_code == 200


def test_administrator_adds_a_new_person_who_can_sign_in(administrator, practice, client_for):
    response = client_for(administrator).post("/accounts/people/add/", NEW_PERSON)
    assert response.status_code == 302
    user = User.objects.get(username="new.gp")
    assert user.check_password(NEW_PERSON["password"])
    assert Membership.objects.get(user=user).organisation == practice
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_type="accounts.User").exists()
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_type="accounts.Membership").exists()


def test_existing_user_gets_a_second_role(administrator, reporter, trust, client_for):
    data = dict(
        NEW_PERSON, username=reporter.user.username, organisation_ods="REM", role="responder", password=""
    )
    response = client_for(administrator).post("/accounts/people/add/", data)
    assert response.status_code == 302
    assert set(reporter.user.memberships.values_list("role", flat=True)) == {"reporter", "responder"}
    assert reporter.user.check_password(TEST_PASSWORD)


def test_invalid_form_keeps_values_and_names_each_problem(administrator, other_icb_trust, client_for):
    data = dict(NEW_PERSON, organisation_ods="RXH", password="short", email="not-an-email")
    response = client_for(administrator).post("/accounts/people/add/", data)
    assert response.status_code == 422
    page = response.content.decode()
    assert "There is no organisation with ODS code RXH that you administer" in page
    assert "Enter an email address in the right format" in page
    assert "This password is too short" in page
    assert 'value="new.gp"' in page and 'value="Nia"' in page and 'value="Salaried GP"' in page
    assert not User.objects.filter(username="new.gp").exists()


def test_ending_a_role_keeps_the_person_and_is_audited(administrator, reporter, client_for):
    response = client_for(administrator).post(f"/accounts/people/memberships/{reporter.pk}/end/")
    assert response.status_code == 302
    reporter.refresh_from_db()
    assert not reporter.is_active
    assert User.objects.filter(pk=reporter.user.pk).exists()
    assert AuditEvent.objects.filter(action=AuditAction.UPDATE, object_id=str(reporter.pk)).exists()


def test_cannot_end_a_role_in_another_icb(administrator, make_member, other_icb_trust, client_for):
    outsider = make_member(Role.RESPONDER, other_icb_trust)
    response = client_for(administrator).post(f"/accounts/people/memberships/{outsider.pk}/end/")
    assert response.status_code == 404
    outsider.refresh_from_db()
    assert outsider.is_active


def test_people_list_is_scoped_and_searchable(
    administrator, reporter, make_member, other_icb_trust, client_for
):
    outsider = make_member(Role.RESPONDER, other_icb_trust)
    client = client_for(administrator)
    page = client.get("/accounts/people/").content.decode()
    assert reporter.user.username in page and outsider.user.username not in page
    found = client.get("/accounts/people/", {"q": reporter.user.last_name}).content.decode()
    assert reporter.user.username in found and administrator.user.username not in found
