"""The directory API: organisations, contacts and specialties, by token or session."""

import pytest
from django.test import Client

from liaison.accounts.services import api_token_create
from liaison.directory.models import Specialty
from liaison.directory.tests.factories import TrustFactory, contact_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def token_client(reporter):
    _, token = api_token_create(user=reporter.user)
    return Client(headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def contacts(trust, icb):
    alder_hey = TrustFactory(ods_code="RBS", name="ALDER HEY CHILDREN'S NHS FOUNDATION TRUST", icb=icb)
    return [
        contact_for(trust, name="Mark Jennings", job_title="Trust interface lead", phone="0151 706 2000"),
        contact_for(trust, "medical_director", name="Fiona Blake"),
        contact_for(alder_hey, name="Sam Okafor"),
    ]


def test_search_organisations_by_token(token_client, practice, trust, other_icb_trust):
    response = token_client.get("/api/v1/organisations", {"q": "liverpool", "type": "trust"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1 and body["limit"] == 50 and body["offset"] == 0
    item = body["items"][0]
    assert item["ods_code"] == "REM"
    assert item["name"] == "Liverpool University Hospitals NHS Foundation Trust"
    assert item["org_type"] == "trust" and item["icb_ods_code"] == "QYG"
    assert item["url"] == "/directory/organisations/REM/"


def test_organisations_filter_by_icb_and_page(token_client, practice, trust, other_icb_trust):
    body = token_client.get("/api/v1/organisations", {"icb": "qnx"}).json()
    # The ICB itself and the organisations in it, by name.
    assert [item["ods_code"] for item in body["items"]] == ["QNX", "RXH"]
    page = token_client.get("/api/v1/organisations", {"icb": "QYG", "limit": 1, "offset": 1}).json()
    assert page["count"] == 3 and len(page["items"]) == 1


def test_invalid_filters_are_problem_json(token_client):
    response = token_client.get("/api/v1/organisations", {"type": "castle", "limit": 500})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"query.type", "query.limit"}


def test_one_organisation_with_contacts(token_client, contacts):
    response = token_client.get("/api/v1/organisations/rem")
    assert response.status_code == 200
    body = response.json()
    assert body["ods_code"] == "REM"
    assert {contact["name"] for contact in body["contacts"]} == {"Mark Jennings", "Fiona Blake"}
    assert body["services"] == []


def test_unknown_organisation_is_a_404_problem(token_client):
    response = token_client.get("/api/v1/organisations/ZZZ99")
    assert response.status_code == 404
    assert response.json()["detail"] == "No organisation has the ODS code ZZZ99."


def test_contacts_by_text_role_and_organisation(reporter, client_for, contacts):
    client = client_for(reporter)  # a browser session works as well as a token
    by_text = client.get("/api/v1/contacts", {"q": "alder hey"}).json()
    assert [item["name"] for item in by_text["items"]] == ["Sam Okafor"]
    by_role = client.get("/api/v1/contacts", {"role": "interface_lead"}).json()
    assert {item["name"] for item in by_role["items"]} == {"Mark Jennings", "Sam Okafor"}
    by_organisation = client.get("/api/v1/contacts", {"organisation": "REM"}).json()
    assert {item["name"] for item in by_organisation["items"]} == {"Mark Jennings", "Fiona Blake"}
    item = next(item for item in by_organisation["items"] if item["name"] == "Mark Jennings")
    assert item["role_label"] == "Interface lead" and item["phone"] == "0151 706 2000"
    assert item["organisation_ods_code"] == "REM"


def test_specialties(token_client):
    Specialty.objects.create(code="110", name="Trauma and Orthopaedics")
    Specialty.objects.create(code="100", name="General Surgery")
    assert token_client.get("/api/v1/specialties").json() == [
        {"code": "100", "name": "General Surgery", "kind": "treatment_function"},
        {"code": "110", "name": "Trauma and Orthopaedics", "kind": "treatment_function"},
    ]


def test_authentication_is_required(db):
    response = Client().get("/api/v1/organisations")
    assert response.status_code == 401


def test_a_user_without_a_membership_is_forbidden(db):
    from liaison.core.factories import UserFactory

    _, token = api_token_create(user=UserFactory())
    response = Client(headers={"Authorization": f"Bearer {token}"}).get("/api/v1/specialties")
    assert response.status_code == 403


def test_the_openapi_document_describes_every_endpoint(token_client):
    document = token_client.get("/api/v1/openapi.json").json()
    for path in (
        "/api/v1/organisations",
        "/api/v1/organisations/{ods_code}",
        "/api/v1/contacts",
        "/api/v1/specialties",
    ):
        operation = document["paths"][path]["get"]
        assert "200" in operation["responses"]
        assert operation["responses"]["200"]["content"]["application/json"]["schema"]
    parameters = {p["name"] for p in document["paths"]["/api/v1/organisations"]["get"]["parameters"]}
    assert parameters == {"q", "type", "icb", "limit", "offset"}
    schemas = document["components"]["schemas"]
    assert {"OrganisationOut", "OrganisationPage", "ContactOut", "SpecialtyOut"} <= set(schemas)
