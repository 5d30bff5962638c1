"""Routing: the rule precedence matrix, the defaults when no rule matches, and the explanation."""

import itertools

import pytest
from django.db import connection
from django.utils import timezone

from liaison.accounts.models import Membership, Role, User
from liaison.audit.models import AuditEvent
from liaison.concerns.models import AspectOfCare, ConcernEvent, ConcernEventKind
from liaison.core.factories import TrustFactory, UserFactory
from liaison.directory.models import (
    Contact,
    ContactRole,
    OrganisationService,
    OrganisationType,
    Place,
    Specialty,
)
from liaison.notifications.models import Notification
from liaison.routing import services
from liaison.routing.models import CRITERION_WEIGHTS, Assignment, ConcernClock, RoutingRule, RoutingRuleChange
from liaison.standards.models import Standard

CRITERIA = ["about_organisation", "specialty", "standard", "aspect_of_care", "place"]


@pytest.fixture
def world(icb, trust, practice):
    place = Place.objects.create(name="Sefton", icb=icb)
    practice.place = place
    practice.save()
    return {
        "about_organisation": trust,
        "specialty": Specialty.objects.get_or_create(code="320", defaults={"name": "Cardiology"})[0],
        "standard": Standard.objects.order_by("code").first(),
        "aspect_of_care": AspectOfCare.DISCHARGE,
        "place": place,
    }


@pytest.fixture
def matching_concern(make_concern, world):
    return make_concern(
        specialty=world["specialty"], aspect_of_care=AspectOfCare.DISCHARGE, standards=[world["standard"]]
    )


def _rule(icb, world, criteria, recipient, actor=None):
    return services.routing_rule_create(
        icb=icb,
        actor=actor,
        recipient_organisation=recipient,
        recipient_role=Role.RESPONDER,
        **{name: world[name] for name in criteria},
    )


def _all_criteria_sets():
    for size in range(0, len(CRITERIA) + 1):
        yield from itertools.combinations(CRITERIA, size)


FACTS = services.ConcernFacts(
    icb_ids={1},
    organisation_ids={10},
    specialty_id=20,
    standard_ids={30, 31},
    aspect_of_care=AspectOfCare.DISCHARGE,
    place_ids={40},
)
MATCHING_VALUES = {
    "about_organisation_id": 10,
    "specialty_id": 20,
    "standard_id": 31,
    "aspect_of_care": AspectOfCare.DISCHARGE,
    "place_id": 40,
}
OTHER_VALUES = {
    "about_organisation_id": 11,
    "specialty_id": 21,
    "standard_id": 32,
    "aspect_of_care": AspectOfCare.RESULTS,
    "place_id": 41,
}


def _unsaved_rule(criteria, values=MATCHING_VALUES, pk=None):
    field = {name: name if name == "aspect_of_care" else f"{name}_id" for name in CRITERIA}
    return RoutingRule(pk=pk, icb_id=1, **{field[name]: values[field[name]] for name in criteria})


def _weight(names):
    return (len(names), sum(CRITERION_WEIGHTS[name] for name in names))


@pytest.mark.parametrize(("first", "second"), list(itertools.combinations(list(_all_criteria_sets()), 2)))
def test_precedence_matrix(first, second):
    """Every pair of the 32 criteria sets: more criteria wins; with as many, the heavier set wins."""
    rule_first, rule_second = _unsaved_rule(first, pk=1), _unsaved_rule(second, pk=2)
    winners, matched = services.rules_winning([rule_first, rule_second], FACTS)
    assert matched == 2
    expected = rule_first if _weight(first) > _weight(second) else rule_second
    assert winners == [expected]
    # A more specific rule that does not match never beats a less specific one that does.
    bigger, smaller = (first, second) if _weight(first) > _weight(second) else (second, first)
    if bigger:
        not_matching = _unsaved_rule(bigger, values=OTHER_VALUES, pk=3)
        matching = _unsaved_rule(smaller, pk=4)
        assert services.rules_winning([not_matching, matching], FACTS) == ([matching], 1)


