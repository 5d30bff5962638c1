"""Managing who is sent the monthly report: practices for the newsletter, providers' CQRG contacts."""

import pytest

from liaison.accounts.models import Role
from liaison.audit.models import AuditAction, AuditEvent
from liaison.core.factories import OrganisationFactory
from liaison.directory.models import OrganisationType
from liaison.reports.models import Audience, ReportSubscription

URL = "/reports/subscriptions/"


@pytest.fixture
def subscription(icb, practice):
    return ReportSubscription.objects.create(
        icb=icb, organisation=practice, audience=Audience.NEWSLETTER, email="manager@nhs.net", name="Manager"
    )


def _audit(action):
    return AuditEvent.objects.filter(action=action, object_type__icontains="reportsubscription")


def test_analysts_and_administrators_add_a_practice_and_a_cqrg_contact(
    client_for, icb_analyst, administrator, practice, trust
):
    response = client_for(icb_analyst).post(
        URL + "add/",
        {"audience": "newsletter", "organisation": "n82001", "email": "Practice.Manager@NHS.net", "name": ""},
    )
    assert response.status_code == 302
    response = client_for(administrator).post(
        URL + "add/",
        {"audience": "cqrg", "organisation": "REM", "email": "cqrg@luhft.nhs.uk", "name": "Chair"},
    )
    assert response.status_code == 302
    rows = {(s.organisation.ods_code, s.audience, s.email) for s in ReportSubscription.objects.all()}
    assert rows == {
        ("N82001", "newsletter", "practice.manager@nhs.net"),
        ("REM", "cqrg", "cqrg@luhft.nhs.uk"),
    }
    assert _audit(AuditAction.CREATE).count() == 2
    body = client_for(icb_analyst).get(URL).content.decode()
    assert "practice.manager@nhs.net" in body and "cqrg@luhft.nhs.uk" in body and "Chair" in body


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        (
            {"audience": "newsletter", "organisation": "N82001", "email": "not-an-address"},
            "email",
            "correct format",
        ),
        (
            {"audience": "newsletter", "organisation": "REM", "email": "a@nhs.net"},
            "organisation",
            "not a GP practice",
        ),
        (
            {"audience": "cqrg", "organisation": "N82001", "email": "a@nhs.net"},
            "organisation",
            "not a provider",
        ),
        (
            {"audience": "cqrg", "organisation": "RXH", "email": "a@nhs.net"},
            "organisation",
            "not an organisation in",
        ),
        (
            {"audience": "cqrg", "organisation": "ZZZ99", "email": "a@nhs.net"},
            "organisation",
            "not an organisation in",
        ),
        ({"audience": "", "organisation": "REM", "email": "a@nhs.net"}, "audience", "Choose who this is"),
    ],
)
def test_errors_keep_every_value_typed_and_save_nothing(
    client_for, icb_analyst, practice, trust, other_icb_trust, values, field, message
):
    values = {**values, "name": "Typed name <b>kept</b>"}
    response = client_for(icb_analyst).post(URL + "add/", values)
    assert response.status_code == 422
    body = response.content.decode()
    assert message in body and f'href="#id_{field}"' in body
    assert 'value="Typed name &lt;b&gt;kept&lt;/b&gt;"' in body
    if values["organisation"]:
        assert f'value="{values["organisation"]}"' in body
    assert f'value="{values["email"]}"' in body
    assert not ReportSubscription.objects.exists()
    assert not _audit(AuditAction.CREATE).exists()


def test_a_site_is_refused_with_the_trust_to_give_instead(client_for, icb_analyst, trust):
    OrganisationFactory(
        ods_code="REM01", name="ROYAL", org_type=OrganisationType.TRUST_SITE, parent=trust, icb=trust.icb
    )
    response = client_for(icb_analyst).post(
        URL + "add/", {"audience": "cqrg", "organisation": "REM01", "email": "a@nhs.net"}
    )
    assert response.status_code == 422 and "give the trust" in response.content.decode()


def test_the_same_address_twice_is_an_error_on_the_form(client_for, icb_analyst, subscription):
    response = client_for(icb_analyst).post(
        URL + "add/", {"audience": "newsletter", "organisation": "N82001", "email": "MANAGER@nhs.net"}
    )
    assert response.status_code == 422 and "already on the list" in response.content.decode()
    assert ReportSubscription.objects.count() == 1


