"""Demo themes for ``make run``: fictional, PID-free concerns in Cheshire and Merseyside, grouped into
themes by a real rebuild, one of them rising, one with an analyst's action.

Called by ``liaison.core.demo`` after the demo concerns. Idempotent: a concern already reported by its
demo reporter with the same text is left alone, and the rebuild changes nothing the second time.
"""

from datetime import timedelta

# (reporter, about ODS code, days ago, what happened). Days ago spread over 16 weeks; the discharge
# medication theme has most of its concerns in the last four weeks, so the rising test calls it.
DEMO_THEME_CONCERNS = [
    # Discharge medication: rising.
    (
        "gp.liverpool",
        "REM",
        2,
        "Discharge medication list omitted the new anticoagulant started on the ward.",
    ),
    ("pm.wirral", "REM", 4, "Discharge medication list did not say the blood pressure tablets were stopped."),
    ("nurse.sefton", "REM", 6, "Discharge medication list had the wrong dose of the new anticoagulant."),
    ("lead.practice", "REM", 9, "Discharge medication changes were not explained on the discharge letter."),
    (
        "gp.liverpool",
        "REM",
        12,
        "Discharge medication list missing the insulin dose changes made on the ward.",
    ),
    ("pm.wirral", "REM", 15, "Discharge medication list showed tablets the ward had stopped."),
    ("nurse.sefton", "REM", 19, "Discharge medication list gave no reason for stopping the statin."),
    (
        "lead.practice",
        "REM",
        24,
        "Discharge medication list did not mention the new inhaler started on the ward.",
    ),
    ("gp.liverpool", "REM", 70, "Discharge medication list left out the steroid reducing dose."),
    # Clinic letters late: steady.
    ("pm.wirral", "RBL", 5, "Outpatient clinic letter arrived three weeks after the appointment."),
    (
        "gp.liverpool",
        "RBL",
        20,
        "Outpatient clinic letter arrived a month after the appointment with new actions.",
    ),
    (
        "nurse.sefton",
        "RBL",
        35,
        "Outpatient clinic letter still not received four weeks after the appointment.",
    ),
    (
        "lead.practice",
        "RBL",
        50,
        "Outpatient clinic letter arrived after the patient had run out of the new cream.",
    ),
    ("pm.wirral", "RBL", 65, "Outpatient clinic letter arrived five weeks after the appointment."),
    ("gp.liverpool", "RBL", 80, "Outpatient clinic letter asked the practice to act but arrived weeks late."),
    ("nurse.sefton", "RBL", 95, "Outpatient clinic letter received six weeks after the appointment."),
    # Tests ordered by the hospital, chased by the practice: steady.
    (
        "gp.liverpool",
        "RBS",
        8,
        "Hospital asked the practice to chase a blood test result the clinic ordered.",
    ),
    (
        "lead.practice",
        "REM",
        22,
        "Hospital asked the practice to chase the scan result the consultant ordered.",
    ),
    ("pm.wirral", "RBS", 40, "Hospital asked the practice to chase an x-ray result the clinic requested."),
    (
        "nurse.sefton",
        "REM",
        55,
        "Hospital asked the practice to chase the blood test result the ward requested.",
    ),
    ("gp.liverpool", "REM", 75, "Hospital asked the practice to chase a scan result the clinic ordered."),
    ("pm.wirral", "RBS", 100, "Hospital asked the practice to chase the test result the clinic ordered."),
    # Fit notes: steady.
    ("nurse.sefton", "RW4", 10, "Patient sent to the practice for a fit note after the hospital stay."),
    (
        "gp.liverpool",
        "REM",
        30,
        "Patient told by the ward to get a fit note from the practice after surgery.",
    ),
    (
        "lead.practice",
        "RW4",
        45,
        "Patient sent to the practice for a fit note the clinic should have issued.",
    ),
    (
        "pm.wirral",
        "REM",
        60,
        "Patient told by the clinic to ask the practice for a fit note after the operation.",
    ),
    ("nurse.sefton", "RW4", 90, "Patient sent to the practice for a fit note after discharge from the ward."),
]

ASPECTS = {
    "Discharge medication": "medication",
    "Outpatient clinic": "outpatients",
    "Hospital asked": "results",
}
DEMO_ACTION = "Pharmacist check of every discharge medication list before the summary is sent"


def _aspect(text: str) -> str:
    return next((aspect for prefix, aspect in ASPECTS.items() if text.startswith(prefix)), "communication")


def demo_themes_load() -> int:
    """Submit the demo theme concerns, rebuild Cheshire and Merseyside's themes, and give the rising
    one an owner and an action. Returns how many concerns were added."""
    from django.utils import timezone

    from liaison.accounts.models import Membership
    from liaison.concerns.models import Concern
    from liaison.concerns.services import ConcernSubmission, submit_concern
    from liaison.directory.models import Organisation
    from liaison.themes import services
    from liaison.themes.models import ThemeAction

    today = timezone.localdate()
    members = {
        member.user.username: member
        for member in Membership.objects.filter(
            user__username__in={row[0] for row in DEMO_THEME_CONCERNS} | {"analyst.cm"}, is_active=True
        ).select_related("user", "organisation")
    }
    added = 0
    for username, about, days_ago, text in DEMO_THEME_CONCERNS:
        member = members.get(username)
        if member is None or not Organisation.objects.filter(ods_code=about).exists():
            continue
        if Concern.objects.filter(reporter=member.user, what_happened=text).exists():
            continue
        submit_concern(
            membership=member,
            submission=ConcernSubmission(
                part="A",
                about_organisation=about,
                aspect_of_care=_aspect(text),
                event_date=today - timedelta(days=days_ago),
                what_happened=text,
                reporter_may_be_named=True,
            ),
        )
        added += 1
    icb = Organisation.objects.filter(ods_code="QYG").first()
    analyst = members.get("analyst.cm")
    if icb is None:
        return added
    services.themes_rebuild(icb=icb)
    rising = icb.themes.filter(status="active", rising=True).first()
    if analyst is not None and rising is not None and not ThemeAction.objects.filter(theme=rising).exists():
        services.theme_set_owner(membership=analyst, theme=rising, owner_id=analyst.user_id)
        trust = Organisation.objects.filter(ods_code="REM").first()
        services.theme_action_add(
            membership=analyst,
            theme=rising,
            action=DEMO_ACTION,
            owner_organisation_id=trust.pk if trust else None,
            owner_person="Chief pharmacist",
            due_date=today + timedelta(days=30),
        )
    return added
