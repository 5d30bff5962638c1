"""The inbox and the ICB queue list exactly the right concerns in exactly the right order, page by page.

The queues read their sort key from the clock's generated columns and page from an ordered list of
ids. These tests build concerns in every clock state (no clock, overdue, overdue but stopped,
acknowledged, responded, ties on the due date and on the time reported) and every kind of
assignment (to the organisation, ended, elsewhere, to a person, to their who's who entry), and
compare each queue, read page by page as the views read it, with the rule written out in Python:
overdue first, then the soonest due (none last), then the oldest, then by id.
"""

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.paginator import Paginator
from django.urls import reverse

from liaison.accounts.models import Role
from liaison.concerns.models import OPEN_STATUSES, ConcernStatus
from liaison.core.factories import TrustFactory
from liaison.directory.models import Contact, ContactRole, OrganisationService, Specialty
from liaison.routing import selectors
from liaison.routing.models import Assignment, ConcernClock
from liaison.standards.models import Standard
from liaison.standards.services import standards_baseline_load

LONDON = ZoneInfo("Europe/London")
DAYS = [date(2026, 11, 3), date(2026, 11, 5), date(2026, 11, 9)]
MOMENTS = [datetime(2026, 11, 2, 9, 0, tzinfo=LONDON), datetime(2026, 11, 2, 14, 30, tzinfo=LONDON)]
PAGE_SIZE = 7


def _make_clock(rng: random.Random, concern) -> ConcernClock | None:
    """A clock in one of the states the queue sorts on, or none at all."""
    kind = rng.choice(["none", "new", "acknowledged", "responded", "overdue", "overdue_stopped"])
    if kind == "none":
        return None
    moment = datetime(2026, 11, 3, 12, 0, tzinfo=LONDON)
    return ConcernClock.objects.create(
        concern=concern,
        started_on=date(2026, 11, 2),
        acknowledge_due=rng.choice(DAYS),
        respond_due=rng.choice(DAYS) + timedelta(days=20),
        acknowledged_at=moment
        if kind in {"acknowledged", "responded", "overdue", "overdue_stopped"}
        else None,
        responded_at=moment if kind == "responded" else None,
        overdue_since=date(2026, 11, 6) if kind.startswith("overdue") else None,
        stopped_at=moment if kind == "overdue_stopped" else None,
    )


def _sort_key(concern):
    clock = ConcernClock.objects.filter(concern=concern).first()
    overdue = bool(clock and clock.overdue_since is not None and clock.stopped_at is None)
    due = None
    if clock and clock.acknowledged_at is None:
        due = clock.acknowledge_due
    elif clock and clock.responded_at is None:
        due = clock.respond_due
    return (not overdue, due is None, due or date.min, concern.submitted_at, concern.pk), overdue, due


def _expected(concerns, keep) -> list:
    """The queue as the rule says: the concerns ``keep`` accepts, in list order."""
    return sorted((c for c in concerns if keep(c)), key=lambda c: _sort_key(c)[0])


def _read_page_by_page(queryset) -> list:
    """Every concern in the queue, read one page at a time as the views read them."""
    paginator = Paginator(queryset, PAGE_SIZE)
    listed = []
    for number in paginator.page_range:
        page = paginator.page(number)
        for concern in page.object_list:
            _, overdue, due = _sort_key(concern)
            assert (concern.is_overdue, concern.due_on) == (overdue, due), concern.reference
            listed.append(concern)
    assert paginator.count == len(listed)
    return listed


@pytest.fixture
def world(make_concern, responder, trust, icb, make_member):
    """Forty concerns in every clock state, assigned in every way, with the responder's own service."""
    rng = random.Random(20261129)
    cardiology = Specialty.objects.get_or_create(code="320", defaults={"name": "Cardiology"})[0]
    dermatology = Specialty.objects.get_or_create(code="330", defaults={"name": "Dermatology"})[0]
    service = OrganisationService.objects.create(organisation=trust, specialty=cardiology)
    contact = Contact.objects.create(
        organisation=trust, service=service, role=ContactRole.SERVICE_LEAD, name="Lead", user=responder.user
    )
    elsewhere = TrustFactory(icb=icb, ods_code="RBN")
    colleague = make_member(Role.RESPONDER, trust)
    standards_baseline_load()
    standards = list(Standard.objects.order_by("code")[:3])
    concerns = []
    for number in range(40):
        concern = make_concern(
            about=rng.choice([trust, trust, elsewhere]),
            submitted_at=rng.choice(MOMENTS),
            specialty=rng.choice([cardiology, dermatology, None]),
            status=rng.choice(list(ConcernStatus.values)),
            standards=rng.sample(standards, rng.choice([0, 1, 2])),
        )
        _make_clock(rng, concern)
        created = MOMENTS[0]
        kind = rng.choice(
            ["organisation", "organisation", "ended", "elsewhere", "me", "my_contact", "colleague"]
        )
        organisation = elsewhere if kind == "elsewhere" else trust
        Assignment.objects.create(
            concern=concern,
            organisation=organisation,
            role=Role.RESPONDER if kind in {"organisation", "ended", "elsewhere"} else "",
            user={"me": responder.user, "colleague": colleague.user}.get(kind),
            contact=contact if kind == "my_contact" else None,
            created_at=created,
            ended_at=created + timedelta(days=1) if kind == "ended" else None,
        )
        if number % 9 == 0:  # a second active assignment to the same organisation lists it once
            Assignment.objects.create(
                concern=concern, organisation=trust, role=Role.RESPONDER, created_at=created
            )
        concerns.append(concern)
    return {"concerns": concerns, "cardiology": cardiology, "elsewhere": elsewhere, "standards": standards}


