"""The case page, its actions, the queues and the CSV export, as each role sees them."""

import csv
import io
import re

import pytest
from django.urls import reverse

from liaison.accounts.models import Role
from liaison.concerns.models import ConcernEventKind, ConcernStatus
from liaison.core.factories import PracticeFactory, TrustFactory
from liaison.routing import services
from liaison.routing.models import ConcernClock, ThreadMessage

PATIENT_REFERENCE = "EMIS-77341"


@pytest.fixture
def routed(make_concern, responder):
    concern = make_concern(patient_reference=PATIENT_REFERENCE, patient_reference_system="emis")
    services.route_new_concern(concern=concern, actor=concern.reporter)
    return concern


def _listed(response) -> list[str]:
    """The concern references a queue page lists, in order."""
    assert response.status_code == 200
    return re.findall(r'href="/routing/concerns/(LIA-[0-9]+)/"', response.content.decode())


def _case_url(concern, action=None):
    if action:
        return reverse("routing:case_action", args=[concern.reference, action])
    return reverse("routing:case", args=[concern.reference])


ROLE_VIEWS = [
    # (fixture, sees the page, sees the patient reference, sees internal notes, sees the actions)
    ("responder", True, True, True, True),
    ("interface_lead", True, True, True, True),
    ("reporter", True, True, False, False),
    ("icb_analyst", True, False, False, False),
    ("administrator", False, False, False, False),
]


@pytest.mark.parametrize(("role", "sees_page", "sees_reference", "sees_notes", "sees_actions"), ROLE_VIEWS)
def test_case_page_visibility_by_role(
    request, client_for, routed, responder, role, sees_page, sees_reference, sees_notes, sees_actions
):
    services.thread_post(
        membership=responder, concern=routed, body="Checking the clinic letters backlog", internal=True
    )
    services.thread_post(membership=responder, concern=routed, body="We are looking into this")
    membership = request.getfixturevalue(role)
    response = client_for(membership).get(_case_url(routed))
    if not sees_page:
        assert response.status_code == 404
        return
    page = response.content.decode()
    assert response.status_code == 200
    assert "Why did this go to them?" in page
    assert "We are looking into this" in page
    assert (PATIENT_REFERENCE in page) is sees_reference
    assert ("Checking the clinic letters backlog" in page) is sees_notes
    assert ('id="actions"' in page) is sees_actions


def test_other_organisations_cannot_see_the_case(client_for, routed, make_member, other_icb_trust, icb):
    for membership in (
        make_member(Role.RESPONDER, other_icb_trust),
        make_member(Role.RESPONDER, TrustFactory(icb=icb)),
        make_member(Role.REPORTER, PracticeFactory(icb=icb)),
    ):
        assert client_for(membership).get(_case_url(routed)).status_code == 404


def test_an_organisation_that_said_me_too_reads_the_thread_only(
    client_for, routed, responder, make_member, icb
):
    from liaison.concerns.models import Occurrence

    joined = make_member(Role.REPORTER, PracticeFactory(icb=icb))
    Occurrence.objects.create(
        concern=routed,
        organisation=joined.organisation,
        reported_by=joined.user,
        event_date=routed.event_date,
    )
    services.thread_post(membership=responder, concern=routed, body="We are looking into this")
    services.thread_post(
        membership=responder, concern=routed, body="Backlog in the typing pool", internal=True
    )
    page = client_for(joined).get(_case_url(routed)).content.decode()
    assert "We are looking into this" in page
    assert "Backlog in the typing pool" not in page
    assert PATIENT_REFERENCE not in page
    assert routed.reporter.display_name not in page
    assert 'id="actions"' not in page and "Reopen concern" not in page
    assert client_for(joined).post(_case_url(routed, "message"), {"body": "Us too"}).status_code == 403


def test_reporter_name_hidden_from_responders_unless_agreed(client_for, routed, responder, icb_analyst):
    name = routed.reporter.display_name
    assert name not in client_for(responder).get(_case_url(routed)).content.decode()
    assert name in client_for(icb_analyst).get(_case_url(routed)).content.decode()