def test_weights_make_every_criteria_set_distinct():
    """No two different criteria sets tie, so precedence never depends on the order rules were added."""
    weights = [_weight(names) for names in _all_criteria_sets()]
    assert len(set(weights)) == len(weights) == 32


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (("about_organisation",), ("specialty", "standard")),
        (("about_organisation", "place"), ("about_organisation", "specialty")),
        (("aspect_of_care",), ()),
    ],
)
def test_precedence_on_stored_concerns(icb, world, matching_concern, first, second):
    """The same precedence end to end: rules in the database, a stored concern, its assignment."""
    recipients = {first: TrustFactory(icb=icb), second: TrustFactory(icb=icb)}
    rules = {names: _rule(icb, world, names, recipients[names]) for names in (first, second)}
    decision = services.route_new_concern(concern=matching_concern, actor=None)
    winner = max((first, second), key=_weight)
    assert list(decision.rules.all()) == [rules[winner]]
    assert [a.organisation for a in matching_concern.assignments.active()] == [recipients[winner]]
    assert f"Rule {rules[winner].pk} " in decision.explanation
    assert "2 rules matched" in decision.explanation


def test_every_single_criterion_must_match(icb, world, make_concern, practice):
    other_specialty = Specialty.objects.get_or_create(code="100", defaults={"name": "General surgery"})[0]
    concern = make_concern(specialty=other_specialty, aspect_of_care=AspectOfCare.RESULTS)
    for name in CRITERIA:
        rule = _rule(icb, world, [name], TrustFactory(icb=icb))
        matched = services.rule_matches(rule, services.concern_facts(concern))
        # Only the about-organisation and the reporter's Place match this concern.
        assert matched is (name in {"about_organisation", "place"}), name


def test_routing_reads_every_active_rule_of_the_concerns_icbs_and_no_other(
    icb, other_icb, world, make_concern, trust
):
    """The rules routing matches are all the active rules of the ICBs the concern is about and
    reported from, in the order they were made: none retired, none of another ICB, none missing
    (precedence is then worked out on them: test_precedence_matrix)."""
    rules = [_rule(icb, world, names, trust) for names in _all_criteria_sets()]
    retired = _rule(icb, world, ["about_organisation"], TrustFactory(icb=icb))
    services.routing_rule_retire(rule=retired, actor=None)
    elsewhere = services.routing_rule_create(
        icb=other_icb,
        actor=None,
        recipient_organisation=TrustFactory(icb=other_icb),
        recipient_role=Role.RESPONDER,
    )
    facts = services.concern_facts(make_concern())
    assert facts.icb_ids == {icb.pk}
    assert [rule.pk for rule in services.icb_rules(facts)] == [rule.pk for rule in rules]
    # A concern that crosses ICBs reads both ICBs' rules.
    facts.icb_ids = {icb.pk, other_icb.pk}
    assert [rule.pk for rule in services.icb_rules(facts)] == [rule.pk for rule in rules] + [elsewhere.pk]


def test_rules_with_the_same_criteria_all_win(icb, world, matching_concern):
    a = _rule(icb, world, ["about_organisation"], TrustFactory(icb=icb))
    b = services.routing_rule_create(
        icb=icb,
        actor=None,
        about_organisation=world["about_organisation"],
        recipient_contact=Contact.objects.create(
            organisation=world["about_organisation"],
            role=ContactRole.SERVICE_LEAD,
            name="Dr A Lead",
            email="lead@example.nhs.net",
        ),
    )
    decision = services.route_new_concern(concern=matching_concern, actor=None)
    assert set(decision.rules.all()) == {a, b}
    assert matching_concern.assignments.active().count() == 2


def test_retired_rules_and_other_icbs_rules_are_not_used(icb, other_icb, world, matching_concern, responder):
    retired = _rule(icb, world, ["about_organisation"], TrustFactory(icb=icb))
    services.routing_rule_retire(rule=retired, actor=None)
    services.routing_rule_create(
        icb=other_icb,
        actor=None,
        recipient_organisation=TrustFactory(icb=other_icb),
        recipient_role=Role.RESPONDER,
    )
    decision = services.route_new_concern(concern=matching_concern, actor=None)
    assert decision.rules.count() == 0
    assert decision.fallback == "organisation_members"


def test_a_concern_about_a_trust_site_matches_its_trusts_rules(icb, world, make_concern, trust):
    site = TrustFactory(icb=icb, org_type=OrganisationType.TRUST_SITE, parent=trust, ods_code="REM01")
    rule = _rule(icb, world, ["about_organisation"], TrustFactory(icb=icb))
    decision = services.route_new_concern(concern=make_concern(about=site), actor=None)
    assert list(decision.rules.all()) == [rule]


