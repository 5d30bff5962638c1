"""factory_boy factories for tests across Liaison."""

import factory
from factory.django import DjangoModelFactory

from liaison.accounts.models import Membership, Role, User
from liaison.directory.models import Organisation, OrganisationType

TEST_PASSWORD = "correct-horse-battery-staple"


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("ods_code",)

    ods_code = factory.Sequence(lambda n: f"T{n:04d}")
    name = factory.Sequence(lambda n: f"TEST ORGANISATION {n}")
    org_type = OrganisationType.GP_PRACTICE


class ICBFactory(OrganisationFactory):
    ods_code = factory.Sequence(lambda n: f"Q{n:02d}T")
    name = factory.Sequence(lambda n: f"NHS TEST {n} INTEGRATED CARE BOARD")
    org_type = OrganisationType.ICB


class PracticeFactory(OrganisationFactory):
    ods_code = factory.Sequence(lambda n: f"N{n:05d}")
    name = factory.Sequence(lambda n: f"TEST MEDICAL CENTRE {n}")
    org_type = OrganisationType.GP_PRACTICE
    icb = factory.SubFactory(ICBFactory)


class TrustFactory(OrganisationFactory):
    ods_code = factory.Sequence(lambda n: f"R{n:02d}")
    name = factory.Sequence(lambda n: f"TEST HOSPITALS {n} NHS FOUNDATION TRUST")
    org_type = OrganisationType.TRUST
    icb = factory.SubFactory(ICBFactory)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person {n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.nhs.net")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save()


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(PracticeFactory)
    role = Role.REPORTER