def test_responder_acknowledges_replies_and_the_reporter_reopens(client_for, routed, responder, reporter):
    responder_client = client_for(responder)
    response = responder_client.post(_case_url(routed, "status"), {"to_status": "acknowledged"})
    assert response.status_code == 302
    responder_client.post(_case_url(routed, "message"), {"body": "Letters are now sent the same day"})
    responder_client.post(
        _case_url(routed, "status"), {"to_status": "responded", "reason": "Process changed"}
    )
    routed.refresh_from_db()
    assert routed.status == ConcernStatus.RESPONDED

    reporter_client = client_for(reporter)
    page = reporter_client.get(_case_url(routed)).content.decode()
    assert "Letters are now sent the same day" in page
    assert "Reopen concern" in page
    response = reporter_client.post(_case_url(routed, "reopen"), {"reason": "Another late letter this week"})
    assert response.status_code == 302
    routed.refresh_from_db()
    assert routed.status == ConcernStatus.INVESTIGATING
    assert routed.events.filter(kind=ConcernEventKind.REOPENED).exists()


def test_invalid_action_comes_back_422_with_what_was_typed(client_for, routed, responder):
    typed = "Spoke to 943 476 5919 about it"
    response = client_for(responder).post(_case_url(routed, "message"), {"body": typed})
    assert response.status_code == 422
    page = response.content.decode()
    assert "Error: " in page and "NHS number" in page
    assert typed in page
    assert not ThreadMessage.objects.exists()


def test_refused_transition_says_what_to_do(client_for, routed, responder):
    response = client_for(responder).post(_case_url(routed, "status"), {"to_status": "closed"})
    assert response.status_code == 422
    assert "cannot be moved to closed" in response.content.decode()


def test_reporter_cannot_use_responder_actions(client_for, routed, reporter, icb_analyst):
    assert (
        client_for(reporter).post(_case_url(routed, "status"), {"to_status": "acknowledged"}).status_code
        == 403
    )
    assert client_for(icb_analyst).post(_case_url(routed, "message"), {"body": "Hello"}).status_code == 403
    routed.refresh_from_db()
    assert routed.status == ConcernStatus.NEW


def test_redirect_through_the_page(client_for, routed, responder, icb):
    other = TrustFactory(icb=icb, ods_code="RBN")
    response = client_for(responder).post(
        _case_url(routed, "redirect"), {"to_organisation": "rbn", "reason": "Their clinic"}
    )
    assert response.status_code == 302
    routed.refresh_from_db()
    assert routed.about_organisation == other
    response = client_for(responder).post(
        _case_url(routed, "redirect"), {"to_organisation": "ZZZ", "reason": "x"}
    )
    assert response.status_code == 404  # no longer theirs


def test_merge_through_the_page(client_for, make_concern, responder, other_icb_trust, make_member):
    keep, duplicate = make_concern(), make_concern()
    for concern in (keep, duplicate):
        services.route_new_concern(concern=concern, actor=None)
    client = client_for(responder)
    response = client.post(_case_url(duplicate, "merge"), {"into": "LIA-999999"})
    assert response.status_code == 422
    assert "Enter the reference of an open concern your organisation responds to" in response.content.decode()
    response = client.post(_case_url(duplicate, "merge"), {"into": keep.reference.lower()})
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.outcome) == ("closed", "duplicate")
    assert keep.occurrences.count() == 1  # the same reporter on the same day is one occurrence


def test_assign_to_me_puts_it_in_my_inbox(client_for, routed, responder, make_member, trust):
    colleague = make_member(Role.RESPONDER, trust)
    client = client_for(responder)
    assert _listed(client.get(reverse("routing:inbox"), {"scope": "mine"})) == []
    assert client.post(_case_url(routed, "assign")).status_code == 302
    assert client.post(_case_url(routed, "assign")).status_code == 302  # twice: still one
    assert _listed(client.get(reverse("routing:inbox"), {"scope": "mine"})) == [routed.reference]
    assert _listed(client_for(colleague).get(reverse("routing:inbox"), {"scope": "mine"})) == []
    assert _listed(client_for(colleague).get(reverse("routing:inbox"))) == [routed.reference]
    assert routed.events.filter(kind=ConcernEventKind.ASSIGNED).count() == 1
    assert "Assign to me" not in client.get(_case_url(routed)).content.decode()


