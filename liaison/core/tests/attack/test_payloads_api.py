"""Hostile text through the JSON API: NUL, lone surrogates and control characters in every string."""

import json

import pytest
from django.test import Client

from liaison.accounts.models import Role
from liaison.accounts.services import api_token_create
from liaison.concerns.models import Concern

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(make_member, practice, trust, published_code):
    reporter = make_member(Role.REPORTER, practice)
    _, token = api_token_create(user=reporter.user)
    return Client(headers={"Authorization": f"Bearer {token}"}, raise_request_exception=False)


def body(event_day, trust, **changes):
    return {
        "part": "A",
        "about_organisation": trust.ods_code,
        "aspect_of_care": "discharge",
        "event_date": event_day.isoformat(),
        "what_happened": "The discharge letter arrived a week late and listed no medication changes.",
        "impact": "The practice had to phone the ward.",
        **changes,
    }


@pytest.mark.parametrize("field", ["what_happened", "impact", "service_description"])
@pytest.mark.parametrize("bad", ["before\x00after", "lone \ud800 surrogate"], ids=["nul", "surrogate"])
def test_text_that_cannot_be_stored_is_a_422_naming_the_field(api, event_day, trust, field, bad):
    raw = json.dumps(body(event_day, trust, **{field: bad}))
    response = api.post(
        "/api/v1/concerns", raw, content_type="application/json", headers={"Idempotency-Key": "k1"}
    )
    assert response.status_code == 422, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert [error["field"] for error in problem["errors"]] == [field]
    assert Concern.objects.count() == 0
