"""Adding, changing and removing who's who contacts: permissions, validation and the audit log."""

import pytest
from django.core.exceptions import ValidationError

from liaison.accounts.models import Role
from liaison.audit.models import AuditAction, AuditEvent
from liaison.directory import services
from liaison.directory.models import Contact, ContactRole, OrganisationService, Specialty
from liaison.directory.tests.factories import contact_for, place_for

pytestmark = pytest.mark.django_db

VALID = {
    "role": ContactRole.CLINICAL_DIRECTOR,
    "name": "Priya Nair",
    "job_title": "Clinical director, surgery",
    "email": "priya.nair@example.nhs.uk",
    "phone": "0151 706 2000 ext 4471",
    "contact_notes": "Bleep 4471 for urgent queries",
}


def _add_url(organisation) -> str:
    return f"/directory/organisations/{organisation.ods_code}/contacts/add/"


class TestWhoMayEdit:
    def test_a_reporter_is_refused(self, reporter, trust, client_for):
        client = client_for(reporter)
        assert client.get(_add_url(trust)).status_code == 403
        assert client.post(_add_url(trust), VALID).status_code == 403
        assert not Contact.objects.exists()

    def test_a_responder_is_refused(self, responder, trust, client_for):
        assert client_for(responder).post(_add_url(trust), VALID).status_code == 403

    def test_the_trusts_interface_lead_may_add(self, interface_lead, trust, client_for):
        client = client_for(interface_lead)
        assert client.get(_add_url(trust)).status_code == 200
        response = client.post(_add_url(trust), VALID)
        assert response.status_code == 302
        assert response["Location"] == f"/directory/organisations/{trust.ods_code}/#whos-who"
        contact = Contact.objects.get()
        assert (contact.organisation, contact.name, contact.role) == (
            trust,
            "Priya Nair",
            "clinical_director",
        )
        assert contact.phone == "0151 706 2000 ext 4471"

    def test_another_organisations_interface_lead_is_refused(
        self, make_member, other_icb_trust, trust, client_for
    ):
        other_lead = make_member(Role.INTERFACE_LEAD, other_icb_trust)
        client = client_for(other_lead)
        assert client.get(_add_url(trust)).status_code == 403
        assert client.post(_add_url(trust), VALID).status_code == 403
        contact = contact_for(trust)
        assert client.post(f"/directory/contacts/{contact.pk}/edit/", VALID).status_code == 403
        assert client.post(f"/directory/contacts/{contact.pk}/remove/").status_code == 403
        contact.refresh_from_db()
        assert contact.is_active and contact.name == "Pat Example"

    def test_the_icb_team_may_edit_in_its_icb_only(self, icb_analyst, trust, other_icb_trust, client_for):
        client = client_for(icb_analyst)
        assert client.post(_add_url(trust), VALID).status_code == 302
        assert client.post(_add_url(other_icb_trust), VALID).status_code == 403

    def test_an_administrator_may_edit(self, administrator, trust, client_for):
        assert client_for(administrator).post(_add_url(trust), VALID).status_code == 302

    def test_the_organisation_page_shows_edit_controls_only_to_editors(
        self, reporter, interface_lead, trust, client_for
    ):
        contact_for(trust)
        assert (
            "Add a contact"
            not in client_for(reporter).get(f"/directory/organisations/{trust.ods_code}/").content.decode()
        )
        page = client_for(interface_lead).get(f"/directory/organisations/{trust.ods_code}/").content.decode()
        assert "Add a contact" in page and "/edit/" in page


