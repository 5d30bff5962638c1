import json

import pytest
from django.core.management import CommandError, call_command

from liaison.accounts.models import Membership, Role, User
from liaison.core.demo import DEMO_PASSWORD, DEMO_USERS
from liaison.directory.models import Contact, Organisation, OrganisationType, Place

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_loaded(db):
    call_command("load_demo", verbosity=0)


def _list_users_json(capsys) -> list[dict]:
    capsys.readouterr()
    call_command("load_demo", "--list-users", "--json")
    return json.loads(capsys.readouterr().out)


def test_demo_builds_cheshire_and_merseyside_with_every_role(demo_loaded, capsys):
    icb = Organisation.objects.get(ods_code="QYG")
    places = set(Place.objects.filter(icb=icb).values_list("name", flat=True))
    assert places == {
        "Cheshire East",
        "Cheshire West and Chester",
        "Halton",
        "Knowsley",
        "Liverpool",
        "Sefton",
        "St Helens",
        "Warrington",
        "Wirral",
    }
    practices = Organisation.objects.filter(
        icb=icb, org_type=OrganisationType.GP_PRACTICE, closed_on__isnull=True
    )
    assert practices.count() > 300
    assert Organisation.objects.filter(ods_code="REM", icb=icb).exists()
    assert Organisation.objects.filter(ods_code="S9B9J", org_type=OrganisationType.ICB).exists()

    users = _list_users_json(capsys)
    assert {row["role"] for row in users} == set(Role.values)
    assert all(set(row) == {"username", "password", "role", "organisation_ods"} for row in users)
    assert all(row["password"] == DEMO_PASSWORD for row in users)
    gp = next(row for row in users if row["username"] == "gp.liverpool")
    assert Organisation.objects.get(ods_code=gp["organisation_ods"]).place.name == "Liverpool"
    assert User.objects.get(username="gp.liverpool").check_password(DEMO_PASSWORD)
    assert Membership.objects.filter(user__username="locum.multi").count() == 2


def test_demo_is_idempotent(demo_loaded, capsys):
    counts = (
        User.objects.count(),
        Membership.objects.count(),
        Contact.objects.count(),
        Organisation.objects.count(),
    )
    call_command("load_demo", verbosity=0)
    assert (
        User.objects.count(),
        Membership.objects.count(),
        Contact.objects.count(),
        Organisation.objects.count(),
    ) == counts
    assert User.objects.filter(username__in=[spec.username for spec in DEMO_USERS]).count() == len(DEMO_USERS)


def test_whos_who_has_a_liverpool_trust_interface_lead(demo_loaded):
    lead = Contact.objects.get(organisation__ods_code="REM", role="interface_lead")
    assert lead.email.endswith("@example.nhs.uk")
    assert lead.user.username == "lead.luhft"


def test_demo_is_refused_when_demo_data_is_off(settings, db):
    settings.LIAISON_DEMO_DATA = False
    with pytest.raises(CommandError, match="Demo data is refused"):
        call_command("load_demo")
    with pytest.raises(CommandError, match="Demo data is refused"):
        call_command("load_demo", "--list-users", "--json")
    assert not User.objects.exists()


def test_demo_publishes_a_code_of_conduct_for_cheshire_and_merseyside(demo_loaded):
    from datetime import date

    from liaison.standards.selectors import code_of_conduct_for

    code = code_of_conduct_for(icb=Organisation.objects.get(ods_code="QYG"), day=date(2026, 11, 1))
    assert code.version is not None and code.version.published_at is not None
    by_code = {entry.code: entry for entry in code.standards}
    assert by_code["S03"].title == "Clinic letters within 7 days"
    assert by_code["S03"].time_limit.amount == 7
    local = [entry for entry in code.standards if entry.is_local]
    assert [entry.title for entry in local] == ["Complete referrals"]
    assert len(by_code) == 13


def test_the_demo_111_messages_load_after_the_demo_as_make_run_does(demo_loaded, capsys):
    """`make run` runs load_demo then load_demo_111 on an empty database: the 111 sender (North West
    Ambulance Service, hosted by another ICB) must come from the shipped directory, not a fixture."""
    from liaison.nhs111.models import ReceivedMessage

    capsys.readouterr()
    call_command("load_demo_111")
    lines = capsys.readouterr().out.splitlines()
    assert lines and all(line.endswith(": received") for line in lines), lines
    practice = Membership.objects.get(user__username="gp.liverpool").organisation
    assert ReceivedMessage.objects.filter(practice=practice, sender__ods_code="RX7").count() >= 3
