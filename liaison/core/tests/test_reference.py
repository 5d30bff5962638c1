"""Reference data kept per process: the database changes the generation token on every write to a
covered table, whoever writes; what is kept under an older token is never served; routing sees a
change at once, even one made behind the application's back (H-10)."""

from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.utils import timezone

from liaison.accounts.models import Membership, Role, User
from liaison.core import reference
from liaison.core.factories import ICBFactory, TrustFactory, UserFactory
from liaison.directory.models import Contact, ContactRole, OrganisationService, Place, Specialty
from liaison.notifications.models import NotificationPreference
from liaison.routing.models import ClockPolicy, RoutingRule
from liaison.standards.models import (
    CodeOfConduct,
    CodeOfConductVersion,
    CodeStandard,
    Standard,
    StandardTimeLimit,
    TimeLimitUnit,
)

pytestmark = pytest.mark.django_db


def _builders(icb, trust):
    """How to make one more row of each covered table (it must be deletable again)."""
    specialty = Specialty.objects.create(code="T99", name="Test specialty")
    standard = Standard.objects.create(
        code="T02", slug="t02", title="Another test standard", requirement="Do it too.", source="Test"
    )
    code = CodeOfConduct.objects.create(icb=icb, title="The test Code")
    version = CodeOfConductVersion.objects.create(
        code_of_conduct=code, version="1.0", effective_from=date(2026, 1, 1)
    )
    return {
        "directory_organisation": lambda: TrustFactory(icb=icb),
        "directory_place": lambda: Place.objects.create(name="Test Place", icb=icb),
        "directory_specialty": lambda: Specialty.objects.create(code="T98", name="Another specialty"),
        "directory_organisationservice": lambda: OrganisationService.objects.create(
            organisation=trust, specialty=specialty
        ),
        "directory_contact": lambda: Contact.objects.create(
            organisation=trust, role=ContactRole.INTERFACE_LEAD, name="Dr T Contact"
        ),
        "standards_standard": lambda: Standard.objects.create(
            code="T01", slug="t01", title="A test standard", requirement="Do it.", source="Test"
        ),
        "standards_standardtimelimit": lambda: StandardTimeLimit.objects.create(
            standard=standard, amount=5, unit=TimeLimitUnit.WORKING_DAYS, in_force_from=date(2026, 1, 1)
        ),
        "standards_codeofconduct": lambda: CodeOfConduct.objects.create(
            icb=ICBFactory(), title="A test Code"
        ),
        "standards_codeofconductversion": lambda: CodeOfConductVersion.objects.create(
            code_of_conduct=CodeOfConduct.objects.create(icb=ICBFactory(), title="Another Code"),
            version="9.9",
            effective_from=date(2026, 1, 1),
        ),
        "standards_codestandard": lambda: CodeStandard.objects.create(version=version, standard=standard),
        "routing_routingrule": lambda: RoutingRule.objects.create(
            icb=icb, recipient_organisation=trust, recipient_role=Role.RESPONDER
        ),
        "routing_clockpolicy": lambda: ClockPolicy.objects.create(icb=ICBFactory()),
        "accounts_membership": lambda: Membership.objects.create(
            user=UserFactory(), organisation=trust, role=Role.RESPONDER
        ),
        "accounts_user": lambda: UserFactory(),
        "notifications_notificationpreference": lambda: NotificationPreference.objects.create(
            user=UserFactory()
        ),
    }


def test_every_covered_table_has_its_trigger():
    assert reference.installed_everywhere() == []
    assert reference.token() is not None


@pytest.mark.parametrize("table", sorted(reference.COVERED))
def test_insert_update_and_delete_on_each_covered_table_change_the_token(table, icb, trust):
    builders = _builders(icb, trust)
    assert set(builders) == set(reference.COVERED)  # every covered table is tried here
    before = reference.token()
    row = builders[table]()
    assert row._meta.db_table == table
    after_insert = reference.token()
    assert after_insert != before, f"inserting into {table} left the token as it was"
    column = next(
        field.attname
        for field in row._meta.concrete_fields
        if not field.primary_key
        and (reference.COVERED[table] is None or field.attname in reference.COVERED[table])
    )
    # A bulk update, as a data fix would be: no model method or signal runs.
    type(row).objects.filter(pk=row.pk).update(**{column: F(column)})
    after_update = reference.token()
    assert after_update != after_insert, f"updating {table}.{column} left the token as it was"
    type(row).objects.filter(pk=row.pk).delete()
    assert reference.token() != after_update, f"deleting from {table} left the token as it was"


def test_signing_in_does_not_change_the_token(reporter):
    """last_login and password change on sign-in: they matter to nothing routing keeps."""
    before = reference.token()
    User.objects.filter(pk=reporter.pk).update(last_login=timezone.now(), password=F("password"))
    assert reference.token() == before
    User.objects.filter(pk=reporter.pk).update(email="someone.else@example.nhs.net")
    assert reference.token() != before


def test_a_write_in_plain_sql_changes_the_token(trust):
    before = reference.token()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE directory_organisation SET name = name WHERE id = %s", [trust.pk])
    assert reference.token() != before


def test_migrate_remakes_a_trigger_that_has_gone():
    """SQLite drops a table's triggers when a migration rebuilds the table: migrate makes them again."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER liaison_reference_changed ON directory_contact")
        else:
            for suffix in ("insert", "update", "delete"):
                cursor.execute(f"DROP TRIGGER liaison_reference_directory_contact_{suffix}")
    assert reference.installed_everywhere() == ["directory_contact"]
    call_command("migrate", "core", verbosity=0)
    assert reference.installed_everywhere() == []


class TestKept:
    def test_kept_while_the_token_stands_and_read_again_when_it_changes(self):
        kept = reference.Kept()
        reads = []

        def load():
            reads.append(1)
            return len(reads)

        assert kept.get("key", load, token="a") == 1
        assert kept.get("key", load, token="a") == 1
        assert kept.get("key", load, token="b") == 2
        assert kept.get("key", load, token="a") == 3  # never an entry kept under another token
        assert len(reads) == 3

    def test_nothing_is_kept_without_a_token(self):
        kept = reference.Kept()
        reads = []
        for _ in range(3):
            kept.get("key", lambda: reads.append(1), token=None)
        assert len(reads) == 3

    def test_a_full_store_starts_again(self):
        kept = reference.Kept(limit=2)
        for key in range(5):
            kept.get(key, lambda key=key: key, token="a")
        assert len(kept._entries) <= 2


def test_a_time_limit_changed_in_plain_sql_is_in_force_for_the_next_submission(icb):
    """H-08: the Code of Conduct kept for submissions follows any change to a time limit at once."""
    from liaison.standards.selectors import code_of_conduct_for

    standard = Standard.objects.create(
        code="T03", slug="t03", title="Letters within a week", requirement="Send it.", source="Test"
    )
    limit = StandardTimeLimit.objects.create(
        standard=standard, amount=7, unit=TimeLimitUnit.CALENDAR_DAYS, in_force_from=date(2026, 1, 1)
    )
    day = date(2026, 6, 1)

    def amount() -> int:
        code = code_of_conduct_for(icb=icb, day=day, token=reference.token())
        return next(item.time_limit.amount for item in code.standards if item.code == "T03")

    assert amount() == 7
    assert amount() == 7  # kept
    with connection.cursor() as cursor:
        cursor.execute("UPDATE standards_standardtimelimit SET amount = 3 WHERE id = %s", [limit.pk])
    assert amount() == 3
