import pytest
from django.test import Client

from liaison.accounts.services import api_token_create
from liaison.standards import selectors, services

pytestmark = pytest.mark.django_db


def test_standards_without_an_icb_are_the_national_baseline(baseline, client_for, reporter):
    response = client_for(reporter).get("/api/v1/standards", {"on": "2017-06-01"})
    assert response.status_code == 200
    body = response.json()
    assert body["icb"] is None and body["code_of_conduct"] is None and body["on"] == "2017-06-01"
    assert [s["code"] for s in body["standards"]] == [f"S{n:02d}" for n in range(1, 13)]
    s03 = next(s for s in body["standards"] if s["code"] == "S03")
    assert s03["time_limit"]["amount"] == 10 and s03["time_limit"]["unit"] == "days"
    assert s03["area"] == "complete_care" and s03["direction"] == "secondary_to_primary"


def test_standards_in_an_icbs_code_on_a_date(
    draft_version, published_code, client_for, reporter, icb_analyst
):
    services.code_standard_reword(
        actor=icb_analyst.user,
        membership=icb_analyst,
        entry=selectors.version_entry(version=draft_version, code="S03"),
        local_reference="4.1",
        local_title="Letters after clinic",
    )
    services.local_standard_add(
        actor=icb_analyst.user,
        membership=icb_analyst,
        version=draft_version,
        title="Complete referrals",
        requirement="Referrals include the question being asked.",
        direction="primary_to_secondary",
    )
    services.code_of_conduct_version_publish(
        actor=icb_analyst.user, membership=icb_analyst, version=draft_version
    )
    client = client_for(reporter)

    before = client.get("/api/v1/standards", {"icb": "QYG", "on": "2023-01-01"}).json()
    assert before["code_of_conduct"] is None and len(before["standards"]) == 12

    v1 = client.get("/api/v1/standards", {"icb": "qyg", "on": "2024-06-01"}).json()
    assert v1["icb"] == "QYG" and v1["code_of_conduct"]["version"] == "1"
    assert next(s for s in v1["standards"] if s["code"] == "S03")["title"] == "Clinic letters"

    v2 = client.get("/api/v1/standards", {"icb": "QYG", "on": "2025-04-01"}).json()
    assert v2["code_of_conduct"]["version"] == "2" and v2["code_of_conduct"]["effective_from"] == "2025-04-01"
    s03 = next(s for s in v2["standards"] if s["code"] == "S03")
    assert (s03["title"], s03["local_reference"], s03["time_limit"]["amount"]) == (
        "Letters after clinic",
        "4.1",
        7,
    )
    local = v2["standards"][-1]
    assert local["code"] == "L-QYG-01" and local["is_local"] and local["direction"] == "primary_to_secondary"


def test_unknown_icb_is_a_404_problem(baseline, client_for, reporter):
    response = client_for(reporter).get("/api/v1/standards", {"icb": "ZZZ"})
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert "ZZZ" in response.json()["detail"]


def test_one_standard_with_its_time_limits(baseline, client_for, reporter):
    body = client_for(reporter).get("/api/v1/standards/S03").json()
    assert body["slug"] == "clinic-letter" and body["clause"] == "SC11.7" and body["clause_verified"] is True
    assert [(t["amount"], t["in_force_from"], t["in_force_to"]) for t in body["time_limits"]] == [
        (14, "2016-04-01", "2017-03-31"),
        (10, "2017-04-01", "2018-03-31"),
        (7, "2018-04-01", None),
    ]
    assert body["time_limit_today"]["amount"] == 7
    assert body["owner_icb"] is None
    assert client_for(reporter).get("/api/v1/standards/S05").json()["clause_verified"] is False


@pytest.mark.parametrize(
    ("on", "amount"),
    [("2016-03-31", None), ("2017-03-31", 14), ("2017-04-01", 10), ("2018-03-31", 10), ("2018-04-01", 7)],
)
def test_time_limit_on_a_date(baseline, client_for, reporter, on, amount):
    response = client_for(reporter).get("/api/v1/standards/S03/time-limit", {"on": on})
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == "S03" and body["on"] == on
    assert (body["time_limit"]["amount"] if body["time_limit"] else None) == amount


@pytest.mark.parametrize(
    ("on", "code"),
    [
        ("2017-02-30", "date_from_datetime_parsing"),
        ("01/06/2017", "date_format"),
        ("0", "date_format"),
        ("", "date_format"),
    ],
)
def test_bad_date_is_a_422_problem_with_field_detail(baseline, client_for, reporter, on, code):
    response = client_for(reporter).get("/api/v1/standards/S03/time-limit", {"on": on})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert errors[0]["field"] == "query.on" and errors[0]["code"] == code


def test_missing_date_is_a_422_problem(baseline, client_for, reporter):
    response = client_for(reporter).get("/api/v1/standards/S03/time-limit")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.on"


def test_unknown_code_is_a_404_problem(baseline, client_for, reporter):
    for url in ("/api/v1/standards/S99", "/api/v1/standards/S99/time-limit?on=2020-01-01"):
        response = client_for(reporter).get(url)
        assert response.status_code == 404
        assert response.json()["title"] == "Not found"


def test_the_api_needs_authentication_and_accepts_a_token(baseline, reporter):
    assert Client().get("/api/v1/standards").status_code == 401
    _token, secret = api_token_create(user=reporter.user)
    response = Client().get(
        "/api/v1/standards/S02/time-limit?on=2024-01-01", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 200 and response.json()["time_limit"]["description"] == "24 hours"


def test_a_user_without_a_membership_is_forbidden(baseline):
    from liaison.core.factories import UserFactory

    client = Client()
    client.force_login(UserFactory())
    response = client.get("/api/v1/standards")
    assert response.status_code == 403


def test_the_openapi_document_describes_the_endpoints(client_for, reporter):
    schema = client_for(reporter).get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert {"/api/v1/standards", "/api/v1/standards/{code}", "/api/v1/standards/{code}/time-limit"} <= set(
        paths
    )
    time_limit = paths["/api/v1/standards/{code}/time-limit"]["get"]
    on = next(p for p in time_limit["parameters"] if p["name"] == "on")
    assert on["required"] and on["schema"]["format"] == "date"
    assert {"200", "404", "422"} <= set(time_limit["responses"])
    components = schema["components"]["schemas"]
    assert {"StandardOut", "TimeLimitOut", "StandardsInForceOut", "ProblemOut"} <= set(components)
