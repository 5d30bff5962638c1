"""Demo data: Cheshire & Merseyside (ICB QYG) from the real ODS files, plus Sussex, with demo people.

The organisations are real (ODS, Open Government Licence). The people and their contact details
are fictional and exist only in development: ``load_demo`` refuses to run in production mode.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.management import call_command
from django.db import transaction

from liaison.accounts.models import Membership, Role, User
from liaison.directory.models import Contact, ContactRole, Organisation, OrganisationType, Place

DEMO_PASSWORD = "Liaison-demo-2026"
CHESHIRE_AND_MERSEYSIDE = "QYG"
SUSSEX_ICBS = ("QNX", "S9B9J")


class DemoRefused(Exception):
    pass


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    job_title: str
    role: Role
    organisation: str  # an ODS code, or "place:<Place name>" for the first practice in that Place
    extra: tuple[tuple[str, Role], ...] = ()


DEMO_USERS = [
    DemoUser("gp.liverpool", "Aisha", "Rahman", "GP partner", Role.REPORTER, "place:Liverpool"),
    DemoUser("pm.wirral", "Gareth", "Owen", "Practice manager", Role.REPORTER, "place:Wirral"),
    DemoUser("nurse.sefton", "Claire", "Hughes", "Practice nurse", Role.REPORTER, "place:Sefton"),
    DemoUser(
        "lead.practice", "Tom", "Fairclough", "GP interface lead", Role.INTERFACE_LEAD, "place:Knowsley"
    ),
    DemoUser("responder.luhft", "Priya", "Nair", "Clinical director, surgery", Role.RESPONDER, "REM"),
    DemoUser("lead.luhft", "Mark", "Jennings", "Trust interface lead", Role.INTERFACE_LEAD, "REM"),
    DemoUser(
        "responder.merseycare",
        "Helen",
        "Doyle",
        "Service lead, community mental health",
        Role.RESPONDER,
        "RW4",
    ),
    DemoUser("lead.alderhey", "Sam", "Okafor", "Trust interface lead", Role.INTERFACE_LEAD, "RBS"),
    DemoUser(
        "analyst.cm",
        "Rachel",
        "Green",
        "Interface quality analyst",
        Role.ICB_ANALYST,
        CHESHIRE_AND_MERSEYSIDE,
    ),
    DemoUser(
        "admin.cm", "David", "Kerr", "Liaison administrator", Role.ADMINISTRATOR, CHESHIRE_AND_MERSEYSIDE
    ),
    DemoUser(
        "locum.multi",
        "Jo",
        "Bennett",
        "Locum GP and hospital clinical fellow",
        Role.REPORTER,
        "place:Warrington",
        extra=(("RWW", Role.RESPONDER),),
    ),
    DemoUser("gp.brighton", "Lucy", "Marsh", "GP", Role.REPORTER, "place:Brighton and Hove"),
    DemoUser("analyst.sussex", "Imran", "Shah", "Primary care interface analyst", Role.ICB_ANALYST, "S9B9J"),
]

# Fictional named contacts for the who's who, by trust ODS code.
TRUST_CONTACTS = {
    "REM": [
        (
            ContactRole.INTERFACE_LEAD,
            "Mark Jennings",
            "Trust interface lead",
            "Via switchboard 0151 706 2000, Monday to Friday",
        ),
        (
            ContactRole.MEDICAL_DIRECTOR,
            "Dr Fiona Blake",
            "Medical director",
            "Through the medical director's office",
        ),
        (
            ContactRole.CLINICAL_DIRECTOR,
            "Priya Nair",
            "Clinical director, surgery",
            "Bleep 4471 for urgent queries",
        ),
    ],
    "RBS": [
        (
            ContactRole.INTERFACE_LEAD,
            "Sam Okafor",
            "Trust interface lead",
            "Email first; replies within 2 working days",
        ),
        (
            ContactRole.MEDICAL_DIRECTOR,
            "Dr Adam Price",
            "Medical director",
            "Through the medical director's office",
        ),
    ],
    "RW4": [
        (ContactRole.INTERFACE_LEAD, "Karen Lloyd", "Primary care liaison lead", "Monday to Thursday"),
        (
            ContactRole.SERVICE_LEAD,
            "Helen Doyle",
            "Service lead, community mental health",
            "Duty line 9am to 5pm",
        ),
    ],
    "RBQ": [(ContactRole.INTERFACE_LEAD, "Neil Carter", "Trust interface lead", "")],
    "RBL": [(ContactRole.INTERFACE_LEAD, "Sian Roberts", "Trust interface lead", "")],
    "RBN": [(ContactRole.INTERFACE_LEAD, "Paul Whitfield", "Trust interface lead", "")],
    "RBT": [(ContactRole.INTERFACE_LEAD, "Anna Kowalski", "Trust interface lead", "")],
    "REN": [(ContactRole.INTERFACE_LEAD, "Grace Ellison", "Trust interface lead", "")],
    "REP": [(ContactRole.INTERFACE_LEAD, "Laura Quinn", "Trust interface lead", "")],
    "RET": [(ContactRole.INTERFACE_LEAD, "Owen Pritchard", "Trust interface lead", "")],
    "RJN": [(ContactRole.INTERFACE_LEAD, "Beth Morgan", "Trust interface lead", "")],
    "RJR": [(ContactRole.INTERFACE_LEAD, "Chris Adams", "Trust interface lead", "")],
    "RWW": [(ContactRole.INTERFACE_LEAD, "Nadia Hussain", "Trust interface lead", "")],
    "RXA": [(ContactRole.INTERFACE_LEAD, "Ian Fletcher", "Trust interface lead", "")],
    "RY7": [(ContactRole.INTERFACE_LEAD, "Joanne Pike", "Trust interface lead", "")],
}


# Fictional (commissioner, clinical lead) pairs for each Place, in Place-name order.
PLACE_PEOPLE = [
    ("Joanne Whitley", "Dr Rhys Edwards"),
    ("Martin Cole", "Dr Hannah Lowe"),
    ("Sarah Brennan", "Dr Kwame Asante"),
    ("Paula Greaves", "Dr Emma Lindsay"),
    ("Steven Moss", "Dr Farah Iqbal"),
    ("Diane Hurst", "Dr Michael Tan"),
    ("Andrew Kay", "Dr Louise Barker"),
    ("Natalie Shaw", "Dr Oliver Grant"),
    ("Ruth Ashworth", "Dr Sunita Patel"),
]

_DEMO_USERNAMES_BY_NAME = {f"{spec.first_name} {spec.last_name}": spec.username for spec in DEMO_USERS}


def _email_for(name: str) -> str:
    parts = [part for part in name.replace("Dr ", "").lower().split() if part.isalpha()]
    return ".".join(parts) + "@example.nhs.uk"


def demo_allowed() -> bool:
    return bool(settings.LIAISON_DEMO_DATA) and not settings.PRODUCTION


def _resolve_organisation(reference: str) -> Organisation:
    if reference.startswith("place:"):
        place_name = reference.removeprefix("place:")
        practice = (
            Organisation.objects.filter(
                place__name=place_name, org_type=OrganisationType.GP_PRACTICE, closed_on__isnull=True
            )
            .order_by("ods_code")
            .first()
        )
        if practice is None:
            raise DemoRefused(f"No open GP practice found in Place {place_name!r}: was the ODS import run?")
        return practice
    return Organisation.objects.get(ods_code=reference)


def demo_directory_load(*, stdout=None) -> None:
    """Import the real ODS organisations for Cheshire & Merseyside and Sussex from the shipped files."""
    arguments = ["import_ods", "--icb", CHESHIRE_AND_MERSEYSIDE]
    for code in SUSSEX_ICBS:
        arguments += ["--icb", code]
    call_command(*arguments, verbosity=1 if stdout else 0, stdout=stdout)


@transaction.atomic
def demo_people_load() -> list[dict]:
    """Create (or refresh) the demo users, their memberships and the who's who. Idempotent."""
    rows = []
    for spec in DEMO_USERS:
        user, _ = User.objects.get_or_create(username=spec.username)
        user.first_name, user.last_name, user.job_title = spec.first_name, spec.last_name, spec.job_title
        user.email = f"{spec.username}@example.nhs.uk"
        user.set_password(DEMO_PASSWORD)
        user.save()
        for role, organisation in [(spec.role, _resolve_organisation(spec.organisation))] + [
            (role, _resolve_organisation(code)) for code, role in spec.extra
        ]:
            Membership.objects.update_or_create(
                user=user, organisation=organisation, role=role, defaults={"is_active": True}
            )
            rows.append(
                {
                    "username": user.username,
                    "password": DEMO_PASSWORD,
                    "role": str(role),
                    "organisation_ods": organisation.ods_code,
                    "organisation_name": organisation.display_name,
                }
            )
    _contacts_load()
    _code_of_conduct_load()
    demo_concerns_load()
    from liaison.themes.demo import demo_themes_load

    demo_themes_load()
    return rows


