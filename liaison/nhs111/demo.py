"""Demo NHS 111 messages for the demo practice in Liverpool, through the real intake service.

Refused where demo data is refused (production). Idempotent: fixed message ids, so a second run is
answered as duplicates and stores nothing more.
"""

import uuid
from datetime import timedelta

from django.utils import timezone

from liaison.accounts.models import Membership
from liaison.core.demo import DemoRefused, demo_allowed
from liaison.directory.models import Organisation
from liaison.nhs111 import services
from liaison.nhs111.models import SenderCredential
from liaison.nhs111.samples import pem_stu3, referral_r4

DEMO_SENDER = "RX7"  # North West Ambulance Service NHS Trust, which runs NHS 111 in the North West
DEMO_GP_USERNAME = "gp.liverpool"


def demo_111_load() -> list[tuple[str, int]]:
    """Send the demo messages; returns (description, HTTP status) for each."""
    if not demo_allowed():
        raise DemoRefused("Demo data is refused here (production mode or LIAISON_DEMO_DATA off).")
    sender = Organisation.objects.filter(ods_code=DEMO_SENDER).first()
    membership = (
        Membership.objects.filter(user__username=DEMO_GP_USERNAME).select_related("organisation").first()
    )
    if sender is None or membership is None:
        raise DemoRefused("Run `liaison load_demo` first: the demo practice and 111 provider are missing.")
    credential = SenderCredential.objects.filter(organisation=sender, name="Demo 111 system").first()
    if credential is None:
        credential, _ = services.sender_credential_issue(organisation=sender, name="Demo 111 system")
    practice = membership.organisation.ods_code
    now = timezone.now()

    def at(hours: float) -> str:
        return (now + timedelta(hours=hours)).isoformat(timespec="seconds")

    messages = [
        (
            "Referral for action, repeat caller, due in 2 hours",
            referral_r4(
                message_id="6f1c2a7e-1d1e-4c55-9a51-0d4e5f6a7b81",
                practice_ods=practice,
                repeat_caller=True,
                contact_by=at(2),
                contact_started=at(-1),
            ),
        ),
        (
            "Referral for action, overdue, some Required sections missing",
            referral_r4(
                message_id="6f1c2a7e-1d1e-4c55-9a51-0d4e5f6a7b82",
                practice_ods=practice,
                patient_name="Peter Sample",
                nhs_number="9990000034",  # synthetic, from the 999 test range
                contact_by=at(-1),
                contact_started=at(-5),
                drop=("allergy", "wishes"),
                birth_sex="F",
                gender="male",
            ),
        ),
        (
            "Post Event Message for information",
            pem_stu3(message_id="6f1c2a7e-1d1e-4c55-9a51-0d4e5f6a7b83", practice_ods=practice),
        ),
        (
            "Referral for a patient with no registered practice (ICB queue)",
            referral_r4(
                message_id="6f1c2a7e-1d1e-4c55-9a51-0d4e5f6a7b84",
                practice_ods=None,
                patient_name="Sam Visitor",
                nhs_number="9990000042",
                contact_by=at(4),
                contact_started=at(-2),
            ),
        ),
    ]
    results = []
    for description, bundle in messages:
        receipt = services.message_receive(
            data=bundle, credential=credential, request_id=str(uuid.uuid4()), correlation_id=str(uuid.uuid4())
        )
        results.append((description, receipt.status))
    return results