def _active(concern):
    return [a for a in Assignment.objects.filter(concern=concern) if a.ended_at is None]


def _is_open(concern) -> bool:
    return concern.status in OPEN_STATUSES


@pytest.mark.parametrize("state", ["open", "all"])
def test_inbox_scopes_list_the_right_concerns_in_order(world, responder, trust, state):
    concerns = world["concerns"]
    in_state = _is_open if state == "open" else (lambda concern: True)
    rules = {
        "organisation": lambda c: any(a.organisation_id == trust.pk for a in _active(c)),
        "mine": lambda c: any(
            a.user_id == responder.user_id or (a.contact_id and a.contact.user_id == responder.user_id)
            for a in _active(c)
        ),
        "service": lambda c: (
            any(a.organisation_id == trust.pk for a in _active(c))
            and c.specialty_id == world["cardiology"].pk
        ),
    }
    for scope, rule in rules.items():
        expected = _expected(concerns, lambda c, rule=rule: rule(c) and in_state(c))
        listed = _read_page_by_page(selectors.inbox_for(responder, scope=scope, state=state))
        assert [c.reference for c in listed] == [c.reference for c in expected], scope
    assert len(_expected(concerns, rules["organisation"])) > 2 * PAGE_SIZE  # more than one page was read


def test_icb_queue_filters_list_the_right_concerns_in_order(world, icb_analyst, trust):
    concerns = world["concerns"]
    code = world["standards"][0].code
    cases = [
        (selectors.IcbFilters(), _is_open),
        (selectors.IcbFilters(state="closed"), lambda c: c.status == ConcernStatus.CLOSED),
        (selectors.IcbFilters(state="all"), lambda c: True),
        (
            selectors.IcbFilters(provider="RBN", state="all"),
            lambda c: c.about_organisation_id == world["elsewhere"].pk,
        ),
        (selectors.IcbFilters(overdue=True, state="all"), lambda c: _sort_key(c)[1]),
        (
            selectors.IcbFilters(standard=code, state="all"),
            lambda c: c.standards_breached.filter(standard__code=code).exists(),
        ),
    ]
    for filters, rule in cases:
        expected = _expected(concerns, rule)
        listed = _read_page_by_page(selectors.icb_queue(icb_analyst, filters))
        assert [c.reference for c in listed] == [c.reference for c in expected], filters


def test_the_inbox_page_lists_in_order(world, client_for, responder, trust):
    """Through the view: the page lists the same concerns in the same order, and counts them all."""
    expected = _expected(
        world["concerns"], lambda c: _is_open(c) and any(a.organisation_id == trust.pk for a in _active(c))
    )
    response = client_for(responder).get(reverse("routing:inbox"))
    body = response.content.decode()
    assert response.status_code == 200
    positions = [body.index(f"/routing/concerns/{c.reference}/") for c in expected[:50]]
    assert positions == sorted(positions)
    assert f"{len(expected)} concern" in body


def test_the_generated_sort_key_follows_the_clock(make_concern):
    """The database keeps queue_overdue and queue_due_on from the clock's own columns on every change."""
    concern = make_concern()
    clock = ConcernClock.objects.create(
        concern=concern, started_on=date(2026, 11, 2), acknowledge_due=DAYS[0], respond_due=DAYS[2]
    )
    row = ConcernClock.objects.values("queue_overdue", "queue_due_on")
    assert row.get(pk=clock.pk) == {"queue_overdue": False, "queue_due_on": DAYS[0]}
    ConcernClock.objects.filter(pk=clock.pk).update(
        acknowledged_at=MOMENTS[1], overdue_since=date(2026, 11, 10)
    )
    assert row.get(pk=clock.pk) == {"queue_overdue": True, "queue_due_on": DAYS[2]}
    clock.refresh_from_db()
    clock.responded_at = clock.stopped_at = MOMENTS[1]
    clock.save()
    assert row.get(pk=clock.pk) == {"queue_overdue": False, "queue_due_on": None}