def _contact(organisation: Organisation, role: str, name: str, title: str, notes: str, place=None) -> None:
    Contact.objects.update_or_create(
        organisation=organisation,
        role=role,
        name=name,
        defaults={
            "job_title": title,
            "email": _email_for(name),
            "contact_notes": notes,
            "place": place,
            # A contact who is also a demo user is linked to their account.
            "user": User.objects.filter(username=_DEMO_USERNAMES_BY_NAME.get(name, "")).first(),
        },
    )


def _contacts_load() -> None:
    for ods_code, contacts in TRUST_CONTACTS.items():
        trust = Organisation.objects.filter(ods_code=ods_code).first()
        if trust is None:
            continue
        for role, name, title, notes in contacts:
            _contact(trust, role, name, title, notes)
    icb = Organisation.objects.filter(ods_code=CHESHIRE_AND_MERSEYSIDE).first()
    if icb is None:
        return
    _contact(
        icb,
        ContactRole.QUALITY_LEAD,
        "Dr Elaine Foster",
        "ICB quality lead",
        "Escalations after 20 working days",
    )
    for index, place in enumerate(Place.objects.filter(icb=icb).order_by("name")):
        commissioner, clinical_lead = PLACE_PEOPLE[index % len(PLACE_PEOPLE)]
        _contact(
            icb,
            ContactRole.PLACE_COMMISSIONER,
            commissioner,
            f"Associate director of primary care, {place.name}",
            f"{place.name} Place team",
            place=place,
        )
        _contact(
            icb,
            ContactRole.PRIMARY_CARE_LEAD,
            clinical_lead,
            f"Clinical lead for primary care, {place.name}",
            f"{place.name} Place team",
            place=place,
        )