class TestInbox:
    def test_overdue_first_then_soonest_due(self, client_for, make_concern, responder):
        first, second, third = (make_concern() for _ in range(3))
        for concern in (first, second, third):
            services.route_new_concern(concern=concern, actor=None)
        ConcernClock.objects.filter(concern=third).update(overdue_since="2026-11-10")
        ConcernClock.objects.filter(concern=first).update(acknowledge_due="2026-11-20")
        response = client_for(responder).get(reverse("routing:inbox"))
        assert _listed(response) == [third.reference, second.reference, first.reference]
        assert PATIENT_REFERENCE not in response.content.decode()

    def test_assigned_to_me_and_my_service(self, client_for, make_concern, responder, trust, icb):
        from liaison.directory.models import Contact, ContactRole, OrganisationService, Specialty

        specialty = Specialty.objects.get_or_create(code="320", defaults={"name": "Cardiology"})[0]
        service = OrganisationService.objects.create(organisation=trust, specialty=specialty)
        contact = Contact.objects.create(
            organisation=trust,
            service=service,
            role=ContactRole.SERVICE_LEAD,
            name="Lead",
            user=responder.user,
        )
        services.routing_rule_create(icb=icb, actor=None, specialty=specialty, recipient_contact=contact)
        mine = make_concern(specialty=specialty)
        other = make_concern()
        for concern in (mine, other):
            services.route_new_concern(concern=concern, actor=None)
        client = client_for(responder)
        assert _listed(client.get(reverse("routing:inbox"), {"scope": "mine"})) == [mine.reference]
        assert _listed(client.get(reverse("routing:inbox"), {"scope": "service"})) == [mine.reference]
        assert set(_listed(client.get(reverse("routing:inbox")))) == {mine.reference, other.reference}

    def test_query_count_is_pinned(self, client_for, make_concern, responder, django_assert_max_num_queries):
        for _ in range(12):
            services.route_new_concern(concern=make_concern(), actor=None)
        client = client_for(responder)
        with django_assert_max_num_queries(11):  # constant: 2 or 12 concerns, the same
            response = client.get(reverse("routing:inbox"))
        assert len(_listed(response)) == 12


class TestIcbQueue:
    def test_filters_and_query_count(
        self, client_for, make_concern, icb, icb_analyst, django_assert_max_num_queries
    ):
        other_trust = TrustFactory(icb=icb, ods_code="RBN")
        for _ in range(6):
            services.route_new_concern(concern=make_concern(), actor=None)
        late = make_concern(about=other_trust)
        services.route_new_concern(concern=late, actor=None)
        ConcernClock.objects.filter(concern=late).update(overdue_since="2026-11-10")
        client = client_for(icb_analyst)
        with django_assert_max_num_queries(14):  # constant in the number of concerns
            response = client.get(reverse("routing:icb_queue"))
        listed = _listed(response)
        assert len(listed) == 7 and listed[0] == late.reference
        assert _listed(client.get(reverse("routing:icb_queue"), {"overdue": "1"})) == [late.reference]
        assert _listed(client.get(reverse("routing:icb_queue"), {"provider": "RBN"})) == [late.reference]
        assert _listed(client.get(reverse("routing:icb_queue"), {"state": "closed"})) == []

    def test_responders_cannot_see_it(self, client_for, responder, reporter):
        assert client_for(responder).get(reverse("routing:icb_queue")).status_code == 403
        assert client_for(reporter).get(reverse("routing:icb_queue_csv")).status_code == 403

    def test_csv_has_no_patient_reference_or_free_text_and_no_formulas(
        self, client_for, make_concern, icb, icb_analyst
    ):
        nasty = TrustFactory(icb=icb, ods_code="RZZ", name='=HYPERLINK("http://x","click")')
        concern = make_concern(
            about=nasty,
            patient_reference=PATIENT_REFERENCE,
            what_happened="=cmd|' /C calc'!A0 letter late",
        )
        services.route_new_concern(concern=concern, actor=None)
        response = client_for(icb_analyst).get(reverse("routing:icb_queue_csv"))
        body = b"".join(response.streaming_content if response.streaming else [response.content]).decode()
        assert response["Content-Type"].startswith("text/csv")
        assert PATIENT_REFERENCE not in body
        assert "calc" not in body
        rows = list(csv.reader(io.StringIO(body)))
        assert rows[0][0] == "Reference"
        for row in rows[1:]:
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@")), cell
        assert any(cell.startswith("'=") for cell in rows[1])