class TestForm:
    def test_invalid_is_422_with_every_value_kept(self, interface_lead, trust, client_for):
        typed = {**VALID, "name": "", "email": "not-an-email", "phone": "call me"}
        response = client_for(interface_lead).post(_add_url(trust), typed)
        assert response.status_code == 422
        page = response.content.decode()
        assert "<title>Error: Add a contact" in page
        assert 'class="nhsuk-error-summary"' in page
        assert 'href="#id_name"' in page and "Enter the person&#39;s name" in page
        assert 'href="#id_email"' in page and "Enter an email address in the correct format" in page
        assert 'href="#id_phone"' in page
        assert 'value="not-an-email"' in page
        assert 'value="call me"' in page
        assert 'value="Clinical director, surgery"' in page
        assert "Bleep 4471 for urgent queries</textarea>" in page
        assert '<option value="clinical_director" selected' in page
        assert not Contact.objects.exists()

    def test_a_way_to_contact_them_is_required(self, interface_lead, trust, client_for):
        response = client_for(interface_lead).post(
            _add_url(trust), {"role": "interface_lead", "name": "No Details"}
        )
        assert response.status_code == 422
        assert "Enter an email address, a phone number or how to contact them" in response.content.decode()

    def test_a_place_from_another_icb_is_refused(self, interface_lead, trust, other_icb, client_for):
        elsewhere = place_for(other_icb, "Brighton and Hove")
        response = client_for(interface_lead).post(_add_url(trust), {**VALID, "place": elsewhere.pk})
        assert response.status_code == 422
        assert "Select a Place from the list" in response.content.decode()

    def test_edit_shows_the_current_values_and_saves_changes(self, interface_lead, trust, client_for):
        contact = contact_for(trust, name="Mark Jennings", job_title="Interface lead")
        client = client_for(interface_lead)
        page = client.get(f"/directory/contacts/{contact.pk}/edit/").content.decode()
        assert 'value="Mark Jennings"' in page and 'value="Interface lead"' in page
        response = client.post(
            f"/directory/contacts/{contact.pk}/edit/",
            {
                "role": "interface_lead",
                "name": "Mark Jennings",
                "job_title": "Trust interface lead",
                "email": contact.email,
            },
        )
        assert response.status_code == 302
        contact.refresh_from_db()
        assert contact.job_title == "Trust interface lead"
        event = AuditEvent.objects.filter(action=AuditAction.UPDATE).get()
        assert event.changes == {"job_title": ["Interface lead", "Trust interface lead"]}
        assert event.actor == interface_lead.user
        assert event.organisation == trust

    def test_remove_asks_then_takes_the_contact_out(self, interface_lead, trust, client_for):
        contact = contact_for(trust, name="Gone Soon")
        client = client_for(interface_lead)
        assert (
            "Remove Gone Soon from the who"
            in client.get(f"/directory/contacts/{contact.pk}/remove/").content.decode()
        )
        assert client.post(f"/directory/contacts/{contact.pk}/remove/").status_code == 302
        contact.refresh_from_db()
        assert not contact.is_active
        assert client.get(f"/directory/contacts/{contact.pk}/edit/").status_code == 404
        event = AuditEvent.objects.filter(action=AuditAction.UPDATE, object_id=str(contact.pk)).get()
        assert event.changes == {"is_active": [True, False]}


class TestServices:
    def test_create_is_audited_with_the_values(self, trust, interface_lead):
        contact = services.contact_create(organisation=trust, actor=interface_lead.user, **VALID)
        event = AuditEvent.objects.get(action=AuditAction.CREATE)
        assert event.object_type == "directory.Contact" and event.object_id == str(contact.pk)
        assert event.changes["name"] == [None, "Priya Nair"]
        assert event.changes["organisation"] == [None, trust.ods_code]
        assert event.actor == interface_lead.user

    def test_an_unchanged_update_writes_nothing(self, trust):
        contact = contact_for(trust)
        before = AuditEvent.objects.count()
        services.contact_update(contact=contact, name="Pat Example")
        assert AuditEvent.objects.count() == before

    def test_a_service_must_belong_to_the_organisation(self, trust, other_icb_trust):
        specialty = Specialty.objects.create(code="110", name="Trauma and Orthopaedics")
        elsewhere = services.organisation_service_add(organisation=other_icb_trust, specialty=specialty)
        with pytest.raises(ValidationError) as caught:
            services.contact_create(organisation=trust, service=elsewhere, **VALID)
        assert "service" in caught.value.message_dict

    def test_a_place_must_be_in_the_organisations_icb(self, trust, other_icb):
        with pytest.raises(ValidationError) as caught:
            services.contact_create(organisation=trust, place=place_for(other_icb, "East Sussex"), **VALID)
        assert "place" in caught.value.message_dict

    def test_an_icb_contact_may_be_for_one_of_its_places(self, icb):
        contact = services.contact_create(organisation=icb, place=place_for(icb, "Knowsley"), **VALID)
        assert contact.place.name == "Knowsley"

    def test_update_refuses_fields_it_does_not_own(self, trust):
        with pytest.raises(TypeError):
            services.contact_update(contact=contact_for(trust), organisation=trust)


class TestOrganisationServices:
    def test_an_editor_adds_a_service(self, interface_lead, trust, client_for):
        Specialty.objects.create(code="110", name="Trauma and Orthopaedics")
        client = client_for(interface_lead)
        url = f"/directory/organisations/{trust.ods_code}/services/add/"
        assert client.post(url, {"specialty": ""}).status_code == 422
        response = client.post(url, {"specialty": "110", "local_name": "Fracture clinic"})
        assert response.status_code == 302
        service = OrganisationService.objects.get()
        assert (service.organisation, service.specialty.code, service.local_name) == (
            trust,
            "110",
            "Fracture clinic",
        )
        assert AuditEvent.objects.filter(
            action=AuditAction.CREATE, object_type="directory.OrganisationService"
        ).exists()
        page = client.get(f"/directory/organisations/{trust.ods_code}/").content.decode()
        assert "Fracture clinic (Trauma and Orthopaedics)" in page

    def test_adding_twice_keeps_one(self, trust):
        specialty = Specialty.objects.create(code="110", name="Trauma and Orthopaedics")
        first = services.organisation_service_add(organisation=trust, specialty=specialty)
        second = services.organisation_service_add(organisation=trust, specialty=specialty)
        assert first.pk == second.pk
        assert AuditEvent.objects.filter(object_type="directory.OrganisationService").count() == 1

    def test_a_reporter_may_not_add_services(self, reporter, trust, client_for):
        url = f"/directory/organisations/{trust.ods_code}/services/add/"
        assert client_for(reporter).get(url).status_code == 403