def _code_of_conduct_load() -> None:
    """Cheshire & Merseyside's Code of Conduct: the national standards, one re-worded, one local."""
    from datetime import date

    from liaison.standards import selectors as standards_selectors
    from liaison.standards import services as standards_services
    from liaison.standards.models import Area, Direction

    icb = Organisation.objects.filter(ods_code=CHESHIRE_AND_MERSEYSIDE).first()
    analyst = Membership.objects.filter(user__username="analyst.cm", organisation=icb).first()
    if icb is None or analyst is None or standards_selectors.code_of_conduct_of(icb=icb) is not None:
        return
    actor = analyst.user
    version = standards_services.code_of_conduct_create(
        actor=actor,
        membership=analyst,
        icb=icb,
        title="Cheshire and Merseyside Primary and Secondary Care Interface Code of Conduct",
        effective_from=date(2025, 4, 1),
        notes="Agreed by the ICB's interface group with the LMC and provider medical directors.",
    )
    clinic_letters = version.standards.get(standard__code="S03")
    standards_services.code_standard_reword(
        actor=actor,
        membership=analyst,
        entry=clinic_letters,
        local_reference="CoC 3",
        local_title="Clinic letters within 7 days",
        local_wording=(
            "After every outpatient attendance where there is something the practice needs to know or do, "
            "the provider sends a clear, electronic clinic letter within 7 calendar days, with any actions "
            "for the practice listed first."
        ),
    )
    standards_services.local_standard_add(
        actor=actor,
        membership=analyst,
        version=version,
        title="Complete referrals",
        requirement=(
            "Practices send referrals with the information the service's published referral criteria ask "
            "for, including recent results and current medication."
        ),
        direction=Direction.PRIMARY_TO_SECONDARY,
        area=Area.ONWARD_REFERRALS,
    )
    standards_services.code_of_conduct_version_publish(actor=actor, membership=analyst, version=version)


def demo_users() -> list[dict]:
    """The demo logins as they are in the database now."""
    usernames = [spec.username for spec in DEMO_USERS]
    memberships = (
        Membership.objects.filter(user__username__in=usernames, is_active=True)
        .select_related("user", "organisation")
        .order_by("user__username", "role")
    )
    order = {name: index for index, name in enumerate(usernames)}
    rows = [
        {
            "username": m.user.username,
            "password": DEMO_PASSWORD,
            "role": m.role,
            "organisation_ods": m.organisation.ods_code,
            "organisation_name": m.organisation.display_name,
        }
        for m in memberships
    ]
    return sorted(rows, key=lambda row: order[row["username"]])


@dataclass(frozen=True)
class DemoConcern:
    reporter: str  # a demo username
    about: str  # an ODS code, or "user:<username>" for that demo user's organisation
    part: str
    aspect_of_care: str
    days_ago: int
    what_happened: str
    impact: str = ""
    standards: tuple[str, ...] = ()
    staff_group: str = ""
    patient_reference: tuple[str, str] = ("", "")
    me_too: tuple[tuple[str, int], ...] = ()  # (username, days ago)