class TestDefaults:
    def test_members_of_the_about_organisation(self, make_concern, responder, interface_lead, trust):
        concern = make_concern()
        decision = services.route_new_concern(concern=concern, actor=concern.reporter)
        assignments = list(concern.assignments.active())
        assert [(a.organisation, a.role) for a in assignments] == [
            (trust, Role.RESPONDER),
            (trust, Role.INTERFACE_LEAD),
        ]
        assert decision.fallback == "organisation_members"
        assert "No routing rule matches" in decision.explanation
        assert "responders and interface leads" in decision.explanation

    def test_whos_who_contacts_when_nobody_responds_on_liaison(self, make_concern, trust):
        lead = Contact.objects.create(organisation=trust, role=ContactRole.INTERFACE_LEAD, name="Sam Jones")
        Contact.objects.create(organisation=trust, role=ContactRole.MEDICAL_DIRECTOR, name="Not Me")
        concern = make_concern()
        decision = services.route_new_concern(concern=concern, actor=None)
        assert [a.contact for a in concern.assignments.active()] == [lead]
        assert decision.fallback == "whos_who"
        assert "Sam Jones (Interface lead)" in decision.explanation

    def test_icb_team_when_the_organisation_has_nobody(self, make_concern, icb):
        concern = make_concern()
        decision = services.route_new_concern(concern=concern, actor=None)
        assert [(a.organisation, a.role) for a in concern.assignments.active()] == [(icb, Role.ICB_ANALYST)]
        assert decision.fallback == "icb_team"

    def test_never_raises_without_an_icb(self, make_concern):
        lonely = TrustFactory(icb=None, ods_code="RZZ")
        concern = make_concern(about=lonely)
        decision = services.route_new_concern(concern=concern, actor=None)
        assert decision.fallback == "everyone"
        assert concern.assignments.active().get().organisation == lonely

    def test_service_leads_for_the_concerns_specialty_or_no_one_service(self, make_concern, trust):
        cardiology = Specialty.objects.create(code="T320", name="Test cardiology")
        dermatology = Specialty.objects.create(code="T330", name="Test dermatology")
        heart = OrganisationService.objects.create(organisation=trust, specialty=cardiology)
        skin = OrganisationService.objects.create(organisation=trust, specialty=dermatology)
        general = Contact.objects.create(organisation=trust, role=ContactRole.SERVICE_LEAD, name="A General")
        heart_lead = Contact.objects.create(
            organisation=trust, role=ContactRole.SERVICE_LEAD, name="B Heart", service=heart
        )
        Contact.objects.create(organisation=trust, role=ContactRole.SERVICE_LEAD, name="C Skin", service=skin)
        for specialty, expected in ((cardiology, [general, heart_lead]), (None, [general])):
            concern = make_concern(specialty=specialty)
            services.route_new_concern(concern=concern, actor=None)
            assert [a.contact for a in concern.assignments.active().order_by("id")] == expected, specialty


class TestKeptReferenceData:
    """Rules and recipients are kept per process while the reference generation stands: a change
    made any way at all, even behind the application's back, routes the very next concern."""

    def test_a_responder_added_without_the_application_gets_the_next_concern(self, make_concern, icb, trust):
        first = make_concern()
        services.route_new_concern(concern=first, actor=None)
        assert first.assignments.active().get().organisation == icb  # nobody at the trust yet
        responder = UserFactory()
        Membership.objects.bulk_create([Membership(user=responder, organisation=trust, role=Role.RESPONDER)])
        second = make_concern()
        services.route_new_concern(concern=second, actor=None)
        assert [(a.organisation, a.role) for a in second.assignments.active()] == [(trust, Role.RESPONDER)]
        assert Notification.objects.filter(concern=second, recipient_user=responder).exists()

    def test_a_rule_retired_in_plain_sql_stops_routing_at_once(self, make_concern, icb, trust, responder):
        other = TrustFactory(icb=icb)
        rule = services.routing_rule_create(
            icb=icb,
            actor=None,
            about_organisation=trust,
            recipient_organisation=other,
            recipient_role=Role.RESPONDER,
        )
        first = make_concern()
        services.route_new_concern(concern=first, actor=None)
        assert list(first.routing_decisions.get().rules.all()) == [rule]
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE routing_routingrule SET retired_at = %s WHERE id = %s", [timezone.now(), rule.pk]
            )
        second = make_concern()
        decision = services.route_new_concern(concern=second, actor=None)
        assert decision.fallback == "organisation_members"
        assert [a.organisation for a in second.assignments.active()] == [trust]

    def test_a_contacts_address_that_becomes_a_users_is_told_as_that_user(self, make_concern, trust):
        Contact.objects.create(
            organisation=trust,
            role=ContactRole.INTERFACE_LEAD,
            name="Sam Jones",
            email="sam.jones@example.nhs.net",
        )
        first = make_concern()
        services.route_new_concern(concern=first, actor=None)
        assert list(
            Notification.objects.filter(concern=first).values_list("recipient_user", "recipient_email")
        ) == [(None, "sam.jones@example.nhs.net")]
        User.objects.bulk_create([User(username="sam.jones", email="sam.jones@example.nhs.net")])
        second = make_concern()
        services.route_new_concern(concern=second, actor=None)
        sam = User.objects.get(username="sam.jones")
        assert set(Notification.objects.filter(concern=second).values_list("recipient_user", flat=True)) == {
            sam.pk
        }

    def test_a_renamed_contact_is_named_as_renamed(self, make_concern, trust):
        lead = Contact.objects.create(organisation=trust, role=ContactRole.INTERFACE_LEAD, name="Sam Jones")
        services.route_new_concern(concern=make_concern(), actor=None)
        Contact.objects.filter(pk=lead.pk).update(name="Sam Jones-Smith")
        decision = services.route_new_concern(concern=make_concern(), actor=None)
        assert "Sam Jones-Smith (Interface lead)" in decision.explanation