def test_change_is_audited_with_each_changed_field(client_for, icb_analyst, subscription, second_practice):
    response = client_for(icb_analyst).post(
        f"{URL}{subscription.pk}/",
        {"audience": "newsletter", "organisation": "N82002", "email": "manager@nhs.net", "name": "Manager"},
    )
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.organisation == second_practice
    event = _audit(AuditAction.UPDATE).get()
    assert event.changes == {"organisation": ["N82001", "N82002"]}


def test_a_failed_change_keeps_the_typed_values_and_changes_nothing(client_for, icb_analyst, subscription):
    response = client_for(icb_analyst).post(
        f"{URL}{subscription.pk}/",
        {"audience": "newsletter", "organisation": "N82001", "email": "bad@", "name": "New name"},
    )
    assert response.status_code == 422
    assert 'value="bad@"' in response.content.decode() and 'value="New name"' in response.content.decode()
    subscription.refresh_from_db()
    assert (subscription.email, subscription.name) == ("manager@nhs.net", "Manager")
    assert not _audit(AuditAction.UPDATE).exists()


def test_remove_asks_first_then_removes_and_audits(client_for, icb_analyst, subscription):
    client = client_for(icb_analyst)
    confirm = client.get(f"{URL}{subscription.pk}/remove/")
    assert confirm.status_code == 200 and "manager@nhs.net" in confirm.content.decode()
    assert ReportSubscription.objects.exists()
    assert client.post(f"{URL}{subscription.pk}/remove/").status_code == 302
    assert not ReportSubscription.objects.exists()
    event = _audit(AuditAction.DELETE).get()
    assert event.changes["email"] == ["manager@nhs.net", None]


def test_another_icbs_team_cannot_see_or_touch_the_list(
    client_for, make_member, other_icb, subscription, reporter, responder
):
    sussex = client_for(make_member(Role.ICB_ANALYST, other_icb))
    assert "manager@nhs.net" not in sussex.get(URL).content.decode()
    assert sussex.get(f"{URL}{subscription.pk}/").status_code == 404
    assert sussex.post(f"{URL}{subscription.pk}/remove/").status_code == 404
    for member in (reporter, responder):
        assert client_for(member).get(URL).status_code == 403
        assert client_for(member).post(f"{URL}{subscription.pk}/remove/").status_code == 403
    assert ReportSubscription.objects.count() == 1


def test_the_reports_pages_link_to_the_list(client_for, icb_analyst, reporter):
    assert URL in client_for(icb_analyst).get("/reports/monthly/").content.decode()
    assert URL in client_for(icb_analyst).get("/reports/").content.decode()
    assert URL not in client_for(reporter).get("/reports/monthly/").content.decode()


def test_addresses_added_on_the_page_are_sent_their_version_and_removed_ones_are_not(
    client_for, icb_analyst, icb, practice, trust, settings, tmp_path
):
    from datetime import date

    from liaison.notifications.models import Channel, Notification
    from liaison.reports.models import MonthlyReport, ReportVersion
    from liaison.reports.services import monthly_reports_issue_and_send

    settings.VAR_DIR = tmp_path
    client = client_for(icb_analyst)
    client.post(URL + "add/", {"audience": "newsletter", "organisation": "N82001", "email": "pm@nhs.net"})
    client.post(URL + "add/", {"audience": "cqrg", "organisation": "REM", "email": "cqrg@nhs.net"})
    client.post(URL + "add/", {"audience": "cqrg", "organisation": "REM", "email": "gone@nhs.net"})
    gone = ReportSubscription.objects.get(email="gone@nhs.net")
    client.post(f"{URL}{gone.pk}/remove/")
    monthly_reports_issue_and_send(icb=icb, month=date(2026, 10, 1))
    sent = {
        n.recipient_email: n.link_path
        for n in Notification.objects.filter(channel=Channel.EMAIL, kind="monthly_report_issued")
    }
    newsletter = MonthlyReport.objects.get(version=ReportVersion.NEWSLETTER)
    provider = MonthlyReport.objects.get(version=ReportVersion.PROVIDER, provider=trust)
    assert sent == {
        "pm@nhs.net": f"/reports/archive/{newsletter.pk}/",
        "cqrg@nhs.net": f"/reports/archive/{provider.pk}/",
    }