# Fictional, PID-free concerns in both directions, through the same service as the form.
DEMO_CONCERNS = [
    DemoConcern(
        "gp.liverpool",
        "REM",
        "B",
        "discharge",
        6,
        "Discharged from the acute medical unit at the Royal Liverpool site; no electronic discharge summary "
        "had arrived five days later. The practice learnt of the admission only when the patient rang about "
        "new tablets.",
        impact="Medication changes could not be reconciled and the GP spent 40 minutes chasing the ward.",
        standards=("S02",),
        staff_group="doctor",
        patient_reference=("1029384", "emis"),
        me_too=(("pm.wirral", 7), ("nurse.sefton", 4)),
    ),
    DemoConcern(
        "pm.wirral",
        "RBL",
        "B",
        "outpatients",
        12,
        "The clinic letter from the dermatology outpatient clinic arrived 19 days after the appointment. It "
        "asked the practice to start a new cream, and the patient had already run out.",
        impact="Staff time spent chasing the clinic, and the patient went without treatment for a week.",
        standards=("S03",),
        staff_group="admin",
    ),
    DemoConcern(
        "nurse.sefton",
        "RW4",
        "A",
        "communication",
        20,
        "Community mental health team discharge letters do not say whom the practice should contact with "
        "questions, and the duty line in the letter template is no longer answered.",
        staff_group="nurse",
    ),
    DemoConcern(
        "responder.luhft",
        "user:gp.liverpool",
        "A",
        "referral",
        9,
        "Two-week-wait referrals for suspected lower GI cancer arrive without a recent FIT result, so the "
        "pathway cannot start until the practice sends it.",
        staff_group="admin",
    ),
    DemoConcern(
        "lead.alderhey",
        "user:lead.practice",
        "A",
        "shared_care",
        15,
        "Families are told to ask the practice for repeat prescriptions of ADHD medication before the shared "
        "care agreement has been sent to the practice or accepted.",
        staff_group="doctor",
    ),
    DemoConcern(
        "gp.brighton",
        "RYR",
        "B",
        "outpatients",
        25,
        "Ophthalmology clinic letter not received three weeks after the appointment; the patient was told the "
        "practice would arrange the follow-up drops.",
        standards=("S03",),
        staff_group="doctor",
    ),
]


def _demo_membership(username: str) -> Membership | None:
    return (
        Membership.objects.filter(user__username=username, is_active=True)
        .select_related("user", "organisation", "organisation__icb")
        .order_by("pk")
        .first()
    )


def demo_concerns_load() -> int:
    """Submit the demo concerns and their "me too" occurrences. Idempotent: a concern already reported
    by its demo reporter with the same text is left alone. Returns how many were added."""
    from datetime import timedelta

    from django.utils import timezone

    from liaison.concerns.models import Concern, Occurrence
    from liaison.concerns.services import ConcernSubmission, add_occurrence, submit_concern

    today = timezone.localdate()
    added = 0
    for spec in DEMO_CONCERNS:
        reporter = _demo_membership(spec.reporter)
        about = (
            _demo_membership(spec.about.removeprefix("user:"))
            if spec.about.startswith("user:")
            else Organisation.objects.filter(ods_code=spec.about).first()
        )
        about_code = (
            about.organisation.ods_code if isinstance(about, Membership) else getattr(about, "ods_code", "")
        )
        if reporter is None or not about_code:
            continue
        concern = Concern.objects.filter(reporter=reporter.user, what_happened=spec.what_happened).first()
        if concern is None:
            concern, _ = submit_concern(
                membership=reporter,
                submission=ConcernSubmission(
                    part=spec.part,
                    about_organisation=about_code,
                    aspect_of_care=spec.aspect_of_care,
                    staff_group=spec.staff_group,
                    event_date=today - timedelta(days=spec.days_ago),
                    standards=list(spec.standards),
                    what_happened=spec.what_happened,
                    impact=spec.impact,
                    patient_reference=spec.patient_reference[0],
                    patient_reference_system=spec.patient_reference[1],
                    reporter_may_be_named=True,
                ),
            )
            added += 1
        for username, days_ago in spec.me_too:
            member = _demo_membership(username)
            if member is None or Occurrence.objects.filter(concern=concern, reported_by=member.user).exists():
                continue
            add_occurrence(membership=member, concern=concern, event_date=today - timedelta(days=days_ago))
    return added