def test_routing_records_event_audit_and_clock(make_concern, responder):
    concern = make_concern()
    decision = services.route_new_concern(concern=concern, actor=concern.reporter)
    event = ConcernEvent.objects.get(concern=concern, kind=ConcernEventKind.ROUTED)
    assert event.reason == decision.explanation
    assert event.actor == concern.reporter
    assert AuditEvent.objects.filter(
        object_type="routing.RoutingDecision", object_id=str(decision.pk)
    ).exists()
    clock = ConcernClock.objects.get(concern=concern)
    # Submitted Monday 2 November 2026: acknowledge by Wednesday, respond by Monday 30 November.
    assert (str(clock.acknowledge_due), str(clock.respond_due)) == ("2026-11-04", "2026-11-30")


def test_routing_again_ends_the_old_assignments(make_concern, responder, icb, world):
    concern = make_concern()
    services.route_new_concern(concern=concern, actor=None)
    first = list(concern.assignments.active())
    _rule(icb, world, ["about_organisation"], TrustFactory(icb=icb))
    services.route_concern(concern=concern, actor=None)
    assert Assignment.objects.filter(pk__in=[a.pk for a in first], ended_at__isnull=False).count() == len(
        first
    )
    assert concern.routing_decisions.filter(is_current=True).count() == 1


class TestRuleHistory:
    def test_create_change_retire_each_keep_a_version(self, icb, world, administrator):
        actor = administrator.user
        rule = _rule(icb, world, ["about_organisation"], TrustFactory(icb=icb), actor=actor)
        services.routing_rule_update(rule=rule, actor=actor, specialty=world["specialty"])
        services.routing_rule_update(rule=rule, actor=actor, specialty=world["specialty"])  # no change
        services.routing_rule_retire(rule=rule, actor=actor)
        history = list(RoutingRuleChange.objects.filter(rule=rule).order_by("version"))
        assert [(c.version, c.kind) for c in history] == [(1, "created"), (2, "changed"), (3, "retired")]
        assert history[1].changes["specialty"] == ["", "Cardiology (320)"]
        assert all(c.changed_by == actor for c in history)
        assert (
            AuditEvent.objects.filter(object_type="routing.RoutingRule", object_id=str(rule.pk)).count() == 3
        )

    def test_history_rows_cannot_be_changed(self, icb, world):
        rule = _rule(icb, world, [], TrustFactory(icb=icb))
        change = rule.changes.get()
        with pytest.raises(PermissionError):
            change.save()

    @pytest.mark.parametrize(
        ("values", "field"),
        [
            ({}, "recipient_organisation"),
            ({"recipient_role": Role.RESPONDER}, "recipient_organisation"),
            ({"recipient_organisation": "trust"}, "recipient_role"),
            (
                {
                    "about_organisation": "other_trust",
                    "recipient_organisation": "trust",
                    "recipient_role": "responder",
                },
                "about_organisation",
            ),
        ],
    )
    def test_invalid_rules_are_refused(self, icb, trust, other_icb_trust, values, field):
        lookup = {"trust": trust, "other_trust": other_icb_trust}
        values = {k: lookup.get(v, v) for k, v in values.items()}
        with pytest.raises(services.RuleError) as error:
            services.routing_rule_create(icb=icb, actor=None, **values)
        assert field in error.value.errors
