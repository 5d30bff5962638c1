"""Submitting a concern: the number of queries is pinned, on the form and on the API, and does not grow
with the number of responders or rules (bench/submit.py measures the time; this keeps the work)."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from liaison.accounts.models import Role
from liaison.concerns.models import Concern, ConcernEvent, ConcernEventKind
from liaison.core.factories import TrustFactory
from liaison.directory.models import Contact, ContactRole
from liaison.notifications.models import Notification
from liaison.routing.clocks import add_working_days
from liaison.routing.models import Assignment, ClockPolicy, ConcernClock
from liaison.routing.services import routing_rule_create
from liaison.standards.models import Standard

from .test_api import api_client, body_of
from .test_views import form_data

pytestmark = pytest.mark.django_db

# Everything one Part B form submission does, middleware included (42 before the submit path was
# first reworked, 29 before the second, 20 before the third): the session, the user and the
# membership (whose user is the one just read); the rate-limit count (one upsert); the reference
# generation token (the about-organisation with its ICB and clock policy, the Code of Conduct in
# force, the routing rules and the responders are kept in the process while it stands:
# liaison.core.reference); then in one transaction the concern, its standard and occurrence, the
# decision, the assignments, the SUBMITTED and ROUTED events (one insert), the submission's and the
# decision's audit events (one insert), the outbox rows, the clock, and the delivery and
# theme-placement tasks (one insert). The session is not written: nothing in it changed within the
# minute. Savepoints are counted too (the test runs inside a transaction). On PostgreSQL one more:
# the routing decision's id, asked for with the concern's INSERT and answered with it, so it costs
# no round trip of its own (liaison.core.inserts.next_id_later, ADR 16).
FORM_QUERIES = 17 + (connection.vendor == "postgresql")
# Through a rule: one more row, the decision's rule.
FORM_QUERIES_BY_RULE = FORM_QUERIES + 1
# The API: a token instead of a session (the token with its user, then the membership), the
# idempotency key's look-up and record, and the concern read back for the answer (four queries).
API_QUERIES = 22 + (connection.vendor == "postgresql")


def _submit_form(client, valid_submission, n: int):
    with CaptureQueriesContext(connection) as captured:
        response = client.post("/concerns/report/new/", form_data(valid_submission, impact=f"Report {n}."))
    assert response.status_code == 302, response.content[:300]
    return len(captured.captured_queries)


def test_the_form_path_query_count_is_pinned_and_constant_in_responders(
    client_for, reporter, make_member, trust, valid_submission
):
    make_member(Role.RESPONDER, trust)
    client = client_for(reporter)
    _submit_form(client, valid_submission, 0)  # the first request of a process warms caches
    one_responder = _submit_form(client, valid_submission, 1)
    for _ in range(4):
        make_member(Role.RESPONDER, trust)
    make_member(Role.INTERFACE_LEAD, trust)
    make_member(Role.INTERFACE_LEAD, trust)
    # The new members changed the reference generation: the next submission reads them afresh and
    # they are told at once (nothing kept from before the change is used).
    _submit_form(client, valid_submission, 2)
    concern = Concern.objects.order_by("-pk").first()
    # Nothing was dropped to get there: both events, every assignment, every responder told.
    assert list(
        ConcernEvent.objects.filter(concern=concern).order_by("id").values_list("kind", flat=True)
    ) == [ConcernEventKind.SUBMITTED, ConcernEventKind.ROUTED]
    assert Assignment.objects.filter(concern=concern).count() == 2
    told = set(Notification.objects.filter(concern=concern).values_list("recipient_user_id", flat=True))
    assert len(told) == 7
    many = _submit_form(client, valid_submission, 3)
    assert one_responder == many <= FORM_QUERIES
    latest = Concern.objects.order_by("-pk").first()
    assert (
        set(Notification.objects.filter(concern=latest).values_list("recipient_user_id", flat=True)) == told
    )


def test_the_form_path_through_rules_is_pinned_and_constant_in_rules(
    client_for, reporter, make_member, icb, trust, valid_submission
):
    make_member(Role.RESPONDER, trust)
    client = client_for(reporter)
    _submit_form(client, valid_submission, 0)
    routing_rule_create(
        icb=icb,
        actor=None,
        about_organisation=trust,
        recipient_organisation=trust,
        recipient_role="responder",
    )
    _submit_form(client, valid_submission, 1)  # the new rule changed the generation: read afresh
    one_rule = _submit_form(client, valid_submission, 2)
    standard = Standard.objects.get(code="S02")
    lead = Contact.objects.create(
        organisation=trust, role=ContactRole.SERVICE_LEAD, name="Dr A Lead", email="lead@example.nhs.net"
    )
    routing_rule_create(
        icb=icb, actor=None, about_organisation=trust, standard=standard, recipient_contact=lead
    )
    routing_rule_create(
        icb=icb,
        actor=None,
        about_organisation=trust,
        standard=standard,
        recipient_organisation=trust,
        recipient_role="interface_lead",
    )
    for _ in range(5):
        routing_rule_create(
            icb=icb, actor=None, recipient_organisation=TrustFactory(icb=icb), recipient_role="responder"
        )
    _submit_form(client, valid_submission, 3)
    concern = Concern.objects.order_by("-pk").first()
    decision = concern.routing_decisions.get()
    # The rules made since the last submission route this one: nothing kept from before them is used.
    assert decision.rules.count() == 2 and "Dr A Lead" in decision.explanation
    many_rules = _submit_form(client, valid_submission, 4)
    assert one_rule <= FORM_QUERIES_BY_RULE
    # Seven rules, two winning: the named contact's address to look up among the users; not a
    # query per rule.
    assert many_rules <= one_rule + 1
    concern = Concern.objects.order_by("-pk").first()
    decision = concern.routing_decisions.get()
    assert decision.rules.count() == 2 and "Dr A Lead" in decision.explanation


def test_the_api_path_query_count_is_pinned(reporter, make_member, trust, valid_submission):
    for _ in range(3):
        make_member(Role.RESPONDER, trust)
    client = api_client(reporter)
    body = body_of(valid_submission)
    # The first submission of a process reads the Code's standards, which it then keeps.
    warm = client.post(
        "/api/v1/concerns",
        json.dumps(body),
        content_type="application/json",
        headers={"Idempotency-Key": "pinned-0"},
    )
    assert warm.status_code == 201, warm.content[:300]
    body["impact"] = "Another report."
    with CaptureQueriesContext(connection) as captured:
        response = client.post(
            "/api/v1/concerns",
            json.dumps(body),
            content_type="application/json",
            headers={"Idempotency-Key": "pinned-1"},
        )
    assert response.status_code == 201, response.content[:300]
    assert len(captured.captured_queries) <= API_QUERIES


def test_the_clocks_follow_the_icbs_policy_read_with_the_organisation(
    client_for, reporter, make_member, icb, trust, valid_submission
):
    """The about-organisation is read with its ICB's clock policy, so the clocks need no query of
    their own and still follow the ICB's response times."""
    make_member(Role.RESPONDER, trust)
    client = client_for(reporter)
    _submit_form(client, valid_submission, 0)
    ClockPolicy.objects.create(icb=icb, acknowledge_days=4, respond_days=9)
    _submit_form(client, valid_submission, 1)
    before, after = Concern.objects.order_by("pk")
    for concern, (acknowledge, respond) in ((before, (2, 20)), (after, (4, 9))):
        clock = ConcernClock.objects.get(concern=concern)
        assert clock.acknowledge_due == add_working_days(clock.started_on, acknowledge)
        assert clock.respond_due == add_working_days(clock.started_on, respond)
