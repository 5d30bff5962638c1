"""Reference data kept per process: the database changes the generation token on every write to a
covered table, whoever writes; what is kept under an older token is never served; routing sees a
change at once, even one made behind the application's back (H-10)."""

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
from liaison.standards.models import Standard

pytestmark = pytest.mark.django_db


def _builders(icb, trust):
    """How to make one more row of each covered table (it must be deletable again)."""
    specialty = Specialty.objects.create(code="T99", name="Test specialty")
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
