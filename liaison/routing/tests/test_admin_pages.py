"""Routing rules, response times and response templates: administrator and interface lead pages."""

import pytest
from django.urls import reverse

from liaison.accounts.models import Role
from liaison.concerns.models import AspectOfCare
from liaison.routing import services
from liaison.routing.models import ClockPolicy, ResponseTemplate, RoutingRule, RoutingRuleChange


@pytest.fixture
def admin_client(client_for, administrator):
    return client_for(administrator)


def test_only_icb_administrators_manage_rules(
    client_for, responder, interface_lead, icb_analyst, reporter, make_member, trust
):
    trust_admin = make_member(Role.ADMINISTRATOR, trust)
    for membership in (responder, interface_lead, icb_analyst, reporter, trust_admin):
        client = client_for(membership)
        assert client.get(reverse("routing:rule_list")).status_code == 403
        assert client.post(reverse("routing:rule_add"), {"recipient_kind": "role"}).status_code == 403
        assert client.get(reverse("routing:clock_policy")).status_code == 403


def test_add_a_rule_then_change_and_retire_it_with_history(admin_client, administrator, icb, trust):
    response = admin_client.post(
        reverse("routing:rule_add"),
        {
            "about_organisation": "rem",
            "aspect_of_care": AspectOfCare.DISCHARGE,
            "recipient_kind": "role",
            "recipient_organisation": "REM",
            "recipient_role": Role.INTERFACE_LEAD,
            "description": "Discharge summaries go to the interface lead",
        },
    )
    assert response.status_code == 302
    rule = RoutingRule.objects.get()
    assert (rule.icb, rule.about_organisation, rule.aspect_of_care, rule.recipient_organisation) == (
        icb,
        trust,
        AspectOfCare.DISCHARGE,
        trust,
    )
    listing = admin_client.get(reverse("routing:rule_list")).content.decode()
    assert "about Liverpool University Hospitals NHS Foundation Trust, aspect of care" in listing

    response = admin_client.post(
        reverse("routing:rule_edit", args=[rule.pk]),
        {
            "about_organisation": "REM",
            "recipient_kind": "role",
            "recipient_organisation": "REM",
            "recipient_role": Role.RESPONDER,
        },
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.version, rule.aspect_of_care, rule.recipient_role) == (2, "", Role.RESPONDER)

    assert admin_client.post(reverse("routing:rule_retire", args=[rule.pk])).status_code == 302
    page = admin_client.get(reverse("routing:rule_edit", args=[rule.pk])).content.decode()
    assert "This rule was retired" in page
    assert [c.kind for c in RoutingRuleChange.objects.filter(rule=rule).order_by("version")] == [
        "created",
        "changed",
        "retired",
    ]
    assert page.count(administrator.user.display_name) >= 3
    assert admin_client.post(reverse("routing:rule_edit", args=[rule.pk]), {}).status_code == 403


def test_invalid_rule_comes_back_422_with_values_and_messages(admin_client, other_icb_trust):
    response = admin_client.post(
        reverse("routing:rule_add"),
        {
            "about_organisation": "RXH",
            "recipient_kind": "role",
            "recipient_organisation": "NOPE1",
            "description": "kept text",
        },
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "Error: " in page
    assert "Enter the ODS code of an organisation in your ICB" in page
    assert "There is no organisation with that ODS code" in page
    assert 'value="kept text"' in page and 'value="NOPE1"' in page
    assert not RoutingRule.objects.exists()


def test_another_icbs_rule_is_not_found(admin_client, other_icb, other_icb_trust):
    rule = services.routing_rule_create(
        icb=other_icb, actor=None, recipient_organisation=other_icb_trust, recipient_role=Role.RESPONDER
    )
    assert admin_client.get(reverse("routing:rule_edit", args=[rule.pk])).status_code == 404
    assert admin_client.post(reverse("routing:rule_retire", args=[rule.pk])).status_code == 404


def test_clock_policy_is_configurable_and_used(admin_client, icb, make_concern, responder):
    response = admin_client.post(
        reverse("routing:clock_policy"),
        {"acknowledge_days": "3", "respond_days": "10", "escalation_step_days": "2", "reopen_days": "14"},
    )
    assert response.status_code == 302
    policy = ClockPolicy.objects.get(icb=icb)
    assert (policy.acknowledge_days, policy.respond_days, policy.reopen_days) == (3, 10, 14)
    concern = make_concern()  # submitted Monday 2 November 2026
    services.route_new_concern(concern=concern, actor=None)
    assert (str(concern.clock.acknowledge_due), str(concern.clock.respond_due)) == (
        "2026-11-05",
        "2026-11-16",
    )

    response = admin_client.post(
        reverse("routing:clock_policy"),
        {"acknowledge_days": "5", "respond_days": "2", "escalation_step_days": "x", "reopen_days": "14"},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "The time to respond must be at least the time to acknowledge" in page
    assert "Enter a whole number of days, like 20" in page


def test_interface_lead_keeps_response_templates(client_for, interface_lead, responder, make_concern):
    client = client_for(interface_lead)
    assert (
        client.post(
            reverse("routing:template_list"),
            {"title": "Acknowledgement", "body": "Thank you: we are looking into it."},
        ).status_code
        == 302
    )
    template = ResponseTemplate.objects.get()
    assert template.organisation == interface_lead.organisation
    response = client.post(reverse("routing:template_list"), {"title": "Bad", "body": "Ring 07700 900123"})
    assert response.status_code == 422 and "phone number" in response.content.decode()
    assert client_for(responder).get(reverse("routing:template_list")).status_code == 403
    concern = make_concern()
    services.route_new_concern(concern=concern, actor=None)
    page = client_for(responder).get(reverse("routing:case", args=[concern.reference])).content.decode()
    assert "Thank you: we are looking into it." in page
